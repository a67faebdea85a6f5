//! Which peers may pull now (docs/protocol.md §8.7, "Pull slots" and "Retries"): two slots
//! shared by every pull of this node, v1 or v2; a free slot goes to the peer that has waited
//! longest; a slot held by a pull that makes no progress is taken back; and a pull that failed
//! is retried after a wait that a follow change cannot shorten, so nothing restarts in a loop.
//! When one of a peer's connections closes while another stays open, the peer is owed
//! catch-up pulls (§8.8), 2 s and 30 s later, one at a time ahead of the queue and at least
//! 20 s apart. And whatever gossip lost in other ways is repaired by anti-entropy (§8.7): every
//! 15 minutes every idle peer is pulled again for the events of the last 30 minutes, and every
//! idle peer for everything when the node wakes from sleep.
//!
//! Peers that have delivered valid events go ahead of those that never did
//! ([`PullScheduler::proven`]).
//!
//! Sans-IO, one [`PullScheduler`] per node, keyed by peer id. The driver tells it what
//! happened, with the time, and asks it whom to start ([`PullScheduler::grant`]) and whose
//! pull to stop ([`PullScheduler::reclaim`]).

use std::collections::BTreeMap;

use crate::backoff::{Backoff, Retry};

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

/// When the catch-ups after a lost connection are due (§8.8): one of a peer's connections
/// closed while another stays open, and whatever the closed one had taken is lost.
/// - 2 s: both ends see a relay's or a circuit's death within a round trip of each other, and
///   until the peer has seen it too, its dying connection may still swallow what it sends us
///   (gossipsub hands a peer's messages to whichever of its connections asks first). 2 s is many
///   round trips on any path that still carries a connection, and what the person waits.
/// - 30 s: when a relay host just vanishes, or a WebRTC path dies, each end sees it on its own
///   timers, and the peer's side may close up to about 30 s after ours (Chrome's ICE failure);
///   what it sent into its dead connection meanwhile is caught by the second.
pub const CATCH_UP_AFTER_MS: [u64; 2] = [2_000, 30_000];

/// A peer's catch-ups are at least this far apart, however often its connections close: a
/// peer that opens and closes connections on purpose gets at most one catch-up every 20 s
/// (three a minute), and only one catch-up at a time goes ahead of the waiting peers.
pub const CATCH_UP_MIN_GAP_MS: u64 = 20_000;

/// Anti-entropy (§8.7): every this often, every connected idle peer is owed a pull of the
/// events of the last [`ANTI_ENTROPY_RECENT_MS`]. Gossip loses what no catch-up sees (a
/// subscription lost with a closed connection, a message a mesh peer dropped under load, a
/// forged copy that made the real one a duplicate), and only a peer that holds the lost event
/// can repair it: the simulator's scale scenario (100 nodes, 10 % loss) left 4 % of posts
/// undelivered when anti-entropy pulled one peer per period. So every peer, each pull limited to
/// recent events: with v2 and nothing missing, one round trip over a set of a few dozen items.
pub const ANTI_ENTROPY_MS: u64 = 15 * 60_000;
/// How far back an anti-entropy pull reaches: two periods, so nothing gossip lost falls
/// between two of them. Gossip carries only new events; an author whose clock runs more than
/// this behind is repaired by the full pulls of a new connection or a wake.
pub const ANTI_ENTROPY_RECENT_MS: u64 = 2 * ANTI_ENTROPY_MS;

/// A gap this long between two of the driver's ticks (each 250 ms) means the node was asleep:
/// timers do not run in a suspended machine. 3 minutes, because Chrome's intensive throttling
/// may align a hidden page's timers to one a minute, which must not read as sleep.
pub const WAKE_GAP_MS: u64 = 3 * 60_000;

/// The wait before a failed pull is tried again: [`FIRST_RETRY_MS`] after one failure,
/// doubling with every further failure in a row up to [`MAX_RETRY_MS`].
pub const RETRY: Backoff = Backoff::new(FIRST_RETRY_MS, MAX_RETRY_MS);

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

#[derive(Debug, Clone)]
struct Peer {
    state: State,
    /// Failed pulls (and failed writes of what they brought) in a row, and when the next may
    /// start: the node's one backoff type (`backoff::Retry`).
    retry: Retry,
    /// A catch-up fell due: the next pull is one, and may go ahead of ordinary ones.
    owes_catch_up: bool,
    /// The pull holding a slot is a catch-up (only one catch-up at a time goes first).
    pulling_catch_up: bool,
    /// When this peer's pending catch-ups fall due, earliest first ([`CATCH_UP_AFTER_MS`]).
    catch_ups: Vec<u64>,
    /// When its last catch-up fell due, for [`CATCH_UP_MIN_GAP_MS`].
    last_catch_up: Option<u64>,
    /// When its last pull ended.
    last_done: Option<u64>,
    /// What it is owed is only anti-entropy's pull of recent events.
    owes_recent_only: bool,
    /// The pull holding a slot is anti-entropy's, of recent events only.
    pulling_recent_only: bool,
    /// It has delivered valid events (this run or an earlier one): its pulls go first.
    proven: bool,
}

impl Peer {
    fn new() -> Self {
        Self {
            state: State::Idle,
            retry: Retry::default(),
            owes_catch_up: false,
            pulling_catch_up: false,
            catch_ups: Vec::new(),
            last_catch_up: None,
            last_done: None,
            owes_recent_only: false,
            pulling_recent_only: false,
            proven: false,
        }
    }

    /// Owes a catch-up at `due`, unless one is pending within [`CATCH_UP_MIN_GAP_MS`] of it
    /// (that one covers it); never sooner than that gap after the last one.
    fn schedule_catch_up(&mut self, due: u64) {
        let due = self.last_catch_up.map_or(due, |last| {
            due.max(last.saturating_add(CATCH_UP_MIN_GAP_MS))
        });
        if self
            .catch_ups
            .iter()
            .any(|pending| pending.abs_diff(due) < CATCH_UP_MIN_GAP_MS)
        {
            return;
        }
        self.catch_ups.push(due);
        self.catch_ups.sort_unstable();
    }
}

/// The pull slots of one node and the peers that want them.
#[derive(Debug, Clone)]
pub struct PullScheduler<P> {
    peers: BTreeMap<P, Peer>,
    /// The driver's last tick, to see it wake ([`WAKE_GAP_MS`]).
    ticked_at: Option<u64>,
    /// When the next anti-entropy pull is due; set once a peer connects.
    anti_entropy_at: Option<u64>,
}

impl<P> Default for PullScheduler<P> {
    fn default() -> Self {
        Self {
            peers: BTreeMap::new(),
            ticked_at: None,
            anti_entropy_at: None,
        }
    }
}

impl<P: Ord + Clone> PullScheduler<P> {
    /// A peer connected: it is owed a pull (§8.7, on every new connection).
    pub fn connected(&mut self, peer: P, now: u64) {
        self.peers.entry(peer.clone()).or_insert_with(Peer::new);
        self.anti_entropy_at
            .get_or_insert(now.saturating_add(ANTI_ENTROPY_MS));
        self.want(peer, now);
    }

    /// The peer has delivered valid events (in this run or an earlier one): its pulls go
    /// ahead of those of peers that never did. Fresh identities cost nothing to make, so 30
    /// silent ones connected first would otherwise hold the queue for 7.5 minutes (two at a
    /// time, 30 s each) before the author a follower reconnects to gets its turn.
    pub fn proven(&mut self, peer: &P) {
        if let Some(entry) = self.peers.get_mut(peer) {
            entry.proven = true;
        }
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
        entry.owes_recent_only = false;
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

    /// One of the peer's connections closed and another stays open (§8.8): whatever the closed
    /// one held is lost, so the peer owes catch-up pulls at [`CATCH_UP_AFTER_MS`] from now,
    /// at least [`CATCH_UP_MIN_GAP_MS`] apart (a pending one close to a new one covers it).
    /// A due catch-up is not put off by a failed pull's retry wait (a closed connection is
    /// news, not a retry; the gap bounds how often it runs), and a pull running then is
    /// followed by one more. A peer the scheduler does not know (not yet identified) is
    /// ignored: its first pull is still to come.
    pub fn connection_lost(&mut self, peer: &P, now: u64) {
        if let Some(entry) = self.peers.get_mut(peer) {
            for after in CATCH_UP_AFTER_MS {
                entry.schedule_catch_up(now.saturating_add(after));
            }
        }
    }

    /// The driver's timer fired. If the last tick was more than [`WAKE_GAP_MS`] ago the node
    /// was asleep, and [`Self::woke`] says what follows.
    pub fn tick(&mut self, now: u64) {
        let slept = self
            .ticked_at
            .is_some_and(|at| now.saturating_sub(at) > WAKE_GAP_MS);
        self.ticked_at = Some(now);
        if slept {
            self.woke(now);
        }
    }

    /// The node was asleep (its clock jumped past its timers, as a laptop lid or a frozen
    /// browser makes it): gossip sent meanwhile is lost, so every idle peer is owed a pull
    /// now, in turn for a slot. Peers already waiting keep their place.
    pub fn woke(&mut self, now: u64) {
        let idle: Vec<P> = self
            .peers
            .iter()
            .filter(|(_, entry)| entry.state == State::Idle)
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in idle {
            self.want(peer, now);
        }
    }

    /// Whether `peer`'s pull under way is a catch-up after a lost connection (§8.8).
    pub fn catching_up(&self, peer: &P) -> bool {
        self.peers
            .get(peer)
            .is_some_and(|entry| entry.pulling_catch_up)
    }

    /// The peers whose pull starts now, each given a slot, while slots are free: first one
    /// peer owed a catch-up (the one waiting longest), unless a catch-up already holds a slot;
    /// then those waiting longest (ties by peer id). The driver starts each one's pull (v1 or
    /// v2) over the node's whole scope.
    pub fn grant(&mut self, now: u64) -> Vec<P> {
        self.anti_entropy(now);
        for entry in self.peers.values_mut() {
            let due = entry.catch_ups.first().copied().filter(|due| *due <= now);
            if let Some(due) = due {
                entry.catch_ups.remove(0);
                entry.last_catch_up = Some(due);
                entry.owes_catch_up = true;
                entry.owes_recent_only = false;
                entry.state = match entry.state {
                    State::Idle | State::Cooling { .. } => State::Waiting { since: due },
                    State::Waiting { since } => State::Waiting { since },
                    State::Pulling {
                        last_progress,
                        again,
                    } => State::Pulling {
                        last_progress,
                        again: again.or(Some(due)),
                    },
                };
            }
            if let State::Cooling { until } = entry.state {
                if until <= now {
                    entry.state = State::Waiting { since: until };
                }
            }
        }
        let mut waiting: Vec<(bool, u64, P)> = self
            .peers
            .iter()
            .filter_map(|(peer, entry)| match entry.state {
                State::Waiting { since } => Some((!entry.proven, since, peer.clone())),
                _ => None,
            })
            .collect();
        // Proven peers first, then the longest waiting (ties by peer id).
        waiting.sort();
        let catching_up = self.peers.values().any(|entry| entry.pulling_catch_up);
        let first = (!catching_up)
            .then(|| {
                waiting
                    .iter()
                    .position(|(_, _, peer)| self.peers.get(peer).is_some_and(|e| e.owes_catch_up))
            })
            .flatten();
        if let Some(index) = first {
            let ahead = waiting.remove(index);
            waiting.insert(0, ahead);
        }
        let free = PULL_SLOTS.saturating_sub(self.pulling());
        let granted: Vec<P> = waiting
            .into_iter()
            .take(free)
            .map(|(_, _, peer)| peer)
            .collect();
        for peer in &granted {
            if let Some(entry) = self.peers.get_mut(peer) {
                entry.pulling_catch_up = std::mem::take(&mut entry.owes_catch_up);
                entry.pulling_recent_only = std::mem::take(&mut entry.owes_recent_only);
                entry.state = State::Pulling {
                    last_progress: now,
                    again: None,
                };
            }
        }
        granted
    }

    /// Anti-entropy ([`ANTI_ENTROPY_MS`]): when due, every idle peer is owed a pull of recent
    /// events ([`ANTI_ENTROPY_RECENT_MS`], [`Self::recent_only`]), and the next is due a
    /// period later. A peer pulling or waiting for a pull gets the full one it is owed.
    fn anti_entropy(&mut self, now: u64) {
        if self.anti_entropy_at.is_none_or(|due| due > now) {
            return;
        }
        self.anti_entropy_at = Some(now.saturating_add(ANTI_ENTROPY_MS));
        let idle: Vec<P> = self
            .peers
            .iter()
            .filter(|(_, entry)| entry.state == State::Idle)
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in idle {
            self.want(peer.clone(), now);
            if let Some(entry) = self.peers.get_mut(&peer) {
                entry.owes_recent_only = true;
            }
        }
    }

    /// Whether the pull `peer` holds a slot for is anti-entropy's, of the events of the last
    /// [`ANTI_ENTROPY_RECENT_MS`] only; asked right after [`Self::grant`] hands it out.
    pub fn recent_only(&self, peer: &P) -> bool {
        self.peers
            .get(peer)
            .is_some_and(|entry| entry.pulling_recent_only)
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
    /// owed meanwhile; after a failure it waits [`RETRY`], and that one retry covers
    /// whatever was owed, except a catch-up that fell due meanwhile, which waits for no retry.
    pub fn finished(&mut self, peer: P, ok: bool, now: u64) {
        let Some(entry) = self.peers.get_mut(&peer) else {
            return;
        };
        let State::Pulling { again, .. } = entry.state else {
            return;
        };
        entry.last_done = Some(now);
        entry.pulling_catch_up = false;
        entry.pulling_recent_only = false;
        if ok {
            entry.retry.succeeded();
            entry.state = again.map_or(State::Idle, |since| State::Waiting { since });
        } else {
            entry.retry.failed(now, &RETRY);
            let until = entry.retry.next_at();
            entry.state = if entry.owes_catch_up {
                State::Waiting { since: now }
            } else {
                State::Cooling { until }
            };
        }
    }

    /// Events received from the peer could not be written (the store failed): they are
    /// not lost to the network, so the peer is owed a pull again, after the wait of a failed
    /// pull ([`RETRY`]: 15 s after a pull that succeeded, so a store that keeps failing costs a
    /// pull per peer every 15 s at most), and nothing is blamed on it.
    /// A pull running now is followed by one more; a peer already waiting keeps its place.
    pub fn store_failed(&mut self, peer: P, now: u64) {
        let Some(entry) = self.peers.get_mut(&peer) else {
            return;
        };
        if entry.state == State::Idle {
            entry.retry.failed(now, &RETRY);
            let until = entry.retry.next_at();
            entry.state = State::Cooling { until };
        } else {
            self.want(peer, now);
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

    /// Peers owed a pull that do not hold a slot: waiting, waiting to retry, or owed a
    /// catch-up that is not due yet.
    pub fn wanting(&self) -> Vec<P> {
        self.peers
            .iter()
            .filter(|(_, entry)| {
                matches!(entry.state, State::Waiting { .. } | State::Cooling { .. })
                    || (!entry.catch_ups.is_empty()
                        && !matches!(entry.state, State::Pulling { .. }))
            })
            .map(|(peer, _)| peer.clone())
            .collect()
    }

    /// When [`Self::grant`] or [`Self::reclaim`] next has something to do, if ever; the
    /// driver may also just call both on its tick.
    pub fn next_wake(&self) -> Option<u64> {
        let per_peer = self.peers.values().filter_map(|entry| {
            let state = match entry.state {
                State::Cooling { until } => Some(until),
                State::Pulling { last_progress, .. } => {
                    Some(last_progress.saturating_add(STALL_MS))
                }
                State::Idle | State::Waiting { .. } => None,
            };
            state
                .into_iter()
                .chain(entry.catch_ups.first().copied())
                .min()
        });
        let anti_entropy = self.anti_entropy_at.filter(|_| !self.peers.is_empty());
        per_peer.chain(anti_entropy).min()
    }
}
