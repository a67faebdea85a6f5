//! How long to wait before trying again after failures in a row: one doubling backoff for
//! everything the node retries (relay slots, dials, direct connections, pulls), each with its own
//! first wait and cap, and [`Retry`], the failures-in-a-row counter that keeps when the next try
//! is due.

/// Waits that start at `first_ms` after the first failure and double with each further one in
/// a row, up to `max_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure, in ms.
    pub first_ms: u64,
    /// The longest wait, in ms.
    pub max_ms: u64,
}

impl Backoff {
    pub const fn new(first_ms: u64, max_ms: u64) -> Self {
        Self { first_ms, max_ms }
    }

    /// The wait after `failures` failures in a row: none before any failed, then
    /// [`first_ms`](Self::first_ms), doubling with every further failure up to
    /// [`max_ms`](Self::max_ms). Never overflows, however many failures.
    pub fn delay_ms(&self, failures: u32) -> u64 {
        match failures {
            0 => 0,
            n => {
                let factor = 1u64.checked_shl(n - 1).unwrap_or(u64::MAX);
                self.first_ms.saturating_mul(factor).min(self.max_ms)
            }
        }
    }
}

/// Failures in a row of one kind of try (a dial of one peer, a slot on one relay), and when the
/// next try is due. Times are ms on the caller's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retry {
    failures: u32,
    /// Not before this is the next try due; 0 when no failure is waited out.
    next_at: u64,
}

impl Retry {
    /// A try failed at `now`: the next waits `backoff`'s delay for the failures so far.
    /// Returns that wait.
    pub fn failed(&mut self, now: u64, backoff: &Backoff) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let delay = backoff.delay_ms(self.failures);
        self.next_at = now.saturating_add(delay);
        delay
    }

    /// A try succeeded: the failures are forgotten, so a later one starts at the first wait.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }

    /// Whether the next try may start at `now`.
    pub fn due(&self, now: u64) -> bool {
        now >= self.next_at
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When the next try is due (0 if at once).
    pub fn next_at(&self) -> u64 {
        self.next_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn waits_double_from_the_first_to_the_cap() {
        let backoff = Backoff::new(1_000, 30_000);
        let waits: Vec<u64> = (0..=8).map(|n| backoff.delay_ms(n)).collect();
        assert_eq!(
            waits,
            [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(backoff.delay_ms(u32::MAX), 30_000);
    }

    #[test]
    fn a_success_starts_the_waits_over() {
        let backoff = Backoff::new(2_000, 300_000);
        let mut retry = Retry::default();
        assert!(retry.due(0), "a first try is due at once");
        assert_eq!(retry.failed(1_000, &backoff), 2_000);
        assert_eq!(retry.failed(3_000, &backoff), 4_000);
        assert!(!retry.due(6_999) && retry.due(7_000));
        assert_eq!(retry.failures(), 2);
        retry.succeeded();
        assert!(retry.due(0));
        assert_eq!(retry.failed(10_000, &backoff), 2_000);
    }

    proptest! {
        #[test]
        fn waits_never_shrink_and_stay_within_bounds(
            first in 1u64..=u64::MAX / 2,
            extra in 0u64..=u64::MAX / 2,
            failures in 1u32..,
        ) {
            let backoff = Backoff::new(first, first + extra);
            let wait = backoff.delay_ms(failures);
            prop_assert!((backoff.first_ms..=backoff.max_ms).contains(&wait));
            prop_assert!(backoff.delay_ms(failures.saturating_add(1)) >= wait);
        }

        #[test]
        fn a_retry_is_due_exactly_its_wait_after_the_failure(
            now in 0u64..1 << 50,
            failures in 1u32..40,
        ) {
            let backoff = Backoff::new(15_000, 300_000);
            let mut retry = Retry::default();
            let mut wait = 0;
            for _ in 0..failures {
                wait = retry.failed(now, &backoff);
            }
            prop_assert_eq!(wait, backoff.delay_ms(failures));
            prop_assert!(!retry.due(now + wait - 1));
            prop_assert!(retry.due(now + wait));
        }
    }
}
