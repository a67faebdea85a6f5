//! Two peers, each a sync machine over an in-memory store, and the messages between them with
//! a fed clock: the driver the tests, the vectors and the cost examples run either sync
//! version with, doing what the extension's driver does over libp2p and IndexedDB.

use std::collections::VecDeque;

use super::store::MemoryStore;
use crate::machine::SyncMachine;
use crate::output::Fault;
use crate::output::{Output, Progress};
use crate::peer_score::PeerScore;
use phemossa_core::Error;

/// One side of an in-memory link.
#[derive(Debug, Default)]
pub struct Peer<M> {
    pub store: MemoryStore,
    pub session: M,
    /// How this side's last pull ended.
    pub finished: Option<Result<Progress, Error>>,
    /// Everything this side's session reported as dropped input from the other side.
    pub misbehaved: Vec<Fault>,
    /// The other side's score as this side keeps it, counted from `misbehaved` (a driver keeps
    /// one per peer; the machine keeps none).
    pub score: PeerScore,
    /// How many of the next store queries fail (as an IndexedDB read can), answered with
    /// `store_failed` instead of the store's answer.
    pub failing_reads: u32,
    /// Requests this side's session left unanswered ([`Output::Unanswered`]).
    pub unanswered: u64,
}

impl<M: SyncMachine> Peer<M> {
    /// Carries out every output: answers queries from the store at once, stores events, and
    /// returns the messages to send to the other side.
    pub fn drain(&mut self, now_ms: u64) -> Vec<Vec<u8>> {
        let mut sent = Vec::new();
        while let Some(output) = self.session.poll_output() {
            self.score.observe(&output);
            let query = match &output {
                Output::ListIds { query, .. }
                | Output::FindMissing { query, .. }
                | Output::LoadEvents { query, .. } => Some(*query),
                _ => None,
            };
            if let Some(query) = query.filter(|_| self.failing_reads > 0) {
                self.failing_reads -= 1;
                let reason = Error::LocalStoreFailed {
                    reason: "a read failed (injected)".into(),
                };
                self.session.store_failed(query, reason);
                continue;
            }
            match output {
                Output::Request(bytes) | Output::Respond { bytes, .. } => sent.push(bytes),
                Output::ListIds {
                    query,
                    scope,
                    after,
                    limit,
                } => {
                    let (page, more) = self.store.list(&scope, after, limit);
                    self.session.answer_ids(query, page, more);
                }
                Output::FindMissing { query, ids } => {
                    let missing = ids
                        .into_iter()
                        .filter(|id| !self.store.contains(id))
                        .collect();
                    self.session.answer_missing(query, missing, now_ms);
                }
                Output::LoadEvents { query, ids } => {
                    let found = self.store.load(&ids);
                    self.session.answer_events(query, found);
                }
                Output::Store(event) => self.store.insert(event),
                Output::Finished(result) => self.finished = Some(result),
                Output::Misbehaved(fault) => self.misbehaved.push(fault),
                Output::Progress(_) => {}
                // Nothing goes back: the requester's request times out and is asked again.
                Output::Unanswered { .. } => self.unanswered += 1,
            }
        }
        sent
    }

    /// Whether this side would disconnect the other: its score passed the threshold.
    pub fn disconnects(&self) -> bool {
        self.score.should_disconnect()
    }
}

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AToB,
    BToA,
}

/// Bytes and messages that crossed the link one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub messages: u64,
    pub bytes: u64,
}

/// Two peers and the messages in flight between them, with a fed clock.
#[derive(Debug)]
pub struct Link<M> {
    pub a: Peer<M>,
    pub b: Peer<M>,
    pub now_ms: u64,
    in_flight: VecDeque<(Direction, Vec<u8>)>,
    pub a_to_b: Traffic,
    pub b_to_a: Traffic,
}

impl<M: SyncMachine> Link<M> {
    pub fn new(a: Peer<M>, b: Peer<M>, now_ms: u64) -> Self {
        Self {
            a,
            b,
            now_ms,
            in_flight: VecDeque::new(),
            a_to_b: Traffic::default(),
            b_to_a: Traffic::default(),
        }
    }

    /// Moves what both peers want to send onto the link.
    pub fn collect(&mut self) {
        let now = self.now_ms;
        for bytes in self.a.drain(now) {
            self.in_flight.push_back((Direction::AToB, bytes));
        }
        for bytes in self.b.drain(now) {
            self.in_flight.push_back((Direction::BToA, bytes));
        }
    }

    /// Delivers one message in flight, after `fault` has had a chance to alter it (or drop it
    /// by returning false). When nothing is in flight, advances the clock to the next deadline
    /// and fires timeouts. Returns false once neither side has anything left to do.
    pub fn step(&mut self, fault: &mut impl FnMut(Direction, &mut Vec<u8>) -> bool) -> bool {
        self.collect();
        if let Some((direction, mut bytes)) = self.in_flight.pop_front() {
            if fault(direction, &mut bytes) {
                let (to, traffic) = match direction {
                    Direction::AToB => (&mut self.b, &mut self.a_to_b),
                    Direction::BToA => (&mut self.a, &mut self.b_to_a),
                };
                traffic.messages += 1;
                traffic.bytes += bytes.len() as u64;
                to.session.handle_message(&bytes, self.now_ms);
            }
            return true;
        }
        let deadline = [
            self.a.session.next_deadline(),
            self.b.session.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(deadline) = deadline else {
            return false;
        };
        self.now_ms = self.now_ms.max(deadline);
        self.a.session.handle_timeout(self.now_ms);
        self.b.session.handle_timeout(self.now_ms);
        true
    }

    /// Bytes and messages that crossed the link both ways.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            messages: self.a_to_b.messages + self.b_to_a.messages,
            bytes: self.a_to_b.bytes + self.b_to_a.bytes,
        }
    }

    /// Runs until idle, delivering everything.
    pub fn run(&mut self) {
        while self.step(&mut |_, _| true) {}
    }
}
