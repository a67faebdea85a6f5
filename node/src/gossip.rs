//! The node's side of gossip: which topics it subscribes to (the author topics of the user and
//! everyone the user follows, and the user's inbox, docs/protocol.md §8.9), the user's new
//! events batched onto the user's topic and sent at once to the inbox of each person they
//! address, the seen-cache that makes
//! each event count once however many peers forward it, and each message's verdict: judged on
//! arrival (`phemossa_gossip::receive_remembering`, stopping at the first inexcusable event),
//! forwarded only once the store says it lacked one of its events (`after_store`).
//!
//! Message ids are bytes: gossipsub's `MessageId` holds the SHA-256 of the data
//! (`phemossa_gossip::message_id`), and the node only hands them back with the verdict.

use std::collections::BTreeSet;

use phemossa_core::notices::addressees;
use phemossa_core::{Event, PublicKey};
use phemossa_gossip::{author_topic, inbox_topic, BatchConfig, Batcher, SeenCache};
use phemossa_sync::message::Message;

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
    /// Subscribes to exactly the topics of `authors` and `user`'s inbox: what to leave, then
    /// what to join.
    pub fn follow(&mut self, user: &PublicKey, authors: &[PublicKey]) -> Vec<GossipAction> {
        let mut wanted: BTreeSet<String> = authors.iter().map(author_topic).collect();
        wanted.insert(inbox_topic(user));
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

    /// Queues the user's new event for the user's topic, where what is full is published now;
    /// and publishes it at once to the inbox of each person it addresses, who may not follow
    /// the user (a reply, a mention, a reaction, a repost or a follow is rare enough to go
    /// alone, and is news its addressee should not wait for).
    pub fn publish(&mut self, event: &Event, now: u64) -> Vec<GossipAction> {
        self.seen.insert(event.id, now);
        let mut actions = batches(self.batcher.push(event, now));
        let people = addressees(event);
        if !people.is_empty() {
            let data = Message::NewEvent {
                events: vec![event.to_json().into_bytes()],
            }
            .encode();
            actions.extend(people.iter().map(|person| GossipAction::Publish {
                topic: inbox_topic(person),
                data: data.clone(),
            }));
        }
        actions
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
        let joined = side.follow(&key(1), &[key(1), key(2)]);
        assert_eq!(joined.len(), 3, "two authors and the user's inbox");
        assert!(joined
            .iter()
            .all(|a| matches!(a, GossipAction::Subscribe(_))));
        let changed = side.follow(&key(1), &[key(2), key(3)]);
        assert_eq!(
            changed,
            vec![
                GossipAction::Unsubscribe(author_topic(&key(1))),
                GossipAction::Subscribe(author_topic(&key(3))),
            ]
        );
        assert_eq!(side.follow(&key(1), &[key(2), key(3)]), vec![]);
        assert!(side.topics().contains(&inbox_topic(&key(1))));
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

    #[test]
    fn an_addressed_event_goes_at_once_to_each_inbox_and_batched_to_the_author_topic() {
        let mut side = GossipSide::default();
        let author = Identity::from_seed([4; 32]);
        let reply = Content::Post(Post {
            text: "hello both".into(),
            mentions: vec![key(5), key(6)],
            reply_to: None,
        });
        let event = Event::create(&author, 1_000, reply).unwrap();
        let now: Vec<String> = side
            .publish(&event, 1_000)
            .into_iter()
            .map(|action| match action {
                GossipAction::Publish { topic, .. } => topic,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(now, vec![inbox_topic(&key(5)), inbox_topic(&key(6))]);
        let due = side.next_deadline().unwrap();
        assert!(matches!(
            side.flush_due(due).as_slice(),
            [GossipAction::Publish { topic, .. }] if *topic == author_topic(&author.public_key())
        ));
    }
}
