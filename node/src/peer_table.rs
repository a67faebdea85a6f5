//! Every peer this node has seen, and what it keeps of each: its two sync machines and its one
//! misbehaviour score, its open connections, the responses it awaits, the session generation
//! that tells a store answer meant for an earlier connection apart, how soon it may be dialed
//! again, and when the table forgets it.
//!
//! Generic over the driver's peer id `P`, connection id `C`, the response channel `R` an
//! inbound request is answered on, and `D`, what the driver reads of the direct connection's
//! path (the browser's `PathInfo`): the table never looks inside `R` or `D`, it only keeps and
//! drops them, so it is tested natively. Saving a peer to the browser's `peers` store and
//! showing it to the pages is the driver's translation of [`SavedPeer`] and the public fields.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use phemossa_core::event::VerifiedIds;
use phemossa_core::{Event, PublicKey};
use phemossa_sync::v2::HeldBudget;
use phemossa_sync::{
    Output, PeerScore, Progress, ReconcileConfig, Reconciler, Session, SessionConfig, SyncMachine,
};

use crate::admission::{Occupancy, REDIAL};
use crate::backoff::Retry;
use crate::direct::Links;
use crate::limits::{is_banned, to_forget, Remembered};

/// Inbound requests awaiting an answer, per peer. The session answers at most a few at once
/// and drops the rest; their channels are dropped oldest first past this.
pub const MAX_OPEN_CHANNELS: usize = 16;

/// Which sync protocol a message or a store answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `/phemossa/sync/1.0.0`, the plain id exchange.
    V1,
    /// `/phemossa/sync/2.0.0`, set reconciliation.
    V2,
}

/// What is remembered of a peer between runs, without its id (the browser keeps it in the
/// `peers` store as a `PeerRecord`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedPeer {
    pub address: Option<String>,
    pub events_received: u64,
    /// Invalid input counted in all runs so far.
    pub invalid_messages: u64,
    pub last_seen: u64,
    /// Until when the peer is banned, if it is.
    pub banned_until: Option<u64>,
    /// Who runs the peer, from its signed owner claim (docs/protocol.md §13).
    pub owner: Option<PublicKey>,
}

/// A peer's two sync machines: each answers the peer's requests on its own protocol, and our
/// pull runs on v2 when the peer's identify lists it, else on v1. The machines keep no score:
/// what they report (`Output::Misbehaved`) and what gossip counts go into the peer's one
/// `score`, which outlives its connections.
pub struct Peer<C, R, D> {
    v1: Session,
    v2: Reconciler,
    /// The peer's bad input this run, on both sync protocols and gossip (docs/protocol.md §8.6).
    pub score: PeerScore,
    /// Whether the peer speaks sync v2, from identify; `None` until it says.
    pub supports_v2: Option<bool>,
    /// A pull waits for identify to tell which protocol to use.
    pub pull_pending: bool,
    pub connected_at: u64,
    pub connections: usize,
    pub address: Option<String>,
    /// Its open connections, which are direct, and the effort to make one direct.
    pub links: Links<C>,
    /// The path of the direct connection, from the browser's statistics; `None` while none
    /// is open.
    pub path: Option<D>,
    pub events_received: u64,
    /// Invalid input counted in earlier runs (the session counts this run's).
    pub invalid_before: u64,
    /// Faults on the protocols beside sync and gossip this run: direct connection attempts it
    /// broke the signaling protocol in, blob requests it answered with malformed messages or
    /// bytes that are not the blob (docs/protocol.md §12.4), owner answers or requests that
    /// were malformed or not signed for its peer id (§13). Invalid input, never toward a ban.
    side_faults: u64,
    /// Who runs the peer: the user whose owner claim for its peer id checked (§13), in this
    /// run or an earlier one. A claim checked later replaces it.
    pub owner: Option<PublicKey>,
    /// Its owner was asked on the current connections: asked again after it reconnects.
    pub owner_asked: bool,
    /// It was asked for the user's inbox on the current connections (§8.9 "Catch-up"): asked
    /// again after it reconnects.
    pub inbox_asked: bool,
    pub last_seen: u64,
    pub banned: bool,
    /// When the ban lapses (`limits::BAN_MS` after it began), kept across restarts.
    pub banned_until: Option<u64>,
    pub progress: Option<Progress>,
    /// Validated events waiting to be stored.
    pub to_store: Vec<Event>,
    /// Times rendezvous listed this peer while no connection to it was open.
    pub missed: u32,
    /// Dials that failed in a row, and when the next may start.
    redial: Retry,
    channels: VecDeque<(Version, u64, R)>,
    /// Something the `peers` store should learn.
    pub unsaved: bool,
    /// Counts this peer's connections-worth of sessions: store answers carry the generation
    /// they were asked in, and an answer meant for an earlier session is dropped, since a new
    /// session reuses query ids.
    pub generation: u64,
    /// What every peer's sessions share with the node's others.
    shared: NodeShared,
}

impl<C: Copy + Eq + Hash, R, D> Peer<C, R, D> {
    fn new(shared: &NodeShared) -> Self {
        Self {
            v1: Session::new(v1_config(shared)),
            v2: Reconciler::new(v2_config(shared)),
            score: PeerScore::default(),
            supports_v2: None,
            pull_pending: false,
            connected_at: 0,
            connections: 0,
            address: None,
            links: Links::default(),
            path: None,
            events_received: 0,
            invalid_before: 0,
            side_faults: 0,
            owner: None,
            owner_asked: false,
            inbox_asked: false,
            last_seen: 0,
            banned: false,
            banned_until: None,
            progress: None,
            to_store: Vec::new(),
            missed: 0,
            redial: Retry::default(),
            channels: VecDeque::new(),
            unsaved: false,
            generation: 0,
            shared: shared.clone(),
        }
    }

    /// A dial failed: wait before the next, doubling from 2 s up to 5 minutes, so a peer
    /// that left (its rendezvous registration outlives it) is not dialed every round.
    pub fn dial_failed(&mut self, now: u64) {
        self.redial.failed(now, &REDIAL);
    }

    pub fn may_dial(&self, now: u64) -> bool {
        !self.banned && !self.connected() && self.redial.due(now)
    }

    pub fn connected_now(&mut self) {
        self.redial.succeeded();
    }

    pub fn connected(&self) -> bool {
        self.connections > 0
    }

    pub fn machine(&mut self, version: Version) -> &mut dyn SyncMachine {
        match version {
            Version::V1 => &mut self.v1,
            Version::V2 => &mut self.v2,
        }
    }

    /// The protocol our pull from this peer runs on.
    pub fn pull_version(&self) -> Version {
        if self.supports_v2 == Some(true) {
            Version::V2
        } else {
            Version::V1
        }
    }

    /// It broke a protocol beside sync and gossip (signaling, blob transfer, owner claims):
    /// counted with its invalid input and saved, but never toward a ban.
    pub fn side_fault(&mut self) {
        self.side_faults += 1;
        self.unsaved = true;
    }

    pub fn invalid(&self) -> u64 {
        self.invalid_before + self.side_faults + u64::from(self.score.total_invalid())
    }

    /// Whether the peer's bad input on both protocols and gossip together has reached the
    /// disconnect threshold (docs/protocol.md §8.6).
    pub fn past_threshold(&self) -> bool {
        self.score.should_disconnect()
    }

    /// The next thing the peer's machine for `version` asks for. A fault it reports is counted
    /// in the peer's score on the way, so every fault is counted once, whoever polls.
    pub fn poll_output(&mut self, version: Version) -> Option<Output> {
        let output = self.machine(version).poll_output()?;
        self.score.observe(&output);
        Some(output)
    }

    /// `connection` closed; whether it was one of the peer's that still counted. Once no
    /// direct connection is left, its path is forgotten.
    pub fn connection_closed(&mut self, connection: C, now: u64) -> bool {
        let counted = self.links.closed(connection, now);
        if !self.links.has_direct() {
            self.path = None;
        }
        counted
    }

    /// Keeps the channel to answer inbound request `req` of protocol `version` on.
    pub fn await_response(&mut self, version: Version, req: u64, channel: R) {
        if self.channels.len() == MAX_OPEN_CHANNELS {
            self.channels.pop_front();
        }
        self.channels.push_back((version, req, channel));
    }

    pub fn take_channel(&mut self, version: Version, req: u64) -> Option<R> {
        let at = self
            .channels
            .iter()
            .position(|(v, r, _)| *v == version && *r == req)?;
        self.channels.remove(at).map(|(_, _, channel)| channel)
    }

    /// The last connection closed (or the rest were found stale): no connection is counted or
    /// tracked any more, in-flight sync state is void, the score stays. The driver frees the
    /// peer's pull slot with it (`PullScheduler::disconnected`), or a pull reset here would
    /// hold its slot with nothing running.
    pub fn disconnected(&mut self) {
        self.connections = 0;
        self.links.clear();
        self.path = None;
        self.v1 = Session::new(v1_config(&self.shared));
        self.v2 = Reconciler::new(v2_config(&self.shared));
        self.generation += 1;
        self.pull_pending = false;
        self.owner_asked = false;
        self.inbox_asked = false;
        self.channels.clear();
        self.progress = None;
        self.unsaved = true;
    }

    /// It has delivered a valid event, in this run or an earlier one.
    pub fn proven(&self) -> bool {
        self.events_received > 0
    }

    /// What to save of it; a ban that was lifted is not saved.
    pub fn saved(&self) -> SavedPeer {
        SavedPeer {
            address: self.address.clone(),
            events_received: self.events_received,
            invalid_messages: self.invalid(),
            last_seen: self.last_seen,
            banned_until: self.banned_until.filter(|_| self.banned),
            owner: self.owner,
        }
    }
}

/// What all of a node's sessions share: the memory of checked signatures (also gossip's and
/// imports') and the budget of items held for peers' reconciliations.
#[derive(Debug, Clone, Default)]
pub struct NodeShared {
    pub verified: VerifiedIds,
    pub held_budget: HeldBudget,
}

fn v1_config(shared: &NodeShared) -> SessionConfig {
    SessionConfig {
        verified: shared.verified.clone(),
        ..SessionConfig::default()
    }
}

fn v2_config(shared: &NodeShared) -> ReconcileConfig {
    ReconcileConfig {
        verified: shared.verified.clone(),
        held_budget: shared.held_budget.clone(),
        ..ReconcileConfig::default()
    }
}

/// The peer table: every peer seen, by id, and what their sessions share.
pub struct Peers<P, C, R, D> {
    pub by_id: HashMap<P, Peer<C, R, D>>,
    pub shared: NodeShared,
}

impl<P, C, R, D> Default for Peers<P, C, R, D> {
    fn default() -> Self {
        Self::new(NodeShared::default())
    }
}

impl<P, C, R, D> Peers<P, C, R, D> {
    /// An empty table whose sessions share `shared`.
    pub fn new(shared: NodeShared) -> Self {
        Self {
            by_id: HashMap::new(),
            shared,
        }
    }
}

impl<P: Clone + Eq + Hash + Ord, C: Copy + Eq + Hash, R, D> Peers<P, C, R, D> {
    /// A peer remembered from an earlier run, shown as not connected; banned again if its ban
    /// runs past `now`.
    pub fn restore(&mut self, peer_id: P, saved: SavedPeer, now: u64) {
        let peer = self.entry(peer_id);
        peer.address = saved.address;
        peer.events_received = saved.events_received;
        peer.invalid_before = saved.invalid_messages;
        peer.last_seen = saved.last_seen;
        peer.banned = is_banned(saved.banned_until, now);
        peer.banned_until = saved.banned_until.filter(|_| peer.banned);
        peer.owner = saved.owner;
    }

    pub fn entry(&mut self, peer_id: P) -> &mut Peer<C, R, D> {
        let shared = &self.shared;
        self.by_id
            .entry(peer_id)
            .or_insert_with(|| Peer::new(shared))
    }

    pub fn get_mut(&mut self, peer_id: &P) -> Option<&mut Peer<C, R, D>> {
        self.by_id.get_mut(peer_id)
    }

    /// Forgets peers past `max` entries, as `limits::to_forget` chooses: never a connected or
    /// banned one, peers that never delivered an event before those that have, the longest
    /// unseen first.
    pub fn prune(&mut self, max: usize) {
        let remembered = self.by_id.iter().map(|(id, p)| {
            let facts = Remembered {
                connected: p.connected(),
                banned: p.banned,
                proven: p.proven(),
                last_seen: p.last_seen,
            };
            (id.clone(), facts)
        });
        for id in to_forget(remembered, max) {
            self.by_id.remove(&id);
        }
    }

    /// Connected peers, and of those the ones that never delivered a valid event, for
    /// `admission`.
    pub fn occupancy(&self) -> Occupancy {
        let mut occupancy = Occupancy::default();
        for peer in self.by_id.values().filter(|p| p.connected()) {
            occupancy.connected += 1;
            occupancy.unproven += usize::from(!peer.proven());
        }
        occupancy
    }

    pub fn connected_ids(&self) -> Vec<P> {
        self.by_id
            .iter()
            .filter(|(_, p)| p.connected())
            .map(|(id, _)| id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::ConnectionKind;
    use phemossa_sync::Scope;
    use proptest::prelude::*;

    /// Peers with plain numbers for ids, connections and channels, and a string for a path.
    type TestPeer = Peer<u32, u64, String>;
    type TestPeers = Peers<u32, u32, u64, String>;

    fn peer() -> TestPeer {
        Peer::new(&NodeShared::default())
    }

    /// Feeds `peer`'s machine for `version` `n` undecodable messages, and polls what it says
    /// about them as the driver does.
    fn garbage(peer: &mut TestPeer, version: Version, n: u8) {
        for i in 0..n {
            peer.machine(version).handle_message(&[0xff, i], 0);
        }
        while peer.poll_output(version).is_some() {}
    }

    #[test]
    fn bad_input_on_both_protocols_adds_up_to_one_threshold() {
        let mut peer = peer();
        garbage(&mut peer, Version::V1, 5);
        garbage(&mut peer, Version::V2, 4);
        assert!(!peer.past_threshold(), "nine in all");
        assert_eq!(peer.invalid(), 9);
        garbage(&mut peer, Version::V2, 1);
        assert!(
            peer.past_threshold(),
            "the tenth passes it, whichever protocol"
        );

        // Reconnecting keeps the count, and adds what earlier runs remembered.
        peer.disconnected();
        peer.invalid_before = 3;
        assert!(peer.past_threshold());
        assert_eq!(peer.invalid(), 13);
    }

    #[test]
    fn losing_the_last_direct_connection_forgets_its_path() {
        let mut peer = peer();
        let (relayed, direct) = (1, 2);
        peer.links.opened(relayed, ConnectionKind::Relayed, true, 0);
        peer.links.opened(direct, ConnectionKind::Direct, true, 0);
        peer.path = Some("host to host over udp".into());
        assert!(peer.connection_closed(relayed, 0));
        assert!(peer.path.is_some(), "the direct connection is still open");
        assert!(peer.connection_closed(direct, 0));
        assert_eq!(peer.path, None);
        assert_eq!(peer.links.kind(), Some(ConnectionKind::Direct));
    }

    #[test]
    fn a_pull_runs_on_v2_only_when_the_peer_said_it_speaks_it() {
        let mut peer = peer();
        assert_eq!(peer.pull_version(), Version::V1);
        peer.supports_v2 = Some(false);
        assert_eq!(peer.pull_version(), Version::V1);
        peer.supports_v2 = Some(true);
        assert_eq!(peer.pull_version(), Version::V2);
        assert!(peer.machine(Version::V2).start(Scope::default(), 0));
        assert!(peer.machine(Version::V2).is_pulling());
        assert!(!peer.machine(Version::V1).is_pulling());
        let generation = peer.generation;
        peer.disconnected();
        assert_eq!(
            peer.generation,
            generation + 1,
            "old store answers are told apart"
        );
        assert!(
            !peer.machine(Version::V2).is_pulling(),
            "a new connection starts afresh"
        );
    }

    #[test]
    fn redials_back_off_and_a_connection_resets_them() {
        let mut peer = peer();
        assert!(peer.may_dial(0));
        peer.dial_failed(1_000);
        assert!(!peer.may_dial(1_000 + 1_999) && peer.may_dial(1_000 + 2_000));
        for _ in 0..20 {
            peer.dial_failed(1_000);
        }
        assert!(
            peer.may_dial(1_000 + REDIAL.max_ms),
            "capped at five minutes"
        );
        peer.connected_now();
        assert!(peer.may_dial(1_000));
        peer.banned = true;
        assert!(!peer.may_dial(u64::MAX), "a banned peer is never dialed");
    }

    #[test]
    fn a_ban_outlives_a_restart_until_it_lapses() {
        let now = 1_767_225_600_000;
        let saved = |banned_until| SavedPeer {
            address: None,
            events_received: 0,
            invalid_messages: 10,
            last_seen: now - 1_000,
            banned_until,
            owner: None,
        };
        let (running, lapsed) = (1, 2);
        let mut peers = TestPeers::new(NodeShared::default());
        peers.restore(running, saved(Some(now + 1)), now);
        peers.restore(lapsed, saved(Some(now)), now);
        assert!(peers.entry(running).banned);
        assert!(!peers.entry(running).may_dial(now));
        assert_eq!(
            peers.entry(running).saved(),
            saved(Some(now + 1)),
            "saved again as it was"
        );
        assert!(!peers.entry(lapsed).banned);
        assert_eq!(
            peers.entry(lapsed).banned_until,
            None,
            "a lapsed ban is not kept"
        );
        assert_eq!(peers.entry(lapsed).saved().banned_until, None);
    }

    #[test]
    fn pruning_forgets_the_longest_unseen_idle_peers_only() {
        let mut peers = TestPeers::default();
        // Ids counting down against last seen, so forgetting by id instead would fail.
        let ids: Vec<u32> = (0..6).rev().collect();
        for (n, id) in ids.iter().enumerate() {
            peers.entry(*id).last_seen = n as u64;
        }
        peers.entry(ids[0]).connections = 1;
        peers.entry(ids[1]).banned = true;
        peers.prune(3);
        let mut kept: Vec<u32> = peers.by_id.keys().copied().collect();
        kept.sort();
        let mut expected = vec![ids[0], ids[1], ids[5]];
        expected.sort();
        assert_eq!(
            kept, expected,
            "connected, banned, then the most recently seen"
        );
    }

    #[test]
    fn occupancy_counts_connected_peers_and_of_those_the_unproven() {
        let mut peers = TestPeers::default();
        peers.entry(1).connections = 1;
        let proven = peers.entry(2);
        proven.connections = 2;
        proven.events_received = 1;
        peers.entry(3).events_received = 5;
        let occupancy = peers.occupancy();
        assert_eq!((occupancy.connected, occupancy.unproven), (2, 1));
        let mut connected = peers.connected_ids();
        connected.sort();
        assert_eq!(connected, vec![1, 2]);
    }

    /// What happens to one peer's response channels, in the driver's words.
    #[derive(Debug, Clone)]
    enum Step {
        /// An inbound request arrived on `version` as request `req`.
        Request(bool, u8),
        /// The machine answered (or dropped) request `req` of `version`.
        Answer(bool, u8),
        /// The last connection closed.
        Disconnected,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (any::<bool>(), 0u8..24).prop_map(|(v, r)| Step::Request(v, r)),
            4 => (any::<bool>(), 0u8..24).prop_map(|(v, r)| Step::Answer(v, r)),
            1 => Just(Step::Disconnected),
        ]
    }

    fn version(v2: bool) -> Version {
        if v2 {
            Version::V2
        } else {
            Version::V1
        }
    }

    proptest! {
        /// Whatever requests arrive and are answered in whatever order: a peer never holds more
        /// than `MAX_OPEN_CHANNELS` channels, the oldest is the one dropped, an answer gets the
        /// first channel still held for its request and protocol, and none held before a
        /// disconnection is ever handed out after it.
        #[test]
        fn channels_stay_bounded_and_answers_get_their_own(
            steps in proptest::collection::vec(step(), 0..200),
        ) {
            let mut peer = peer();
            // The model: what the peer should hold, oldest first; channels are numbered in
            // the order they arrived.
            let mut held: VecDeque<(Version, u64, u64)> = VecDeque::new();
            let mut next_channel = 0u64;
            let mut voided_below = 0u64;
            for step in steps {
                match step {
                    Step::Request(v2, req) => {
                        peer.await_response(version(v2), u64::from(req), next_channel);
                        held.push_back((version(v2), u64::from(req), next_channel));
                        if held.len() > MAX_OPEN_CHANNELS {
                            held.pop_front();
                        }
                        next_channel += 1;
                    }
                    Step::Answer(v2, req) => {
                        let expected = held
                            .iter()
                            .position(|(v, r, _)| *v == version(v2) && *r == u64::from(req))
                            .and_then(|at| held.remove(at))
                            .map(|(_, _, channel)| channel);
                        let got = peer.take_channel(version(v2), u64::from(req));
                        prop_assert_eq!(got, expected);
                        if let Some(channel) = got {
                            prop_assert!(channel >= voided_below);
                        }
                    }
                    Step::Disconnected => {
                        peer.disconnected();
                        held.clear();
                        voided_below = next_channel;
                    }
                }
                prop_assert!(peer.channels.len() <= MAX_OPEN_CHANNELS);
                prop_assert_eq!(peer.channels.len(), held.len());
            }
        }

        /// Every disconnection starts a new generation, so a store answer asked in any earlier
        /// one never matches the peer's current generation, and the driver drops it; while
        /// the peer stays connected the generation does not move.
        #[test]
        fn a_store_answer_from_an_earlier_generation_never_matches(
            steps in proptest::collection::vec(step(), 0..100),
        ) {
            let mut peer = peer();
            let mut asked_in = vec![peer.generation];
            for step in steps {
                let before = peer.generation;
                let disconnects = matches!(step, Step::Disconnected);
                match step {
                    Step::Request(v2, req) => peer.await_response(version(v2), u64::from(req), 0),
                    Step::Answer(v2, req) => drop(peer.take_channel(version(v2), u64::from(req))),
                    Step::Disconnected => peer.disconnected(),
                }
                if disconnects {
                    prop_assert_eq!(peer.generation, before + 1);
                    for earlier in &asked_in {
                        prop_assert_ne!(*earlier, peer.generation);
                    }
                } else {
                    prop_assert_eq!(peer.generation, before);
                }
                asked_in.push(peer.generation);
            }
        }
    }
}
