//! The asking side both sync versions share (docs/protocol.md §8.4): up to
//! [`MAX_IN_FLIGHT`] requests in flight at once, each numbered by `req`, sent again under a new
//! `req` when its wait runs out and given up after the last send; an answer to any send of a
//! request taken as its answer; a late answer to a request no longer in flight excused within
//! the window; and the wait learned from how long the peer's answers take (`RecentSends`). v1
//! and v2 differ only in their messages, in how they find what is missing and in which
//! requests they send side by side; this is the shell around that, held once.

use std::collections::VecDeque;

use phemossa_core::Error;

use crate::flight::RecentSends;
use crate::limits::MAX_IN_FLIGHT;
use crate::output::{Fault, Output};

/// A request message of one sync version.
pub(crate) trait Request: Clone {
    /// The same request under `req`.
    fn with_req(self, req: u64) -> Self;
    /// Its wire bytes.
    fn encode(&self) -> Vec<u8>;
}

/// A request in flight, kept whole so it can be sent again.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer<M> {
    /// The answer to this request in flight: it is no longer in flight.
    Taken(M),
    /// A late answer to a request sent within the window: ignored without blame.
    Excused,
    /// An answer to nothing this side asked lately, or of the wrong kind: counted.
    Unexpected,
}

/// What the requests in flight need now that time has passed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    /// Send these bytes: a request again under a new `req`.
    Resend(Vec<u8>),
    /// Every send went unanswered: the pull ends with `sync_timeout` after this many.
    GiveUp {
        attempts: u32,
    },
}

/// One peer's requests of ours: those in flight, oldest first, and the recent sends.
#[derive(Debug)]
pub(crate) struct Requester<M> {
    next_req: u64,
    recent: RecentSends,
    in_flight: Vec<InFlight<M>>,
}

impl<M> Default for Requester<M> {
    fn default() -> Self {
        Self {
            next_req: 0,
            recent: RecentSends::default(),
            in_flight: Vec::new(),
        }
    }
}

impl<M: Request> Requester<M> {
    /// Sends `message` as one more request in flight, waiting `base_timeout_ms` (longer on a
    /// link whose answers were slow) before sending it again; its wire bytes. The session
    /// keeps to [`MAX_IN_FLIGHT`].
    pub fn send(&mut self, message: M, now_ms: u64, base_timeout_ms: u64) -> Vec<u8> {
        debug_assert!(self.in_flight.len() < MAX_IN_FLIGHT);
        self.next_req += 1;
        self.recent.sent(self.next_req, now_ms);
        let message = message.with_req(self.next_req);
        let bytes = message.encode();
        self.in_flight.push(InFlight {
            req: self.next_req,
            earlier: Vec::new(),
            message,
            deadline: now_ms + self.recent.request_timeout(base_timeout_ms),
            attempts: 1,
        });
        bytes
    }

    /// How many requests in flight `kind` accepts.
    pub fn in_flight(&self, kind: impl Fn(&M) -> bool) -> usize {
        self.in_flight.iter().filter(|f| kind(&f.message)).count()
    }

    /// Whether any request is in flight.
    pub fn waiting(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Whether another request may go out now.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < MAX_IN_FLIGHT
    }

    /// When the first request in flight is due to be sent again or given up.
    pub fn deadline(&self) -> Option<u64> {
        self.in_flight.iter().map(|f| f.deadline).min()
    }

    /// The pull ended: nothing is in flight any more (answers to it are late answers now).
    pub fn forget(&mut self) {
        self.in_flight.clear();
    }

    /// At `now_ms`: a request in flight whose wait ran out sent again, given up after
    /// `max_attempts` sends, or nothing. Call it until it answers [`Due::Nothing`]: each call
    /// deals with one request.
    pub fn due(&mut self, now_ms: u64, base_timeout_ms: u64, max_attempts: u32) -> Due {
        let Some(flight) = self.in_flight.iter_mut().find(|f| f.deadline <= now_ms) else {
            return Due::Nothing;
        };
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

    /// An answer under `req` arrived at `now_ms`: taken if it answers a request in flight
    /// (under any `req` it was sent with) and `kind` accepts that request; excused if it
    /// answers a request sent within `window_ms` that is no longer in flight; else unexpected.
    /// How long it took is learned either way.
    pub fn answer(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&M) -> bool,
        window_ms: u64,
    ) -> Answer<M> {
        self.recent.answered(req, now_ms);
        let position = self.in_flight.iter().position(|f| f.sent_as(req));
        if let Some(at) = position.filter(|&at| kind(&self.in_flight[at].message)) {
            return Answer::Taken(self.in_flight.remove(at).message);
        }
        if position.is_some() || !self.recent.excused(req, now_ms, window_ms) {
            Answer::Unexpected
        } else {
            Answer::Excused
        }
    }

    /// As [`Self::due`] until nothing is due, for a session: each request whose wait ran out
    /// sent again into `outputs`, or `sync_timeout` when one has had all its sends, which ends
    /// the pull (both versions handle their timeouts so).
    pub fn resend_due(
        &mut self,
        now_ms: u64,
        base_timeout_ms: u64,
        max_attempts: u32,
        outputs: &mut VecDeque<Output>,
    ) -> Result<(), Error> {
        loop {
            match self.due(now_ms, base_timeout_ms, max_attempts) {
                Due::Nothing => return Ok(()),
                Due::Resend(bytes) => outputs.push_back(Output::Request(bytes)),
                Due::GiveUp { attempts } => return Err(Error::SyncTimeout { attempts }),
            }
        }
    }

    /// As [`Self::answer`], for a session: the request answered, if the answer is one to take,
    /// and an unexpected one reported into `outputs` as the peer's fault, as both versions
    /// count it.
    pub fn take(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&M) -> bool,
        window_ms: u64,
        outputs: &mut VecDeque<Output>,
    ) -> Option<M> {
        match self.answer(req, now_ms, kind, window_ms) {
            Answer::Taken(message) => Some(message),
            Answer::Excused => None,
            Answer::Unexpected => {
                outputs.push_back(Output::Misbehaved(Fault::Unexpected(
                    Error::UnexpectedSyncMessage {
                        reason: "response to no request in flight".into(),
                    },
                )));
                None
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
        assert_eq!(
            requester.answer(1, 12_000, any, 60_000),
            Answer::Taken(Ask(2, 'a'))
        );
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
        assert_eq!(
            requester.take(1, 100, |_| true, 60_000, &mut outputs),
            Some(Ask(1, 'a'))
        );
        assert!(outputs.is_empty());
        assert_eq!(
            requester.take(1, 200, |_| true, 60_000, &mut outputs),
            None,
            "excused"
        );
        assert!(outputs.is_empty());
        assert_eq!(requester.take(7, 300, |_| true, 60_000, &mut outputs), None);
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

    #[test]
    fn requests_in_flight_are_answered_in_any_order_and_resent_each_on_its_own_clock() {
        let mut requester = Requester::default();
        requester.send(Ask(0, 'a'), 0, 10_000);
        requester.send(Ask(0, 'b'), 4_000, 10_000);
        requester.send(Ask(0, 'b'), 6_000, 10_000);
        assert!(requester.has_room());
        requester.send(Ask(0, 'c'), 7_000, 10_000);
        assert!(!requester.has_room(), "{MAX_IN_FLIGHT} in flight");
        assert_eq!(requester.in_flight(|m| m.1 == 'b'), 2);
        assert_eq!(requester.deadline(), Some(10_000));
        let any = |_: &Ask| true;
        // The third is answered first; the others stay.
        assert_eq!(
            requester.answer(3, 8_000, any, 60_000),
            Answer::Taken(Ask(3, 'b'))
        );
        assert_eq!(requester.in_flight(any), 3);
        // At 14 s the first and second are past their waits: each is sent again, once.
        assert_eq!(requester.due(14_000, 10_000, 3), Due::Resend(vec![5, b'a']));
        assert_eq!(requester.due(14_000, 10_000, 3), Due::Resend(vec![6, b'b']));
        assert_eq!(requester.due(14_000, 10_000, 3), Due::Nothing);
        // An answer to the second's first send is taken as its answer.
        assert_eq!(
            requester.answer(2, 15_000, any, 60_000),
            Answer::Taken(Ask(6, 'b'))
        );
        assert_eq!(requester.answer(6, 15_100, any, 60_000), Answer::Excused);
        requester.forget();
        assert!(!requester.waiting());
        assert_eq!(requester.deadline(), None);
    }
}
