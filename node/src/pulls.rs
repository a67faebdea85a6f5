//! Which peers may pull now (docs/protocol.md §8.7, "Pull slots" and "Retries"): two slots
//! shared by every pull of this node, v1 or v2; a free slot goes to the peer that has waited
//! longest; a slot held by a pull that makes no progress is taken back; and a pull that failed
//! is retried after a wait that a follow change cannot shorten, so nothing restarts in a loop.
//!
//! Sans-IO, one [`PullScheduler`] per node, keyed by peer id. The driver tells it what
//! happened, with the time, and asks it whom to start ([`PullScheduler::grant`]) and whose
//! pull to stop ([`PullScheduler::reclaim`]).

use std::collections::BTreeMap;

/// Pulls running at once, v1 and v2 together. Each holds the peer's listing or our item set
/// in scope (up to 40 MB for a v2 set at its limit) and keeps the store busy; two let one slow
/// peer never stall the node, without the store serving a dozen pulls at once.
pub const PULL_SLOTS: usize = 2;

/// The wait before a failed pull is tried again, after its first failure in a row.
pub const FIRST_RETRY_MS: u64 = 15_000;

/// The longest wait between tries: the 15 s wait doubles with each failure in a row up to
/// this, so a peer that always fails costs a slot at most every 5 minutes.
pub const MAX_RETRY_MS: u64 = 5 * 60_000;

/// A pull that reported no progress (no id listed, no event received or given up) for this
/// long loses its slot. A silent peer is already given up on after 30 s (three sends, §8.4),
/// so this only catches a peer that answers without ever moving forward; 120 s leaves an
/// honest v2 reconciliation, whose rounds report nothing until they find ids, dozens of rounds.
pub const STALL_MS: u64 = 120_000;

/// The wait after `failures` failed pulls in a row: none before any failed, then
/// [`FIRST_RETRY_MS`], doubling with every further failure up to [`MAX_RETRY_MS`].
pub fn retry_delay_ms(failures: u32) -> u64 {
    match failures {
        0 => 0,
        // 15 s << 5 is already past the cap; a small shift cannot overflow.
        n => (FIRST_RETRY_MS << (n - 1).min(8)).min(MAX_RETRY_MS),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing to pull until something changes.
    Idle,
    /// Wants a slot; waiting since then (the queue's order).
    Waiting { since: u64 },
    /// Holds a slot. `again`: the scope changed meanwhile (since then), so one more pull is
    /// owed once this one ends.
    Pulling {
        last_progress: u64,
        again: Option<u64>,
    },
    /// Its last pull failed; it waits for the slot again from `until`.
    Cooling { until: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Peer {
    state: State,
    /// Failed pulls in a row.
    failures: u32,
}

/// The pull slots of one node and the peers that want them.
#[derive(Debug, Clone)]
pub struct PullScheduler<P> {
    peers: BTreeMap<P, Peer>,
}

impl<P> Default for PullScheduler<P> {
    fn default() -> Self {
        Self {
            peers: BTreeMap::new(),
        }
    }
}

impl<P: Ord + Clone> PullScheduler<P> {
    /// A peer connected: it is owed a pull (§8.7, on every new connection).
    pub fn connected(&mut self, peer: P, now: u64) {
        self.peers.entry(peer.clone()).or_insert(Peer {
            state: State::Idle,
            failures: 0,
        });
        self.want(peer, now);
    }

    /// The peer's last connection closed: its slot, if any, is free. A `finished` for it
    /// that comes later changes nothing.
    pub fn disconnected(&mut self, peer: &P) {
        self.peers.remove(peer);
    }

    /// The peer is owed a pull (the scope changed, or the driver wants one). A peer waiting
    /// keeps its place; one pulling gets one more pull after this one; one waiting to retry
    /// keeps its retry time, whose pull will use the new scope. Nothing starts at once.
    pub fn want(&mut self, peer: P, now: u64) {
        let Some(entry) = self.peers.get_mut(&peer) else {
            return;
        };
        entry.state = match entry.state {
            State::Idle => State::Waiting { since: now },
            State::Pulling {
                last_progress,
                again,
            } => State::Pulling {
                last_progress,
                again: again.or(Some(now)),
            },
            waiting @ (State::Waiting { .. } | State::Cooling { .. }) => waiting,
        };
    }

    /// The set of followed authors changed: every connected peer is owed a pull of the new
    /// scope, under the rules of [`Self::want`].
    pub fn follows_changed(&mut self, now: u64) {
        let peers: Vec<P> = self.peers.keys().cloned().collect();
        for peer in peers {
            self.want(peer, now);
        }
    }

    /// The peers whose pull starts now, each given a slot: those waiting longest first (ties
    /// by peer id), while slots are free. The driver starts each one's pull (v1 or v2).
    pub fn grant(&mut self, now: u64) -> Vec<P> {
        for entry in self.peers.values_mut() {
            if let State::Cooling { until } = entry.state {
                if until <= now {
                    entry.state = State::Waiting { since: until };
                }
            }
        }
        let mut waiting: Vec<(u64, P)> = self
            .peers
            .iter()
            .filter_map(|(peer, entry)| match entry.state {
                State::Waiting { since } => Some((since, peer.clone())),
                _ => None,
            })
            .collect();
        waiting.sort();
        let free = PULL_SLOTS.saturating_sub(self.pulling());
        let granted: Vec<P> = waiting
            .into_iter()
            .take(free)
            .map(|(_, peer)| peer)
            .collect();
        for peer in &granted {
            if let Some(entry) = self.peers.get_mut(peer) {
                entry.state = State::Pulling {
                    last_progress: now,
                    again: None,
                };
            }
        }
        granted
    }

    /// The peer's pull moved forward: it listed ids, or events arrived or were given up
    /// (the machine's `Output::Progress`).
    pub fn progressed(&mut self, peer: P, now: u64) {
        if let Some(Peer {
            state: State::Pulling { last_progress, .. },
            ..
        }) = self.peers.get_mut(&peer)
        {
            *last_progress = now;
        }
    }

    /// The peer's pull ended (the machine's `Output::Finished`): `ok` if it finished, not if it
    /// ended with any error. Its slot is free. After success it pulls again only if a pull was
    /// owed meanwhile; after a failure it waits [`retry_delay_ms`], and that one retry covers
    /// whatever was owed.
    pub fn finished(&mut self, peer: P, ok: bool, now: u64) {
        let Some(entry) = self.peers.get_mut(&peer) else {
            return;
        };
        let State::Pulling { again, .. } = entry.state else {
            return;
        };
        if ok {
            entry.failures = 0;
            entry.state = again.map_or(State::Idle, |since| State::Waiting { since });
        } else {
            entry.failures = entry.failures.saturating_add(1);
            let until = now.saturating_add(retry_delay_ms(entry.failures));
            entry.state = State::Cooling { until };
        }
    }

    /// Takes back the slots of pulls that made no progress for [`STALL_MS`]. The driver stops
    /// each one's pull (`SyncMachine::stop` with `pull_stalled`, not blamed); the peer counts
    /// as failed and retries as after any failure.
    pub fn reclaim(&mut self, now: u64) -> Vec<P> {
        let stalled: Vec<P> = self
            .peers
            .iter()
            .filter(|(_, entry)| {
                matches!(entry.state, State::Pulling { last_progress, .. }
                    if now.saturating_sub(last_progress) >= STALL_MS)
            })
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in &stalled {
            self.finished(peer.clone(), false, now);
        }
        stalled
    }

    /// Pulls holding a slot now.
    pub fn pulling(&self) -> usize {
        self.peers
            .values()
            .filter(|entry| matches!(entry.state, State::Pulling { .. }))
            .count()
    }

    /// Peers owed a pull that do not hold a slot: waiting, or waiting to retry.
    pub fn wanting(&self) -> Vec<P> {
        self.peers
            .iter()
            .filter(|(_, entry)| {
                matches!(entry.state, State::Waiting { .. } | State::Cooling { .. })
            })
            .map(|(peer, _)| peer.clone())
            .collect()
    }

    /// When [`Self::grant`] or [`Self::reclaim`] next has something to do, if ever; the
    /// driver may also just call both on its tick.
    pub fn next_wake(&self) -> Option<u64> {
        self.peers
            .values()
            .filter_map(|entry| match entry.state {
                State::Cooling { until } => Some(until),
                State::Pulling { last_progress, .. } => {
                    Some(last_progress.saturating_add(STALL_MS))
                }
                State::Idle | State::Waiting { .. } => None,
            })
            .min()
    }
}
