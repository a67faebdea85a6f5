//! The sync v2 messages and their one CBOR encoding (docs/protocol.md §9.2).
//!
//! The fetch messages are v1's event-request and event-response, kinds 2 and 3, byte for byte;
//! kinds 5–7 carry negentropy messages. As in v1, decoding refuses oversized input before
//! parsing, then anything that does not re-encode to exactly the bytes received. The negentropy
//! bytes inside are checked later, by the negentropy crate, when they are reconciled.

use ciborium::value::Value;

use crate::message::{
    array, cbor_bytes, cbor_value, malformed, next_item, scope_from, scope_value, take_uint, uint,
    Message, Scope,
};
use phemossa_core::keys::EventId;
use phemossa_core::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileMessage {
    /// "Reconcile `scope` with me; here is the first negentropy message." Opens the peer's one
    /// reconciliation with the sender, replacing any it had open.
    Open {
        req: u64,
        scope: Scope,
        negentropy: Vec<u8>,
    },
    /// A later negentropy message of the open reconciliation.
    Next { req: u64, negentropy: Vec<u8> },
    /// The responder's negentropy message; `None` if it will not go on (no reconciliation of
    /// this peer open, or too many opened lately, or its set in scope is too large).
    Response {
        req: u64,
        negentropy: Option<Vec<u8>>,
    },
    /// v1's event-request (§8.2), kind 2.
    EventRequest { req: u64, ids: Vec<EventId> },
    /// v1's event-response (§8.2), kind 3.
    EventResponse {
        req: u64,
        events: Vec<Vec<u8>>,
        unknown: Vec<EventId>,
    },
}

const EVENT_REQUEST: u64 = 2;
const EVENT_RESPONSE: u64 = 3;
const OPEN: u64 = 5;
const NEXT: u64 = 6;
const RESPONSE: u64 = 7;

impl ReconcileMessage {
    /// The CBOR bytes of this message.
    pub fn encode(&self) -> Vec<u8> {
        let items = match self {
            ReconcileMessage::EventRequest { req, ids } => {
                return Message::EventRequest {
                    req: *req,
                    ids: ids.clone(),
                }
                .encode()
            }
            ReconcileMessage::EventResponse {
                req,
                events,
                unknown,
            } => {
                return Message::EventResponse {
                    req: *req,
                    events: events.clone(),
                    unknown: unknown.clone(),
                }
                .encode()
            }
            ReconcileMessage::Open {
                req,
                scope,
                negentropy,
            } => vec![
                uint(OPEN),
                uint(*req),
                scope_value(scope),
                Value::Bytes(negentropy.clone()),
            ],
            ReconcileMessage::Next { req, negentropy } => {
                vec![uint(NEXT), uint(*req), Value::Bytes(negentropy.clone())]
            }
            ReconcileMessage::Response { req, negentropy } => vec![
                uint(RESPONSE),
                uint(*req),
                negentropy.clone().map_or(Value::Null, Value::Bytes),
            ],
        };
        cbor_bytes(&Value::Array(items))
    }

    /// Decodes and checks one message from a peer; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<ReconcileMessage, Error> {
        let value = cbor_value(bytes)?;
        let mut items = array(value, "message")?.into_iter();
        let message = match take_uint(&mut items, "kind")? {
            EVENT_REQUEST | EVENT_RESPONSE => return from_v1(Message::decode(bytes)?),
            OPEN => ReconcileMessage::Open {
                req: take_uint(&mut items, "req")?,
                scope: scope_from(next_item(&mut items, "scope")?)?,
                negentropy: take_bytes(&mut items, "negentropy")?,
            },
            NEXT => ReconcileMessage::Next {
                req: take_uint(&mut items, "req")?,
                negentropy: take_bytes(&mut items, "negentropy")?,
            },
            RESPONSE => ReconcileMessage::Response {
                req: take_uint(&mut items, "req")?,
                negentropy: match next_item(&mut items, "negentropy")? {
                    Value::Null => None,
                    Value::Bytes(b) => Some(b),
                    _ => return Err(malformed("negentropy is neither bytes nor null")),
                },
            },
            kind => return Err(Error::UnknownSyncMessage { kind }),
        };
        if items.next().is_some() {
            return Err(malformed("extra items after the last field"));
        }
        if message.encode() != bytes {
            return Err(malformed("not the canonical encoding (or trailing bytes)"));
        }
        Ok(message)
    }

    /// The `req` a request carries or a response answers.
    pub fn req(&self) -> u64 {
        match self {
            ReconcileMessage::Open { req, .. }
            | ReconcileMessage::Next { req, .. }
            | ReconcileMessage::Response { req, .. }
            | ReconcileMessage::EventRequest { req, .. }
            | ReconcileMessage::EventResponse { req, .. } => *req,
        }
    }

    /// Whether the peer sends this as a request (the driver must answer it on its channel).
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            ReconcileMessage::Open { .. }
                | ReconcileMessage::Next { .. }
                | ReconcileMessage::EventRequest { .. }
        )
    }

    /// The same message under another `req`.
    pub(super) fn with_req(mut self, new: u64) -> Self {
        match &mut self {
            ReconcileMessage::Open { req, .. }
            | ReconcileMessage::Next { req, .. }
            | ReconcileMessage::Response { req, .. }
            | ReconcileMessage::EventRequest { req, .. }
            | ReconcileMessage::EventResponse { req, .. } => *req = new,
        }
        self
    }
}

/// v1's fetch messages are v2's; its other kinds are not.
fn from_v1(message: Message) -> Result<ReconcileMessage, Error> {
    match message {
        Message::EventRequest { req, ids } => Ok(ReconcileMessage::EventRequest { req, ids }),
        Message::EventResponse {
            req,
            events,
            unknown,
        } => Ok(ReconcileMessage::EventResponse {
            req,
            events,
            unknown,
        }),
        _ => Err(malformed("not a sync v2 message")),
    }
}

fn take_bytes(items: &mut impl Iterator<Item = Value>, field: &str) -> Result<Vec<u8>, Error> {
    match next_item(items, field)? {
        Value::Bytes(b) => Ok(b),
        _ => Err(malformed(format!("{field} is not a byte string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let key = phemossa_core::Identity::from_seed([1; 32]).public_key();
        let id = EventId::from_bytes([7; 32]);
        for message in [
            ReconcileMessage::Open {
                req: 1,
                scope: Scope {
                    authors: Some(vec![key]),
                    since: Some(5),
                },
                negentropy: vec![0x61],
            },
            ReconcileMessage::Next {
                req: 2,
                negentropy: vec![0x61, 0],
            },
            ReconcileMessage::Response {
                req: 3,
                negentropy: None,
            },
            ReconcileMessage::Response {
                req: 4,
                negentropy: Some(vec![0x61]),
            },
            ReconcileMessage::EventRequest {
                req: 5,
                ids: vec![id],
            },
            ReconcileMessage::EventResponse {
                req: 6,
                events: vec![b"{}".to_vec()],
                unknown: vec![id],
            },
        ] {
            let bytes = message.encode();
            assert_eq!(
                crate::message::is_event_response(&bytes),
                matches!(message, ReconcileMessage::EventResponse { .. }),
                "{message:?}"
            );
            assert_eq!(ReconcileMessage::decode(&bytes), Ok(message));
        }
    }

    #[test]
    fn v1_only_kinds_are_refused() {
        let v1 = Message::NewEvent { events: vec![] }.encode();
        assert_eq!(
            ReconcileMessage::decode(&v1).map_err(|e| e.code()),
            Err("unknown_sync_message")
        );
    }
}
