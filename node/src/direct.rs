//! When to try a direct (browser-to-browser WebRTC) connection to a peer reached only through a
//! relay, and when to try again after one failed: 30 s after the first failure, doubling up to
//! 10 min, back to the start once one succeeds. The relayed connection is kept meanwhile, so a
//! failed attempt costs nothing but the wait (docs/notes/webrtc-browser-to-browser.md §5.4).
//!
//! One [`DirectAttempts`] per peer, kept by the driver beside the peer's other state. It is
//! told of attempts starting, failing and succeeding, with the time, and says whether another
//! is due and how things stand for the pages ([`DirectState`]).

use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;

/// What the node is doing about a direct connection to a peer it reaches only through a relay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectState {
    /// A direct connection is being set up now (signaling or ICE running).
    pub attempting: bool,
    /// Attempts that failed in a row; reset when one succeeds.
    pub failures: u32,
    /// When the next attempt starts, in ms from now; `None` while attempting, or when no
    /// attempt failed yet.
    #[serde(default)]
    pub retry_in_ms: Option<u64>,
    /// Why the last attempt failed, in words.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// The wait after the first failed attempt, in ms.
pub const FIRST_RETRY_MS: u64 = 30_000;
/// The longest wait between attempts, in ms.
pub const MAX_RETRY_MS: u64 = 10 * 60_000;

/// The wait before the next attempt: [`FIRST_RETRY_MS`] after one failure, doubling with every
/// further failure in a row up to [`MAX_RETRY_MS`].
pub const RETRY: Backoff = Backoff::new(FIRST_RETRY_MS, MAX_RETRY_MS);

/// The direct-connection attempts to one peer. Times are ms on the driver's clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectAttempts {
    /// When the attempt under way started; `None` when none is.
    started_at: Option<u64>,
    failures: u32,
    /// Not before this is the next attempt due; `None` when no failure is waited out.
    retry_at: Option<u64>,
    last_error: Option<String>,
}

impl DirectAttempts {
    pub fn new() -> Self {
        Self::default()
    }

    /// An attempt starts at `now` (the dial, or the peer's offer, was sent on its way).
    pub fn start(&mut self, now: u64) {
        self.started_at = Some(now);
    }

    /// The attempt failed at `now`, for `error` (in words, shown to the person): the next one
    /// waits [`RETRY`]'s delay for the failures so far. Counted even if no [`start`] was seen
    /// (a responder's upgrade can fail before the driver knew of it).
    ///
    /// [`start`]: Self::start
    pub fn failed(&mut self, now: u64, error: impl Into<String>) {
        self.started_at = None;
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Some(now.saturating_add(RETRY.delay_ms(self.failures)));
        self.last_error = Some(error.into());
    }

    /// A direct connection is open: forget the failures, so a later loss starts afresh.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }

    /// Whether an attempt may start at `now`: none is under way and any failure's wait is over.
    /// The driver asks this only for peers it reaches only through a relay.
    pub fn due(&self, now: u64) -> bool {
        self.started_at.is_none() && self.retry_at.is_none_or(|at| now >= at)
    }

    /// Whether an attempt is under way.
    pub fn attempting(&self) -> bool {
        self.started_at.is_some()
    }

    /// Failed attempts in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How things stand at `now`, for `PeerInfo.direct`.
    pub fn state(&self, now: u64) -> DirectState {
        let attempting = self.attempting();
        DirectState {
            attempting,
            failures: self.failures,
            retry_in_ms: self
                .retry_at
                .filter(|_| !attempting)
                .map(|at| at.saturating_sub(now)),
            last_error: self.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_new_peer_is_due_at_once_and_reports_nothing_pending() {
        let attempts = DirectAttempts::new();
        assert!(attempts.due(0));
        assert_eq!(attempts.state(0), DirectState::default());
    }

    #[test]
    fn an_attempt_under_way_is_not_due_again_and_shows_as_attempting() {
        let mut attempts = DirectAttempts::new();
        attempts.start(1_000);
        assert!(!attempts.due(1_000_000));
        let state = attempts.state(2_000);
        assert!(state.attempting);
        assert_eq!(state.retry_in_ms, None);
    }

    #[test]
    fn failures_wait_30_s_doubling_to_10_min() {
        let mut attempts = DirectAttempts::new();
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            attempts.start(now);
            attempts.failed(now, "ICE failed");
            let wait = attempts.state(now).retry_in_ms.unwrap();
            assert!(!attempts.due(now + wait - 1));
            assert!(attempts.due(now + wait));
            waits.push(wait / 1000);
            now += wait;
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600, 600]);
        assert_eq!(attempts.failures(), 8);
    }

    #[test]
    fn the_state_counts_down_and_keeps_the_last_error() {
        let mut attempts = DirectAttempts::new();
        attempts.start(10_000);
        attempts.failed(12_000, "no ICE candidate pair succeeded");
        let state = attempts.state(22_000);
        assert_eq!(
            state,
            DirectState {
                attempting: false,
                failures: 1,
                retry_in_ms: Some(20_000),
                last_error: Some("no ICE candidate pair succeeded".into()),
            }
        );
        assert_eq!(attempts.state(50_000).retry_in_ms, Some(0));
        // Retrying: the count and the last error stay visible while it runs.
        attempts.start(50_000);
        let state = attempts.state(51_000);
        assert!(state.attempting);
        assert_eq!(state.failures, 1);
        assert_eq!(state.retry_in_ms, None);
        assert!(state.last_error.is_some());
    }

    #[test]
    fn success_resets_the_backoff() {
        let mut attempts = DirectAttempts::new();
        for now in [0, 30_000, 90_000] {
            attempts.start(now);
            attempts.failed(now, "timed out");
        }
        attempts.start(400_000);
        attempts.succeeded();
        assert_eq!(attempts, DirectAttempts::new());
        attempts.failed(500_000, "timed out");
        assert_eq!(attempts.state(500_000).retry_in_ms, Some(FIRST_RETRY_MS));
    }

    #[test]
    fn a_failure_without_a_start_still_counts() {
        let mut attempts = DirectAttempts::new();
        attempts.failed(5, "upgrade refused");
        assert_eq!(attempts.failures(), 1);
        assert!(!attempts.due(5));
    }

    proptest! {
        #[test]
        #[test]
        fn waits_between_failures_grow_up_to_the_cap(
            gaps in proptest::collection::vec(0u64..2_000_000, 1..40),
        ) {
            let mut attempts = DirectAttempts::new();
            let mut now = 0u64;
            let mut last = 0u64;
            for gap in gaps {
                now += gap;
                attempts.start(now);
                attempts.failed(now, "x");
                let wait = attempts.state(now).retry_in_ms.unwrap();
                prop_assert!(wait >= last);
                prop_assert!((FIRST_RETRY_MS..=MAX_RETRY_MS).contains(&wait));
                last = wait;
            }
        }
    }
}
