//! A bounded memory of (id, signature) pairs whose signatures verified, so an event that arrives
//! again (from a second peer's pull running alongside the first, or by gossip and then by sync)
//! skips the signature check, which costs nearly all of validation. The id is still recomputed
//! every time: with the same id the content is the same, and with the same signature bytes the
//! strict check would give the same answer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::keys::{EventId, Signature};

/// Remembered pairs unless told otherwise: about 1 MB, a few syncs' worth of new events.
pub const DEFAULT_VERIFIED_CAPACITY: usize = 8_192;

/// A handle on one shared memory; clones share it (every session and gossip of a node).
#[derive(Debug, Clone)]
pub struct VerifiedIds(Arc<Mutex<Memory>>);

#[derive(Debug)]
struct Memory {
    capacity: usize,
    signatures: HashMap<EventId, Signature>,
    order: VecDeque<EventId>,
    hits: u64,
}

impl Default for VerifiedIds {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_VERIFIED_CAPACITY)
    }
}

impl VerifiedIds {
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(Mutex::new(Memory {
            capacity: capacity.max(1),
            signatures: HashMap::new(),
            order: VecDeque::new(),
            hits: 0,
        })))
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // Nothing here can panic while holding the lock, so a poisoned lock still holds a
        // consistent memory.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `signature` over `id` verified before (and counts the hit).
    pub fn contains(&self, id: &EventId, signature: &Signature) -> bool {
        let mut memory = self.memory();
        let hit = memory.signatures.get(id) == Some(signature);
        memory.hits += u64::from(hit);
        hit
    }

    /// Remembers a pair that verified, forgetting the oldest beyond the capacity.
    pub fn remember(&self, id: EventId, signature: Signature) {
        let mut memory = self.memory();
        if memory.signatures.insert(id, signature).is_some() {
            return;
        }
        memory.order.push_back(id);
        if memory.order.len() > memory.capacity {
            if let Some(oldest) = memory.order.pop_front() {
                memory.signatures.remove(&oldest);
            }
        }
    }

    /// Signature checks skipped so far.
    pub fn hits(&self) -> u64 {
        self.memory().hits
    }

    pub fn len(&self) -> usize {
        self.memory().signatures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> EventId {
        EventId::from_bytes([n; 32])
    }

    #[test]
    fn only_the_same_signature_over_the_same_id_is_remembered() {
        let verified = VerifiedIds::with_capacity(4);
        let signature = Signature::from_bytes([1; 64]);
        verified.remember(id(1), signature);
        assert!(verified.contains(&id(1), &signature));
        assert!(!verified.contains(&id(1), &Signature::from_bytes([2; 64])));
        assert!(!verified.contains(&id(2), &signature));
        assert_eq!(verified.hits(), 1);
    }

    #[test]
    fn the_oldest_pairs_are_forgotten_beyond_the_capacity() {
        let verified = VerifiedIds::with_capacity(2);
        let signature = Signature::from_bytes([1; 64]);
        for n in 1..=3 {
            verified.remember(id(n), signature);
        }
        assert_eq!(verified.len(), 2);
        assert!(!verified.contains(&id(1), &signature));
        assert!(verified.contains(&id(3), &signature));
        let shared = verified.clone();
        shared.remember(id(4), signature);
        assert!(
            verified.contains(&id(4), &signature),
            "clones share one memory"
        );
    }

    #[test]
    fn a_copy_with_other_signature_bytes_is_checked_and_refused() {
        use crate::{Content, Error, Event, Identity, Post};
        let identity = Identity::from_seed([5; 32]);
        let content = Content::Post(Post {
            text: "checked once".into(),
            mentions: vec![],
            reply_to: None,
        });
        let event = Event::create(&identity, 1_700_000_000_000, content).unwrap();
        let (json, now) = (event.to_json(), 1_800_000_000_000);
        let verified = VerifiedIds::default();
        for _ in 0..3 {
            let again = Event::from_json_remembering(json.as_bytes(), now, &verified);
            assert_eq!(again, Ok(event.clone()));
        }
        assert_eq!((verified.len(), verified.hits()), (1, 2));
        let mut forged: serde_json::Value = serde_json::from_str(&json).unwrap();
        forged["signature"] = Signature::from_bytes([0; 64]).to_base64().into();
        let forged = forged.to_string();
        assert_eq!(
            Event::from_json_remembering(forged.as_bytes(), now, &verified),
            Err(Error::BadSignature)
        );
    }
}
