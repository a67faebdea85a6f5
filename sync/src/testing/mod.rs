//! In-memory stand-ins for the store and the network, so tests, the test vectors and the cost
//! examples can run two real sessions against each other message by message. Behind the
//! `testing` feature: no production driver links them.

mod link;
mod store;
pub mod v1;
pub mod v2;

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};

use crate::machine::SyncMachine;
use crate::output::Fault;
use crate::output::Output;
use crate::peer_score::PeerScore;

/// A machine a test drives by hand, with the score its owner keeps of the peer: every
/// [`Output::Misbehaved`] the machine emits is counted, as a driver counts it in the one score
/// it holds per peer (the machine keeps none). Everything else is the machine's own.
#[derive(Debug, Default)]
pub struct Scored<M> {
    pub machine: M,
    score: PeerScore,
    /// Outputs taken from the machine to be counted, not yet polled by the test.
    pending: VecDeque<Output>,
}

impl<M: SyncMachine> Scored<M> {
    pub fn new(machine: M) -> Self {
        Self {
            machine,
            score: PeerScore::default(),
            pending: VecDeque::new(),
        }
    }

    /// Takes every output the machine has, counting faults, and keeps them for
    /// [`Self::poll_output`].
    fn take_outputs(&mut self) {
        while let Some(output) = self.machine.poll_output() {
            self.score.observe(&output);
            self.pending.push_back(output);
        }
    }

    /// The machine's next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.take_outputs();
        self.pending.pop_front()
    }

    /// Counts a fault the test took from the machine some other way (through a link's peer).
    pub fn count(&mut self, fault: &Fault) {
        self.score.count(fault);
    }

    /// Everything the peer was blamed for so far, including in outputs not polled yet, so a
    /// test cannot read a score of zero only because it did not look.
    pub fn score(&mut self) -> &PeerScore {
        self.take_outputs();
        &self.score
    }
}

impl<M> Deref for Scored<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.machine
    }
}

impl<M> DerefMut for Scored<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.machine
    }
}
