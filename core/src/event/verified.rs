//! A bounded memory of (id, signature) pairs whose signatures verified, so an event that arrives
//! again (from a second peer's pull running alongside the first, or by gossip and then by sync)
//! skips the signature check, which costs nearly all of validation. The id is still recomputed
//! every time: with the same id the content is the same, and with the same signature bytes the
//! strict check would give the same answer.
//!
//! It also remembers the author keys that passed `PublicKey::from_bytes` (a valid curve point in
//! its canonical encoding, not of small order): that check is a point decompression and a
//! compression, about 20 µs in the browser's wasm, which every event of an author paid again
//! once the signature workers had taken the signature itself off the document's thread. Whether
//! 32 bytes are a valid key never changes, so the memory cannot change a verdict.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::keys::{EventId, PublicKey, Signature};
use crate::Error;

/// Remembered pairs unless told otherwise: about 1 MB, a few syncs' worth of new events.
pub const DEFAULT_VERIFIED_CAPACITY: usize = 8_192;

/// Author keys remembered as valid, at most: 128 KB. Past it the memory starts again empty,
/// which costs each author's next event one check.
pub const KEY_CAPACITY: usize = 4_096;

/// A handle on one shared memory; clones share it (every session and gossip of a node).
#[derive(Debug, Clone)]
pub struct VerifiedIds(Arc<Mutex<Memory>>);

#[derive(Debug)]
struct Memory {
    capacity: usize,
    signatures: HashMap<EventId, Signature>,
    order: VecDeque<EventId>,
    hits: u64,
    keys: HashSet<PublicKey>,
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
            keys: HashSet::new(),
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

    /// The key `bytes` are, if they passed `PublicKey::from_bytes` before.
    fn known_key(&self, bytes: &[u8; 32]) -> Option<PublicKey> {
        self.memory().keys.get(bytes).copied()
    }

    /// Remembers a key that passed its checks (only a `PublicKey` can be one).
    fn remember_key(&self, key: PublicKey) {
        let mut memory = self.memory();
        if memory.keys.len() >= KEY_CAPACITY {
            memory.keys.clear();
        }
        memory.keys.insert(key);
    }

    /// `PublicKey::from_bytes`, skipping the point checks for bytes remembered as a key and
    /// remembering the key otherwise: the same verdict and error either way.
    pub(crate) fn key(&self, bytes: [u8; 32], field: &'static str) -> Result<PublicKey, Error> {
        if let Some(key) = self.known_key(&bytes) {
            return Ok(key);
        }
        let key = PublicKey::from_bytes(bytes, field)?;
        self.remember_key(key);
        Ok(key)
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
    fn only_keys_that_passed_are_known_and_the_memory_stays_bounded() {
        use crate::Identity;
        let verified = VerifiedIds::with_capacity(4);
        let key = Identity::from_seed([9; 32]).public_key();
        assert_eq!(verified.known_key(key.as_bytes()), None);
        assert_eq!(verified.key(*key.as_bytes(), "author"), Ok(key));
        assert_eq!(
            verified.clone().known_key(key.as_bytes()),
            Some(key),
            "clones share it"
        );
        // A key that fails is never remembered: the identity point is of small order.
        let mut small = [0u8; 32];
        small[0] = 1;
        for _ in 0..2 {
            let refused = verified.key(small, "author");
            assert_eq!(refused, Err(Error::InvalidKey { field: "author" }));
        }
        assert_eq!(verified.known_key(&small), None);
        for seed in 0..=KEY_CAPACITY as u32 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&seed.to_le_bytes());
            verified.remember_key(Identity::from_seed(bytes).public_key());
        }
        assert!(verified.memory().keys.len() <= KEY_CAPACITY);
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
