//! What the model gossips, made by core's real code: a signed post from `Event::create`,
//! batched and encoded by core's `Batcher` exactly as the background publishes it, its
//! gossipsub message id from `phemossa_gossip::message_id`, and its verdict (`phemossa_gossip::receive`)
//! that receiving peers run on the copy gossipsub hands them (their first).

use phemossa_core::{Content, Event, Identity, Post};
use phemossa_gossip::{author_topic, message_id, Batcher, SeenCache};
use phemossa_gossip::{receive, Acceptance, BatchConfig};
use phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES;
use phemossa_sync::PeerScore;

/// The background's seen-cache (background/src/network/gossip.rs): 10,000 ids for 10 minutes.
const SEEN_CAPACITY: usize = 10_000;
const SEEN_TTL_MS: u64 = 10 * 60 * 1000;
/// The longest post text (core::limits::MAX_POST_CHARS).
const LONG_POST_CHARS: usize = 1000;

/// One event ready to gossip.
pub struct Payload {
    pub event: Event,
    pub topic: String,
    pub data: Vec<u8>,
}

/// The `k`th post of `author` at `now_ms`, long (1,000 characters) or short, batched alone.
pub fn make(author: &Identity, k: usize, long: bool, now_ms: u64) -> Payload {
    let mut text = format!("post {k}: about as long as a short post usually is.");
    if long {
        while text.chars().count() < LONG_POST_CHARS {
            text.push_str(" And a long post goes on.");
        }
        text = text.chars().take(LONG_POST_CHARS).collect();
    }
    let content = Content::Post(Post {
        text,
        mentions: vec![],
        reply_to: None,
    });
    let event = Event::create(author, now_ms, content).expect("a valid post");
    let config = BatchConfig::default();
    let delay = config.max_delay_ms;
    let mut batcher = Batcher::new(config);
    assert!(batcher.push(&event, now_ms).is_empty(), "one post waits");
    let mut batches = batcher.poll(now_ms + delay);
    assert_eq!(batches.len(), 1, "one batch after the delay");
    let batch = batches.remove(0);
    assert_eq!(batch.topic, author_topic(&event.author));
    assert!(batch.data.len() <= MAX_SYNC_MESSAGE_BYTES);
    assert_eq!(
        message_id(&batch.data),
        event.id.as_bytes().to_vec(),
        "a one-event message's gossipsub id is its event id"
    );
    Payload {
        event,
        topic: batch.topic,
        data: batch.data,
    }
}

/// One peer's side of the verdict: its seen-cache and the score of what it was sent.
pub struct Receiver {
    seen: SeenCache,
    score: PeerScore,
}

impl Receiver {
    pub fn new() -> Self {
        Self {
            seen: SeenCache::new(SEEN_CAPACITY, SEEN_TTL_MS),
            score: PeerScore::default(),
        }
    }

    /// The background's `Gossip::publish`: our own event counts as seen.
    pub fn published(&mut self, payload: &Payload, now_ms: u64) {
        self.seen.insert(payload.event.id, now_ms);
    }

    /// Runs core's verdict on the copy gossipsub hands the application (its first); true when
    /// it says Accept and yields exactly the event.
    pub fn accepts(&mut self, payload: &Payload, now_ms: u64) -> bool {
        let received = receive(
            &payload.data,
            &payload.topic,
            now_ms,
            &mut self.seen,
            &mut self.score,
        );
        received.acceptance == Acceptance::Accept
            && received.events.len() == 1
            && received.events[0] == payload.event
            && self.score.total_invalid() == 0
    }
}
