//! Proof of work over an event's id (docs/protocol.md §5.5): what an event claims, whether the
//! claim holds, and the search for a nonce that makes it hold.
//!
//! Work is the spam gate for events addressed to someone who does not follow their author: the
//! sender pays about 2^bits SHA-256 hashes, the receiver checks one. The claim (`bits`) and the
//! `nonce` are the last 9 bytes of the canonical encoding, so the id covers both and a search
//! hashes only the encoding's tail once the rest is absorbed.

use sha2::{Digest, Sha256};

use crate::keys::EventId;
use crate::Error;

/// The most work an event may claim: 2^32 hashes is over half an hour of a browser's time, more
/// than anyone asks of a stranger, and a bound keeps the claim one byte of small numbers.
pub const MAX_WORK_BITS: u8 = 32;

/// The work a person asks of strangers' events unless they choose otherwise, and what a sender
/// does for an event addressed to someone it cannot tell follows it (docs/protocol.md §8.9).
/// 22 bits is 4.2 million hashes on average: the proof-of-work worker's 5.6 million a second on
/// this project's 2-core test machine makes that 0.8 s on average and 1.8 s at the 90th
/// percentile, so an honest reply to a stranger costs its sender about a second
/// (docs/benchmarks.md, "Proof of work in the browser").
pub const DEFAULT_STRANGER_WORK_BITS: u8 = 22;

/// The largest nonce: JSON numbers are exact only up to 2^53 − 1 (as timestamps, §1).
pub const MAX_NONCE: u64 = (1 << 53) - 1;

/// What an event says about the work done for it: its id starts with at least `bits` zero
/// bits, found by trying `nonce`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Work {
    pub bits: u8,
    pub nonce: u64,
}

impl Work {
    /// The bytes the canonical encoding ends with: the claim, then the nonce (u64, big-endian),
    /// last so that a search varies only the encoding's final bytes.
    pub fn encoded(&self) -> [u8; 9] {
        let mut out = [0; 9];
        out[0] = self.bits;
        out[1..].copy_from_slice(&self.nonce.to_be_bytes());
        out
    }

    /// Checks the claim's range (1 to [`MAX_WORK_BITS`] bits, a nonce up to [`MAX_NONCE`]).
    pub fn check_range(&self) -> Result<(), Error> {
        if self.bits == 0 || self.bits > MAX_WORK_BITS || self.nonce > MAX_NONCE {
            return Err(Error::MalformedWork {
                bits: self.bits,
                nonce: self.nonce,
            });
        }
        Ok(())
    }

    /// Checks that `id` (already known to be the event's true id) has the zero bits claimed.
    pub fn check(&self, id: &EventId) -> Result<(), Error> {
        self.check_range()?;
        let found = leading_zero_bits(id);
        if found < u32::from(self.bits) {
            return Err(Error::WorkNotDone {
                claimed: self.bits,
                found,
            });
        }
        Ok(())
    }
}

/// How many zero bits `id` starts with: the work it shows, claimed or not.
pub fn leading_zero_bits(id: &EventId) -> u32 {
    let mut bits = 0;
    for byte in id.as_bytes() {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// A search for a nonce that gives `bits` zero bits, over an event's canonical encoding up to
/// its work: the encoding is absorbed once, and each try hashes the claim and a nonce.
#[derive(Clone)]
pub struct WorkSearch {
    absorbed: Sha256,
    bits: u8,
}

impl WorkSearch {
    /// A search over `prefix` (the canonical encoding without its work, as
    /// [`crate::event::canonical::canonical_prefix`] gives it) for `bits` zero bits.
    pub fn new(prefix: &[u8], bits: u8) -> Result<Self, Error> {
        Work { bits, nonce: 0 }.check_range()?;
        let mut absorbed = Sha256::new();
        absorbed.update(prefix);
        absorbed.update([bits]);
        Ok(Self { absorbed, bits })
    }

    /// Tries the nonces `start .. start + count` (within [`MAX_NONCE`]) and returns the first
    /// that does the work, if any. A caller runs it in slices, to show progress and stop when
    /// asked; each nonce costs one SHA-256 of the last block or two.
    pub fn try_nonces(&self, start: u64, count: u64) -> Option<Work> {
        let end = start.saturating_add(count).min(MAX_NONCE.saturating_add(1));
        (start..end).find_map(|nonce| {
            let mut hasher = self.absorbed.clone();
            hasher.update(nonce.to_be_bytes());
            let id = EventId::from_bytes(hasher.finalize().into());
            (leading_zero_bits(&id) >= u32::from(self.bits)).then_some(Work {
                bits: self.bits,
                nonce,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        let mut bytes = [0xffu8; 32];
        assert_eq!(leading_zero_bits(&EventId::from_bytes(bytes)), 0);
        bytes[0] = 0;
        bytes[1] = 0b0001_0000;
        assert_eq!(leading_zero_bits(&EventId::from_bytes(bytes)), 11);
        assert_eq!(leading_zero_bits(&EventId::from_bytes([0; 32])), 256);
    }

    #[test]
    fn a_claim_out_of_range_is_malformed() {
        let id = EventId::from_bytes([0; 32]);
        for (bits, nonce) in [(0, 1), (MAX_WORK_BITS + 1, 1), (8, MAX_NONCE + 1)] {
            let error = Work { bits, nonce }.check(&id).unwrap_err();
            assert_eq!(error.code(), "malformed_work");
        }
    }

    #[test]
    fn a_claim_the_id_does_not_hold_is_refused() {
        let mut bytes = [0u8; 32];
        bytes[1] = 0x80; // 8 zero bits
        let id = EventId::from_bytes(bytes);
        assert!(Work { bits: 8, nonce: 3 }.check(&id).is_ok());
        let error = Work { bits: 9, nonce: 3 }.check(&id).unwrap_err();
        assert_eq!(error.code(), "work_not_done");
    }

    proptest! {
        /// A nonce the search finds gives an id, over the whole encoding, with the bits
        /// claimed; and the search finds the first such nonce, never skipping one.
        #[test]
        fn the_search_finds_the_first_nonce_that_works(
            prefix in proptest::collection::vec(any::<u8>(), 0..200),
            bits in 1u8..9,
        ) {
            let search = WorkSearch::new(&prefix, bits).unwrap();
            let work = search.try_nonces(0, 1 << 16).expect("9 bits in 65,536 tries");
            let id_of = |nonce: u64| {
                let mut whole = prefix.clone();
                whole.extend_from_slice(&Work { bits, nonce }.encoded());
                EventId::from_bytes(Sha256::digest(&whole).into())
            };
            prop_assert!(work.check(&id_of(work.nonce)).is_ok());
            for nonce in 0..work.nonce {
                prop_assert!(leading_zero_bits(&id_of(nonce)) < u32::from(bits));
            }
        }
    }
}
