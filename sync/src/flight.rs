//! What both versions keep about their own requests so no answer is wasted and no honest late
//! answer is blamed (docs/protocol.md §8.4): every `req` a request was sent under, when each
//! was sent, the slowest round trip the peer's answers showed (a request waits longer on a slow
//! link), and what one pull has spent of its deadline and request budget.

use std::collections::VecDeque;

use phemossa_core::Error;

use crate::limits::MAX_REQUEST_TIMEOUT_MS;

/// Most recent sends remembered. At one request in flight per pull, 1,024 sends is far more
/// than fit in [`crate::limits::LATE_ANSWER_WINDOW_MS`] on any real link; the bound only keeps
/// a fast local pull from growing the list without limit.
const MAX_REMEMBERED: usize = 1_024;

/// The `req`s this side sent lately, with when: an answer to one of them that is no longer in
/// flight (replaced by a resend, or its pull ended) is ignored without blame for `window_ms`
/// after it was sent.
#[derive(Debug, Default)]
pub(crate) struct RecentSends {
    sent: VecDeque<(u64, u64)>,
    /// The longest time from a send to its answer seen on this link, in time or late.
    slowest_ms: u64,
}

impl RecentSends {
    pub fn sent(&mut self, req: u64, now_ms: u64) {
        self.sent.push_back((req, now_ms));
        if self.sent.len() > MAX_REMEMBERED {
            self.sent.pop_front();
        }
    }

    /// An answer to `req` arrived at `now_ms`, in time or late: how long it took is learned.
    pub fn answered(&mut self, req: u64, now_ms: u64) {
        if let Some(&(_, at)) = self.sent.iter().rev().find(|&&(r, _)| r == req) {
            self.slowest_ms = self.slowest_ms.max(now_ms.saturating_sub(at));
        }
    }

    /// How long a request waits for its answer before it is sent again: `base_ms`, or on a link
    /// whose answers have taken longer, a quarter more than the slowest, up to
    /// [`MAX_REQUEST_TIMEOUT_MS`]. A pull over a 40 s round trip then completes: its first try
    /// gives up after `base_ms` × 3, the late answer teaches the wait, and the retry waits it.
    pub fn request_timeout(&self, base_ms: u64) -> u64 {
        let paced = self.slowest_ms.saturating_add(self.slowest_ms / 4);
        base_ms.max(paced.min(MAX_REQUEST_TIMEOUT_MS))
    }

    /// Whether an answer to `req` arriving at `now_ms` is excused.
    pub fn excused(&self, req: u64, now_ms: u64, window_ms: u64) -> bool {
        self.sent
            .iter()
            .any(|&(r, at)| r == req && now_ms <= at.saturating_add(window_ms))
    }
}

/// What one pull has spent of its limits in time and requests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spent {
    pub started_ms: u64,
    pub requests: u32,
}

impl Spent {
    pub fn new(now_ms: u64) -> Self {
        Self {
            started_ms: now_ms,
            requests: 0,
        }
    }

    pub fn deadline(&self, deadline_ms: u64) -> u64 {
        self.started_ms.saturating_add(deadline_ms)
    }

    /// Why the pull must end now rather than send another request, if it must: past its
    /// deadline, or out of requests. Neither blames the peer.
    pub fn exhausted(&self, now_ms: u64, deadline_ms: u64, max_requests: u32) -> Option<Error> {
        if now_ms >= self.deadline(deadline_ms) {
            return Some(Error::PullDeadline {
                max_ms: deadline_ms,
            });
        }
        (self.requests >= max_requests).then_some(Error::PullTooLong {
            what: "requests",
            max: u64::from(max_requests),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_is_excused_for_the_window_after_it() {
        let mut recent = RecentSends::default();
        recent.sent(7, 1_000);
        assert!(recent.excused(7, 61_000, 60_000));
        assert!(!recent.excused(7, 61_001, 60_000));
        assert!(!recent.excused(8, 1_000, 60_000), "never sent");
    }

    #[test]
    fn a_slow_answer_lengthens_the_wait_up_to_the_cap() {
        let mut recent = RecentSends::default();
        assert_eq!(recent.request_timeout(10_000), 10_000);
        recent.sent(1, 0);
        recent.answered(1, 300);
        assert_eq!(
            recent.request_timeout(10_000),
            10_000,
            "a quick link keeps the base"
        );
        recent.sent(2, 1_000);
        recent.answered(2, 41_000);
        assert_eq!(recent.request_timeout(10_000), 50_000);
        recent.sent(3, 0);
        recent.answered(3, 500_000);
        assert_eq!(recent.request_timeout(10_000), MAX_REQUEST_TIMEOUT_MS);
        recent.answered(99, 900_000);
        assert_eq!(
            recent.request_timeout(10_000),
            MAX_REQUEST_TIMEOUT_MS,
            "an answer to nothing sent teaches nothing"
        );
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut recent = RecentSends::default();
        for req in 0..2_000 {
            recent.sent(req, 0);
        }
        assert!(!recent.excused(0, 0, 60_000));
        assert!(recent.excused(1_999, 0, 60_000));
    }

    #[test]
    fn the_deadline_comes_before_the_budget() {
        let spent = Spent {
            started_ms: 100,
            requests: 10,
        };
        assert_eq!(spent.exhausted(199, 100, 11), None);
        assert_eq!(
            spent.exhausted(199, 100, 10).map(|e| e.code()),
            Some("pull_too_long")
        );
        assert_eq!(
            spent.exhausted(200, 100, 10).map(|e| e.code()),
            Some("pull_deadline")
        );
    }
}
