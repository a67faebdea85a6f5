//! The node's side of gossip: which author topics it subscribes to (the user and everyone the
//! user follows), batching the user's new events onto the user's topic, and the seen-cache that
//! makes each event count once however many peers forward it.

use std::collections::BTreeSet;

use libp2p::gossipsub::{self, IdentTopic, PublishError};
use phemossa_core::{Event, PublicKey};
use phemossa_gossip::BatchConfig;
use phemossa_gossip::{author_topic, Batcher, SeenCache};
use web_sys::console;

/// Event ids remembered as seen, and for how long (docs/protocol.md §8.5): longer than
/// gossipsub's own duplicate cache, so a late copy is still recognised.
const SEEN_CAPACITY: usize = 10_000;
const SEEN_TTL_MS: u64 = 10 * 60 * 1000;

pub struct Gossip {
    pub seen: SeenCache,
    batcher: Batcher,
    topics: BTreeSet<String>,
}

impl Gossip {
    pub fn new() -> Self {
        Self {
            seen: SeenCache::new(SEEN_CAPACITY, SEEN_TTL_MS),
            batcher: Batcher::new(BatchConfig::default()),
            topics: BTreeSet::new(),
        }
    }

    /// Subscribes to exactly the topics of `authors`.
    pub fn follow(&mut self, behaviour: &mut gossipsub::Behaviour, authors: &[PublicKey]) {
        let wanted: BTreeSet<String> = authors.iter().map(author_topic).collect();
        for gone in self.topics.difference(&wanted) {
            behaviour.unsubscribe(&IdentTopic::new(gone.as_str()));
        }
        for new in wanted.difference(&self.topics) {
            let topic = IdentTopic::new(new.as_str());
            // Scored as every author topic is (phemossa_net::topic_score_params); fails only
            // if scoring were off, and then there is nothing to score.
            let _ = behaviour.set_topic_params(topic.clone(), phemossa_net::topic_score_params());
            if let Err(error) = behaviour.subscribe(&topic) {
                console::warn_1(&format!("phemossa: subscribing to {new}: {error}").into());
            }
        }
        self.topics = wanted;
    }

    /// Queues the user's new event; publishes any batch that is full.
    pub fn publish(&mut self, behaviour: &mut gossipsub::Behaviour, event: &Event, now: u64) {
        self.seen.insert(event.id, now);
        for batch in self.batcher.push(event, now) {
            send(behaviour, batch.topic, batch.data);
        }
    }

    /// Publishes batches that have waited long enough.
    pub fn flush_due(&mut self, behaviour: &mut gossipsub::Behaviour, now: u64) {
        for batch in self.batcher.poll(now) {
            send(behaviour, batch.topic, batch.data);
        }
    }
}

fn send(behaviour: &mut gossipsub::Behaviour, topic: String, data: Vec<u8>) {
    match behaviour.publish(IdentTopic::new(topic), data) {
        Ok(_) => {}
        // Nobody who follows the user is online: they pull the event when they next sync.
        Err(PublishError::NoPeersSubscribedToTopic) | Err(PublishError::Duplicate) => {}
        Err(error) => console::warn_1(&format!("phemossa: gossiping an event: {error}").into()),
    }
}
