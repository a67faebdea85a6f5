//! What the gossipsub driver needs from the core: per-author topics, gossipsub's message id and
//! the verdict on an incoming gossip message; with [`Batcher`] (outgoing batches) and
//! [`SeenCache`] (each event taken at most once) re-exported from their own files. All fed
//! time; nothing here reads a clock.
//!
//! No loops: this node publishes only events it authored; it never republishes what it receives.
//! Gossipsub forwards each message once by its message id; copies of an event arriving in other
//! messages (or by sync) are dropped by the seen-cache.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

mod batcher;
pub mod params;
mod seen_cache;

pub use batcher::{Batch, BatchConfig, Batcher};
use phemossa_core::event::{RawEvent, VerifiedIds};
use phemossa_core::keys::{EventId, PublicKey};
use phemossa_core::{Error, Event};
use phemossa_sync::message::Message;
use phemossa_sync::peer_score::{is_excusable, PeerScore};
pub use seen_cache::SeenCache;

const TOPIC_PREFIX: &str = "phemossa/v1/author/";

/// The gossipsub topic an author's new events are published on.
pub fn author_topic(author: &PublicKey) -> String {
    format!(
        "{TOPIC_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(author.as_bytes())
    )
}

/// The author a topic belongs to, if it is a Phemossa author topic.
pub fn topic_author(topic: &str) -> Option<PublicKey> {
    let key = topic.strip_prefix(TOPIC_PREFIX)?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(key).ok()?.try_into().ok()?;
    PublicKey::from_bytes(bytes, "topic author").ok()
}

/// Gossipsub's message id for a message's data: the event id when it carries one event (as
/// the id claims it; validation comes later), else SHA-256 of the bytes. Equal data, equal id,
/// so gossipsub forwards each message once.
pub fn message_id(data: &[u8]) -> Vec<u8> {
    if let Ok(Message::NewEvent { events }) = Message::decode(data) {
        if let [json] = events.as_slice() {
            let claimed = serde_json::from_slice::<RawEvent>(json)
                .ok()
                .and_then(|raw| EventId::from_hex(&raw.id, "id").ok());
            if let Some(id) = claimed {
                return id.as_bytes().to_vec();
            }
        }
    }
    Sha256::digest(data).to_vec()
}

/// What to tell gossipsub about a message (its `MessageAcceptance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// It carried at least one new valid event: forward it.
    Accept,
    /// Nothing new, but nothing wrong: do not forward, do not penalise.
    Ignore,
    /// Malformed, or an invalid (not excusably) or misplaced event: do not forward, penalise.
    Reject,
}

/// The verdict on one gossip message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub acceptance: Acceptance,
    /// New, valid events by the topic's author, to store.
    pub events: Vec<Event>,
    /// Why anything was dropped; already counted in the score.
    pub errors: Vec<Error>,
}

/// Judges a gossip message from `from` (its score) on `topic`: decodes it, validates every
/// event, drops copies already seen and events not by the topic's author.
pub fn receive(
    data: &[u8],
    topic: &str,
    now_ms: u64,
    seen: &mut SeenCache,
    score: &mut PeerScore,
) -> Received {
    receive_remembering(data, topic, now_ms, seen, &VerifiedIds::default(), score)
}

/// As [`receive`], skipping the signature checks `verified` remembers (the node's one memory,
/// shared with its sync sessions).
pub fn receive_remembering(
    data: &[u8],
    topic: &str,
    now_ms: u64,
    seen: &mut SeenCache,
    verified: &VerifiedIds,
    score: &mut PeerScore,
) -> Received {
    let mut received = Received {
        acceptance: Acceptance::Ignore,
        events: Vec::new(),
        errors: Vec::new(),
    };
    let events = match (Message::decode(data), topic_author(topic)) {
        (Ok(Message::NewEvent { events }), Some(_)) => events,
        (Ok(_), _) | (_, None) => {
            let error = Error::UnexpectedSyncMessage {
                reason: "only new-event messages on author topics belong on gossip".into(),
            };
            score.unexpected();
            received.errors.push(error);
            received.acceptance = Acceptance::Reject;
            return received;
        }
        (Err(error), _) => {
            score.malformed_message(&error);
            received.errors.push(error);
            received.acceptance = Acceptance::Reject;
            return received;
        }
    };
    let author = topic_author(topic);
    for json in events {
        match Event::from_json_remembering(&json, now_ms, verified) {
            Err(error) => {
                score.invalid_event(&error);
                received.errors.push(error);
            }
            Ok(event) if Some(event.author) != author => {
                score.unexpected();
                received.errors.push(Error::UnexpectedSyncMessage {
                    reason: "event on another author's topic".into(),
                });
            }
            Ok(event) => {
                if seen.insert(event.id, now_ms) {
                    received.events.push(event);
                } else {
                    score.duplicate();
                }
            }
        }
    }
    // Events an honest relay may pass on (newer formats, an author's clock ahead) are dropped
    // without making gossipsub penalise the sender.
    received.acceptance = if received.errors.iter().any(|e| !is_excusable(e)) {
        Acceptance::Reject
    } else if received.events.is_empty() {
        Acceptance::Ignore
    } else {
        Acceptance::Accept
    };
    received
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use phemossa_core::{Content, Identity, Post};

    const NOW: u64 = 1_767_225_600_000;

    pub(crate) fn post(seed: u8, n: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("post {n}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(&Identity::from_seed([seed; 32]), NOW - n, content).unwrap()
    }

    #[test]
    fn topics_name_the_author_and_parse_back() {
        let key = Identity::from_seed([1; 32]).public_key();
        let topic = author_topic(&key);
        assert!(topic.starts_with("phemossa/v1/author/"));
        assert!(!topic.contains('='));
        assert_eq!(topic_author(&topic), Some(key));
        assert_eq!(topic_author("phemossa/v1/author/AAAA"), None);
        assert_eq!(topic_author("other"), None);
    }

    #[test]
    fn message_id_is_the_event_id_for_one_event() {
        let event = post(1, 1);
        let single = Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode();
        assert_eq!(message_id(&single), event.id.as_bytes().to_vec());
        assert_eq!(message_id(b"junk"), Sha256::digest(b"junk").to_vec());
    }

    #[test]
    fn receive_takes_each_event_once_and_rejects_bad_ones() {
        let event = post(1, 1);
        let topic = author_topic(&event.author);
        let data = Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode();
        let (mut seen, mut score) = (SeenCache::default(), PeerScore::default());
        let first = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(first.acceptance, Acceptance::Accept);
        assert_eq!(first.events, vec![event.clone()]);
        let again = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(again.acceptance, Acceptance::Ignore);
        assert_eq!(score.duplicates, 1);

        let other_topic = author_topic(&Identity::from_seed([2; 32]).public_key());
        let misplaced = receive(&data, &other_topic, NOW, &mut seen, &mut score);
        assert_eq!(misplaced.acceptance, Acceptance::Reject);
        let tampered = Message::NewEvent {
            events: vec![event.to_json().replace("post 1", "post 2").into_bytes()],
        }
        .encode();
        let bad = receive(&tampered, &topic, NOW, &mut seen, &mut score);
        assert_eq!(bad.acceptance, Acceptance::Reject);
        assert!(bad.events.is_empty());
        assert_eq!(score.invalid_events["id_mismatch"], 1);
        let junk = receive(b"\xff", &topic, NOW, &mut seen, &mut score);
        assert_eq!(junk.acceptance, Acceptance::Reject);
        assert_eq!(score.total_invalid(), 3);

        let ahead = Event::create(
            &Identity::from_seed([1; 32]),
            NOW + 3_600_000,
            Content::Post(Post {
                text: "from the future".into(),
                mentions: vec![],
                reply_to: None,
            }),
        )
        .unwrap();
        let skewed = Message::NewEvent {
            events: vec![ahead.to_json().into_bytes()],
        }
        .encode();
        let excused = receive(&skewed, &topic, NOW, &mut seen, &mut score);
        assert_eq!(excused.acceptance, Acceptance::Ignore);
        assert!(excused.events.is_empty());
    }
}
