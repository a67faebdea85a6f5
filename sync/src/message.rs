//! The five sync messages and their one CBOR encoding (docs/protocol.md §8.2).
//!
//! Every message is a CBOR array whose first item is its kind. Decoding refuses oversized input
//! before parsing, then anything that does not re-encode to exactly the bytes received, so each
//! message has one accepted encoding and trailing or non-minimal bytes are malformed.

use ciborium::value::Value;

use super::limits::MAX_SYNC_MESSAGE_BYTES;
use super::limits::{MAX_AUTHORS_PER_SCOPE, MAX_EVENTS_PER_MESSAGE, MAX_IDS_PER_MESSAGE};
use phemossa_core::keys::{EventId, PublicKey};
use phemossa_core::Error;

/// Which events a sync session is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only these authors; `None` means every author.
    pub authors: Option<Vec<PublicKey>>,
    /// Only events with `timestamp >= since`.
    pub since: Option<u64>,
}

impl Scope {
    /// Whether an event by `author` at `timestamp` belongs to this scope.
    pub fn admits(&self, author: &PublicKey, timestamp: u64) -> bool {
        self.since.is_none_or(|since| timestamp >= since)
            && self
                .authors
                .as_ref()
                .is_none_or(|authors| authors.contains(author))
    }
}

/// A position in the (timestamp, id) order ids are listed in: the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    pub timestamp: u64,
    pub id: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// "List your ids in `scope` strictly after `after`, in (timestamp, id) order."
    SyncRequest {
        req: u64,
        scope: Scope,
        after: Option<Cursor>,
    },
    /// One page of ids; `next` is where the following page starts, `None` on the last page.
    SyncResponse {
        req: u64,
        ids: Vec<EventId>,
        next: Option<Cursor>,
    },
    /// "Send me these events."
    EventRequest { req: u64, ids: Vec<EventId> },
    /// Events as their wire JSON; `unknown` lists requested ids the responder does not hold.
    /// Requested ids in neither list did not fit and may be asked for again.
    EventResponse {
        req: u64,
        events: Vec<Vec<u8>>,
        unknown: Vec<EventId>,
    },
    /// New events, published on gossip (batched).
    NewEvent { events: Vec<Vec<u8>> },
}

const SYNC_REQUEST: u64 = 0;
const SYNC_RESPONSE: u64 = 1;
const EVENT_REQUEST: u64 = 2;
const EVENT_RESPONSE: u64 = 3;
const NEW_EVENT: u64 = 4;

/// Whether `bytes` start as an event-response (kind 3, §8.2, the same in v1 and v2) does: a
/// look at two bytes, for a caller that wants a response's events before the machine sees it
/// and should not decode every other message (a negentropy message is up to 64 KiB) to learn
/// it is not one. `Message::decode` still judges the whole message.
pub fn is_event_response(bytes: &[u8]) -> bool {
    // An array of 4 items, then the kind: an unsigned integer below 24 is one byte, its value.
    matches!(bytes, [0x84, kind, ..] if u64::from(*kind) == EVENT_RESPONSE)
}

impl Message {
    /// The CBOR bytes of this message.
    pub fn encode(&self) -> Vec<u8> {
        cbor_bytes(&self.to_value())
    }

    /// Decodes and checks one message from a peer; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Message, Error> {
        let value = cbor_value(bytes)?;
        let message = Message::from_value(value)?;
        if message.encode() != bytes {
            return Err(malformed("not the canonical encoding (or trailing bytes)"));
        }
        Ok(message)
    }

    /// The `req` a response answers or a request carries; `None` for gossip.
    pub fn req(&self) -> Option<u64> {
        match self {
            Message::SyncRequest { req, .. }
            | Message::SyncResponse { req, .. }
            | Message::EventRequest { req, .. }
            | Message::EventResponse { req, .. } => Some(*req),
            Message::NewEvent { .. } => None,
        }
    }

    fn to_value(&self) -> Value {
        let items = match self {
            Message::SyncRequest { req, scope, after } => vec![
                uint(SYNC_REQUEST),
                uint(*req),
                scope_value(scope),
                cursor_value(after),
            ],
            Message::SyncResponse { req, ids, next } => vec![
                uint(SYNC_RESPONSE),
                uint(*req),
                id_list(ids),
                cursor_value(next),
            ],
            Message::EventRequest { req, ids } => {
                vec![uint(EVENT_REQUEST), uint(*req), id_list(ids)]
            }
            Message::EventResponse {
                req,
                events,
                unknown,
            } => vec![
                uint(EVENT_RESPONSE),
                uint(*req),
                event_list(events),
                id_list(unknown),
            ],
            Message::NewEvent { events } => vec![uint(NEW_EVENT), event_list(events)],
        };
        Value::Array(items)
    }

    fn from_value(value: Value) -> Result<Message, Error> {
        let mut items = array(value, "message")?.into_iter();
        let kind = take_uint(&mut items, "kind")?;
        let message = match kind {
            SYNC_REQUEST => Message::SyncRequest {
                req: take_uint(&mut items, "req")?,
                scope: scope_from(next_item(&mut items, "scope")?)?,
                after: cursor_from(next_item(&mut items, "after")?)?,
            },
            SYNC_RESPONSE => Message::SyncResponse {
                req: take_uint(&mut items, "req")?,
                ids: ids_from(next_item(&mut items, "ids")?)?,
                next: cursor_from(next_item(&mut items, "next")?)?,
            },
            EVENT_REQUEST => Message::EventRequest {
                req: take_uint(&mut items, "req")?,
                ids: ids_from(next_item(&mut items, "ids")?)?,
            },
            EVENT_RESPONSE => Message::EventResponse {
                req: take_uint(&mut items, "req")?,
                events: events_from(next_item(&mut items, "events")?)?,
                unknown: ids_from(next_item(&mut items, "unknown")?)?,
            },
            NEW_EVENT => Message::NewEvent {
                events: events_from(next_item(&mut items, "events")?)?,
            },
            kind => return Err(Error::UnknownSyncMessage { kind }),
        };
        if items.next().is_some() {
            return Err(malformed("extra items after the last field"));
        }
        Ok(message)
    }
}

// The CBOR helpers below are shared with sync v2's messages (`reconcile::message`), which use
// the same error, the same integers and the same scope encoding.

/// The CBOR bytes of `value`, for the messages of both sync versions.
pub(crate) fn cbor_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Not `expect`: that formats ciborium's error, and the `io::Error` inside it, with `Debug`,
    // which keeps their code and every `ErrorKind` name in the browser's wasm.
    ciborium::ser::into_writer(value, &mut out)
        .unwrap_or_else(|_| unreachable!("writing CBOR into a Vec cannot fail"));
    out
}

/// Parses a message of either sync version from a peer into a CBOR value, refusing one over
/// [`MAX_SYNC_MESSAGE_BYTES`] before parsing anything of it.
pub(crate) fn cbor_value(bytes: &[u8]) -> Result<Value, Error> {
    if bytes.len() > MAX_SYNC_MESSAGE_BYTES {
        return Err(Error::SyncMessageTooLarge {
            bytes: bytes.len(),
            max: MAX_SYNC_MESSAGE_BYTES,
        });
    }
    ciborium::de::from_reader(bytes).map_err(|e| malformed(e.to_string()))
}

pub(crate) fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedSyncMessage {
        reason: reason.into(),
    }
}

pub(crate) fn uint(n: u64) -> Value {
    Value::Integer(n.into())
}

/// A scope as `[authors or null, since or null]` (§8.2).
pub(crate) fn scope_value(scope: &Scope) -> Value {
    Value::Array(vec![
        match &scope.authors {
            None => Value::Null,
            Some(keys) => Value::Array(
                keys.iter()
                    .map(|k| Value::Bytes(k.as_bytes().to_vec()))
                    .collect(),
            ),
        },
        scope.since.map_or(Value::Null, uint),
    ])
}

pub(crate) fn id_list(ids: &[EventId]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| Value::Bytes(id.as_bytes().to_vec()))
            .collect(),
    )
}

pub(crate) fn event_list(events: &[Vec<u8>]) -> Value {
    Value::Array(events.iter().map(|e| Value::Bytes(e.clone())).collect())
}

pub(crate) fn cursor_value(cursor: &Option<Cursor>) -> Value {
    match cursor {
        None => Value::Null,
        Some(c) => Value::Array(vec![
            uint(c.timestamp),
            Value::Bytes(c.id.as_bytes().to_vec()),
        ]),
    }
}

pub(crate) fn array(value: Value, field: &str) -> Result<Vec<Value>, Error> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(malformed(format!("{field} is not an array"))),
    }
}

pub(crate) fn next_item(
    items: &mut impl Iterator<Item = Value>,
    field: &str,
) -> Result<Value, Error> {
    items
        .next()
        .ok_or_else(|| malformed(format!("{field} is missing")))
}

pub(crate) fn as_uint(value: Value, field: &str) -> Result<u64, Error> {
    match value {
        Value::Integer(n) => {
            u64::try_from(n).map_err(|_| malformed(format!("{field} is negative")))
        }
        _ => Err(malformed(format!("{field} is not an unsigned integer"))),
    }
}

pub(crate) fn take_uint(
    items: &mut impl Iterator<Item = Value>,
    field: &str,
) -> Result<u64, Error> {
    as_uint(next_item(items, field)?, field)
}

pub(crate) fn bytes32(value: Value, field: &str) -> Result<[u8; 32], Error> {
    match value {
        Value::Bytes(b) => b
            .try_into()
            .map_err(|_| malformed(format!("{field} is not 32 bytes"))),
        _ => Err(malformed(format!("{field} is not a byte string"))),
    }
}

fn ids_from(value: Value) -> Result<Vec<EventId>, Error> {
    let items = array(value, "id list")?;
    if items.len() > MAX_IDS_PER_MESSAGE {
        return Err(Error::TooManyIds {
            count: items.len(),
            max: MAX_IDS_PER_MESSAGE,
        });
    }
    items
        .into_iter()
        .map(|v| bytes32(v, "id").map(EventId::from_bytes))
        .collect()
}

pub(crate) fn events_from(value: Value) -> Result<Vec<Vec<u8>>, Error> {
    let items = array(value, "event list")?;
    if items.len() > MAX_EVENTS_PER_MESSAGE {
        return Err(Error::TooManyEvents {
            count: items.len(),
            max: MAX_EVENTS_PER_MESSAGE,
        });
    }
    items
        .into_iter()
        .map(|v| match v {
            Value::Bytes(b) => Ok(b),
            _ => Err(malformed("event is not a byte string")),
        })
        .collect()
}

pub(crate) fn cursor_from(value: Value) -> Result<Option<Cursor>, Error> {
    if value.is_null() {
        return Ok(None);
    }
    let mut items = array(value, "cursor")?.into_iter();
    let timestamp = take_uint(&mut items, "cursor timestamp")?;
    let id = EventId::from_bytes(bytes32(next_item(&mut items, "cursor id")?, "cursor id")?);
    if items.next().is_some() {
        return Err(malformed("cursor has extra items"));
    }
    Ok(Some(Cursor { timestamp, id }))
}

pub(crate) fn scope_from(value: Value) -> Result<Scope, Error> {
    let mut items = array(value, "scope")?.into_iter();
    let authors = next_item(&mut items, "authors")?;
    let authors = if authors.is_null() {
        None
    } else {
        let keys = array(authors, "authors")?;
        if keys.len() > MAX_AUTHORS_PER_SCOPE {
            return Err(Error::TooManyAuthors {
                count: keys.len(),
                max: MAX_AUTHORS_PER_SCOPE,
            });
        }
        let keys = keys
            .into_iter()
            .map(|v| PublicKey::from_bytes(bytes32(v, "author")?, "scope author"))
            .collect::<Result<Vec<_>, _>>()?;
        Some(keys)
    };
    let since = next_item(&mut items, "since")?;
    let since = if since.is_null() {
        None
    } else {
        Some(as_uint(since, "since")?)
    };
    if items.next().is_some() {
        return Err(malformed("scope has extra items"));
    }
    Ok(Scope { authors, since })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> EventId {
        EventId::from_bytes([n; 32])
    }

    #[test]
    fn every_kind_round_trips() {
        let key = phemossa_core::Identity::from_seed([1; 32]).public_key();
        let cursor = Some(Cursor {
            timestamp: 5,
            id: id(9),
        });
        for message in [
            Message::SyncRequest {
                req: 1,
                scope: Scope {
                    authors: Some(vec![key]),
                    since: Some(7),
                },
                after: cursor,
            },
            Message::SyncResponse {
                req: 2,
                ids: vec![id(1), id(2)],
                next: None,
            },
            Message::EventRequest {
                req: 3,
                ids: vec![id(3)],
            },
            Message::EventResponse {
                req: 4,
                events: vec![b"{}".to_vec()],
                unknown: vec![id(4)],
            },
            Message::NewEvent {
                events: vec![b"x".to_vec()],
            },
        ] {
            let bytes = message.encode();
            assert_eq!(
                is_event_response(&bytes),
                matches!(message, Message::EventResponse { .. }),
                "{message:?}"
            );
            assert_eq!(Message::decode(&bytes), Ok(message));
        }
    }

    #[test]
    fn refuses_trailing_bytes_and_wrong_shapes() {
        let mut bytes = Message::NewEvent { events: vec![] }.encode();
        bytes.push(0);
        assert_eq!(
            Message::decode(&bytes).unwrap_err().code(),
            "malformed_sync_message"
        );
        // [9] : an unknown kind
        assert_eq!(
            Message::decode(&[0x81, 0x09]).unwrap_err().code(),
            "unknown_sync_message"
        );
        assert_eq!(
            Message::decode(&[0xa0]).unwrap_err().code(),
            "malformed_sync_message"
        );
    }

    #[test]
    fn refuses_oversized_input_before_parsing() {
        let bytes = vec![0u8; MAX_SYNC_MESSAGE_BYTES + 1];
        assert_eq!(
            Message::decode(&bytes).unwrap_err().code(),
            "sync_message_too_large"
        );
    }

    #[test]
    fn refuses_over_long_id_lists() {
        let message = Message::EventRequest {
            req: 0,
            ids: vec![id(0); MAX_IDS_PER_MESSAGE + 1],
        };
        assert_eq!(
            Message::decode(&message.encode()).unwrap_err().code(),
            "too_many_ids"
        );
    }
}
