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

use super::peers::Channel;
use super::store_work::{Asked, StoreWork};

/// What the walks decided that the node must hear.
pub enum Outcome {
    /// `peer` broke the replies messages: counted with its invalid input.
    Fault(PeerId, Error),
    /// Valid replies `peer` sent: the node gates those addressed to the user, then stores.
    Replies(PeerId, Vec<Event>),
}

/// Whose request this node sent on a v2 stream was a 2.1 one.
enum Sent {
    /// A walk down `root`'s thread asked `peer`.
    Walk { peer: PeerId, root: EventId },
    /// The node's inbox catch-up asked `peer`.
    CatchUp { peer: PeerId },
}

/// The walks under way, the 2.1 requests sent, and which peers speak the replies messages.
/// Lists rather than maps: they hold a few entries (three peers an opening), and each map type
/// is code of its own in the wasm.
#[derive(Default)]
pub struct Threads {
    fetches: ThreadFetches<PeerId>,
    sent: Vec<(OutboundRequestId, Sent)>,
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
        self.sent.push((id, Sent::CatchUp { peer }));
    }

    /// The 2.1 request `id` was, if it was one, no longer in flight.
    fn take_sent(&mut self, id: OutboundRequestId) -> Option<Sent> {
        let at = self.sent.iter().position(|(sent, _)| *sent == id)?;
        Some(self.sent.swap_remove(at).1)
    }

    /// Takes an event of the v2 behaviour if it is a 2.1 request, or the answer to one this
    /// node sent (or its failure); anything else is sync's.
    pub fn on_event(
        &mut self,
        event: request_response::Event<Vec<u8>, Vec<u8>>,
        work: &StoreWork,
        verified: &VerifiedIds,
        now: u64,
    ) -> Routed {
        let answers = match &event {
            request_response::Event::Message {
                message: request_response::Message::Response { request_id, .. },
                ..
            }
            | request_response::Event::OutboundFailure { request_id, .. } => Some(*request_id),
            _ => None,
        };
        if let Some(sent) = answers.and_then(|id| self.take_sent(id)) {
            let answer = match event {
                request_response::Event::Message {
                    message: request_response::Message::Response { response, .. },
                    ..
                } => Ok(response),
                request_response::Event::OutboundFailure { error, .. } => Err(error.to_string()),
                // Only answers and failures name a request sent.
                _ => return Routed::Taken(None),
            };
            return match sent {
                Sent::Walk { peer, root } => {
                    match answer {
                        Ok(bytes) => self
                            .fetches
                            .on_response(&peer, &root, &bytes, now, verified),
                        Err(error) => {
                            console::debug_1(
                                &format!("phemossa: replies request to {peer}: {error}").into(),
                            );
                            self.fetches.on_failure(&peer, &root);
                        }
                    }
                    Routed::Taken(None)
                }
                Sent::CatchUp { peer } => Routed::CatchUp(peer, answer),
            };
        }
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            } if is_replies_message(&request) => {
                Routed::Taken(self.serve(peer, channel, &request, work))
            }
            other => Routed::Other(other),
        }
    }

    /// Serves `peer`'s 2.1 request from the store, within the serving limits; what the peer did
    /// wrong if it is no request.
    fn serve(
        &mut self,
        peer: PeerId,
        channel: Channel,
        request: &[u8],
        work: &StoreWork,
    ) -> Option<(PeerId, Error)> {
        let asked = match RepliesMessage::decode(request) {
            Ok(RepliesMessage::Request { parents, after }) => Asked::Replies { parents, after },
            Ok(RepliesMessage::InboxRequest { addressee, after }) => Asked::Inbox {
                person: addressee,
                after,
            },
            Ok(RepliesMessage::Response { .. } | RepliesMessage::InboxResponse { .. }) => {
                let reason = "a response where a request goes".into();
                return Some((peer, Error::UnexpectedSyncMessage { reason }));
            }
            Err(error) => return Some((peer, error)),
        };
        // Past the limits the request is dropped unanswered: its stream closes and the asker's
        // walk or catch-up ends; nobody is counted.
        if self.serving.admit(&peer) {
            work.serve_asked(peer, channel, asked);
        } else {
            console::debug_1(&format!("phemossa: {peer} asked more than is served at once").into());
        }
        None
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
                    self.sent.push((id, Sent::Walk { peer, root }));
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
