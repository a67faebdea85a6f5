//! Direct (browser-to-browser WebRTC) connections to a peer first reached through a relay: per
//! peer, its open connections and which are direct ([`Links`]); when this node should try to
//! turn a relayed connection into a direct one, and when to close the relayed one once direct
//! works; and when to try again after an attempt failed, 30 s after the first failure, doubling
//! up to 10 min, back to the start once one succeeds ([`DirectAttempts`]). The relayed
//! connection is kept meanwhile, so a failed attempt costs nothing but the wait
//! (docs/design/webrtc-browser-to-browser.md §5.4, docs/protocol.md §8.8).
//!
//! Who starts: the side that dialed the relayed connection (the spec's convention), at once;
//! the other side only if nothing has started after a grace period, so a peer that never
//! initiates (it may be another implementation) still ends up direct.
//!
//! One [`Links`] per peer, kept by the driver beside the peer's other state, generic over the
//! driver's connection id. It is told of connections opening and closing, identify, attempts
//! starting and failing, with the time, and says whether an attempt is due, which relayed
//! connections to close, and how things stand for the pages ([`DirectState`]).

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::backoff::{Backoff, Retry};

/// How a peer is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// Through a relay's circuit.
    Relayed,
    /// A `/webrtc` connection between the two browsers. A TURN server carrying its packets
    /// still counts as direct (the page's path then names a `relay` candidate).
    Direct,
}

/// How long the listening side of a relayed connection waits for the peer to start signaling
/// before it starts itself.
pub const INITIATE_GRACE_MS: u64 = 5_000;

/// A relayed connection is closed, once a direct one works, no sooner than this after it
/// opened and after this node last changed its gossip subscriptions. Gossipsub hands a peer's
/// messages to whichever of its connections asks first, and what a closing connection holds
/// is lost: above all the subscriptions it sends once per peer, without which the peer never
/// forwards a followed author's posts here.
pub const RELAYED_SETTLE_MS: u64 = 10_000;

/// What the node is doing about a direct connection to a peer it reaches only through a relay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectState {
    /// A direct connection is being set up now (signaling or ICE running).
    pub attempting: bool,
    /// Attempts that failed in a row; reset when one succeeds.
    pub failures: u32,
    /// When the next attempt starts, in ms from now; `None` while attempting, or when no
    /// attempt failed yet.
    #[serde(default)]
    pub retry_in_ms: Option<u64>,
    /// Why the last attempt failed, in words.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// The wait after the first failed attempt, in ms.
pub const FIRST_RETRY_MS: u64 = 30_000;
/// The longest wait between attempts, in ms.
pub const MAX_RETRY_MS: u64 = 10 * 60_000;

/// The wait before the next attempt: [`FIRST_RETRY_MS`] after one failure, doubling with every
/// further failure in a row up to [`MAX_RETRY_MS`].
pub const RETRY: Backoff = Backoff::new(FIRST_RETRY_MS, MAX_RETRY_MS);

/// The direct-connection attempts to one peer. Times are ms on the driver's clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectAttempts {
    /// When the attempt under way started; `None` when none is.
    started_at: Option<u64>,
    /// Failed attempts in a row, and when the next may start.
    retry: Retry,
    last_error: Option<String>,
}

impl DirectAttempts {
    pub fn new() -> Self {
        Self::default()
    }

    /// An attempt starts at `now` (the dial, or the peer's offer, was sent on its way).
    pub fn start(&mut self, now: u64) {
        self.started_at = Some(now);
    }

    /// The attempt failed at `now`, for `error` (in words, shown to the person): the next one
    /// waits [`RETRY`]'s delay for the failures so far. Counted even if no [`start`] was seen
    /// (a responder's upgrade can fail before the driver knew of it).
    ///
    /// [`start`]: Self::start
    pub fn failed(&mut self, now: u64, error: impl Into<String>) {
        self.started_at = None;
        self.retry.failed(now, &RETRY);
        self.last_error = Some(error.into());
    }

    /// A direct connection is open: forget the failures, so a later loss starts afresh.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }

    /// Whether an attempt may start at `now`: none is under way and any failure's wait is over.
    /// The driver asks this only for peers it reaches only through a relay.
    pub fn due(&self, now: u64) -> bool {
        self.started_at.is_none() && self.retry.due(now)
    }

    /// Whether an attempt is under way.
    pub fn attempting(&self) -> bool {
        self.started_at.is_some()
    }

    /// Failed attempts in a row.
    pub fn failures(&self) -> u32 {
        self.retry.failures()
    }

    /// How things stand at `now`, for `PeerInfo.direct`.
    pub fn state(&self, now: u64) -> DirectState {
        let attempting = self.attempting();
        let waiting = !attempting && self.retry.failures() > 0;
        DirectState {
            attempting,
            failures: self.retry.failures(),
            retry_in_ms: waiting.then(|| self.retry.next_at().saturating_sub(now)),
            last_error: self.last_error.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Link {
    kind: ConnectionKind,
    /// This node dialed it.
    dialed: bool,
    opened_at: u64,
}

/// One peer's open connections and the effort to make one direct; `C` is the driver's
/// connection id. See the module documentation.
#[derive(Debug, Clone)]
pub struct Links<C> {
    open: HashMap<C, Link>,
    /// What the last connection was, shown once the peer is gone.
    last_kind: Option<ConnectionKind>,
    /// Identify listed the signaling protocol on a relayed connection.
    speaks_signaling: bool,
    /// When this node is to start an attempt; `None` while the peer is expected to.
    initiate_at: Option<u64>,
    /// Our attempt in flight.
    dial: Option<C>,
    /// Identify ran over a direct connection: it carries protocols end to end.
    direct_identified: bool,
    attempts: DirectAttempts,
}

impl<C> Default for Links<C> {
    fn default() -> Self {
        Self {
            open: HashMap::new(),
            last_kind: None,
            speaks_signaling: false,
            initiate_at: None,
            dial: None,
            direct_identified: false,
            attempts: DirectAttempts::default(),
        }
    }
}

impl<C: Copy + Eq + Hash> Links<C> {
    pub fn opened(&mut self, connection: C, kind: ConnectionKind, dialed: bool, now: u64) {
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
    pub fn closed(&mut self, connection: C, now: u64) -> bool {
        let Some(link) = self.open.remove(&connection) else {
            return false;
        };
        if self.open.is_empty() {
            self.last_kind = Some(link.kind);
        }
        if !self.has_direct() {
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

    /// Every open connection.
    pub fn connections(&self) -> Vec<C> {
        self.open.keys().copied().collect()
    }

    /// The direct connections.
    pub fn direct(&self) -> Vec<C> {
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
    pub fn relayed_to_close(&self, now: u64, subscriptions_changed_at: u64) -> Vec<C> {
        // A relayed connection is never the last way to the peer: a direct one must be open
        // (checked, not only implied by `direct_identified`, which a direct connection's close
        // resets).
        if !self.direct_identified
            || !self.has_direct()
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
    pub fn identified(&mut self, connection: C, speaks: bool, now: u64) {
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

    pub fn dialing(&mut self, connection: C, now: u64) {
        self.dial = Some(connection);
        self.initiate_at = None;
        self.attempts.start(now);
    }

    /// An attempt failed, ours (`connection` is our dial) or the peer's; whether it was ours.
    /// This node retries after the backoff either way.
    pub fn failed(&mut self, connection: Option<C>, error: String, now: u64) -> bool {
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
    pub fn is_our_dial(&self, connection: C) -> bool {
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
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_new_peer_is_due_at_once_and_reports_nothing_pending() {
        let attempts = DirectAttempts::new();
        assert!(attempts.due(0));
        assert_eq!(attempts.state(0), DirectState::default());
    }

    #[test]
    fn an_attempt_under_way_is_not_due_again_and_shows_as_attempting() {
        let mut attempts = DirectAttempts::new();
        attempts.start(1_000);
        assert!(!attempts.due(1_000_000));
        let state = attempts.state(2_000);
        assert!(state.attempting);
        assert_eq!(state.retry_in_ms, None);
    }

    #[test]
    fn failures_wait_30_s_doubling_to_10_min() {
        let mut attempts = DirectAttempts::new();
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            attempts.start(now);
            attempts.failed(now, "ICE failed");
            let wait = attempts.state(now).retry_in_ms.unwrap();
            assert!(!attempts.due(now + wait - 1));
            assert!(attempts.due(now + wait));
            waits.push(wait / 1000);
            now += wait;
        }
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600, 600]);
        assert_eq!(attempts.failures(), 8);
    }

    #[test]
    fn the_state_counts_down_and_keeps_the_last_error() {
        let mut attempts = DirectAttempts::new();
        attempts.start(10_000);
        attempts.failed(12_000, "no ICE candidate pair succeeded");
        let state = attempts.state(22_000);
        assert_eq!(
            state,
            DirectState {
                attempting: false,
                failures: 1,
                retry_in_ms: Some(20_000),
                last_error: Some("no ICE candidate pair succeeded".into()),
            }
        );
        assert_eq!(attempts.state(50_000).retry_in_ms, Some(0));
        // Retrying: the count and the last error stay visible while it runs.
        attempts.start(50_000);
        let state = attempts.state(51_000);
        assert!(state.attempting);
        assert_eq!(state.failures, 1);
        assert_eq!(state.retry_in_ms, None);
        assert!(state.last_error.is_some());
    }

    #[test]
    fn success_resets_the_backoff() {
        let mut attempts = DirectAttempts::new();
        for now in [0, 30_000, 90_000] {
            attempts.start(now);
            attempts.failed(now, "timed out");
        }
        attempts.start(400_000);
        attempts.succeeded();
        assert_eq!(attempts, DirectAttempts::new());
        attempts.failed(500_000, "timed out");
        assert_eq!(attempts.state(500_000).retry_in_ms, Some(FIRST_RETRY_MS));
    }

    #[test]
    fn a_failure_without_a_start_still_counts() {
        let mut attempts = DirectAttempts::new();
        attempts.failed(5, "upgrade refused");
        assert_eq!(attempts.failures(), 1);
        assert!(!attempts.due(5));
    }

    proptest! {
        #[test]
        #[test]
        fn waits_between_failures_grow_up_to_the_cap(
            gaps in proptest::collection::vec(0u64..2_000_000, 1..40),
        ) {
            let mut attempts = DirectAttempts::new();
            let mut now = 0u64;
            let mut last = 0u64;
            for gap in gaps {
                now += gap;
                attempts.start(now);
                attempts.failed(now, "x");
                let wait = attempts.state(now).retry_in_ms.unwrap();
                prop_assert!(wait >= last);
                prop_assert!((FIRST_RETRY_MS..=MAX_RETRY_MS).contains(&wait));
                last = wait;
            }
        }
    }

    // ---- Links ----

    /// A peer reached over relayed connection 1, which this node dialed; identify said it
    /// signals, and this node's direct dial 3 is under way.
    fn dialing_over_relayed() -> Links<u32> {
        let mut links = Links::default();
        links.opened(1, ConnectionKind::Relayed, true, 0);
        links.identified(1, true, 0);
        links.dialing(3, 0);
        links
    }

    #[test]
    fn the_dialer_of_the_relayed_connection_starts_at_once_the_other_side_after_the_grace() {
        let mut dialer = Links::<u32>::default();
        dialer.opened(1, ConnectionKind::Relayed, true, 1_000);
        assert!(
            !dialer.due(1_000),
            "nothing before identify says the peer can signal"
        );
        dialer.identified(1, true, 1_000);
        assert!(dialer.due(1_000));

        let mut listener = Links::<u32>::default();
        listener.opened(1, ConnectionKind::Relayed, false, 1_000);
        listener.identified(1, true, 1_000);
        assert!(!listener.due(1_000 + INITIATE_GRACE_MS - 1));
        assert!(listener.due(1_000 + INITIATE_GRACE_MS));
        listener.peer_initiated();
        assert!(
            !listener.due(1_000 + INITIATE_GRACE_MS),
            "the peer drives the attempt it started"
        );
    }

    #[test]
    fn a_peer_without_signaling_is_never_dialed_directly() {
        let mut links = Links::<u32>::default();
        links.opened(1, ConnectionKind::Relayed, true, 0);
        links.identified(1, false, 0);
        assert!(!links.due(u64::MAX / 2));
        assert_eq!(links.state(0), None);
    }

    #[test]
    fn a_failed_attempt_keeps_the_relay_and_waits_out_the_backoff() {
        let mut links = dialing_over_relayed();
        assert!(!links.due(0), "one attempt at a time");
        assert!(links.is_our_dial(3));
        assert!(links.failed(Some(3), "ICE failed".into(), 15_000));
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

    #[test]
    fn relayed_connections_close_only_once_direct_is_identified_and_settled() {
        let mut links = dialing_over_relayed();
        links.opened(2, ConnectionKind::Direct, true, 2_000);
        assert_eq!(links.kind(), Some(ConnectionKind::Direct));
        assert!(!links.due(2_000), "no attempt once direct");
        assert_eq!(links.state(2_000), None, "nothing to show once direct");
        assert!(
            links.relayed_to_close(60_000, 0).is_empty(),
            "not before identify ran over it"
        );
        links.identified(2, true, 2_500);
        assert!(links.relayed_to_close(RELAYED_SETTLE_MS - 1, 0).is_empty());
        assert!(
            links
                .relayed_to_close(RELAYED_SETTLE_MS, RELAYED_SETTLE_MS - 1)
                .is_empty(),
            "not right after a subscription change"
        );
        assert_eq!(links.relayed_to_close(RELAYED_SETTLE_MS, 0), vec![1]);
        assert!(links.closed(1, RELAYED_SETTLE_MS));
        assert!(
            !links.closed(1, RELAYED_SETTLE_MS),
            "a connection is closed once"
        );
        assert_eq!(links.direct(), vec![2]);
    }

    #[test]
    fn the_last_kind_is_kept_for_the_row_once_the_peer_is_gone() {
        let mut links = Links::<u32>::default();
        links.opened(2, ConnectionKind::Direct, false, 0);
        assert!(links.closed(2, 0));
        assert!(!links.has_direct());
        assert_eq!(links.kind(), Some(ConnectionKind::Direct));
        links.clear();
        assert_eq!(links.kind(), Some(ConnectionKind::Direct));
    }

    #[test]
    fn a_direct_connection_lost_beside_a_relayed_one_is_tried_again() {
        let mut links = dialing_over_relayed();
        links.opened(3, ConnectionKind::Direct, true, 1_000);
        assert!(!links.due(2_000));
        assert!(links.closed(3, 2_000));
        assert_eq!(links.kind(), Some(ConnectionKind::Relayed));
        assert!(
            links.due(2_000),
            "the dialer of the relayed connection tries again at once"
        );
    }

    proptest! {
        /// Whatever happens in whatever order: at most one attempt of ours at a time, none
        /// while a direct connection is open, and a relayed connection is only ever offered
        /// for closing while a direct one is open.
        #[test]
        fn one_attempt_at_a_time_and_relayed_closed_only_beside_direct(
            steps in proptest::collection::vec((0u8..8, 0u32..8, 0u64..20_000), 1..150),
        ) {
            let mut links = Links::<u32>::default();
            let mut now = 0u64;
            let mut next_dial = 100u32;
            // Connection ids are never reused (libp2p's are unique): opens take fresh ones,
            // everything else picks among those opened so far.
            let mut opened = 0u32;
            for (what, pick, gap) in steps {
                now += gap;
                let conn = if opened == 0 { 0 } else { pick % opened };
                match what {
                    0 => {
                        links.opened(opened, ConnectionKind::Relayed, pick % 2 == 0, now);
                        opened += 1;
                    }
                    1 => {
                        links.opened(opened, ConnectionKind::Direct, true, now);
                        opened += 1;
                    }
                    2 => { links.closed(conn, now); }
                    3 => links.identified(conn, true, now),
                    4 => if links.due(now) {
                        prop_assert!(!links.has_direct());
                        next_dial += 1;
                        links.dialing(next_dial, now);
                        prop_assert!(!links.due(now), "one attempt at a time");
                    },
                    5 => { links.failed(Some(next_dial), "failed".into(), now); }
                    6 => links.peer_initiated(),
                    _ => links.clear(),
                }
                if !links.relayed_to_close(now, 0).is_empty() {
                    prop_assert!(links.has_direct());
                }
                if links.has_direct() {
                    prop_assert!(!links.due(now));
                    prop_assert_eq!(links.state(now), None);
                }
            }
        }
    }
}
