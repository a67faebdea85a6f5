//! Per peer: its open connections and which are direct, and when this node should try to turn
//! a relayed connection into a direct one (`/webrtc`, signaled over the relayed connection).
//!
//! Who starts: the side that dialed the relayed connection (the spec's convention), at once;
//! the other side only if nothing has started after a grace period, so a peer that never
//! initiates (it may be another implementation) still ends up direct. A failed attempt keeps
//! the relayed connection and is retried with a growing backoff.

use std::collections::HashMap;

use libp2p::swarm::ConnectionId;
use phemossa_api::{ConnectionKind, DirectState, PathInfo};
use phemossa_node::direct::DirectAttempts;

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
        if kind == ConnectionKind::Direct {
            self.attempts.succeeded();
            if self.dial == Some(connection) {
                self.dial = None;
            }
            self.initiate_at = None;
        }
    }

    /// `connection` closed; whether it was one of this peer's (not forgotten by [`Self::clear`]).
    pub fn closed(&mut self, connection: ConnectionId, now: u64) -> bool {
        let Some(link) = self.open.remove(&connection) else {
            return false;
        };
        if self.open.is_empty() {
            self.last_kind = Some(link.kind);
        }
        if !self.has_direct() {
            self.path = None;
            self.direct_identified = false;
            // The direct connection went while a relayed one is still up: try again, by the
            // same rule as after identify (identify does not run again on that connection).
            if link.kind == ConnectionKind::Direct && self.speaks_signaling && self.dial.is_none() {
                let relayed = self
                    .open
                    .values()
                    .find(|l| l.kind == ConnectionKind::Relayed);
                if let Some(&relayed) = relayed {
                    self.schedule_initiation(relayed, now);
                }
            }
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
            self.schedule_initiation(link, now);
        }
    }

    /// When to start an attempt over `relayed`: at once if this node dialed it (the spec's
    /// initiator), else after [`INITIATE_GRACE_MS`], to let the peer start first.
    fn schedule_initiation(&mut self, relayed: Link, now: u64) {
        let wait = if relayed.dialed { 0 } else { INITIATE_GRACE_MS };
        self.initiate_at = Some(now + wait);
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn id(n: usize) -> ConnectionId {
        ConnectionId::new_unchecked(n)
    }

    #[wasm_bindgen_test]
    fn the_dialer_of_the_relayed_connection_starts_at_once_the_other_side_after_the_grace() {
        let mut dialer = Links::default();
        dialer.opened(id(1), ConnectionKind::Relayed, true, 1_000);
        assert!(
            !dialer.due(1_000),
            "nothing before identify says the peer can signal"
        );
        dialer.identified(id(1), true, 1_000);
        assert!(dialer.due(1_000));

        let mut listener = Links::default();
        listener.opened(id(1), ConnectionKind::Relayed, false, 1_000);
        listener.identified(id(1), true, 1_000);
        assert!(!listener.due(1_000 + INITIATE_GRACE_MS - 1));
        assert!(listener.due(1_000 + INITIATE_GRACE_MS));
        listener.peer_initiated();
        assert!(
            !listener.due(1_000 + INITIATE_GRACE_MS),
            "the peer drives the attempt it started"
        );
    }

    #[wasm_bindgen_test]
    fn a_peer_without_signaling_is_never_dialed_directly() {
        let mut links = Links::default();
        links.opened(id(1), ConnectionKind::Relayed, true, 0);
        links.identified(id(1), false, 0);
        assert!(!links.due(u64::MAX / 2));
        assert_eq!(links.state(0), None);
    }

    #[wasm_bindgen_test]
    fn a_failed_attempt_keeps_the_relay_and_waits_out_the_backoff() {
        let mut links = Links::default();
        links.opened(id(1), ConnectionKind::Relayed, true, 0);
        links.identified(id(1), true, 0);
        links.dialing(id(3), 0);
        assert!(!links.due(0), "one attempt at a time");
        assert!(links.is_our_dial(id(3)));
        assert!(links.failed(Some(id(3)), "ICE failed".into(), 15_000));
        assert_eq!(links.kind(), Some(ConnectionKind::Relayed));
        let state = links
            .state(15_000)
            .expect("the effort is shown while relayed");
        assert_eq!(state.failures, 1);
        assert_eq!(state.last_error.as_deref(), Some("ICE failed"));
        assert!(!links.due(15_000 + 29_999));
        assert!(links.due(15_000 + 30_000));
        // A failure of the peer's attempt is not ours, but also counts.
        assert!(!links.failed(None, "timeout".into(), 50_000));
        assert_eq!(links.state(50_000).map(|s| s.failures), Some(2));
    }

    #[wasm_bindgen_test]
    fn relayed_connections_close_only_once_direct_is_identified_and_settled() {
        let mut links = Links::default();
        links.opened(id(1), ConnectionKind::Relayed, true, 0);
        links.identified(id(1), true, 0);
        links.dialing(id(3), 0);
        links.opened(id(2), ConnectionKind::Direct, true, 2_000);
        assert_eq!(links.kind(), Some(ConnectionKind::Direct));
        assert!(!links.due(2_000), "no attempt once direct");
        assert_eq!(links.state(2_000), None, "nothing to show once direct");
        assert!(
            links.relayed_to_close(60_000, 0).is_empty(),
            "not before identify ran over it"
        );
        links.identified(id(2), true, 2_500);
        assert!(links.relayed_to_close(RELAYED_SETTLE_MS - 1, 0).is_empty());
        assert!(
            links
                .relayed_to_close(RELAYED_SETTLE_MS, RELAYED_SETTLE_MS - 1)
                .is_empty(),
            "not right after a subscription change"
        );
        assert_eq!(links.relayed_to_close(RELAYED_SETTLE_MS, 0), vec![id(1)]);
        assert!(links.closed(id(1), RELAYED_SETTLE_MS));
        assert!(
            !links.closed(id(1), RELAYED_SETTLE_MS),
            "a connection is closed once"
        );
        assert_eq!(links.direct(), vec![id(2)]);
    }

    #[wasm_bindgen_test]
    fn losing_the_direct_connection_shows_the_last_kind_and_forgets_the_path() {
        let mut links = Links::default();
        links.opened(id(2), ConnectionKind::Direct, false, 0);
        links.path = Some(PathInfo {
            local_type: phemossa_api::CandidateType::Host,
            remote_type: phemossa_api::CandidateType::Host,
            remote_address: None,
            protocol: Some("udp".into()),
            rtt_ms: Some(1),
        });
        assert!(links.closed(id(2), 0));
        assert_eq!(links.path, None);
        assert_eq!(links.kind(), Some(ConnectionKind::Direct));
        links.clear();
        assert_eq!(
            links.kind(),
            Some(ConnectionKind::Direct),
            "the last kind is kept for the row"
        );
    }

    #[wasm_bindgen_test]
    fn a_direct_connection_lost_beside_a_relayed_one_is_tried_again() {
        let mut links = Links::default();
        links.opened(id(1), ConnectionKind::Relayed, true, 0);
        links.identified(id(1), true, 0);
        links.dialing(id(3), 0);
        links.opened(id(3), ConnectionKind::Direct, true, 1_000);
        assert!(!links.due(2_000));
        assert!(links.closed(id(3), 2_000));
        assert_eq!(links.kind(), Some(ConnectionKind::Relayed));
        assert!(
            links.due(2_000),
            "the dialer of the relayed connection tries again at once"
        );
    }
}
