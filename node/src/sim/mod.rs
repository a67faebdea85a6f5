//! A deterministic many-node simulator over the real [`NodeState`] (feature `sim`): each honest
//! node is the machine the browser runs, with the in-memory store of `phemossa_sync::testing`,
//! joined by in-memory links with a latency, a loss rate and a bandwidth. Time is virtual and
//! jumps to the next delivery, store answer or timer; everything random comes from one seeded
//! RNG, so a run with the same seed gives the same figures. Misbehaving peers
//! ([`Role::Silent`], [`Role::SlowDrip`], [`Role::Forger`], [`Role::Replayer`]) are scripted
//! here, not machines: they only answer (or do not) what honest nodes ask, and send what their
//! script says.
//!
//! Gossip is a small model of gossipsub: a message goes to every connected peer subscribed to
//! its topic, each node drops a message id it saw in the last minute (gossipsub's duplicate
//! cache) before the node judges it, and a node forwards a message only once its verdict is
//! *accept*. Which peers a message is sent to (gossipsub's mesh of 6 or so) is libp2p's, tested
//! there; flooding to every subscribed neighbour is the model's simplification. Message ids are
//! the node's real ones (`phemossa_gossip::message_id`).
//!
//! What it does not model: relays and rendezvous (connections are made by the scenario), and
//! libp2p's own stream timeout, which drops an answer later than 30 s before the machine sees
//! it; here the machine sees every late answer, which is the harder case for blame.

mod link;
mod scale;
mod scripted;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use phemossa_core::notices::addressees;
use phemossa_core::{Content, Event, Identity, Post, PublicKey};
use phemossa_gossip::{author_topic, message_id};
use phemossa_sync::replies::{inbox_response_from, is_replies_message, RepliesMessage};
use phemossa_sync::testing::v1::MemoryStore;
use phemossa_sync::{Fault, Message};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::direct::ConnectionKind;
use crate::discovery::{author_namespaces, is_author_namespace, GENERAL_NAMESPACE};
use crate::gossip::{Acceptance, GossipAction};
use crate::peer_sync::{Asker, StoreAnswer, SyncAction};
use crate::peer_table::{NodeShared, Version};
use crate::state::{Action, Input, NodeState};

pub use link::LinkConfig;
use link::Links;
pub use scale::{run_scale, ScaleConfig, ScaleReport};

/// A simulated node's id: its index in the simulation.
pub type NodeId = u32;

/// Virtual time starts here (ms since the epoch, late 2025), so events signed "now" have
/// plausible timestamps.
pub const START_MS: u64 = 1_760_000_000_000;
/// How long the in-memory store takes to answer a query or write a batch: IndexedDB answers
/// in about a millisecond for the page sizes sync asks.
pub const STORE_MS: u64 = 1;
/// How long a node's gossipsub drops a message id it has seen: libp2p's default
/// `duplicate_cache_time`, one minute.
pub const DUPLICATE_CACHE_MS: u64 = 60_000;

/// Where a node's answer to an inbound request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    pub from: NodeId,
    pub version: Version,
}

type State = NodeState<NodeId, u32, Channel, ()>;

/// The id of the one connection between `a` and `b` (either way round).
fn connection_of(a: NodeId, b: NodeId) -> u32 {
    a.min(b) * 65_536 + a.max(b)
}

/// Marks the id of a second connection between two nodes ([`Sim::hand_over`]), which opens and
/// closes at once beside their one connection.
const SECOND_CONNECTION: u32 = 1 << 31;

/// How a simulated node behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The real node machine.
    Honest,
    /// Connects, says it speaks only v1, and never answers anything.
    Silent,
    /// Speaks only v1 and answers every id request `delay_ms` late with an empty page and a
    /// cursor that moves on: the slow drip the review found (hole 1 of issue 12).
    SlowDrip { delay_ms: u64 },
    /// Subscribes to every topic and, for each gossip message it gets, sends its other peers
    /// at once a forged copy: the same event ids over changed content (hole 4 of issue 12).
    Forger,
    /// Subscribes to every topic and answers nothing; [`Sim::replay`] makes it publish old
    /// valid events again (hole 5 of issue 12).
    Replayer,
}

/// What a node saw, for the scenarios' assertions and the figures.
#[derive(Debug, Default)]
pub struct Counters {
    pub messages_sent: u64,
    pub bytes_sent: u64,
    /// Every fault this node counted against a peer, in order.
    pub faults: Vec<(NodeId, Fault)>,
    /// Peers this node banned.
    pub banned: Vec<NodeId>,
    pub pulls_ok: u64,
    pub pulls_failed: u64,
    pub store_failures: u64,
    /// When this node last stored a new event.
    pub last_stored_at: Option<u64>,
    /// Gossip messages sent (published or forwarded) and received.
    pub gossip_sent: u64,
    pub gossip_received: u64,
    /// Gossip messages this node's verdict let through, to be forwarded.
    pub gossip_forwarded: u64,
}

/// One simulated node.
pub struct SimNode {
    pub role: Role,
    pub identity: Identity,
    /// The node machine; `None` for scripted roles.
    pub state: Option<State>,
    pub store: MemoryStore,
    /// The next this many store reads fail (each a query the machine must survive).
    pub failing_reads: u32,
    /// The next this many batch writes fail.
    pub failing_writes: u32,
    pub counters: Counters,
    next_tick: Option<u64>,
    /// Gossipsub's duplicate cache: message ids seen, and when.
    seen_messages: HashMap<Vec<u8>, u64>,
    /// Messages waiting for the node's verdict: topic, data.
    held: HashMap<Vec<u8>, (String, Vec<u8>)>,
    /// Connected peers.
    pub peers: BTreeSet<NodeId>,
    /// Offline: not dialable, not discovering (churn).
    offline: bool,
}

impl SimNode {
    pub fn public_key(&self) -> PublicKey {
        self.identity.public_key()
    }

    fn state(&mut self) -> Option<&mut State> {
        self.state.as_mut()
    }

    /// Whether gossipsub would send this node messages on `topic`: an honest node subscribes
    /// as its machine says; scripted ones listen to every topic.
    fn subscribed(&self, topic: &str) -> bool {
        match &self.state {
            Some(state) => state.topics().contains(topic),
            None => matches!(self.role, Role::Forger | Role::Replayer),
        }
    }
}

/// Something due at a moment of virtual time.
enum Due {
    Request {
        to: NodeId,
        from: NodeId,
        version: Version,
        bytes: Vec<u8>,
    },
    Response {
        to: NodeId,
        from: NodeId,
        version: Version,
        bytes: Vec<u8>,
    },
    StoreAnswer {
        node: NodeId,
        asker: Asker<NodeId>,
        query: phemossa_sync::QueryId,
        answer: Result<StoreAnswer, String>,
    },
    Written {
        node: NodeId,
        from: NodeId,
        result: Result<usize, String>,
        gossiped: Option<crate::gossip::Gossiped>,
    },
    Identify {
        to: NodeId,
        from: NodeId,
        connection: u32,
        speaks_v2: bool,
    },
    Gossip {
        to: NodeId,
        from: NodeId,
        topic: String,
        data: Vec<u8>,
    },
    /// The answer to an inbox catch-up request (sync 2.1), which the browser's driver routes to
    /// the node by its request id.
    InboxAnswer {
        to: NodeId,
        from: NodeId,
        bytes: Vec<u8>,
    },
    Tick {
        node: NodeId,
    },
}

/// The simulation: nodes, links, and what is due when.
pub struct Sim {
    now: u64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Due>,
    pub nodes: Vec<SimNode>,
    links: Links,
    rng: StdRng,
    /// The link a dial the machine asks for ([`Action::Dial`]) gets.
    pub dial_link: LinkConfig,
    /// Rendezvous, as the relays keep it: who registered in which namespace.
    registry: BTreeMap<String, BTreeSet<NodeId>>,
    discovery_rounds: u64,
}

impl Sim {
    /// An empty simulation whose randomness all comes from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            now: START_MS,
            seq: 0,
            queue: BTreeMap::new(),
            nodes: Vec::new(),
            links: Links::default(),
            rng: StdRng::seed_from_u64(seed),
            dial_link: LinkConfig::default(),
            registry: BTreeMap::new(),
            discovery_rounds: 0,
        }
    }

    /// Virtual time now.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Adds a node with `role`; its key comes from its index, so runs are repeatable.
    pub fn add(&mut self, role: Role) -> NodeId {
        let id = self.nodes.len() as NodeId;
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&id.to_le_bytes());
        seed[31] = 0x5e;
        let identity = Identity::from_seed(seed);
        let state = (role == Role::Honest)
            .then(|| NodeState::empty(identity.public_key(), id, NodeShared::default()));
        self.nodes.push(SimNode {
            role,
            identity,
            state,
            store: MemoryStore::default(),
            failing_reads: 0,
            failing_writes: 0,
            counters: Counters::default(),
            next_tick: None,
            seen_messages: HashMap::new(),
            held: HashMap::new(),
            peers: BTreeSet::new(),
            offline: false,
        });
        id
    }

    pub fn node(&self, id: NodeId) -> &SimNode {
        &self.nodes[id as usize]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut SimNode {
        &mut self.nodes[id as usize]
    }

    /// `author` posts `count` events, one a second up to now, into its own store.
    pub fn post(&mut self, author: NodeId, count: usize) {
        let now = self.now;
        let node = self.node_mut(author);
        for i in 0..count {
            let content = Content::Post(Post {
                text: format!("post {i} by node {author}"),
                mentions: vec![],
                reply_to: None,
            });
            let timestamp = now - 1_000 * (count - i) as u64;
            if let Ok(event) = Event::create(&node.identity, timestamp, content) {
                node.store.insert(event);
            }
        }
    }

    /// `author` makes a new post now: stored, then published on its topic as the browser's
    /// background does. Returns its id.
    pub fn publish(&mut self, author: NodeId, text: &str) -> Option<phemossa_core::EventId> {
        let now = self.now;
        let node = self.node_mut(author);
        let content = Content::Post(Post {
            text: text.to_owned(),
            mentions: vec![],
            reply_to: None,
        });
        let event = Event::create(&node.identity, now, content).ok()?;
        node.store.insert(event.clone());
        let id = event.id;
        self.input(author, Input::StoreChanged);
        self.input(author, Input::Publish { event });
        Some(id)
    }

    /// `author` replies now to `to`'s post `parent`, mentioning `to` as the composer does,
    /// with `bits` of work (0: none): stored, then published as `publish` does, so it goes to
    /// `to`'s inbox too (docs/protocol.md §8.9). Returns its id.
    pub fn reply(
        &mut self,
        author: NodeId,
        to: NodeId,
        parent: Option<phemossa_core::EventId>,
        bits: u8,
    ) -> Option<phemossa_core::EventId> {
        let now = self.now;
        let addressee = self.node(to).public_key();
        let node = self.node_mut(author);
        let content = Content::Post(Post {
            text: format!("a reply by node {author}"),
            mentions: vec![addressee],
            reply_to: parent,
        });
        let work = if bits == 0 {
            None
        } else {
            let prefix =
                phemossa_core::event::canonical_prefix(&node.identity.public_key(), now, &content);
            let search = phemossa_core::work::WorkSearch::new(&prefix, bits).ok()?;
            Some(search.try_nonces(0, phemossa_core::work::MAX_NONCE)?)
        };
        let event = Event::create_with_work(&node.identity, now, content, work).ok()?;
        node.store.insert(event.clone());
        let id = event.id;
        self.input(author, Input::StoreChanged);
        self.input(author, Input::Publish { event });
        Some(id)
    }

    /// `node` asks `bits` of work of strangers' events in its inbox.
    pub fn ask_work_of_strangers(&mut self, node: NodeId, bits: u8) {
        self.input(node, Input::StrangerWork { bits });
    }

    /// `replayer` publishes again, on their authors' topics, the events of `source`'s store
    /// (old and valid) to every peer it is connected to.
    pub fn replay(&mut self, replayer: NodeId, source: NodeId) {
        let store = &self.node(source).store;
        let mut by_author: BTreeMap<PublicKey, Vec<Vec<u8>>> = BTreeMap::new();
        for id in store.ids_in(&phemossa_sync::Scope::default()) {
            for (_, json) in store.load(&[id]) {
                let author = self.node(source).public_key();
                by_author.entry(author).or_default().push(json);
            }
        }
        for (author, events) in by_author {
            for chunk in events.chunks(32) {
                let data = Message::NewEvent {
                    events: chunk.to_vec(),
                }
                .encode();
                let topic = author_topic(&author);
                self.gossip_to_peers(replayer, None, &topic, &data);
            }
        }
    }

    /// `node` registers in rendezvous `namespace` (anyone may, Sybils included).
    pub fn register(&mut self, node: NodeId, namespace: &str) {
        self.registry
            .entry(namespace.to_owned())
            .or_default()
            .insert(node);
    }

    /// One round of discovery, as each honest node's relay slot makes one
    /// (`relay_slots::RelaySlots`): it registers in the general namespace and those of its
    /// rotating window of authors (`discovery::author_namespaces`), looks each up, and its
    /// machine decides whom to dial.
    pub fn discovery_round(&mut self) {
        self.discover(true);
    }

    /// A discovery round in the author namespaces only (the scale scenario, where a general
    /// namespace of 1,000 would cost a million listings a round; its random peers are made
    /// directly instead).
    pub fn author_discovery_round(&mut self) {
        self.discover(false);
    }

    fn discover(&mut self, general: bool) {
        let round = self.discovery_rounds;
        self.discovery_rounds += 1;
        for node in 0..self.nodes.len() as NodeId {
            if self.node(node).offline {
                continue;
            }
            let Some(state) = self.node(node).state.as_ref() else {
                continue;
            };
            let authors = state.authors();
            let mut namespaces = Vec::new();
            if general {
                namespaces.push(GENERAL_NAMESPACE.to_owned());
            }
            namespaces.extend(author_namespaces(&authors[0], &authors[1..], round));
            for namespace in &namespaces {
                self.register(node, namespace);
            }
            for namespace in namespaces {
                let follows_ours = is_author_namespace(&namespace);
                let listed: Vec<NodeId> = self
                    .registry
                    .get(&namespace)
                    .map(|peers| peers.iter().copied().collect())
                    .unwrap_or_default();
                for peer in listed.into_iter().filter(|p| *p != node) {
                    self.input(node, Input::Discovered { peer, follows_ours });
                }
            }
        }
    }

    /// `follower` follows `followed` (both honest or not: only the follower's scope changes).
    pub fn follow(&mut self, follower: NodeId, followed: &[NodeId]) {
        let keys = followed
            .iter()
            .map(|id| self.node(*id).public_key())
            .collect();
        self.input(follower, Input::Follows { followed: keys });
    }

    /// Connects `a` and `b` over a link with `config`: each side's connection opens now and
    /// identify arrives one latency later. Nothing if they are connected already.
    pub fn connect(&mut self, a: NodeId, b: NodeId, config: LinkConfig) {
        if a == b || self.node(a).peers.contains(&b) {
            return;
        }
        if self.node(a).offline || self.node(b).offline {
            // The dial fails; the machine waits before dialing again.
            let failed = Input::OutgoingFailed {
                peer: b,
                connection: connection_of(a, b),
                error: "unreachable".to_owned(),
            };
            self.input(a, failed);
            return;
        }
        self.links.set(a, b, config);
        self.node_mut(a).peers.insert(b);
        self.node_mut(b).peers.insert(a);
        let connection = connection_of(a, b);
        for (me, other) in [(a, b), (b, a)] {
            let opened = Input::Opened {
                peer: other,
                connection,
                kind: ConnectionKind::Relayed,
                dialer: me == a,
                address: format!("/sim/{other}"),
            };
            self.input(me, opened);
            let speaks_v2 = self.node(other).role == Role::Honest;
            let at = self.now + config.latency_ms;
            // Identify rides the new connection one latency later; the pull waits for it, as
            // in the browser.
            let due = Due::Identify {
                to: me,
                from: other,
                connection,
                speaks_v2,
            };
            self.schedule(at, due);
        }
    }

    /// Takes `node` offline (every connection closes, nobody reaches it, it discovers nothing)
    /// or brings it back (discovery reconnects it).
    pub fn set_online(&mut self, node: NodeId, online: bool) {
        if !online {
            let peers: Vec<NodeId> = self.node(node).peers.iter().copied().collect();
            for peer in peers {
                self.disconnect(node, peer);
            }
        }
        self.node_mut(node).offline = !online;
    }

    /// Closes the connection between `a` and `b` on both sides.
    pub fn disconnect(&mut self, a: NodeId, b: NodeId) {
        if !self.node(a).peers.contains(&b) {
            return;
        }
        self.links.remove(a, b);
        self.node_mut(a).peers.remove(&b);
        self.node_mut(b).peers.remove(&a);
        for (me, other) in [(a, b), (b, a)] {
            let input = Input::Closed {
                peer: other,
                connection: connection_of(a, b),
                remaining: 0,
            };
            self.input(me, input);
        }
    }

    /// A second connection between `a` and `b` opens and closes again while their connection
    /// stays, as when a relayed connection gives way to a direct one (docs/protocol.md §8.8).
    /// What gossipsub had handed the closed one is lost: every gossip message in flight between
    /// them is dropped, both ways. Nothing if they are not connected.
    pub fn hand_over(&mut self, a: NodeId, b: NodeId) {
        if !self.node(a).peers.contains(&b) {
            return;
        }
        let second = connection_of(a, b) | SECOND_CONNECTION;
        for (me, other) in [(a, b), (b, a)] {
            let opened = Input::Opened {
                peer: other,
                connection: second,
                kind: ConnectionKind::Relayed,
                dialer: me == a,
                address: format!("/sim/{other}/second"),
            };
            self.input(me, opened);
        }
        self.queue.retain(|_, due| {
            !matches!(due, Due::Gossip { to, from, .. }
                if (*to, *from) == (a, b) || (*to, *from) == (b, a))
        });
        for (me, other) in [(a, b), (b, a)] {
            let closed = Input::Closed {
                peer: other,
                connection: second,
                remaining: 1,
            };
            self.input(me, closed);
        }
    }

    /// Runs until virtual time `end`.
    pub fn run_until(&mut self, end: u64) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > end {
                break;
            }
            let ((at, _), due) = entry.remove_entry();
            self.now = at;
            self.deliver(due);
        }
        self.now = end;
    }

    /// Runs for `ms` of virtual time.
    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.now + ms);
    }

    /// Whether `node` holds every event `source` holds.
    pub fn has_all_of(&self, node: NodeId, source: NodeId) -> bool {
        let held = &self.node(node).store;
        let all = phemossa_sync::Scope::default();
        self.node(source)
            .store
            .ids_in(&all)
            .iter()
            .all(|id| held.contains(id))
    }

    /// The sync faults honest nodes reported against `peer`, with what each was.
    pub fn faults(&self, peer: NodeId) -> Vec<(NodeId, &Fault)> {
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(me, node)| {
                node.counters
                    .faults
                    .iter()
                    .filter(|(p, _)| *p == peer)
                    .map(move |(_, fault)| (me as NodeId, fault))
            })
            .collect()
    }

    /// Which honest nodes hold bad input against `peer` in its score (sync and gossip
    /// together, as the threshold counts it), and how much; empty for a peer nobody blames.
    pub fn blamed(&self, peer: NodeId) -> Vec<(NodeId, u64)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(me, node)| {
                let invalid = node.state.as_ref()?.peers.by_id.get(&peer)?.invalid();
                (invalid > 0).then_some((me as NodeId, invalid))
            })
            .collect()
    }

    /// Peers `node`'s table remembers, connected or not.
    pub fn known_peers(&self, node: NodeId) -> usize {
        self.node(node)
            .state
            .as_ref()
            .map_or(0, |s| s.peers.by_id.len())
    }

    /// Pulls holding a slot at `node` now.
    pub fn pulling(&self, node: NodeId) -> usize {
        self.node(node)
            .state
            .as_ref()
            .map_or(0, |s| s.pulls().pulling())
    }

    fn schedule(&mut self, at: u64, due: Due) {
        self.seq += 1;
        self.queue.insert((at.max(self.now), self.seq), due);
    }

    fn deliver(&mut self, due: Due) {
        match due {
            Due::Request {
                to,
                from,
                version,
                bytes,
            } => match self.node(to).role {
                Role::Honest if is_replies_message(&bytes) => self.answer_inbox(to, from, &bytes),
                Role::Honest => {
                    let channel = Channel { from, version };
                    let input = Input::Request {
                        peer: from,
                        version,
                        bytes,
                        channel,
                    };
                    self.input(to, input);
                }
                Role::Silent | Role::Forger | Role::Replayer => {}
                Role::SlowDrip { delay_ms } => {
                    if let Some(answer) = scripted::slow_drip(&bytes) {
                        let at = self.now + delay_ms;
                        self.send_at(at, to, from, version, answer, false);
                    }
                }
            },
            Due::Response {
                to,
                from,
                version,
                bytes,
            } => {
                let input = Input::Response {
                    peer: from,
                    version,
                    bytes,
                };
                self.input(to, input);
            }
            Due::Identify {
                to,
                from,
                connection,
                speaks_v2,
            } => {
                if !self.node(to).peers.contains(&from) {
                    return;
                }
                // No signaling: the simulator's links are what they are.
                let input = Input::Identified {
                    peer: from,
                    connection,
                    speaks_v2,
                    signaling: false,
                    // Simulated nodes have no users' keys to claim with: who runs a peer is
                    // tested in the state's own tests.
                    owner: false,
                    // Inbox catch-ups are answered from the store (`answer_inbox`).
                    replies: true,
                };
                self.input(to, input);
            }
            Due::StoreAnswer {
                node,
                asker,
                query,
                answer,
            } => self.input(
                node,
                Input::StoreAnswer {
                    asker,
                    query,
                    answer,
                },
            ),
            Due::Written {
                node,
                from,
                result,
                gossiped,
            } => {
                if result.as_ref().is_ok_and(|stored| *stored > 0) {
                    self.node_mut(node).counters.last_stored_at = Some(self.now);
                    self.input(node, Input::StoreChanged);
                }
                let input = Input::Stored {
                    peer: from,
                    result,
                    gossiped,
                };
                self.input(node, input);
            }
            Due::Gossip {
                to,
                from,
                topic,
                data,
            } => self.gossip_arrived(to, from, topic, data),
            Due::InboxAnswer { to, from, bytes } => {
                let input = Input::InboxAnswer {
                    peer: from,
                    answer: Ok(bytes),
                };
                self.input(to, input);
            }
            Due::Tick { node } => {
                let now = self.now;
                let n = self.node_mut(node);
                if n.next_tick != Some(now) {
                    return;
                }
                n.next_tick = None;
                self.input(node, Input::Tick);
            }
        }
    }

    /// Hands `input` to `node`'s machine (scripted nodes ignore it) and carries out what it
    /// asks for.
    fn input(&mut self, node: NodeId, input: Input<NodeId, u32, Channel>) {
        let now = self.now;
        let Some(state) = self.node_mut(node).state() else {
            return;
        };
        state.handle(input, now);
        self.settle(node);
    }

    /// Carries out every action `node` has queued, then sets its next tick.
    fn settle(&mut self, node: NodeId) {
        while let Some(action) = self.node_mut(node).state().and_then(|s| s.poll_action()) {
            self.carry_out(node, action);
        }
        let now = self.now;
        let n = self.node_mut(node);
        let Some(at) = n.state.as_ref().and_then(|s| s.poll_timeout(now)) else {
            return;
        };
        if n.next_tick.is_some_and(|t| t <= at && t >= now) {
            return;
        }
        n.next_tick = Some(at.max(now));
        self.schedule(at, Due::Tick { node });
    }

    fn carry_out(&mut self, node: NodeId, action: Action<NodeId, u32, Channel>) {
        match action {
            Action::Sync(action) => self.carry_out_sync(node, action),
            // A second connection closes as it opens (`hand_over`): nothing is left to close.
            Action::Close(connection) if connection & SECOND_CONNECTION != 0 => {}
            Action::Close(connection) => {
                let (a, b) = (connection / 65_536, connection % 65_536);
                self.disconnect(a, b);
            }
            Action::Dial { peer } => {
                let link = self.dial_link;
                self.connect(node, peer, link);
            }
            // No direct connections in the simulator (identify says no signaling), no owner
            // claims (identify says no owner protocol), and records are not saved anywhere.
            Action::AskInbox { peer, bytes } => {
                self.send_at(self.now, node, peer, Version::V2, bytes, true)
            }
            Action::DialDirect { .. }
            | Action::AskOwner { .. }
            | Action::Save { .. }
            | Action::CatchingUp { .. }
            | Action::Unbanned { .. } => {}
            Action::Gossip(GossipAction::Publish { topic, data }) => {
                self.gossip_to_peers(node, None, &topic, &data);
            }
            // Subscriptions are read from the machine (`SimNode::subscribed`).
            Action::Gossip(GossipAction::Subscribe(_) | GossipAction::Unsubscribe(_)) => {}
            Action::Verdict {
                message_id,
                source,
                acceptance,
            } => {
                let held = self.node_mut(node).held.remove(&message_id);
                if let (Acceptance::Accept, Some((topic, data))) = (acceptance, held) {
                    self.node_mut(node).counters.gossip_forwarded += 1;
                    self.gossip_to_peers(node, Some(source), &topic, &data);
                }
            }
            Action::StoreGossiped {
                peer,
                events,
                gossiped,
            } => self.store(node, peer, events, gossiped),
        }
    }

    /// Writes `events` from `from` to `node`'s store, or fails while writes are set to fail,
    /// and answers the machine [`STORE_MS`] later with how many were new (and the gossip
    /// message they came in, if any).
    fn store(
        &mut self,
        node: NodeId,
        from: NodeId,
        events: Vec<Event>,
        gossiped: Option<crate::gossip::Gossiped>,
    ) {
        let n = self.node_mut(node);
        let result = if n.failing_writes > 0 {
            n.failing_writes -= 1;
            n.counters.store_failures += 1;
            Err("a write failed (injected)".to_owned())
        } else {
            let before = n.store.len();
            for event in events {
                n.store.insert(event);
            }
            Ok(n.store.len() - before)
        };
        let due = Due::Written {
            node,
            from,
            result,
            gossiped,
        };
        self.schedule(self.now + STORE_MS, due);
    }

    /// Sends a gossip message from `from` to each connected peer subscribed to `topic`, but
    /// the one it came from.
    fn gossip_to_peers(&mut self, from: NodeId, source: Option<NodeId>, topic: &str, data: &[u8]) {
        let peers: Vec<NodeId> = self.node(from).peers.iter().copied().collect();
        for peer in peers {
            if Some(peer) == source || !self.node(peer).subscribed(topic) {
                continue;
            }
            let counters = &mut self.node_mut(from).counters;
            counters.gossip_sent += 1;
            counters.bytes_sent += data.len() as u64;
            let arrives = self
                .links
                .carry(from, peer, self.now, data.len(), &mut self.rng);
            if let Some(at) = arrives {
                let due = Due::Gossip {
                    to: peer,
                    from,
                    topic: topic.to_owned(),
                    data: data.to_vec(),
                };
                self.schedule(at, due);
            }
        }
    }

    /// A gossip message reached `to`: gossipsub drops an id seen in the last minute, then the
    /// node judges it (scripted nodes do what their script says).
    fn gossip_arrived(&mut self, to: NodeId, from: NodeId, topic: String, data: Vec<u8>) {
        let now = self.now;
        let id = message_id(&data);
        let node = self.node_mut(to);
        node.seen_messages
            .retain(|_, at| now.saturating_sub(*at) < DUPLICATE_CACHE_MS);
        if node.seen_messages.insert(id.clone(), now).is_some() {
            return;
        }
        node.counters.gossip_received += 1;
        match node.role {
            Role::Honest => {
                node.held.insert(id.clone(), (topic.clone(), data.clone()));
                let input = Input::Gossip {
                    from,
                    message_id: id,
                    topic,
                    data,
                };
                self.input(to, input);
            }
            Role::Forger => {
                if let Some(forged) = scripted::forge(&data) {
                    self.gossip_to_peers(to, Some(from), &topic, &forged);
                }
            }
            Role::Silent | Role::SlowDrip { .. } | Role::Replayer => {}
        }
    }

    fn carry_out_sync(&mut self, node: NodeId, action: SyncAction<NodeId, Channel>) {
        let now = self.now;
        match action {
            SyncAction::Request {
                peer,
                version,
                bytes,
            } => self.send_at(now, node, peer, version, bytes, true),
            SyncAction::Respond {
                version,
                channel,
                bytes,
            } => self.send_at(now, node, channel.from, version, bytes, false),
            SyncAction::ListIds {
                asker,
                query,
                scope,
                after,
                limit,
            } => {
                let answer = self.read(node, |store| {
                    let (page, more) = store.list(&scope, after, limit);
                    StoreAnswer::Ids { page, more }
                });
                self.store_answer(node, asker, query, answer);
            }
            SyncAction::FindMissing { asker, query, ids } => {
                let answer = self.read(node, |store| {
                    StoreAnswer::Missing(ids.into_iter().filter(|id| !store.contains(id)).collect())
                });
                self.store_answer(node, asker, query, answer);
            }
            SyncAction::LoadEvents { asker, query, ids } => {
                let answer = self.read(node, |store| StoreAnswer::Loaded(store.load(&ids)));
                self.store_answer(node, asker, query, answer);
            }
            SyncAction::Validated(_) | SyncAction::PullStarted { .. } => {}
            SyncAction::Progressed { .. } => {}
            SyncAction::Store { peer, events } => self.store(node, peer, events, None),
            SyncAction::PullFinished { result, .. } => {
                let counters = &mut self.node_mut(node).counters;
                match result {
                    Ok(_) => counters.pulls_ok += 1,
                    Err(_) => counters.pulls_failed += 1,
                }
            }
            SyncAction::Misbehaved { peer, fault } => {
                self.node_mut(node).counters.faults.push((peer, fault));
            }
            SyncAction::Banned { peer } => {
                self.node_mut(node).counters.banned.push(peer);
                self.disconnect(node, peer);
            }
        }
    }

    /// Answers an inbox catch-up request from `from` out of `node`'s store, as the browser's
    /// driver does (`StoreWork::serve_inbox`); anything else of sync 2.1 goes unanswered.
    fn answer_inbox(&mut self, node: NodeId, from: NodeId, bytes: &[u8]) {
        let Ok(RepliesMessage::InboxRequest { addressee, after }) = RepliesMessage::decode(bytes)
        else {
            return;
        };
        let (page, more) = self.node(node).store.matching_after(
            Some(after),
            phemossa_sync::limits::MAX_EVENTS_PER_MESSAGE,
            |event| addressees(event).contains(&addressee),
        );
        let answer = inbox_response_from(page, more).encode();
        let at = self.now + STORE_MS;
        let Some(arrives) = self
            .links
            .carry(node, from, at, answer.len(), &mut self.rng)
        else {
            return;
        };
        let due = Due::InboxAnswer {
            to: from,
            from: node,
            bytes: answer,
        };
        self.schedule(arrives, due);
    }

    /// Answers a read from `node`'s store, or fails it while reads are set to fail.
    fn read(
        &mut self,
        node: NodeId,
        answer: impl FnOnce(&MemoryStore) -> StoreAnswer,
    ) -> Result<StoreAnswer, String> {
        let n = self.node_mut(node);
        if n.failing_reads > 0 {
            n.failing_reads -= 1;
            n.counters.store_failures += 1;
            return Err("a read failed (injected)".to_owned());
        }
        Ok(answer(&n.store))
    }

    fn store_answer(
        &mut self,
        node: NodeId,
        asker: Asker<NodeId>,
        query: phemossa_sync::QueryId,
        answer: Result<StoreAnswer, String>,
    ) {
        let due = Due::StoreAnswer {
            node,
            asker,
            query,
            answer,
        };
        self.schedule(self.now + STORE_MS, due);
    }

    /// Sends `bytes` from `from` to `to` at `at` over their link (dropped if there is none
    /// any more, or the link loses it).
    fn send_at(
        &mut self,
        at: u64,
        from: NodeId,
        to: NodeId,
        version: Version,
        bytes: Vec<u8>,
        request: bool,
    ) {
        let counters = &mut self.node_mut(from).counters;
        counters.messages_sent += 1;
        counters.bytes_sent += bytes.len() as u64;
        let Some(arrives) = self.links.carry(from, to, at, bytes.len(), &mut self.rng) else {
            return;
        };
        let due = if request {
            Due::Request {
                to,
                from,
                version,
                bytes,
            }
        } else {
            Due::Response {
                to,
                from,
                version,
                bytes,
            }
        };
        self.schedule(arrives, due);
    }
}
