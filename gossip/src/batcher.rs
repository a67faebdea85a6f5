//! Batching of a node's own new events per author topic: a batch is published when it holds
//! enough events or bytes, or has waited long enough since its first event (time is fed).

use std::collections::BTreeMap;

use crate::author_topic;
use phemossa_core::keys::PublicKey;
use phemossa_core::Event;
use phemossa_sync::limits::{MAX_EVENTS_PER_MESSAGE, MAX_SYNC_MESSAGE_BYTES};
use phemossa_sync::message::Message;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::post;

    const NOW: u64 = 1_767_225_600_000;

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
}
