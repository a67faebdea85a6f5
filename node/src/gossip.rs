//! The node's side of gossip: which author topics it subscribes to (the user and everyone the
//! user follows), the user's new events batched onto the user's topic, the seen-cache that makes
//! each event count once however many peers forward it, and each message's verdict: judged on
//! arrival (`phemossa_gossip::receive_remembering`, stopping at the first inexcusable event),
//! forwarded only once the store says it lacked one of its events (`after_store`).
//!
//! Message ids are bytes: gossipsub's `MessageId` holds the SHA-256 of the data
//! (`phemossa_gossip::message_id`), and the node only hands them back with the verdict.

use std::collections::BTreeSet;

use phemossa_core::{Event, PublicKey};
use phemossa_gossip::{author_topic, BatchConfig, Batcher, SeenCache};

pub use phemossa_gossip::Acceptance;

/// Event ids remembered as seen (docs/protocol.md §8.5): 10,000 ids, for 10 minutes, longer
/// than gossipsub's own duplicate cache (about a minute), so a late copy is still recognised.
pub const SEEN_CAPACITY: usize = 10_000;
pub const SEEN_TTL_MS: u64 = 10 * 60 * 1000;

/// An accepted gossip message whose events went to the store; its verdict waits for the
/// store's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gossiped {
    /// Gossipsub's id of the message.
    pub message_id: Vec<u8>,
    /// How many new valid events it offered the store.
    pub offered: usize,
}

/// What the node's gossip asks of the gossipsub behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GossipAction {
    Subscribe(String),
    Unsubscribe(String),
    /// Publish `data` (one new-event message) on `topic`.
    Publish {
        topic: String,
        data: Vec<u8>,
    },
}

/// The node's gossip state: subscriptions, the outgoing batches and the seen-cache.
pub struct GossipSide {
    pub seen: SeenCache,
    batcher: Batcher,
    topics: BTreeSet<String>,
}

impl Default for GossipSide {
    fn default() -> Self {
        Self {
            seen: SeenCache::new(SEEN_CAPACITY, SEEN_TTL_MS),
            batcher: Batcher::new(BatchConfig::default()),
            topics: BTreeSet::new(),
        }
    }
}

impl GossipSide {
    /// Subscribes to exactly the topics of `authors`: what to leave, then what to join.
    pub fn follow(&mut self, authors: &[PublicKey]) -> Vec<GossipAction> {
        let wanted: BTreeSet<String> = authors.iter().map(author_topic).collect();
        let mut actions: Vec<GossipAction> = self
            .topics
            .difference(&wanted)
            .cloned()
            .map(GossipAction::Unsubscribe)
            .collect();
        actions.extend(
            wanted
                .difference(&self.topics)
                .cloned()
                .map(GossipAction::Subscribe),
        );
        self.topics = wanted;
        actions
    }

    /// The topics subscribed to now.
    pub fn topics(&self) -> &BTreeSet<String> {
        &self.topics
    }

    /// Queues the user's new event; what is full is published now.
    pub fn publish(&mut self, event: &Event, now: u64) -> Vec<GossipAction> {
        self.seen.insert(event.id, now);
        batches(self.batcher.push(event, now))
    }

    /// Batches that have waited long enough (200 ms).
    pub fn flush_due(&mut self, now: u64) -> Vec<GossipAction> {
        batches(self.batcher.poll(now))
    }

    /// When a queued batch falls due, if one is queued.
    pub fn next_deadline(&self) -> Option<u64> {
        self.batcher.next_deadline()
    }
}

fn batches(batches: Vec<phemossa_gossip::Batch>) -> Vec<GossipAction> {
    batches
        .into_iter()
        .map(|b| GossipAction::Publish {
            topic: b.topic,
            data: b.data,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::{Content, Identity, Post};

    fn key(n: u8) -> PublicKey {
        Identity::from_seed([n; 32]).public_key()
    }

    #[test]
    fn following_changes_only_the_topics_that_changed() {
        let mut side = GossipSide::default();
        let joined = side.follow(&[key(1), key(2)]);
        assert_eq!(joined.len(), 2);
        assert!(joined
            .iter()
            .all(|a| matches!(a, GossipAction::Subscribe(_))));
        let changed = side.follow(&[key(2), key(3)]);
        assert_eq!(
            changed,
            vec![
                GossipAction::Unsubscribe(author_topic(&key(1))),
                GossipAction::Subscribe(author_topic(&key(3))),
            ]
        );
        assert_eq!(side.follow(&[key(2), key(3)]), vec![]);
    }

    #[test]
    fn an_own_event_is_seen_and_published_once_its_batch_is_due() {
        let mut side = GossipSide::default();
        let author = Identity::from_seed([4; 32]);
        let post = Content::Post(Post {
            text: "hello".into(),
            mentions: vec![],
            reply_to: None,
        });
        let event = Event::create(&author, 1_000, post).unwrap();
        assert_eq!(side.publish(&event, 1_000), vec![], "batched");
        assert!(side.seen.contains(&event.id, 1_000));
        let due = side.next_deadline().unwrap();
        let published = side.flush_due(due);
        assert!(matches!(
            published.as_slice(),
            [GossipAction::Publish { topic, .. }] if *topic == author_topic(&author.public_key())
        ));
    }
}
