//! Blob transfer (`/phemossa/blob/1.0.0`, docs/protocol.md §12): its three messages, their one
//! CBOR encoding, the answer a holder gives, and [`BlobFetch`], the sans-IO machine that fetches
//! one blob from one peer chunk by chunk and accepts it only when its bytes hash to its name.
//!
//! Chunks are 32 KiB: a 1 MiB image is 32 requests, and each message stays a small part of the
//! 64 KiB stream limit sync already uses, which WebRTC data channels carry as a few frames.

use ciborium::value::Value;

use crate::message::{array, as_uint, cbor_bytes, next_item};
use phemossa_core::blob::{self, BlobKind};
use phemossa_core::keys::BlobHash;
use phemossa_core::Error;

/// The request-response protocol id of blob transfer.
pub const BLOB_PROTOCOL: &str = "/phemossa/blob/1.0.0";

/// The bytes of one chunk: every chunk but a blob's last holds exactly this many.
pub const BLOB_CHUNK_BYTES: u64 = 32 * 1024;

/// Largest encoded blob message: a full chunk and its few bytes of framing.
pub const MAX_BLOB_MESSAGE_BYTES: usize = BLOB_CHUNK_BYTES as usize + 64;

const REQUEST: u64 = 0;
const CHUNK: u64 = 1;
const NOT_HELD: u64 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobMessage {
    /// "Send me the chunk of blob `hash` that starts at byte `offset`."
    Request { hash: BlobHash, offset: u64 },
    /// The chunk of a `total`-byte blob that starts at `offset`: exactly
    /// `min(BLOB_CHUNK_BYTES, total - offset)` bytes.
    Chunk {
        total: u64,
        offset: u64,
        bytes: Vec<u8>,
    },
    /// "I do not hold that blob" (or not that offset of it).
    NotHeld,
}

impl BlobMessage {
    /// The CBOR bytes of this message.
    pub fn encode(&self) -> Vec<u8> {
        let uint = |n: u64| Value::Integer(n.into());
        let items = match self {
            BlobMessage::Request { hash, offset } => vec![
                uint(REQUEST),
                Value::Bytes(hash.as_bytes().to_vec()),
                uint(*offset),
            ],
            BlobMessage::Chunk {
                total,
                offset,
                bytes,
            } => vec![
                uint(CHUNK),
                uint(*total),
                uint(*offset),
                Value::Bytes(bytes.clone()),
            ],
            BlobMessage::NotHeld => vec![uint(NOT_HELD)],
        };
        cbor_bytes(&Value::Array(items))
    }

    /// Decodes and checks one message from a peer; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<BlobMessage, Error> {
        if bytes.len() > MAX_BLOB_MESSAGE_BYTES {
            return Err(malformed(format!(
                "{} bytes, more than the {MAX_BLOB_MESSAGE_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let value: Value =
            ciborium::de::from_reader(bytes).map_err(|e| malformed(format!("not CBOR: {e}")))?;
        let message = Self::from_value(value).map_err(as_blob_error)?;
        if message.encode() != bytes {
            return Err(malformed("not the canonical encoding (or trailing bytes)"));
        }
        Ok(message)
    }

    fn from_value(value: Value) -> Result<BlobMessage, Error> {
        let mut items = array(value, "message")?.into_iter();
        let kind = as_uint(next_item(&mut items, "kind")?, "kind")?;
        let message = match kind {
            REQUEST => {
                let hash = match next_item(&mut items, "hash")? {
                    Value::Bytes(b) => b
                        .try_into()
                        .map(BlobHash::from_bytes)
                        .map_err(|_| malformed("hash is not 32 bytes"))?,
                    _ => return Err(malformed("hash is not a byte string")),
                };
                let offset = as_uint(next_item(&mut items, "offset")?, "offset")?;
                BlobMessage::Request { hash, offset }
            }
            CHUNK => {
                let total = as_uint(next_item(&mut items, "total")?, "total")?;
                let offset = as_uint(next_item(&mut items, "offset")?, "offset")?;
                let bytes = match next_item(&mut items, "bytes")? {
                    Value::Bytes(b) => b,
                    _ => return Err(malformed("bytes is not a byte string")),
                };
                if total == 0 || offset >= total {
                    return Err(malformed(format!(
                        "offset {offset} is not inside a {total}-byte blob"
                    )));
                }
                if bytes.len() as u64 != BLOB_CHUNK_BYTES.min(total - offset) {
                    return Err(malformed(format!(
                        "a chunk at {offset} of a {total}-byte blob holds {} bytes",
                        bytes.len()
                    )));
                }
                BlobMessage::Chunk {
                    total,
                    offset,
                    bytes,
                }
            }
            NOT_HELD => BlobMessage::NotHeld,
            other => return Err(malformed(format!("unknown blob message kind {other}"))),
        };
        if items.next().is_some() {
            return Err(malformed("more items than the message kind has"));
        }
        Ok(message)
    }
}

/// The answer to a request for the chunk at `offset` of a held blob (`None`: not held).
pub fn answer(blob: Option<&[u8]>, offset: u64) -> BlobMessage {
    match blob {
        Some(bytes) if offset < bytes.len() as u64 => {
            let end = (offset + BLOB_CHUNK_BYTES).min(bytes.len() as u64);
            BlobMessage::Chunk {
                total: bytes.len() as u64,
                offset,
                bytes: bytes[offset as usize..end as usize].to_vec(),
            }
        }
        _ => BlobMessage::NotHeld,
    }
}

/// What a fetch does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchStep {
    /// Send this request to the same peer.
    Request(BlobMessage),
    /// The blob, whole, its hash checked.
    Done(Vec<u8>),
    /// The peer does not hold it: ask another.
    NotHeld,
}

/// Fetches one blob from one peer: asks for each chunk in turn, checks that each answer is the
/// chunk asked for of a blob no larger than its kind allows, and hashes the whole at the end.
///
/// Errors say what the peer did wrong: a malformed or unexpected message or bytes that do not
/// hash to the name (`malformed_blob_message`, `blob_hash_mismatch`) are the peer's fault and
/// counted; a blob too large for its kind (`blob_too_large`) is the fault of the event that named
/// it, so [`BlobFetch::blames_peer`] excuses the peer that relayed it.
#[derive(Debug, Clone)]
pub struct BlobFetch {
    hash: BlobHash,
    kind: BlobKind,
    total: Option<u64>,
    received: Vec<u8>,
}

impl BlobFetch {
    pub fn new(hash: BlobHash, kind: BlobKind) -> Self {
        BlobFetch {
            hash,
            kind,
            total: None,
            received: Vec::new(),
        }
    }

    pub fn hash(&self) -> &BlobHash {
        &self.hash
    }

    pub fn kind(&self) -> BlobKind {
        self.kind
    }

    /// The request to send now: the first, or the one after the chunks received.
    pub fn request(&self) -> BlobMessage {
        BlobMessage::Request {
            hash: self.hash,
            offset: self.received.len() as u64,
        }
    }

    /// Bytes received so far, and the blob's size once the peer has said it.
    pub fn progress(&self) -> (u64, Option<u64>) {
        (self.received.len() as u64, self.total)
    }

    /// Takes the peer's answer to [`BlobFetch::request`].
    pub fn on_response(&mut self, bytes: &[u8]) -> Result<FetchStep, Error> {
        let (total, offset, chunk) = match BlobMessage::decode(bytes)? {
            BlobMessage::NotHeld if self.received.is_empty() => return Ok(FetchStep::NotHeld),
            BlobMessage::NotHeld => {
                return Err(malformed("said it does not hold a blob it was sending"));
            }
            BlobMessage::Request { .. } => {
                return Err(malformed("a request where a chunk was due"))
            }
            BlobMessage::Chunk {
                total,
                offset,
                bytes,
            } => (total, offset, bytes),
        };
        if offset != self.received.len() as u64 {
            return Err(malformed(format!(
                "sent the chunk at {offset}, asked for the one at {}",
                self.received.len()
            )));
        }
        match self.total {
            Some(known) if known != total => {
                return Err(malformed(format!(
                    "said the blob is {total} bytes after saying {known}"
                )));
            }
            _ => {}
        }
        blob::check_size(self.kind, total)?;
        self.total = Some(total);
        self.received.extend_from_slice(&chunk);
        if (self.received.len() as u64) < total {
            return Ok(FetchStep::Request(self.request()));
        }
        let bytes = std::mem::take(&mut self.received);
        blob::check(&self.hash, self.kind, &bytes)?;
        Ok(FetchStep::Done(bytes))
    }

    /// Whether `error` from [`BlobFetch::on_response`] is the peer's fault, to be counted
    /// against it; `blob_too_large` is not (an honest peer relays what an event named).
    pub fn blames_peer(error: &Error) -> bool {
        !matches!(error, Error::BlobTooLarge { .. })
    }
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedBlobMessage {
        reason: reason.into(),
    }
}

/// The shared CBOR helpers say `malformed_sync_message`; here it is a blob message.
fn as_blob_error(error: Error) -> Error {
    match error {
        Error::MalformedSyncMessage { reason } => malformed(reason),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fetch_all(blob: &[u8], kind: BlobKind) -> Result<Vec<u8>, Error> {
        let mut fetch = BlobFetch::new(blob::hash_of(blob), kind);
        let mut request = fetch.request();
        loop {
            let BlobMessage::Request { offset, .. } = request else {
                panic!("the fetch asked with a non-request")
            };
            match fetch.on_response(&answer(Some(blob), offset).encode())? {
                FetchStep::Request(next) => request = next,
                FetchStep::Done(bytes) => return Ok(bytes),
                FetchStep::NotHeld => panic!("a holder said not held"),
            }
        }
    }

    #[test]
    fn a_blob_of_several_chunks_arrives_whole() {
        let blob: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(fetch_all(&blob, BlobKind::Image), Ok(blob));
    }

    #[test]
    fn a_blob_too_large_for_its_kind_is_refused_without_blame() {
        let blob = vec![7u8; 200_000];
        let error = fetch_all(&blob, BlobKind::Avatar).expect_err("over 128 KiB");
        assert_eq!(error.code(), "blob_too_large");
        assert!(!BlobFetch::blames_peer(&error));
    }

    #[test]
    fn bytes_that_do_not_hash_to_the_name_are_the_peers_fault() {
        let mut fetch = BlobFetch::new(blob::hash_of(b"asked"), BlobKind::Avatar);
        let error = fetch
            .on_response(&answer(Some(b"other"), 0).encode())
            .expect_err("wrong bytes");
        assert_eq!(error.code(), "blob_hash_mismatch");
        assert!(BlobFetch::blames_peer(&error));
    }

    #[test]
    fn a_chunk_at_the_wrong_offset_is_malformed() {
        let blob = vec![1u8; 70_000];
        let mut fetch = BlobFetch::new(blob::hash_of(&blob), BlobKind::Image);
        let error = fetch
            .on_response(&answer(Some(&blob), BLOB_CHUNK_BYTES).encode())
            .expect_err("asked for offset 0");
        assert_eq!(error.code(), "malformed_blob_message");
    }

    #[test]
    fn not_held_asks_elsewhere() {
        let mut fetch = BlobFetch::new(blob::hash_of(b"x"), BlobKind::Avatar);
        assert_eq!(
            fetch.on_response(&BlobMessage::NotHeld.encode()),
            Ok(FetchStep::NotHeld)
        );
    }

    #[test]
    fn short_and_trailing_inputs_are_malformed() {
        let good = answer(Some(b"abc"), 0).encode();
        for bad in [
            &good[..good.len() - 1],
            &[good.as_slice(), b"\0"].concat()[..],
        ] {
            assert_eq!(
                BlobMessage::decode(bad).map_err(|e| e.code()),
                Err("malformed_blob_message")
            );
        }
        let oversized = vec![0u8; MAX_BLOB_MESSAGE_BYTES + 1];
        assert_eq!(
            BlobMessage::decode(&oversized).map_err(|e| e.code()),
            Err("malformed_blob_message")
        );
    }

    proptest! {
        #[test]
        fn messages_round_trip(hash in any::<[u8; 32]>(), offset in any::<u64>(),
                               blob in proptest::collection::vec(any::<u8>(), 1..80_000),
                               at in any::<prop::sample::Index>()) {
            let request = BlobMessage::Request { hash: BlobHash::from_bytes(hash), offset };
            prop_assert_eq!(BlobMessage::decode(&request.encode()), Ok(request));
            let offset = (at.index(blob.len()) as u64 / BLOB_CHUNK_BYTES) * BLOB_CHUNK_BYTES;
            let chunk = answer(Some(&blob), offset);
            prop_assert_eq!(BlobMessage::decode(&chunk.encode()), Ok(chunk));
        }

        #[test]
        fn whatever_decodes_is_its_own_one_encoding(
            bytes in proptest::collection::vec(any::<u8>(), 0..200)
        ) {
            if let Ok(message) = BlobMessage::decode(&bytes) {
                prop_assert_eq!(message.encode(), bytes);
            }
        }
    }
}
