//! A bounded, time-expiring set of recently seen event ids, so each event is taken (and
//! forwarded) at most once however many copies arrive.

use std::collections::{HashMap, VecDeque};

use phemossa_core::keys::EventId;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
