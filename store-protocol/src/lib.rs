//! The messages between the offscreen document and the store worker, and their one encoding.
//!
//! The event store lives in a dedicated worker, the only context that can hold SQLite's files in
//! the origin private file system (docs/design/storage-engine.md). The document asks it
//! questions and hands it batches to store; each [`Request`] is one message and is answered by
//! one [`Answer`], in order. Both ends are this workspace's Rust, so the encoding is CBOR
//! through serde rather than a hand-written codec: `ciborium` is already linked by both for the
//! sync protocol. A message that does not decode is a typed [`ProtocolError`], never a panic;
//! the worker answers it with [`Answer::Failed`].
//!
//! Ids, keys and signatures travel as CBOR byte strings ([`Bytes32`]), not as core's text
//! forms: a page of 1,000 ids is then 35 KB, not 67 KB of hex.
//!
//! The plain records the store answers with ([`StoredPost`], [`Notification`], ...) are
//! defined here, once (`records`): `phemossa-store` builds them and re-exports them, and the
//! document reads them without linking SQLite.

mod bytes;
mod error;
mod messages;
mod records;

pub use bytes::{ByteString, Bytes32};
pub use error::ProtocolError;
pub use messages::{Answer, Failure, FailureKind, Request};
pub use records::{
    AuthorTotals, BackupRecord, Nickname, Notification, NotificationKind, PagedEvent, PeerPage,
    PeerRecord, Setting, StoredPost, StoredProfile, StoredThread, Totals,
};

/// The largest message either end decodes: a batch of 512 events of at most 64 KiB each, with
/// room for their pairs. Bigger input is refused before it is parsed.
pub const MAX_MESSAGE_BYTES: usize = 40 * 1024 * 1024;

/// Encodes a message as CBOR.
pub fn encode<T: serde::Serialize>(message: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail, and every message type serialises (no maps with non-string
    // keys, no floats): an error here would be a bug in this crate, caught by its tests.
    if let Err(error) = ciborium::into_writer(message, &mut bytes) {
        debug_assert!(false, "a store message did not encode: {error}");
    }
    bytes
}

/// Decodes one message; refuses oversized input, anything that is not a message of this type,
/// and trailing bytes.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLarge {
            bytes: bytes.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    let mut reader = bytes;
    let message = ciborium::from_reader(&mut reader)
        .map_err(|error| ProtocolError::Malformed(error.to_string()))?;
    if !reader.is_empty() {
        return Err(ProtocolError::Malformed(format!(
            "{} bytes after the message",
            reader.len()
        )));
    }
    Ok(message)
}
