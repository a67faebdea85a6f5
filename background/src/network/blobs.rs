//! Blob transfer on the swarm (`/phemossa/blob/1.0.0`, docs/protocol.md §12): peers' requests
//! answered from the store, and the node's fetches (`phemossa_node::blob_fetches`, which decides
//! whom to ask) sent and their answers handed back. Only translation: every decision is the
//! fetcher's.

use std::collections::HashMap;

use libp2p::request_response::{self, OutboundRequestId};
use libp2p::PeerId;
use phemossa_core::blob::BlobKind;
use phemossa_core::keys::BlobHash;
use phemossa_net::SyncCodec;
use phemossa_node::blob_fetches::{BlobAction, BlobFetches};
use phemossa_sync::blob::BlobMessage;
use web_sys::console;

use super::store_work::StoreWork;

/// Requests we sent, by id, so each answer goes to the fetch that asked.
#[derive(Default)]
pub struct Blobs {
    fetches: BlobFetches<PeerId>,
    asked: HashMap<OutboundRequestId, (PeerId, BlobHash)>,
}

/// What the driver must tell the node's machine after blob work.
pub enum Outcome {
    /// `peer` broke the blob protocol: counted with its other invalid input.
    Fault(PeerId),
}

impl Blobs {
    /// Wants `hash` of `kind`, first from `from` (the peer whose event named it).
    pub fn want(&mut self, hash: BlobHash, kind: BlobKind, from: Option<PeerId>, peers: &[PeerId]) {
        self.fetches.want(hash, kind, from, peers);
    }

    /// A peer connected: parked fetches ask it.
    pub fn connected(&mut self, peers: &[PeerId]) {
        self.fetches.connected(peers);
    }

    /// Translates one event of the blob behaviour.
    pub fn on_event(
        &mut self,
        event: request_response::Event<Vec<u8>, Vec<u8>>,
        peers: &[PeerId],
        work: &StoreWork,
    ) -> Option<Outcome> {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => match BlobMessage::decode(&request) {
                    Ok(BlobMessage::Request { hash, offset }) => {
                        work.serve_blob(channel, hash, offset);
                        None
                    }
                    Ok(_) => Some(Outcome::Fault(peer)),
                    Err(error) => {
                        console::info_1(
                            &format!("phemossa: bad blob request from {peer}: {error}").into(),
                        );
                        Some(Outcome::Fault(peer))
                    }
                },
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    let (asked, hash) = self.asked.remove(&request_id)?;
                    self.fetches.on_response(&asked, &hash, &response, peers);
                    None
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                let (asked, hash) = self.asked.remove(&request_id)?;
                console::debug_1(&format!("phemossa: blob request to {asked}: {error}").into());
                self.fetches.on_failure(&asked, &hash, peers);
                None
            }
            request_response::Event::InboundFailure { .. }
            | request_response::Event::ResponseSent { .. } => None,
        }
    }

    /// Carries out what the fetcher decided: requests sent, blobs stored, faults reported.
    pub fn carry_out(
        &mut self,
        behaviour: &mut request_response::Behaviour<SyncCodec>,
        work: &StoreWork,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        while let Some(action) = self.fetches.poll_action() {
            match action {
                BlobAction::Request { peer, hash, bytes } => {
                    let id = behaviour.send_request(&peer, bytes);
                    self.asked.insert(id, (peer, hash));
                }
                BlobAction::Fetched { hash, kind, bytes } => work.store_blob(hash, kind, bytes),
                BlobAction::Fault { peer, error } => {
                    console::info_1(&format!("phemossa: bad blob from {peer}: {error}").into());
                    outcomes.push(Outcome::Fault(peer));
                }
                BlobAction::Parked { hash } => console::debug_1(
                    &format!("phemossa: no connected peer holds picture {hash} yet").into(),
                ),
                BlobAction::Refused { hash, error } => console::info_1(
                    &format!("phemossa: picture {hash} cannot be used: {error}").into(),
                ),
            }
        }
        outcomes
    }
}
