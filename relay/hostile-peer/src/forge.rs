//! Making bad input that looks real: events that claim the victim's followed author but carry a
//! bad signature or an id that does not match their content, and sync messages that do not
//! decode. Everything starts from core's real encodings, so only the intended fault is wrong.

use phemossa_core::event::{canonical_bytes, RawEvent};
use phemossa_core::{Content, Event, EventId, Identity, Post, PublicKey};
use phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES;
use phemossa_sync::{Message, Scope};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// What is wrong with a forged event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgedKind {
    /// The id matches the content and the claimed author, but the signature is another key's.
    BadSignature,
    /// The content was changed after the id was computed.
    WrongId,
}

impl ForgedKind {
    pub fn name(self) -> &'static str {
        match self {
            ForgedKind::BadSignature => "bad_signature",
            ForgedKind::WrongId => "wrong_id",
        }
    }
}

/// One forged event: its wire JSON and what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgedEvent {
    pub kind: ForgedKind,
    /// The id the JSON names (for `WrongId`, not the id of its content).
    pub claimed_id: EventId,
    pub timestamp: u64,
    pub json: Vec<u8>,
}

/// Forges events claiming `author`, starting each from a real event this peer signs itself.
#[derive(Debug)]
pub struct Forger {
    identity: Identity,
    author: PublicKey,
    counter: u64,
}

impl Forger {
    /// `seed` is this peer's own signing seed (any 32 random bytes); `author` is the victim's
    /// followed author whose events are forged.
    pub fn new(seed: [u8; 32], author: PublicKey) -> Forger {
        Forger {
            identity: Identity::from_seed(seed),
            author,
            counter: 0,
        }
    }

    pub fn author(&self) -> PublicKey {
        self.author
    }

    /// A new forged event dated `now_ms`; each call's text differs, so each has its own id.
    pub fn forge(&mut self, kind: ForgedKind, now_ms: u64) -> Result<ForgedEvent, Error> {
        self.counter += 1;
        let text = format!("forged by phemossa-hostile-peer #{}", self.counter);
        let content = Content::Post(Post {
            text: text.clone(),
            mentions: Vec::new(),
            reply_to: None,
        });
        // A real, valid event by this peer's own key...
        let real = Event::create(&self.identity, now_ms, content.clone())?;
        let mut raw = RawEvent::from(&real);
        // ...re-labelled as the victim's author, with the id that label gives: now only the
        // signature (this peer's, over another id) is wrong.
        let claimed_id = EventId::from_bytes(
            Sha256::digest(canonical_bytes(&self.author, now_ms, &content, None)).into(),
        );
        raw.author = self.author.to_base64();
        raw.id = claimed_id.to_hex();
        if kind == ForgedKind::WrongId {
            // Same id, other text: the id no longer matches the content.
            let altered = serde_json::json!({ "text": format!("{text} (altered after signing)") });
            raw.content = RawValue::from_string(altered.to_string())
                .map_err(|e| Error::Encode(e.to_string()))?;
        }
        let json = serde_json::to_vec(&raw).map_err(|e| Error::Encode(e.to_string()))?;
        Ok(ForgedEvent {
            kind,
            claimed_id,
            timestamp: now_ms,
            json,
        })
    }

    /// A gossip message (a `new-event` carrying one forged event) and the event inside.
    pub fn gossip(
        &mut self,
        kind: ForgedKind,
        now_ms: u64,
    ) -> Result<(Vec<u8>, ForgedEvent), Error> {
        let event = self.forge(kind, now_ms)?;
        let data = Message::NewEvent {
            events: vec![event.json.clone()],
        }
        .encode();
        Ok((data, event))
    }
}

/// How a malformed sync request is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedKind {
    /// Random bytes.
    Random,
    /// A real sync-request cut in half.
    Truncated,
    /// A well-formed message over the 64 KiB limit.
    Oversized,
}

impl MalformedKind {
    /// The kinds in turn: the `n`th malformed request is of kind `cycle(n)`.
    pub fn cycle(n: u64) -> MalformedKind {
        match n % 3 {
            0 => MalformedKind::Random,
            1 => MalformedKind::Truncated,
            _ => MalformedKind::Oversized,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MalformedKind::Random => "random",
            MalformedKind::Truncated => "truncated",
            MalformedKind::Oversized => "oversized",
        }
    }
}

/// A sync request that `Message::decode` refuses, of the given kind. `req` varies the bytes;
/// `author` goes into the scope of the truncated request.
pub fn malformed_request(kind: MalformedKind, req: u64, author: PublicKey) -> Vec<u8> {
    match kind {
        MalformedKind::Random => random_garbage(),
        MalformedKind::Truncated => {
            let whole = Message::SyncRequest {
                req,
                scope: Scope {
                    authors: Some(vec![author]),
                    since: None,
                },
                after: None,
            }
            .encode();
            whole[..whole.len() / 2].to_vec()
        }
        MalformedKind::Oversized => Message::NewEvent {
            events: vec![vec![b'x'; MAX_SYNC_MESSAGE_BYTES]],
        }
        .encode(),
    }
}

/// 1 to 256 random bytes that `Message::decode` refuses: no sync message at all.
pub fn random_garbage() -> Vec<u8> {
    loop {
        let len = 1 + usize::from(rand::random::<u8>());
        let mut bytes = vec![0u8; len];
        rand::fill(&mut bytes[..]);
        // Astronomically unlikely, but random bytes that happen to decode are not malformed:
        // draw again.
        if Message::decode(&bytes).is_err() {
            return bytes;
        }
    }
}

/// What a broken `/webrtc-signaling/0.0.1` stream carries (libp2p/specs `webrtc/webrtc.md`:
/// unsigned-varint length, then `Message { type = 1; data = 2 }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadSignaling {
    /// A well-formed SDP_ANSWER where the offer must come first: out of order.
    AnswerFirst,
    /// A length of 3 and three bytes that are no protobuf message.
    NotProtobuf,
    /// A length of 1 MiB, past any limit, and no body.
    Oversized,
}

impl BadSignaling {
    /// The kind for the `n`th stream (from 0): the three in turn.
    pub fn cycle(n: u64) -> Self {
        match n % 3 {
            0 => BadSignaling::AnswerFirst,
            1 => BadSignaling::NotProtobuf,
            _ => BadSignaling::Oversized,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BadSignaling::AnswerFirst => "answer_first",
            BadSignaling::NotProtobuf => "not_protobuf",
            BadSignaling::Oversized => "oversized",
        }
    }

    /// The bytes written to the stream.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            BadSignaling::AnswerFirst => {
                let sdp = b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
                // type = 1 (SDP_ANSWER), data = the SDP; every length here is below 128, so
                // each varint is one byte.
                let mut body = vec![0x08, 0x01, 0x12, sdp.len() as u8];
                body.extend_from_slice(sdp);
                let mut bytes = vec![body.len() as u8];
                bytes.extend(body);
                bytes
            }
            BadSignaling::NotProtobuf => vec![0x03, 0xff, 0xff, 0xff],
            // 1 MiB as an unsigned varint: 0x80 0x80 0x40.
            BadSignaling::Oversized => vec![0x80, 0x80, 0x40],
        }
    }
}

#[cfg(test)]
mod bad_signaling_tests {
    use super::*;

    #[test]
    fn the_answer_is_framed_as_the_spec_says() {
        let bytes = BadSignaling::AnswerFirst.bytes();
        assert_eq!(
            usize::from(bytes[0]),
            bytes.len() - 1,
            "the prefix is the body's length"
        );
        assert_eq!(&bytes[1..3], &[0x08, 0x01], "type = SDP_ANSWER");
        assert_eq!(usize::from(bytes[4]), bytes.len() - 5, "data's length");
    }

    #[test]
    fn the_kinds_come_in_turn() {
        let kinds: Vec<_> = (0..4).map(BadSignaling::cycle).collect();
        assert_eq!(
            kinds,
            [
                BadSignaling::AnswerFirst,
                BadSignaling::NotProtobuf,
                BadSignaling::Oversized,
                BadSignaling::AnswerFirst
            ]
        );
    }
}
