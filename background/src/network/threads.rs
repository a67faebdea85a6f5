//! Sync 2.1's messages on the swarm (`/phemossa/sync/2.1.0`, carried on sync v2's streams):
//! peers' replies-requests (§8.10) and inbox catch-up requests (§8.9) answered from the store;
//! the node's walks down the threads the user opens (`phemossa_node::thread_fetches`, which
//! decides whom to ask what) sent and their answers handed back; and the answers to the node's
//! inbox catch-ups routed back to it. Only translation: every decision is the walker's or the
//! node's.

use libp2p::request_response::{self, OutboundRequestId};
use libp2p::PeerId;
use phemossa_core::event::VerifiedIds;
use phemossa_core::{Error, Event, EventId};
use phemossa_net::SyncCodec;
use phemossa_node::serve_limits::ServeLimits;
use phemossa_node::thread_fetches::{ThreadAction, ThreadFetches};
use phemossa_sync::replies::{is_replies_message, RepliesMessage};
use web_sys::console;

use super::store_work::{Asked, StoreWork};

/// What the walks decided that the node must hear.
pub enum Outcome {
    /// `peer` broke the replies messages: counted with its invalid input.
    Fault(PeerId, Error),
    /// Valid replies `peer` sent: the node gates those addressed to the user, then stores.
    Replies(PeerId, Vec<Event>),
}

/// The walks under way, the requests they sent, and which peers speak the replies messages.
/// Lists rather than maps: they hold a few entries (three peers an opening), and each map type
/// is code of its own in the wasm.
#[derive(Default)]
pub struct Threads {
    fetches: ThreadFetches<PeerId>,
    asked: Vec<(OutboundRequestId, PeerId, EventId)>,
    /// The node's inbox catch-up requests in flight.
    catching_up: Vec<(OutboundRequestId, PeerId)>,
    /// Peers whose identify listed `/phemossa/sync/2.1.0`, until their last connection closes.
    speakers: Vec<PeerId>,
    /// Peers' requests being served, two a peer and four in all.
    serving: ServeLimits<PeerId>,
}

/// Whose a v2 event was.
pub enum Routed {
    /// A 2.1 message or a failure of a walk's request, handled; with what the peer did wrong.
    Taken(Option<(PeerId, Error)>),
    /// The answer to the node's inbox catch-up request to this peer, or why there is none.
    CatchUp(PeerId, Result<Vec<u8>, String>),
    /// Sync's own: for the node.
    Other(request_response::Event<Vec<u8>, Vec<u8>>),
}

impl Threads {
    /// Identify told whether `peer` speaks the replies messages.
    pub fn identified(&mut self, peer: PeerId, speaks: bool) {
        self.speakers.retain(|p| *p != peer);
        if speaks {
            self.speakers.push(peer);
        }
    }

    /// `peer`'s last connection closed.
    pub fn disconnected(&mut self, peer: &PeerId) {
        self.speakers.retain(|p| p != peer);
        self.fetches.disconnected(peer);
    }

    /// The user opened `root`'s thread, holding `held` of it: `connected` peers (not banned,
    /// not relays) that speak the replies messages are asked for more.
    pub fn open(&mut self, root: EventId, held: &[EventId], connected: &[PeerId], now: u64) {
        let peers: Vec<PeerId> = connected
            .iter()
            .filter(|peer| self.speakers.contains(peer))
            .copied()
            .collect();
        self.fetches.open(root, held, &peers, now);
    }

    /// A request of `peer` was answered from the store, or could not be.
    pub fn served(&mut self, peer: &PeerId) {
        self.serving.done(peer);
    }

    /// The node sent `peer` an inbox catch-up request as `id`.
    pub fn catching_up(&mut self, id: OutboundRequestId, peer: PeerId) {
        self.catching_up.push((id, peer));
    }

    fn take_catch_up(&mut self, request_id: OutboundRequestId) -> Option<PeerId> {
        let at = self
            .catching_up
            .iter()
            .position(|(id, _)| *id == request_id)?;
        Some(self.catching_up.swap_remove(at).1)
    }

    fn take_asked(&mut self, request_id: OutboundRequestId) -> Option<(PeerId, EventId)> {
        let at = self.asked.iter().position(|(id, _, _)| *id == request_id)?;
        let (_, peer, root) = self.asked.swap_remove(at);
        Some((peer, root))
    }

    /// Takes an event of the v2 behaviour if it is a replies message or the answer to one of
    /// ours (or its failure); anything else is sync's.
    pub fn on_event(
        &mut self,
        event: request_response::Event<Vec<u8>, Vec<u8>>,
        work: &StoreWork,
        verified: &VerifiedIds,
        now: u64,
    ) -> Routed {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            } if is_replies_message(&request) => {
                let asked = match RepliesMessage::decode(&request) {
                    Ok(RepliesMessage::Request { parents, after }) => {
                        Ok(Asked::Replies { parents, after })
                    }
                    Ok(RepliesMessage::InboxRequest { addressee, after }) => Ok(Asked::Inbox {
                        person: addressee,
                        after,
                    }),
                    Ok(other) => Err(other),
                    Err(error) => return Routed::Taken(Some((peer, error))),
                };
                Routed::Taken(match asked {
                    Ok(asked) => {
                        // Past the limits the request is dropped unanswered: its stream
                        // closes and the asker's walk or catch-up ends; nobody is counted.
                        if self.serving.admit(&peer) {
                            work.serve_asked(peer, channel, asked);
                        } else {
                            console::debug_1(
                                &format!("phemossa: {peer} asked more than is served at once")
                                    .into(),
                            );
                        }
                        None
                    }
                    // A response where a request goes.
                    Err(_) => Some((
                        peer,
                        Error::UnexpectedSyncMessage {
                            reason: "a response where a request goes".into(),
                        },
                    )),
                })
            }
            request_response::Event::Message {
                peer,
                connection_id,
                message:
                    request_response::Message::Response {
                        request_id,
                        response,
                    },
            } => match self.take_asked(request_id) {
                Some((asked, root)) => {
                    self.fetches
                        .on_response(&asked, &root, &response, now, verified);
                    Routed::Taken(None)
                }
                None if self.take_catch_up(request_id).is_some() => {
                    Routed::CatchUp(peer, Ok(response))
                }
                None => Routed::Other(request_response::Event::Message {
                    peer,
                    connection_id,
                    message: request_response::Message::Response {
                        request_id,
                        response,
                    },
                }),
            },
            request_response::Event::OutboundFailure {
                peer,
                connection_id,
                request_id,
                error,
            } => match self.take_asked(request_id) {
                Some((asked, root)) => {
                    console::debug_1(
                        &format!("phemossa: replies request to {asked}: {error}").into(),
                    );
                    self.fetches.on_failure(&asked, &root);
                    Routed::Taken(None)
                }
                None if self.take_catch_up(request_id).is_some() => {
                    Routed::CatchUp(peer, Err(error.to_string()))
                }
                None => Routed::Other(request_response::Event::OutboundFailure {
                    peer,
                    connection_id,
                    request_id,
                    error,
                }),
            },
            other => Routed::Other(other),
        }
    }

    /// Carries out what the walks decided: requests sent; the replies and faults found are
    /// returned for the node.
    pub fn carry_out(
        &mut self,
        behaviour: &mut request_response::Behaviour<SyncCodec>,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        while let Some(action) = self.fetches.poll_action() {
            match action {
                ThreadAction::Request { peer, root, bytes } => {
                    let id = behaviour.send_request(&peer, bytes);
                    self.asked.push((id, peer, root));
                }
                ThreadAction::Store { peer, replies } => {
                    outcomes.push(Outcome::Replies(peer, replies))
                }
                ThreadAction::Fault { peer, error } => outcomes.push(Outcome::Fault(peer, error)),
            }
        }
        outcomes
    }
}
