//! Answering a victim's sync requests with lies: a sync-request gets the ids of forged events,
//! an event-request gets those forged events, anything else gets garbage. Pure: bytes in,
//! bytes and a description out.

use std::collections::BTreeMap;

use phemossa_core::EventId;
use phemossa_sync::{Cursor, Message};

use crate::error::Error;
use crate::forge::{random_garbage, ForgedEvent, ForgedKind, Forger};

/// What one answer was, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// A sync-request, answered with this many forged ids.
    SyncRequest { forged_ids: usize },
    /// An event-request, answered with this many forged events.
    EventRequest {
        forged_events: usize,
        bad_signature: usize,
        wrong_id: usize,
    },
    /// Anything else (a malformed request, a response kind, gossip): answered with garbage.
    Other { reason: String },
}

/// One victim's view of this peer's store: a fixed set of forged events, listed and served
/// as though they were real.
#[derive(Debug)]
pub struct Responder {
    /// Forged events by claimed id.
    forged: BTreeMap<EventId, ForgedEvent>,
}

impl Responder {
    /// Forges `count` events dated `now_ms`, alternately with a wrong id and a bad signature.
    pub fn new(forger: &mut Forger, count: usize, now_ms: u64) -> Result<Responder, Error> {
        let mut forged = BTreeMap::new();
        for i in 0..count {
            let kind = if i % 2 == 0 {
                ForgedKind::WrongId
            } else {
                ForgedKind::BadSignature
            };
            let event = forger.forge(kind, now_ms)?;
            forged.insert(event.claimed_id, event);
        }
        Ok(Responder { forged })
    }

    /// The forged events, in the (timestamp, id) order a sync-response lists ids in.
    pub fn events(&self) -> Vec<&ForgedEvent> {
        let mut events: Vec<&ForgedEvent> = self.forged.values().collect();
        events.sort_by_key(|e| Cursor {
            timestamp: e.timestamp,
            id: e.claimed_id,
        });
        events
    }

    /// The answer to one request's bytes. Never fails: input this peer cannot use gets garbage.
    pub fn answer(&self, request: &[u8]) -> (Vec<u8>, Answered) {
        match Message::decode(request) {
            Ok(Message::SyncRequest { req, .. }) => {
                // Whatever the scope and cursor asked, list every forged id on one last page.
                let ids: Vec<EventId> = self.events().iter().map(|e| e.claimed_id).collect();
                let forged_ids = ids.len();
                let response = Message::SyncResponse {
                    req,
                    ids,
                    next: None,
                };
                (response.encode(), Answered::SyncRequest { forged_ids })
            }
            Ok(Message::EventRequest { req, ids }) => {
                let mut events = Vec::new();
                let mut unknown = Vec::new();
                let (mut bad_signature, mut wrong_id) = (0, 0);
                for id in ids {
                    match self.forged.get(&id) {
                        Some(event) => {
                            match event.kind {
                                ForgedKind::BadSignature => bad_signature += 1,
                                ForgedKind::WrongId => wrong_id += 1,
                            }
                            events.push(event.json.clone());
                        }
                        None => unknown.push(id),
                    }
                }
                let forged_events = events.len();
                let response = Message::EventResponse {
                    req,
                    events,
                    unknown,
                };
                (
                    response.encode(),
                    Answered::EventRequest {
                        forged_events,
                        bad_signature,
                        wrong_id,
                    },
                )
            }
            Ok(other) => (
                random_garbage(),
                Answered::Other {
                    reason: format!("not a request: {}", kind_name(&other)),
                },
            ),
            Err(e) => (
                random_garbage(),
                Answered::Other {
                    reason: e.to_string(),
                },
            ),
        }
    }
}

fn kind_name(message: &Message) -> &'static str {
    match message {
        Message::SyncRequest { .. } => "sync-request",
        Message::SyncResponse { .. } => "sync-response",
        Message::EventRequest { .. } => "event-request",
        Message::EventResponse { .. } => "event-response",
        Message::NewEvent { .. } => "new-event",
    }
}
