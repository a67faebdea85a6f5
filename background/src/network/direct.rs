//! Per peer: its open connections and which are direct, and when this node should try to turn
//! a relayed connection into a direct one (`/webrtc`, signaled over the relayed connection).
//!
//! Who starts: the side that dialed the relayed connection (the spec's convention), at once;
//! the other side only if nothing has started after a grace period, so a peer that never
//! initiates (it may be another implementation) still ends up direct. A failed attempt keeps
//! the relayed connection and is retried with a growing backoff.

use std::collections::HashMap;

use libp2p::swarm::ConnectionId;
use phemossa_core::api::{ConnectionKind, DirectState, PathInfo};
use phemossa_core::sync::direct::DirectAttempts;

/// How long the listening side of a relayed connection waits for the peer to start signaling
/// before it starts itself.
pub const INITIATE_GRACE_MS: u64 = 5_000;

/// A relayed connection is closed, once a direct one works, no sooner than this after it
/// opened and after this node last changed its gossip subscriptions. Gossipsub hands a peer's
/// messages to whichever of its connections asks first, and what a closing connection holds
/// is lost: above all the subscriptions it sends once per peer, without which the peer never
/// forwards a followed author's posts here.
pub const RELAYED_SETTLE_MS: u64 = 10_000;

#[derive(Debug, Clone, Copy)]
struct Link {
    kind: ConnectionKind,
    /// This node dialed it.
    dialed: bool,
    opened_at: u64,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Links {
    open: HashMap<ConnectionId, Link>,
    /// What the last connection was, shown once the peer is gone.
    last_kind: Option<ConnectionKind>,
    /// Identify listed `/webrtc-signaling/0.0.1` on a relayed connection.
    speaks_signaling: bool,
    /// When this node is to start an attempt; `None` while the peer is expected to.
    initiate_at: Option<u64>,
    /// Our attempt in flight.
    dial: Option<ConnectionId>,
    /// Identify ran over a direct connection: it carries protocols end to end.
    direct_identified: bool,
    attempts: DirectAttempts,
    /// The path of the direct connection, from the browser's statistics.
    pub path: Option<PathInfo>,
}

impl Links {
    pub fn opened(
        &mut self,
        connection: ConnectionId,
        kind: ConnectionKind,
        dialed: bool,
        now: u64,
    ) {
        self.open.insert(
            connection,
            Link {
                kind,
                dialed,
                opened_at: now,
            },
        );
        self.last_kind = self.kind();
        if kind == ConnectionKind::Direct {
            self.attempts.succeeded();
            if self.dial == Some(connection) {
                self.dial = None;
            }
            self.initiate_at = None;
        }
    }

    /// `connection` closed; whether it was one of this peer's (not forgotten by [`Self::clear`]).
    pub fn closed(&mut self, connection: ConnectionId) -> bool {
        let Some(link) = self.open.remove(&connection) else {
            return false;
        };
        if self.open.is_empty() {
            self.last_kind = Some(link.kind);
        }
        if !self.has_direct() {
            self.path = None;
            self.direct_identified = false;
        }
        true
    }

    /// Forgets every connection (the last one closed).
    pub fn clear(&mut self) {
        self.open.clear();
        self.speaks_signaling = false;
        self.initiate_at = None;
        self.dial = None;
        self.direct_identified = false;
        self.path = None;
    }

    /// Direct if any open connection is, else relayed; without connections, what the last
    /// one was.
    pub fn kind(&self) -> Option<ConnectionKind> {
        if self.has_direct() {
            Some(ConnectionKind::Direct)
        } else {
            self.open
                .values()
                .next()
                .map(|link| link.kind)
                .or(self.last_kind)
        }
    }

    /// The direct connections.
    pub fn direct(&self) -> Vec<ConnectionId> {
        self.open
            .iter()
            .filter(|(_, l)| l.kind == ConnectionKind::Direct)
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn has_direct(&self) -> bool {
        self.open.values().any(|l| l.kind == ConnectionKind::Direct)
    }

    fn has_relayed(&self) -> bool {
        self.open
            .values()
            .any(|l| l.kind == ConnectionKind::Relayed)
    }

    /// The relayed connections to close now: a direct connection has been identified, and
    /// each has settled ([`RELAYED_SETTLE_MS`] since it opened and since
    /// `subscriptions_changed_at`). Closing them stops request-response from spreading
    /// requests over both paths and frees the relay's circuit.
    pub fn relayed_to_close(&self, now: u64, subscriptions_changed_at: u64) -> Vec<ConnectionId> {
        if !self.direct_identified
            || now < subscriptions_changed_at.saturating_add(RELAYED_SETTLE_MS)
        {
            return Vec::new();
        }
        self.open
            .iter()
            .filter(|(_, l)| {
                l.kind == ConnectionKind::Relayed
                    && now >= l.opened_at.saturating_add(RELAYED_SETTLE_MS)
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Identify ran on `connection`; `speaks` is whether it listed the signaling protocol.
    pub fn identified(&mut self, connection: ConnectionId, speaks: bool, now: u64) {
        let Some(link) = self.open.get(&connection).copied() else {
            return;
        };
        if link.kind == ConnectionKind::Direct {
            self.direct_identified = true;
        }
        if link.kind != ConnectionKind::Relayed || !speaks || self.has_direct() {
            return;
        }
        self.speaks_signaling = true;
        if self.initiate_at.is_none() && self.dial.is_none() {
            let wait = if link.dialed { 0 } else { INITIATE_GRACE_MS };
            self.initiate_at = Some(now + wait);
        }
    }

    /// The peer started an attempt: it drives this one.
    pub fn peer_initiated(&mut self) {
        self.initiate_at = None;
    }

    /// Whether this node should start an attempt now.
    pub fn due(&self, now: u64) -> bool {
        self.speaks_signaling
            && self.dial.is_none()
            && !self.has_direct()
            && self.has_relayed()
            && self.initiate_at.is_some_and(|at| now >= at)
            && self.attempts.due(now)
    }

    pub fn dialing(&mut self, connection: ConnectionId, now: u64) {
        self.dial = Some(connection);
        self.initiate_at = None;
        self.attempts.start(now);
    }

    /// An attempt failed, ours (`connection` is our dial) or the peer's; whether it was ours.
    /// This node retries after the backoff either way.
    pub fn failed(&mut self, connection: Option<ConnectionId>, error: String, now: u64) -> bool {
        let ours = connection.is_some() && connection == self.dial;
        if ours {
            self.dial = None;
        }
        self.attempts.failed(now, error);
        if !self.has_direct() {
            // Due again once the backoff `attempts` keeps has passed.
            self.initiate_at = Some(now);
        }
        ours
    }

    /// Whether `connection` is a direct dial of ours in flight.
    pub fn is_our_dial(&self, connection: ConnectionId) -> bool {
        self.dial == Some(connection)
    }

    /// What the options page shows of the effort; `None` while direct or not connected.
    pub fn state(&self, now: u64) -> Option<DirectState> {
        if self.has_direct() || self.open.is_empty() || !self.speaks_signaling {
            return None;
        }
        Some(self.attempts.state(now))
    }
}
