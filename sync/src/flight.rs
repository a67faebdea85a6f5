//! What both versions keep about their own requests so no answer is wasted and no honest late
//! answer is blamed (docs/protocol.md §8.4): every `req` a request was sent under, when each
//! was sent, and what one pull has spent of its deadline and request budget.

use std::collections::VecDeque;

use phemossa_core::Error;

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
}

impl RecentSends {
    pub fn sent(&mut self, req: u64, now_ms: u64) {
        self.sent.push_back((req, now_ms));
        if self.sent.len() > MAX_REMEMBERED {
            self.sent.pop_front();
        }
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
