//! Every peer this node has seen: its sync machines and its one misbehaviour score, its
//! open connections, the responses it awaits, and what the options page shows of it.

use std::collections::{HashMap, VecDeque};

use libp2p::request_response::ResponseChannel;
use libp2p::swarm::ConnectionId;
use libp2p::PeerId;
use phemossa_api::{PathInfo, PeerInfo, SyncProgress};
use phemossa_core::event::VerifiedIds;
use phemossa_core::Event;
use phemossa_node::admission::{Occupancy, REDIAL};
use phemossa_node::backoff::Retry;
use phemossa_node::direct::Links;
use phemossa_node::limits::{is_banned, to_forget, Remembered};
use phemossa_sync::v2::HeldBudget;
use phemossa_sync::{
    Output, PeerScore, Progress, ReconcileConfig, Reconciler, Session, SessionConfig, SyncMachine,
};

use crate::storage::PeerRecord;

/// Inbound requests awaiting an answer, per peer. The session answers at most a few at once
/// and drops the rest; their channels are dropped oldest first past this.
const MAX_OPEN_CHANNELS: usize = 16;

/// Which sync protocol a message or a store answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `/phemossa/sync/1.0.0`, the plain id exchange.
    V1,
    /// `/phemossa/sync/2.0.0`, set reconciliation.
    V2,
}

/// A peer's two sync machines: each answers the peer's requests on its own protocol, and our
/// pull runs on v2 when the peer's identify lists it, else on v1. The machines keep no score:
/// what they report (`Output::Misbehaved`) and what gossip counts go into the peer's one
/// `score`, which outlives its connections.
pub struct Peer {
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
    pub links: Links<ConnectionId>,
    /// The path of the direct connection, from the browser's statistics; `None` while none
    /// is open.
    pub path: Option<PathInfo>,
    pub events_received: u64,
    /// Invalid input counted in earlier runs (the session counts this run's).
    pub invalid_before: u64,
    /// Direct connection attempts this peer broke the signaling protocol in, this run.
    pub signaling_faults: u64,
    pub last_seen: u64,
    pub banned: bool,
    /// When the ban lapses (`phemossa_node::limits::BAN_MS` after it began), kept across
    /// restarts.
    pub banned_until: Option<u64>,
    pub progress: Option<Progress>,
    /// Validated events waiting to be stored.
    pub to_store: Vec<Event>,
    /// Times rendezvous listed this peer while no connection to it was open.
    pub missed: u32,
    /// Dials that failed in a row, and when the next may start.
    redial: Retry,
    channels: VecDeque<(Version, u64, ResponseChannel<Vec<u8>>)>,
    /// Something the `peers` store should learn.
    pub unsaved: bool,
    /// Counts this peer's connections-worth of sessions: store answers carry the generation
    /// they were asked in, and an answer meant for an earlier session is dropped, since a new
    /// session reuses query ids.
    pub generation: u64,
    /// What every peer's sessions share with the node's others.
    shared: NodeShared,
}

impl Peer {
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
            signaling_faults: 0,
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

    pub fn invalid(&self) -> u64 {
        self.invalid_before + self.signaling_faults + u64::from(self.score.total_invalid())
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
    pub fn connection_closed(&mut self, connection: ConnectionId, now: u64) -> bool {
        let counted = self.links.closed(connection, now);
        if !self.links.has_direct() {
            self.path = None;
        }
        counted
    }

    /// Keeps the channel to answer inbound request `req` of protocol `version` on.
    pub fn await_response(
        &mut self,
        version: Version,
        req: u64,
        channel: ResponseChannel<Vec<u8>>,
    ) {
        if self.channels.len() == MAX_OPEN_CHANNELS {
            self.channels.pop_front();
        }
        self.channels.push_back((version, req, channel));
    }

    pub fn take_channel(&mut self, version: Version, req: u64) -> Option<ResponseChannel<Vec<u8>>> {
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
        self.channels.clear();
        self.progress = None;
        self.unsaved = true;
    }

    /// It has delivered a valid event, in this run or an earlier one.
    pub fn proven(&self) -> bool {
        self.events_received > 0
    }

    pub fn record(&self, peer_id: &PeerId) -> PeerRecord {
        PeerRecord {
            peer_id: peer_id.to_string(),
            address: self.address.clone(),
            events_received: self.events_received,
            invalid_messages: self.invalid(),
            last_seen: self.last_seen,
            banned_until: self.banned_until.filter(|_| self.banned),
        }
    }

    pub fn info(&self, peer_id: &PeerId, now: u64) -> PeerInfo {
        PeerInfo {
            peer_id: peer_id.to_string(),
            address: self.address.clone(),
            connection: self.links.kind(),
            path: self.path.clone(),
            direct: self.links.state(now),
            connected: self.connected(),
            events_received: self.events_received,
            invalid_messages: self.invalid(),
            duplicates: u64::from(self.score.duplicates),
            last_seen: self.last_seen,
            banned: self.banned,
            sync: self.progress.map(|p| SyncProgress {
                listed: p.listed,
                missing: p.missing,
                received: p.received,
            }),
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

#[derive(Default)]
pub struct Peers {
    pub by_id: HashMap<PeerId, Peer>,
    pub shared: NodeShared,
}

impl Peers {
    /// Peers remembered from earlier runs, shown as not connected; those banned until after
    /// `now` are banned again.
    pub fn from_records(records: Vec<PeerRecord>, shared: NodeShared, now: u64) -> Self {
        let mut peers = Self {
            by_id: HashMap::new(),
            shared,
        };
        for record in records {
            let Ok(peer_id) = record.peer_id.parse::<PeerId>() else {
                continue;
            };
            let peer = peers.entry(peer_id);
            peer.address = record.address;
            peer.events_received = record.events_received;
            peer.invalid_before = record.invalid_messages;
            peer.last_seen = record.last_seen;
            peer.banned = is_banned(record.banned_until, now);
            peer.banned_until = record.banned_until.filter(|_| peer.banned);
        }
        peers
    }

    pub fn entry(&mut self, peer_id: PeerId) -> &mut Peer {
        let shared = &self.shared;
        self.by_id
            .entry(peer_id)
            .or_insert_with(|| Peer::new(shared))
    }

    pub fn get_mut(&mut self, peer_id: &PeerId) -> Option<&mut Peer> {
        self.by_id.get_mut(peer_id)
    }

    /// Forgets peers past `max` entries, as `phemossa_node::limits::to_forget` chooses: never a
    /// connected or banned one, peers that never delivered an event before those that have, the
    /// longest unseen first.
    pub fn prune(&mut self, max: usize) {
        let remembered = self.by_id.iter().map(|(id, p)| {
            let facts = Remembered {
                connected: p.connected(),
                banned: p.banned,
                proven: p.proven(),
                last_seen: p.last_seen,
            };
            (*id, facts)
        });
        for id in to_forget(remembered, max) {
            self.by_id.remove(&id);
        }
    }

    /// Connected peers, and of those the ones that never delivered a valid event, for
    /// `phemossa_node::admission`.
    pub fn occupancy(&self) -> Occupancy {
        let mut occupancy = Occupancy::default();
        for peer in self.by_id.values().filter(|p| p.connected()) {
            occupancy.connected += 1;
            occupancy.unproven += usize::from(!peer.proven());
        }
        occupancy
    }

    pub fn connected_ids(&self) -> Vec<PeerId> {
        self.by_id
            .iter()
            .filter(|(_, p)| p.connected())
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_api::{CandidateType, ConnectionKind};
    use phemossa_sync::Scope;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Feeds `peer`'s machine for `version` `n` undecodable messages, and polls what it says
    /// about them as the driver does.
    fn garbage(peer: &mut Peer, version: Version, n: u8) {
        for i in 0..n {
            peer.machine(version).handle_message(&[0xff, i], 0);
        }
        while peer.poll_output(version).is_some() {}
    }

    #[wasm_bindgen_test]
    fn bad_input_on_both_protocols_adds_up_to_one_threshold() {
        let mut peer = Peer::new(&NodeShared::default());
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

    #[wasm_bindgen_test]
    fn losing_the_last_direct_connection_forgets_its_path() {
        let mut peer = Peer::new(&NodeShared::default());
        let (relayed, direct) = (
            ConnectionId::new_unchecked(1),
            ConnectionId::new_unchecked(2),
        );
        peer.links.opened(relayed, ConnectionKind::Relayed, true, 0);
        peer.links.opened(direct, ConnectionKind::Direct, true, 0);
        peer.path = Some(PathInfo {
            local_type: CandidateType::Host,
            remote_type: CandidateType::Host,
            remote_address: None,
            protocol: Some("udp".into()),
            rtt_ms: Some(1),
        });
        assert!(peer.connection_closed(relayed, 0));
        assert!(peer.path.is_some(), "the direct connection is still open");
        assert!(peer.connection_closed(direct, 0));
        assert_eq!(peer.path, None);
        assert_eq!(
            peer.info(&PeerId::random(), 0).connection,
            Some(ConnectionKind::Direct)
        );
    }

    #[wasm_bindgen_test]
    fn a_pull_runs_on_v2_only_when_the_peer_said_it_speaks_it() {
        let mut peer = Peer::new(&NodeShared::default());
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

    #[wasm_bindgen_test]
    fn redials_back_off_and_a_connection_resets_them() {
        let mut peer = Peer::new(&NodeShared::default());
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

    #[wasm_bindgen_test]
    fn a_ban_outlives_a_restart_until_it_lapses() {
        let now = 1_767_225_600_000;
        let record = |id: PeerId, banned_until| PeerRecord {
            peer_id: id.to_string(),
            address: None,
            events_received: 0,
            invalid_messages: 10,
            last_seen: now - 1_000,
            banned_until,
        };
        let (running, lapsed) = (PeerId::random(), PeerId::random());
        let mut peers = Peers::from_records(
            vec![record(running, Some(now + 1)), record(lapsed, Some(now))],
            NodeShared::default(),
            now,
        );
        assert!(peers.entry(running).banned);
        assert!(!peers.entry(running).may_dial(now));
        assert_eq!(
            peers.entry(running).record(&running).banned_until,
            Some(now + 1),
            "saved again as it was"
        );
        assert!(!peers.entry(lapsed).banned);
        assert_eq!(peers.entry(lapsed).record(&lapsed).banned_until, None);
    }

    #[wasm_bindgen_test]
    fn pruning_forgets_the_longest_unseen_idle_peers_only() {
        let mut peers = Peers::default();
        let ids: Vec<PeerId> = (0..6).map(|_| PeerId::random()).collect();
        for (n, id) in ids.iter().enumerate() {
            peers.entry(*id).last_seen = n as u64;
        }
        peers.entry(ids[0]).connections = 1;
        peers.entry(ids[1]).banned = true;
        peers.prune(3);
        let mut kept: Vec<PeerId> = peers.by_id.keys().copied().collect();
        kept.sort();
        let mut expected = vec![ids[0], ids[1], ids[5]];
        expected.sort();
        assert_eq!(
            kept, expected,
            "connected, banned, then the most recently seen"
        );
    }
}
