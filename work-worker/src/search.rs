//! The search as the worker runs it, with nothing of JavaScript: a request checked field by
//! field, then nonces tried one slice at a time from 0, as docs/protocol.md §5.5 says.

use phemossa_core::limits::MAX_EVENT_BYTES;
use phemossa_core::work::{Work, WorkSearch, MAX_NONCE, MAX_WORK_BITS};

/// Nonces per slice when the request names none: a few tens of milliseconds in a browser, so
/// progress moves visibly and a message waits no longer than that.
pub const DEFAULT_SLICE: u64 = 1 << 16;

/// The largest slice a request may ask for: about ten seconds in a browser, past which the
/// worker would answer nothing for too long.
pub const MAX_SLICE: u64 = 1 << 24;

/// Why a request was refused. Each has a fixed message, so the wasm carries no formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// The message is not an object.
    NotAnObject,
    /// `prefix` is missing or not a `Uint8Array`.
    PrefixNotBytes,
    /// `prefix` is longer than any event's encoding can be.
    PrefixTooLong,
    /// `bits` is missing, not a whole number, or outside 1 to 32.
    BitsOutOfRange,
    /// `slice` is given but is not a whole number from 1 to [`MAX_SLICE`].
    SliceOutOfRange,
    /// A message arrived while a search was running: one search per worker.
    Busy,
}

impl RequestError {
    /// The `error` text the worker answers with.
    pub fn message(self) -> &'static str {
        match self {
            RequestError::NotAnObject => "the message must be an object {prefix, bits, slice?}",
            RequestError::PrefixNotBytes => "prefix must be a Uint8Array",
            RequestError::PrefixTooLong => "prefix is longer than an event can be (8 KiB)",
            RequestError::BitsOutOfRange => "bits must be a whole number from 1 to 32",
            RequestError::SliceOutOfRange => {
                "slice must be a whole number from 1 to 16777216 (2^24)"
            }
            RequestError::Busy => "a search is already running: one per worker",
        }
    }
}

/// What one slice of the search came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No nonce of the slice did the work; `tried` nonces have been tried in all.
    Tried(u64),
    /// The first nonce that does the work.
    Found(Work),
    /// Every nonce up to [`MAX_NONCE`] was tried without the work (never, in practice: 2^53
    /// tries for at most 32 bits).
    Exhausted,
}

/// One search, from nonce 0 up, a slice at a time.
pub struct Search {
    search: WorkSearch,
    next: u64,
    slice: u64,
}

impl Search {
    /// A search of `prefix` for `bits` zero bits, `slice` nonces per step (default
    /// [`DEFAULT_SLICE`]). The numbers come from JavaScript, so they are checked as such: whole,
    /// in range, not NaN.
    pub fn new(prefix: &[u8], bits: f64, slice: Option<f64>) -> Result<Self, RequestError> {
        if prefix.len() > MAX_EVENT_BYTES {
            return Err(RequestError::PrefixTooLong);
        }
        let bits = whole(bits, 1, u64::from(MAX_WORK_BITS)).ok_or(RequestError::BitsOutOfRange)?;
        let slice = match slice {
            None => DEFAULT_SLICE,
            Some(slice) => whole(slice, 1, MAX_SLICE).ok_or(RequestError::SliceOutOfRange)?,
        };
        // 1 to 32 by the check above, which core makes again.
        let search =
            WorkSearch::new(prefix, bits as u8).map_err(|_| RequestError::BitsOutOfRange)?;
        Ok(Search {
            search,
            next: 0,
            slice,
        })
    }

    /// Tries the next slice of nonces.
    pub fn step(&mut self) -> Step {
        if self.next > MAX_NONCE {
            return Step::Exhausted;
        }
        if let Some(work) = self.search.try_nonces(self.next, self.slice) {
            return Step::Found(work);
        }
        self.next = self.next.saturating_add(self.slice).min(MAX_NONCE + 1);
        Step::Tried(self.next)
    }
}

/// `n` as a whole number from `min` to `max`, or `None` (NaN and infinities included).
fn whole(n: f64, min: u64, max: u64) -> Option<u64> {
    // Both bounds are far below 2^53, so they are exact as f64.
    (n.fract() == 0.0 && n >= min as f64 && n <= max as f64).then_some(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::work::leading_zero_bits;
    use phemossa_core::EventId;
    use sha2::{Digest, Sha256};

    /// The id the whole encoding has with `bits` and `nonce` appended, computed apart from core.
    fn id_of(prefix: &[u8], bits: u8, nonce: u64) -> EventId {
        let mut hasher = Sha256::new();
        hasher.update(prefix);
        hasher.update([bits]);
        hasher.update(nonce.to_be_bytes());
        EventId::from_bytes(hasher.finalize().into())
    }

    #[test]
    fn numbers_from_javascript_are_checked() {
        let prefix = [7u8; 100];
        for bits in [0.0, 33.0, 8.5, -1.0, f64::NAN, f64::INFINITY, 255.0, 256.0] {
            assert_eq!(
                Search::new(&prefix, bits, None).err(),
                Some(RequestError::BitsOutOfRange),
                "bits {bits}"
            );
        }
        for slice in [
            0.0,
            0.5,
            -3.0,
            f64::NAN,
            (MAX_SLICE + 1) as f64,
            f64::INFINITY,
        ] {
            assert_eq!(
                Search::new(&prefix, 8.0, Some(slice)).err(),
                Some(RequestError::SliceOutOfRange),
                "slice {slice}"
            );
        }
        assert!(Search::new(&prefix, 1.0, Some(1.0)).is_ok());
        assert!(Search::new(&prefix, 32.0, Some(MAX_SLICE as f64)).is_ok());
        assert!(Search::new(&[], 8.0, None).is_ok());
    }

    #[test]
    fn a_prefix_longer_than_an_event_is_refused() {
        assert!(Search::new(&vec![0; MAX_EVENT_BYTES], 8.0, None).is_ok());
        assert_eq!(
            Search::new(&vec![0; MAX_EVENT_BYTES + 1], 8.0, None).err(),
            Some(RequestError::PrefixTooLong)
        );
    }

    #[test]
    fn slices_count_what_was_tried_and_end_at_the_first_nonce_that_works() {
        let prefix = b"a realistic prefix would be the canonical encoding of a post".to_vec();
        let bits = 10;
        let mut search = Search::new(&prefix, f64::from(bits), Some(16.0)).unwrap();
        let mut tried = 0;
        let work = loop {
            match search.step() {
                Step::Tried(n) => {
                    assert_eq!(n, tried + 16, "each slice tries 16 more");
                    tried = n;
                }
                Step::Found(work) => break work,
                Step::Exhausted => panic!("10 bits within 2^53 nonces"),
            }
        };
        assert_eq!(work.bits, bits);
        assert!(
            work.nonce >= tried && work.nonce < tried + 16,
            "found in the last slice"
        );
        assert!(leading_zero_bits(&id_of(&prefix, bits, work.nonce)) >= u32::from(bits));
        for nonce in 0..work.nonce {
            assert!(leading_zero_bits(&id_of(&prefix, bits, nonce)) < u32::from(bits));
        }
        // The same search in one slice finds the same nonce.
        let mut whole = Search::new(&prefix, f64::from(bits), Some(MAX_SLICE as f64)).unwrap();
        assert_eq!(whole.step(), Step::Found(work));
    }

    #[test]
    fn the_search_stops_at_the_largest_nonce() {
        let mut search = Search::new(b"x", 32.0, Some(4.0)).unwrap();
        search.next = MAX_NONCE - 1;
        // Two nonces are left; 32 zero bits among them is a 1 in 2^31 chance, and this prefix
        // has none there.
        assert_eq!(search.step(), Step::Tried(MAX_NONCE + 1));
        assert_eq!(search.step(), Step::Exhausted);
    }
}
