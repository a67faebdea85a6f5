//! What the gossipsub driver needs from the core: per-author topics, batching of outgoing new
//! events, a seen-cache so each event is taken at most once, gossipsub's message id, and the
//! verdict on an incoming gossip message. All fed time; nothing here reads a clock.
//!
//! No loops: this node publishes only events it authored; it never republishes what it receives.
//! Gossipsub forwards each message once by its message id; copies of an event arriving in other
//! messages (or by sync) are dropped by the seen-cache.

use std::collections::{BTreeMap, HashMap, VecDeque};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::limits::{MAX_EVENTS_PER_MESSAGE, MAX_SYNC_MESSAGE_BYTES};
use super::message::Message;
use super::peer_score::{is_excusable, PeerScore};
use crate::event::RawEvent;
use crate::keys::{EventId, PublicKey};
use crate::{Error, Event};

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

/// When a batch is sent.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    /// Flush at this many events.
    pub max_events: usize,
    /// Flush before the events' JSON would pass this many bytes.
    pub max_bytes: usize,
    /// Flush this long after the first event of a batch was queued.
    pub max_delay_ms: u64,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            max_events: 32,
            max_bytes: 16 * 1024,
            max_delay_ms: 200,
        }
    }
}

/// A new-event message ready to publish on `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub topic: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Pending {
    events: Vec<Vec<u8>>,
    bytes: usize,
    first_at: u64,
}

/// Collects outgoing new events per author topic and says when to publish them.
#[derive(Debug, Default)]
pub struct Batcher {
    config: BatchConfig,
    pending: BTreeMap<PublicKey, Pending>,
}

/// Room each event's byte-string header and the message's own framing take, at most.
const FRAMING: usize = 16;

impl Batcher {
    pub fn new(config: BatchConfig) -> Self {
        Self {
            config,
            pending: BTreeMap::new(),
        }
    }

    /// Queues one of our own new events; returns the batches this fills.
    pub fn push(&mut self, event: &Event, now_ms: u64) -> Vec<Batch> {
        let json = event.to_json().into_bytes();
        let max_bytes = self.config.max_bytes.min(MAX_SYNC_MESSAGE_BYTES - FRAMING);
        let max_events = self.config.max_events.clamp(1, MAX_EVENTS_PER_MESSAGE);
        let mut out = Vec::new();
        let pending = self.pending.entry(event.author).or_default();
        if !pending.events.is_empty() && pending.bytes + json.len() + FRAMING > max_bytes {
            out.push(take(&event.author, pending));
        }
        if pending.events.is_empty() {
            pending.first_at = now_ms;
        }
        pending.bytes += json.len() + FRAMING;
        pending.events.push(json);
        if pending.events.len() >= max_events || pending.bytes >= max_bytes {
            out.push(take(&event.author, pending));
        }
        self.pending.retain(|_, p| !p.events.is_empty());
        out
    }

    /// Batches whose delay has run out by `now_ms`.
    pub fn poll(&mut self, now_ms: u64) -> Vec<Batch> {
        let delay = self.config.max_delay_ms;
        let out = self
            .pending
            .iter_mut()
            .filter(|(_, p)| now_ms >= p.first_at.saturating_add(delay))
            .map(|(author, p)| take(author, p))
            .collect();
        self.pending.retain(|_, p| !p.events.is_empty());
        out
    }

    /// Everything queued, now (on shutdown or when the first peer subscribes).
    pub fn flush(&mut self) -> Vec<Batch> {
        let out = self
            .pending
            .iter_mut()
            .map(|(author, p)| take(author, p))
            .collect();
        self.pending.clear();
        out
    }

    /// When [`Self::poll`] next has something to publish.
    pub fn next_deadline(&self) -> Option<u64> {
        self.pending
            .values()
            .map(|p| p.first_at.saturating_add(self.config.max_delay_ms))
            .min()
    }
}

fn take(author: &PublicKey, pending: &mut Pending) -> Batch {
    let events = std::mem::take(&mut pending.events);
    pending.bytes = 0;
    Batch {
        topic: author_topic(author),
        data: Message::NewEvent { events }.encode(),
    }
}

/// Ids seen recently, each remembered for a while and at most `capacity` at once, so an event
/// is taken (and forwarded) at most once however many copies arrive.
#[derive(Debug)]
pub struct SeenCache {
    capacity: usize,
    ttl_ms: u64,
    expiry: HashMap<EventId, u64>,
    order: VecDeque<(u64, EventId)>,
}

impl SeenCache {
    /// Defaults: 10,000 ids for 10 minutes, longer than gossipsub's own 60 s duplicate cache.
    pub fn new(capacity: usize, ttl_ms: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl_ms,
            expiry: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Records `id`; true if it was not seen within the time to live.
    pub fn insert(&mut self, id: EventId, now_ms: u64) -> bool {
        self.expire(now_ms);
        if self.expiry.contains_key(&id) {
            return false;
        }
        if self.expiry.len() >= self.capacity {
            if let Some((_, oldest)) = self.order.pop_front() {
                self.expiry.remove(&oldest);
            }
        }
        let expires = now_ms.saturating_add(self.ttl_ms);
        self.expiry.insert(id, expires);
        self.order.push_back((expires, id));
        true
    }

    pub fn contains(&mut self, id: &EventId, now_ms: u64) -> bool {
        self.expire(now_ms);
        self.expiry.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.expiry.len()
    }

    pub fn is_empty(&self) -> bool {
        self.expiry.is_empty()
    }

    fn expire(&mut self, now_ms: u64) {
        while let Some(&(expires, id)) = self.order.front() {
            if expires > now_ms {
                break;
            }
            self.order.pop_front();
            self.expiry.remove(&id);
        }
    }
}

impl Default for SeenCache {
    fn default() -> Self {
        Self::new(10_000, 10 * 60 * 1000)
    }
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
        match Event::from_json(&json, now_ms) {
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
mod tests {
    use super::*;
    use crate::{Content, Identity, Post};

    const NOW: u64 = 1_767_225_600_000;

    fn post(seed: u8, n: u64) -> Event {
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
    fn batcher_flushes_on_count_bytes_and_time() {
        let mut batcher = Batcher::new(BatchConfig {
            max_events: 3,
            max_bytes: 100_000,
            max_delay_ms: 50,
        });
        assert!(batcher.push(&post(1, 1), NOW).is_empty());
        assert!(batcher.push(&post(1, 2), NOW + 1).is_empty());
        let full = batcher.push(&post(1, 3), NOW + 2);
        assert_eq!(full.len(), 1);
        let Ok(Message::NewEvent { events }) = Message::decode(&full[0].data) else {
            panic!()
        };
        assert_eq!(events.len(), 3);

        assert!(batcher.push(&post(1, 4), NOW + 10).is_empty());
        assert_eq!(batcher.next_deadline(), Some(NOW + 60));
        assert!(batcher.poll(NOW + 59).is_empty());
        assert_eq!(batcher.poll(NOW + 60).len(), 1);
        assert_eq!(batcher.next_deadline(), None);

        let one = post(1, 5).to_json().len();
        let mut small = Batcher::new(BatchConfig {
            max_events: 100,
            max_bytes: 2 * (one + FRAMING) + 1,
            max_delay_ms: 50,
        });
        assert!(small.push(&post(1, 5), NOW).is_empty());
        assert!(small.push(&post(1, 6), NOW).is_empty());
        assert_eq!(
            small.push(&post(1, 7), NOW).len(),
            1,
            "the third would pass max_bytes"
        );
        assert_eq!(small.flush().len(), 1);
    }

    #[test]
    fn batches_are_per_author_topic() {
        let mut batcher = Batcher::default();
        batcher.push(&post(1, 1), NOW);
        batcher.push(&post(2, 1), NOW);
        let batches = batcher.flush();
        let topics: Vec<_> = batches.iter().map(|b| b.topic.clone()).collect();
        assert_eq!(topics.len(), 2);
        assert_ne!(topics[0], topics[1]);
    }

    #[test]
    fn seen_cache_dedups_expires_and_stays_bounded() {
        let mut seen = SeenCache::new(2, 100);
        let id = |n| EventId::from_bytes([n; 32]);
        assert!(seen.insert(id(1), 0));
        assert!(!seen.insert(id(1), 50));
        assert!(seen.insert(id(1), 100), "expired after its time to live");
        assert!(seen.insert(id(2), 100));
        assert!(seen.insert(id(3), 100));
        assert_eq!(seen.len(), 2, "the oldest made room");
        assert!(!seen.contains(&id(1), 100));
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
