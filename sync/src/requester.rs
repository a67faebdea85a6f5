//! The asking side both sync versions share (docs/protocol.md §8.4): one request in flight at a
//! time, numbered by `req`, sent again under a new `req` when its wait runs out and given up
//! after the last send; an answer to any of its sends taken as the answer; a late answer to a
//! request no longer in flight excused within the window; and the wait learned from how long
//! the peer's answers take (`RecentSends`). v1 and v2 differ only in their messages and in how
//! they find what is missing; this is the shell around that, held once.

use std::collections::VecDeque;

use phemossa_core::Error;

use crate::flight::RecentSends;
use crate::output::{Fault, Output};

/// A request message of one sync version.
pub(crate) trait Request: Clone {
    /// The same request under `req`.
    fn with_req(self, req: u64) -> Self;
    /// Its wire bytes.
    fn encode(&self) -> Vec<u8>;
}

/// The request in flight, kept whole so it can be sent again.
#[derive(Debug)]
pub(crate) struct InFlight<M> {
    req: u64,
    /// The `req`s of its earlier sends: the same question, so an answer to any is taken.
    earlier: Vec<u64>,
    message: M,
    deadline: u64,
    attempts: u32,
}

impl<M> InFlight<M> {
    fn sent_as(&self, req: u64) -> bool {
        self.req == req || self.earlier.contains(&req)
    }
}

/// What an answer turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The answer to the request in flight: it is no longer in flight.
    Taken,
    /// A late answer to a request sent within the window: ignored without blame.
    Excused,
    /// An answer to nothing this side asked lately, or of the wrong kind: counted.
    Unexpected,
}

/// What the request in flight needs now that time has passed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    /// Send these bytes: the request again under a new `req`.
    Resend(Vec<u8>),
    /// Every send went unanswered: the pull ends with `sync_timeout` after this many.
    GiveUp {
        attempts: u32,
    },
}

/// One peer's requests of ours: the one in flight, and the recent sends.
#[derive(Debug)]
pub(crate) struct Requester<M> {
    next_req: u64,
    recent: RecentSends,
    in_flight: Option<InFlight<M>>,
}

impl<M> Default for Requester<M> {
    fn default() -> Self {
        Self {
            next_req: 0,
            recent: RecentSends::default(),
            in_flight: None,
        }
    }
}

impl<M: Request> Requester<M> {
    /// Sends `message` as the request in flight, waiting `base_timeout_ms` (longer on a link
    /// whose answers were slow) before sending it again; its wire bytes.
    pub fn send(&mut self, message: M, now_ms: u64, base_timeout_ms: u64) -> Vec<u8> {
        self.next_req += 1;
        self.recent.sent(self.next_req, now_ms);
        let message = message.with_req(self.next_req);
        let bytes = message.encode();
        self.in_flight = Some(InFlight {
            req: self.next_req,
            earlier: Vec::new(),
            message,
            deadline: now_ms + self.recent.request_timeout(base_timeout_ms),
            attempts: 1,
        });
        bytes
    }

    /// Whether a request is in flight.
    pub fn waiting(&self) -> bool {
        self.in_flight.is_some()
    }

    /// When the request in flight is due to be sent again or given up.
    pub fn deadline(&self) -> Option<u64> {
        self.in_flight.as_ref().map(|f| f.deadline)
    }

    /// The pull ended: nothing is in flight any more (answers to it are late answers now).
    pub fn forget(&mut self) {
        self.in_flight = None;
    }

    /// At `now_ms`: the request in flight sent again, given up after `max_attempts` sends, or
    /// nothing yet.
    pub fn due(&mut self, now_ms: u64, base_timeout_ms: u64, max_attempts: u32) -> Due {
        let Some(flight) = self.in_flight.as_mut() else {
            return Due::Nothing;
        };
        if flight.deadline > now_ms {
            return Due::Nothing;
        }
        if flight.attempts >= max_attempts {
            return Due::GiveUp {
                attempts: flight.attempts,
            };
        }
        flight.earlier.push(flight.req);
        self.next_req += 1;
        self.recent.sent(self.next_req, now_ms);
        flight.req = self.next_req;
        flight.attempts += 1;
        flight.deadline = now_ms + self.recent.request_timeout(base_timeout_ms);
        flight.message = flight.message.clone().with_req(flight.req);
        Due::Resend(flight.message.encode())
    }

    /// An answer under `req` arrived at `now_ms`: taken if it answers the request in flight
    /// (under any `req` it was sent with) and `kind` accepts that request; excused if it
    /// answers a request sent within `window_ms` that is no longer in flight; else unexpected.
    /// How long it took is learned either way.
    pub fn answer(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&M) -> bool,
        window_ms: u64,
    ) -> Answer {
        self.recent.answered(req, now_ms);
        if self
            .in_flight
            .take_if(|f| f.sent_as(req) && kind(&f.message))
            .is_some()
        {
            return Answer::Taken;
        }
        let in_flight = self.in_flight.as_ref().is_some_and(|f| f.sent_as(req));
        if in_flight || !self.recent.excused(req, now_ms, window_ms) {
            Answer::Unexpected
        } else {
            Answer::Excused
        }
    }

    /// As [`Self::answer`], for a session: whether the answer is the one to take, and an
    /// unexpected one reported into `outputs` as the peer's fault, as both versions count it.
    pub fn take(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&M) -> bool,
        window_ms: u64,
        outputs: &mut VecDeque<Output>,
    ) -> bool {
        match self.answer(req, now_ms, kind, window_ms) {
            Answer::Taken => true,
            Answer::Excused => false,
            Answer::Unexpected => {
                outputs.push_back(Output::Misbehaved(Fault::Unexpected(
                    Error::UnexpectedSyncMessage {
                        reason: "response to no request in flight".into(),
                    },
                )));
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request that is its `req` and a kind.
    #[derive(Debug, Clone, PartialEq)]
    struct Ask(u64, char);

    impl Request for Ask {
        fn with_req(self, req: u64) -> Self {
            Ask(req, self.1)
        }
        fn encode(&self) -> Vec<u8> {
            vec![self.0 as u8, self.1 as u8]
        }
    }

    #[test]
    fn a_request_is_sent_three_times_then_given_up() {
        let mut requester = Requester::default();
        assert_eq!(requester.send(Ask(0, 'a'), 0, 10_000), vec![1, b'a']);
        assert_eq!(requester.due(9_999, 10_000, 3), Due::Nothing);
        assert_eq!(requester.due(10_000, 10_000, 3), Due::Resend(vec![2, b'a']));
        assert_eq!(requester.due(20_000, 10_000, 3), Due::Resend(vec![3, b'a']));
        assert_eq!(
            requester.due(30_000, 10_000, 3),
            Due::GiveUp { attempts: 3 }
        );
    }

    #[test]
    fn an_answer_to_any_send_is_taken_once_and_later_ones_are_excused() {
        let mut requester = Requester::default();
        requester.send(Ask(0, 'a'), 0, 10_000);
        requester.due(10_000, 10_000, 3);
        let any = |_: &Ask| true;
        assert_eq!(requester.answer(1, 12_000, any, 60_000), Answer::Taken);
        assert!(!requester.waiting());
        assert_eq!(requester.answer(2, 12_500, any, 60_000), Answer::Excused);
        assert_eq!(requester.answer(9, 12_500, any, 60_000), Answer::Unexpected);
        assert_eq!(
            requester.answer(2, 80_001, any, 60_000),
            Answer::Unexpected,
            "past the window"
        );
    }

    #[test]
    fn a_session_takes_the_answer_and_reports_an_unexpected_one_as_a_fault() {
        let mut requester = Requester::default();
        let mut outputs = VecDeque::new();
        requester.send(Ask(0, 'a'), 0, 10_000);
        assert!(requester.take(1, 100, |_| true, 60_000, &mut outputs));
        assert!(outputs.is_empty());
        assert!(
            !requester.take(1, 200, |_| true, 60_000, &mut outputs),
            "excused"
        );
        assert!(outputs.is_empty());
        assert!(!requester.take(7, 300, |_| true, 60_000, &mut outputs));
        assert!(matches!(
            outputs.pop_front(),
            Some(Output::Misbehaved(Fault::Unexpected(_)))
        ));
    }

    #[test]
    fn an_answer_of_the_wrong_kind_is_unexpected_and_the_request_stays() {
        let mut requester = Requester::default();
        requester.send(Ask(0, 'a'), 0, 10_000);
        let only_b = |m: &Ask| m.1 == 'b';
        assert_eq!(requester.answer(1, 100, only_b, 60_000), Answer::Unexpected);
        assert!(requester.waiting());
    }

    #[test]
    fn a_slow_answer_makes_the_next_request_wait_longer() {
        let mut requester = Requester::default();
        requester.send(Ask(0, 'a'), 0, 10_000);
        assert_eq!(
            requester.due(30_000, 10_000, 1),
            Due::GiveUp { attempts: 1 }
        );
        requester.forget();
        // The answer came 40 s after its send: excused, and learned.
        assert_eq!(
            requester.answer(1, 40_000, |_| true, 360_000),
            Answer::Excused
        );
        requester.send(Ask(0, 'a'), 50_000, 10_000);
        assert_eq!(requester.deadline(), Some(50_000 + 50_000));
    }
}
