//! The simulator's links: each pair of connected nodes has a one-way latency, a loss rate and
//! a bandwidth; a message arrives after the link has sent what was queued before it, its own
//! bytes at the bandwidth, and the latency, or is lost.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::RngExt as _;

use super::NodeId;

/// One link's character, the same both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkConfig {
    /// One way, in ms: a round trip is twice this.
    pub latency_ms: u64,
    /// The share of messages lost, 0.0 to 1.0 (a request-response stream that fails).
    pub loss: f64,
    /// Bytes per ms each way (1,000 is 8 Mbit/s); 0 for no limit.
    pub bytes_per_ms: u64,
}

impl Default for LinkConfig {
    /// A relayed link between two browsers on one continent: 40 ms each way, no loss,
    /// 8 Mbit/s.
    fn default() -> Self {
        Self {
            latency_ms: 40,
            loss: 0.0,
            bytes_per_ms: 1_000,
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Links {
    config: HashMap<(NodeId, NodeId), LinkConfig>,
    /// Per direction, until when the link is busy sending what was queued.
    busy_until: HashMap<(NodeId, NodeId), u64>,
}

impl Links {
    pub(super) fn set(&mut self, a: NodeId, b: NodeId, config: LinkConfig) {
        self.config.insert(key(a, b), config);
    }

    pub(super) fn remove(&mut self, a: NodeId, b: NodeId) {
        self.config.remove(&key(a, b));
        self.busy_until.remove(&(a, b));
        self.busy_until.remove(&(b, a));
    }

    /// When `len` bytes sent from `from` to `to` at `at` arrive, or `None` if there is no
    /// link or it loses them.
    pub(super) fn carry(
        &mut self,
        from: NodeId,
        to: NodeId,
        at: u64,
        len: usize,
        rng: &mut StdRng,
    ) -> Option<u64> {
        let config = *self.config.get(&key(from, to))?;
        if config.loss > 0.0 && rng.random_bool(config.loss.min(1.0)) {
            return None;
        }
        let busy = self.busy_until.entry((from, to)).or_insert(0);
        let start = at.max(*busy);
        let sending = match config.bytes_per_ms {
            0 => 0,
            rate => (len as u64).div_ceil(rate),
        };
        *busy = start + sending;
        Some(start + sending + config.latency_ms)
    }
}

fn key(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}
