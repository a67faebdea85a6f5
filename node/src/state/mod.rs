//! The node's sync and gossip as one sans-IO machine: connections counted, identify awaited,
//! pulls started when the scheduler grants a slot, every sync message and store answer handed
//! to the peer's machine, gossip judged and its verdict given after the store, the user's
//! posts batched onto gossip, the tick's timeouts, stalls and retries, and bans. Inputs go in
//! with the time ([`NodeState::handle`]); what to do comes out as [`Action`]s
//! ([`NodeState::poll_action`]), and the next moment anything is due as a timer
//! ([`NodeState::poll_timeout`]), as iroh-gossip's `proto::state` does.
//!
//! The browser's driver translates libp2p's events and IndexedDB's answers into [`Input`]s and
//! carries out the actions; the simulator (`sim`, feature `sim`) runs many of these against
//! each other with in-memory stores and links. Connections, discovery's dials, direct
//! attempts and the table's housekeeping are in [`connections`]. Relay slots
//! (`relay_slots::RelaySlots`) are driven by the driver beside this machine, since they name
//! the driver's listeners (docs/design/node-state.md).

mod connections;

pub use connections::HOUSEKEEPING_MS;

use std::collections::VecDeque;
use std::hash::Hash;

use phemossa_core::notices::addressees;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::work::DEFAULT_STRANGER_WORK_BITS;
use phemossa_core::{Error, Event, PublicKey};
use phemossa_gossip::{after_store, receive_inbox, receive_remembering, topic_inbox, InboxGate};
use phemossa_sync::limits::MAX_AUTHORS_PER_SCOPE;
use phemossa_sync::{Progress, QueryId, Scope};

use crate::direct::ConnectionKind;
use crate::gossip::{Acceptance, GossipAction, GossipSide, Gossiped};
use crate::inbox_catch_up::InboxCatchUps;
use crate::peer_sync::{Asker, StoreAnswer, SyncAction};
use crate::peer_table::{NodeShared, Peers, Version};
use crate::pulls::{PullScheduler, ANTI_ENTROPY_RECENT_MS, STALL_MS};
use crate::rotation::pull_authors;

/// How long a new connection's pull waits for identify to say whether the peer speaks sync v2;
/// after that it runs on v1. Identify answers within one round trip of the connection, and a
/// relayed round trip is well under a second; 3 s keeps a peer whose identify was lost from
/// waiting for its pull much longer than that.
pub const IDENTIFY_WAIT_MS: u64 = 3_000;

/// The browser's driver ticks every 250 ms; [`NodeState::poll_timeout`] never asks for a tick
/// further away than this while a peer is connected, since the sync machines' resends and
/// deadlines are only checked on a tick.
pub const TICK_MS: u64 = 250;

/// What happened, as the node is told it.
#[derive(Debug)]
pub enum Input<P, C, R> {
    /// A connection to `peer` was established: its `kind`, whether we dialed it, and the
    /// address it is on. The machine keeps it or closes it ([`Action::Close`]); the first one
    /// owes a pull, started once identify tells the sync version.
    Opened {
        peer: P,
        connection: C,
        kind: ConnectionKind,
        dialer: bool,
        address: String,
    },
    /// A connection to `peer` closed; `remaining`: connections to the peer still open.
    Closed {
        peer: P,
        connection: C,
        remaining: usize,
    },
    /// Identify ran on `connection`: whether `peer` speaks sync v2, the direct signaling
    /// protocol, the owner protocol (docs/protocol.md §13), and sync 2.1's inbox catch-up and
    /// thread replies (`replies`, §8.9, §8.10).
    Identified {
        peer: P,
        connection: C,
        speaks_v2: bool,
        signaling: bool,
        owner: bool,
        replies: bool,
    },
    /// Discovery listed `peer`, in one of our author namespaces (`follows_ours`) or only the
    /// general one.
    Discovered { peer: P, follows_ours: bool },
    /// An outgoing connection to `peer` failed (our direct attempt or an ordinary dial).
    OutgoingFailed {
        peer: P,
        connection: C,
        error: String,
    },
    /// The direct attempt [`Action::DialDirect`] asked for started as this connection, or
    /// could not start.
    DirectDialed { peer: P, result: Result<C, String> },
    /// `peer` started a direct attempt of its own (it drives that one).
    PeerDialsDirect { peer: P },
    /// A direct attempt `peer` started failed.
    PeerDirectFailed { peer: P, error: String },
    /// `peer` broke the direct signaling protocol: the attempt is over, and it counts with the
    /// peer's other invalid input.
    SignalingFault { peer: P },
    /// `peer` answered a blob request with a malformed message or bytes that are not the blob
    /// (`blob_fetches::BlobAction::Fault`): counted with its other invalid input.
    BlobFault { peer: P },
    /// `peer` answered a thread's replies-request with a malformed message or an event that is
    /// invalid or no reply to what was asked, or sent a malformed request
    /// (`thread_fetches::ThreadAction::Fault`, §8.10): counted with its other invalid input.
    RepliesFault { peer: P },
    /// What `peer` said on the owner protocol (§13): its answer to [`Action::AskOwner`], who
    /// runs it, checked against its peer id (`phemossa_sync::owner::owner_of`); or why its
    /// answer or request was refused, which counts with its other invalid input. A request
    /// that went unanswered is not reported: slowness is nobody's fault, and the owner is asked
    /// again on its next connection.
    Owner {
        peer: P,
        said: Result<PublicKey, Error>,
    },
    /// `peer` answered the inbox catch-up request of [`Action::AskInbox`] with these bytes, or
    /// the request failed (`Err` says why: nobody's fault, the catch-up ends).
    InboxAnswer {
        peer: P,
        answer: Result<Vec<u8>, String>,
    },
    /// A thread's walk (`thread_fetches`, §8.10) brought these valid replies from `peer`: those
    /// addressed to the user pass the inbox's gate first, so asking for a thread is no way
    /// round the work asked of strangers (§8.9); the rest are stored.
    Replies { peer: P, events: Vec<Event> },
    /// The network settings changed: the connection cap, and whether direct connections are
    /// allowed (switched off, every direct connection closes).
    Settings { max_peers: u16, direct: bool },
    /// `peer` asked something on `version`; the answer goes on `channel`.
    Request {
        peer: P,
        version: Version,
        bytes: Vec<u8>,
        channel: R,
    },
    /// `peer` answered one of our requests on `version`.
    Response {
        peer: P,
        version: Version,
        bytes: Vec<u8>,
    },
    /// The store answered a machine's query, or could not (`Err` says why).
    StoreAnswer {
        asker: Asker<P>,
        query: QueryId,
        answer: Result<StoreAnswer, String>,
    },
    /// Whom the user follows now (the user's own key is the node's).
    Follows { followed: Vec<PublicKey> },
    /// Events were stored: reconciliations list the store afresh.
    StoreChanged,
    /// Events received from `peer` (by a pull or on gossip) were written: how many were new;
    /// or the write failed, saying why. A failed write is pulled again from the peer after
    /// the retry wait, and blamed on nobody. `gossiped`: the gossip message they came in,
    /// whose verdict waited for this.
    Stored {
        peer: P,
        result: Result<usize, String>,
        gossiped: Option<Gossiped>,
    },
    /// Gossipsub delivered a message from `from` (the peer that forwarded it) on `topic`.
    Gossip {
        from: P,
        message_id: Vec<u8>,
        topic: String,
        data: Vec<u8>,
    },
    /// The user made a new event (already stored): it goes out on the user's topic, and to the
    /// inboxes of the people it addresses.
    Publish { event: Event },
    /// The work the user asks of strangers' events in their inbox, in bits (§8.9; 0: none).
    StrangerWork { bits: u8 },
    /// Gossip counted `peer` past the misbehaviour threshold.
    PastThreshold { peer: P },
    /// Time passed; resends, deadlines, stalls and retries are checked.
    Tick,
}

/// What the node asks the driver to do.
#[derive(Debug)]
pub enum Action<P, C, R> {
    /// What a peer's sync asks: send, answer, query or write the store, a pull's progress.
    Sync(SyncAction<P, R>),
    /// Close this connection (not kept, stale, or made redundant by a direct one).
    Close(C),
    /// Dial `peer` (discovery found it; the driver knows through which relay).
    Dial { peer: P },
    /// Ask `peer` who runs it, on the owner protocol (§13); answer with [`Input::Owner`].
    AskOwner { peer: P },
    /// Send `peer` this inbox catch-up request on sync v2's streams (`/phemossa/sync/2.1.0`,
    /// §8.9); answer with [`Input::InboxAnswer`].
    AskInbox { peer: P, bytes: Vec<u8> },
    /// Start a direct connection attempt to `peer`, over the relayed connection's signaling;
    /// answer with [`Input::DirectDialed`].
    DialDirect { peer: P },
    /// Save `peer`'s record now (its last connection closed, or the periodic save).
    Save { peer: P },
    /// One of `peer`'s connections closed and another stays: catch-ups are owed (for the log).
    CatchingUp { peer: P },
    /// `peer`'s ban ran its course: let it in again.
    Unbanned { peer: P },
    /// What gossip asks of gossipsub: subscribe, leave, publish.
    Gossip(GossipAction),
    /// Tell gossipsub whether to forward message `message_id` that `source` sent.
    Verdict {
        message_id: Vec<u8>,
        source: P,
        acceptance: Acceptance,
    },
    /// Write events that came on gossip from `peer`; with `gossiped`, the message's verdict
    /// waits for the answer ([`Input::Stored`]).
    StoreGossiped {
        peer: P,
        events: Vec<Event>,
        gossiped: Option<Gossiped>,
    },
}

/// One node's sync and gossip: the peer table, the pull scheduler, whom pulls name, and the
/// gossip side.
pub struct NodeState<P, C, R, D> {
    /// Every peer seen. Public while the driver's other handlers still keep its connection
    /// and path fields themselves.
    pub peers: Peers<P, C, R, D>,
    pulls: PullScheduler<P>,
    user: PublicKey,
    followed: Vec<PublicKey>,
    /// The work asked of strangers' events in the user's inbox ([`Input::StrangerWork`]).
    stranger_work_bits: u8,
    /// Strangers' events addressed to the user that came with too little work, since start.
    held_back_for_work: u64,
    /// What each peer is asked for the user's inbox, once per connection era.
    catch_ups: InboxCatchUps<P>,
    /// Pull rounds started: which window of the followed authors the next pulls name.
    pull_round: u64,
    gossip: GossipSide,
    actions: VecDeque<Action<P, C, R>>,
    /// This node's own peer id (for the dial rule: the smaller id dials).
    local: P,
    /// The connection cap of the network settings.
    max_peers: u16,
    direct_allowed: bool,
    /// When this node last changed its gossip subscriptions: a relayed connection a direct
    /// one replaces stays until that has settled (`direct::RELAYED_SETTLE_MS`).
    subscriptions_changed_at: u64,
    housekept_at: u64,
}

impl<P: Clone + Eq + Hash + Ord, C: Copy + Eq + Hash, R, D> NodeState<P, C, R, D> {
    /// A node for `user`, known to peers as `local`, with `peers` remembered from an earlier
    /// run (or an empty table), and the default network settings until told others.
    pub fn new(user: PublicKey, local: P, peers: Peers<P, C, R, D>) -> Self {
        let defaults = NetworkSettings::default();
        Self {
            local,
            max_peers: defaults.max_peers,
            direct_allowed: true,
            subscriptions_changed_at: 0,
            housekept_at: 0,
            peers,
            pulls: PullScheduler::default(),
            user,
            followed: Vec::new(),
            stranger_work_bits: DEFAULT_STRANGER_WORK_BITS,
            held_back_for_work: 0,
            catch_ups: InboxCatchUps::default(),
            pull_round: 0,
            gossip: GossipSide::default(),
            actions: VecDeque::new(),
        }
    }

    /// An empty node for `user`, known to peers as `local`.
    pub fn empty(user: PublicKey, local: P, shared: NodeShared) -> Self {
        Self::new(user, local, Peers::new(shared))
    }

    /// Strangers' events addressed to the user that the inbox held back for too little work,
    /// since the node started: valid, so nobody was blamed, and shown to the user as a count.
    pub fn held_back_for_work(&self) -> u64 {
        self.held_back_for_work
    }

    /// The topics this node subscribes to.
    pub fn topics(&self) -> &std::collections::BTreeSet<String> {
        self.gossip.topics()
    }

    /// The pull scheduler, for the status (how many pull, who waits).
    pub fn pulls(&self) -> &PullScheduler<P> {
        &self.pulls
    }

    /// Takes in what happened at `now`.
    pub fn handle(&mut self, input: Input<P, C, R>, now: u64) {
        match input {
            Input::Opened {
                peer,
                connection,
                kind,
                dialer,
                address,
            } => self.opened(peer, connection, kind, dialer, address, now),
            Input::Closed {
                peer,
                connection,
                remaining,
            } => self.closed(peer, connection, remaining, now),
            Input::Identified {
                peer,
                connection,
                speaks_v2,
                signaling,
                owner,
                replies,
            } => {
                let Some(entry) = self.peers.get_mut(&peer) else {
                    return;
                };
                entry.links.identified(connection, signaling, now);
                entry.supports_v2 = Some(speaks_v2);
                // Once per connection era: a claim does not change while the peer stays, and
                // one asked again at each reconnection picks up an identity restored since.
                let ask_owner =
                    owner && !entry.banned && !std::mem::replace(&mut entry.owner_asked, true);
                // Likewise the inbox: what arrived for the user while away, once per era.
                let ask_inbox =
                    replies && !entry.banned && !std::mem::replace(&mut entry.inbox_asked, true);
                if ask_inbox {
                    // A catch-up still under way when a new connection replaced a stale one
                    // (§8.8) may have its request on the dead connection: this era's follows
                    // once it ends.
                    if let Some(bytes) = self.catch_ups.ask(peer.clone(), self.user, now) {
                        self.actions.push_back(Action::AskInbox {
                            peer: peer.clone(),
                            bytes,
                        });
                    }
                }
                let pull = std::mem::take(&mut entry.pull_pending);
                if ask_owner {
                    self.actions
                        .push_back(Action::AskOwner { peer: peer.clone() });
                }
                if pull {
                    self.pull_owed(peer, now);
                    self.start_granted(now);
                }
            }
            Input::Discovered { peer, follows_ours } => self.discovered(peer, follows_ours, now),
            Input::OutgoingFailed {
                peer,
                connection,
                error,
            } => self.outgoing_failed(&peer, connection, error, now),
            Input::DirectDialed { peer, result } => self.direct_dialed(&peer, result, now),
            Input::PeerDialsDirect { peer } => {
                if let Some(entry) = self.peers.get_mut(&peer) {
                    entry.links.peer_initiated();
                }
            }
            Input::PeerDirectFailed { peer, error } => {
                if let Some(entry) = self.peers.get_mut(&peer) {
                    entry.links.failed(None, error, now);
                }
            }
            Input::SignalingFault { peer }
            | Input::BlobFault { peer }
            | Input::RepliesFault { peer } => {
                if let Some(entry) = self.peers.get_mut(&peer) {
                    entry.side_fault();
                }
            }
            Input::Owner { peer, said } => {
                if let Some(entry) = self.peers.get_mut(&peer) {
                    match said {
                        Ok(owner) => {
                            entry.owner = Some(owner);
                            entry.unsaved = true;
                        }
                        Err(_) => entry.side_fault(),
                    }
                }
            }
            Input::InboxAnswer { peer, answer } => self.inbox_answer(peer, answer, now),
            Input::Replies { peer, events } => {
                let gate = InboxGate {
                    followed: &self.followed,
                    required_bits: self.stranger_work_bits,
                };
                let user = self.user;
                let before = events.len();
                let events: Vec<Event> = events
                    .into_iter()
                    .filter(|event| !addressees(event).contains(&user) || gate.admits(event))
                    .collect();
                self.held_back_for_work += (before - events.len()) as u64;
                if !events.is_empty() {
                    self.actions.push_back(Action::StoreGossiped {
                        peer,
                        events,
                        gossiped: None,
                    });
                }
            }
            Input::Settings { max_peers, direct } => {
                self.max_peers = max_peers;
                self.direct_allowed = direct;
                if !direct {
                    self.close_direct();
                }
            }
            Input::Request {
                peer,
                version,
                bytes,
                channel,
            } => {
                let entry = self.peers.entry(peer.clone());
                entry.last_seen = now;
                let machine = entry.machine(version);
                // The machine decodes and judges the request; its `req` is peeked here only to
                // know which answer goes on this channel.
                let req = machine.request_req(&bytes);
                machine.handle_message(&bytes, now);
                if let Some(req) = req {
                    entry.await_response(version, req, channel);
                }
                self.drain(&peer, version, now);
            }
            Input::Response {
                peer,
                version,
                bytes,
            } => {
                let entry = self.peers.entry(peer.clone());
                entry.last_seen = now;
                entry.machine(version).handle_message(&bytes, now);
                self.drain(&peer, version, now);
            }
            Input::StoreAnswer {
                asker,
                query,
                answer,
            } => {
                let actions = self.peers.store_answer(asker, query, answer, now);
                self.take(actions, now);
            }
            Input::Follows { followed } => {
                self.subscriptions_changed_at = now;
                self.followed = followed;
                let authors = self.authors();
                for action in self.gossip.follow(&self.user, &authors) {
                    self.actions.push_back(Action::Gossip(action));
                }
                self.pulls.follows_changed(now);
                self.start_granted(now);
            }
            Input::Gossip {
                from,
                message_id,
                topic,
                data,
            } => self.gossip_message(from, message_id, &topic, &data, now),
            Input::Publish { event } => {
                for action in self.gossip.publish(&event, now) {
                    self.actions.push_back(Action::Gossip(action));
                }
            }
            Input::StrangerWork { bits } => self.stranger_work_bits = bits,
            Input::StoreChanged => {
                for peer in self.peers.by_id.values_mut() {
                    peer.machine(Version::V2).store_changed();
                }
            }
            Input::Stored {
                peer,
                result,
                gossiped,
            } => self.stored(peer, result, gossiped, now),
            Input::PastThreshold { peer } => self.past_threshold(peer, now),
            Input::Tick => self.tick(now),
        }
    }

    /// The next thing to do, in the order it was decided.
    pub fn poll_action(&mut self) -> Option<Action<P, C, R>> {
        self.actions.pop_front()
    }

    /// When to tick next: at once if actions wait, every [`TICK_MS`] while a peer is
    /// connected (the machines' resends), else when the scheduler's next retry or a gossip
    /// batch falls due.
    pub fn poll_timeout(&self, now: u64) -> Option<u64> {
        if !self.actions.is_empty() {
            return Some(now);
        }
        if self.peers.by_id.values().any(|p| p.connected()) {
            return Some(now + TICK_MS);
        }
        [self.pulls.next_wake(), self.gossip.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The user and whom the user follows: whose events this node pulls.
    pub fn authors(&self) -> Vec<PublicKey> {
        let mut authors = vec![self.user];
        authors.extend(self.followed.iter().copied());
        authors
    }

    /// Takes a peer's answer to the inbox catch-up: events past the gate are stored as if they
    /// came on the inbox topic, those held back for work counted for the user, faults counted
    /// with the peer's invalid input; the next page is asked for while the catch-up goes on.
    fn inbox_answer(&mut self, peer: P, answer: Result<Vec<u8>, String>, now: u64) {
        let bytes = match answer {
            Ok(bytes) => bytes,
            Err(_) => {
                if let Some(bytes) = self.catch_ups.on_failure(&peer, now) {
                    self.actions.push_back(Action::AskInbox { peer, bytes });
                }
                return;
            }
        };
        let verified = self.peers.shared.verified.clone();
        let gate = InboxGate {
            followed: &self.followed,
            required_bits: self.stranger_work_bits,
        };
        let Some(answer) = self
            .catch_ups
            .on_response(&peer, &bytes, now, &verified, &gate)
        else {
            return;
        };
        self.held_back_for_work += answer.held_for_work as u64;
        if !answer.faults.is_empty() {
            if let Some(entry) = self.peers.get_mut(&peer) {
                for _ in &answer.faults {
                    entry.side_fault();
                }
            }
        }
        if !answer.events.is_empty() {
            self.actions.push_back(Action::StoreGossiped {
                peer: peer.clone(),
                events: answer.events,
                gossiped: None,
            });
        }
        if let Some(bytes) = answer.next {
            self.actions.push_back(Action::AskInbox { peer, bytes });
        }
    }

    /// Judges a gossip message: its new valid events go to the store, and the verdict waits
    /// for the store's answer if the message is acceptable, else is given now. The sender's
    /// bad input counts in its one score; past the threshold it is banned.
    fn gossip_message(&mut self, from: P, message_id: Vec<u8>, topic: &str, data: &[u8], now: u64) {
        let verified = self.peers.shared.verified.clone();
        let peer = self.peers.entry(from.clone());
        peer.last_seen = now;
        let received = if topic_inbox(topic).is_some() {
            let gate = InboxGate {
                followed: &self.followed,
                required_bits: self.stranger_work_bits,
            };
            receive_inbox(
                data,
                topic,
                now,
                &mut self.gossip.seen,
                &verified,
                &mut peer.score,
                &gate,
            )
        } else {
            receive_remembering(
                data,
                topic,
                now,
                &mut self.gossip.seen,
                &verified,
                &mut peer.score,
            )
        };
        let past_threshold = peer.past_threshold();
        self.held_back_for_work += u64::from(received.held_back);
        if received.acceptance == Acceptance::Accept {
            // Forwarded only once the store says it lacked one of the events: a valid old
            // event the seen-cache forgot must not cross the mesh again (issue 12, hole 5).
            let gossiped = Gossiped {
                message_id,
                offered: received.events.len(),
            };
            self.actions.push_back(Action::StoreGossiped {
                peer: from.clone(),
                events: received.events,
                gossiped: Some(gossiped),
            });
        } else {
            self.actions.push_back(Action::Verdict {
                message_id,
                source: from.clone(),
                acceptance: received.acceptance,
            });
            // A rejected message's valid events before its first bad one are kept all the
            // same (they are in the seen-cache now); it is only not forwarded.
            if !received.events.is_empty() {
                self.actions.push_back(Action::StoreGossiped {
                    peer: from.clone(),
                    events: received.events,
                    gossiped: None,
                });
            }
        }
        if past_threshold {
            self.past_threshold(from, now);
        }
    }

    /// A write of `peer`'s events ended; a gossip message they came in gets its verdict now.
    fn stored(
        &mut self,
        peer_id: P,
        result: Result<usize, String>,
        gossiped: Option<Gossiped>,
        now: u64,
    ) {
        let stored = result.as_ref().ok().copied();
        if let (Some(stored), Some(peer)) = (stored, self.peers.get_mut(&peer_id)) {
            peer.events_received += stored as u64;
            peer.unsaved |= stored > 0;
            if stored > 0 {
                self.pulls.proven(&peer_id);
            }
        }
        if result.is_err() {
            self.pulls.store_failed(peer_id.clone(), now);
        }
        let Some(gossiped) = gossiped else {
            return;
        };
        // A failed write forwards nothing it could not keep, and blames nobody.
        let acceptance = match (stored, self.peers.get_mut(&peer_id)) {
            (Some(stored), Some(peer)) => after_store(
                Acceptance::Accept,
                gossiped.offered,
                stored,
                &mut peer.score,
            ),
            _ => Acceptance::Ignore,
        };
        self.actions.push_back(Action::Verdict {
            message_id: gossiped.message_id,
            source: peer_id,
            acceptance,
        });
    }

    /// The first connection to `peer` owes a pull: at once if its sync version is known, else
    /// once identify tells it (or after [`IDENTIFY_WAIT_MS`]).
    fn owe_first_pull(&mut self, peer_id: P, now: u64) {
        let Some(peer) = self.peers.get_mut(&peer_id) else {
            return;
        };
        if peer.supports_v2.is_none() {
            peer.pull_pending = true;
            return;
        }
        self.pull_owed(peer_id, now);
        self.start_granted(now);
    }

    /// A new connection's pull is owed; a peer that delivered valid events pulls first.
    fn pull_owed(&mut self, peer_id: P, now: u64) {
        let proven = self.peers.get_mut(&peer_id).is_some_and(|p| p.proven());
        self.pulls.connected(peer_id.clone(), now);
        if proven {
            self.pulls.proven(&peer_id);
        }
    }

    /// The scope of the next pulls: the user and, past the 1,000 authors a scope may name, a
    /// window of the followed that moves on with every round, so each is pulled in turn.
    fn next_scope(&mut self) -> Scope {
        let round = self.pull_round;
        self.pull_round += 1;
        Scope {
            authors: Some(pull_authors(
                &self.user,
                &self.followed,
                MAX_AUTHORS_PER_SCOPE,
                round,
            )),
            since: None,
        }
    }

    /// Starts the pulls the scheduler gives a slot now, each on the peer's sync version.
    fn start_granted(&mut self, now: u64) {
        let granted = self.pulls.grant(now);
        if granted.is_empty() {
            return;
        }
        let scope = self.next_scope();
        // Anti-entropy's pulls reach back only over recent events (§8.7).
        let recent = Scope {
            since: Some(now.saturating_sub(ANTI_ENTROPY_RECENT_MS)),
            ..scope.clone()
        };
        for peer_id in granted {
            let scope = if self.pulls.recent_only(&peer_id) {
                &recent
            } else {
                &scope
            };
            let Some(peer) = self
                .peers
                .get_mut(&peer_id)
                .filter(|p| p.connected() && !p.banned)
            else {
                // Gone without the scheduler hearing of it: the slot is not held.
                self.pulls.disconnected(&peer_id);
                continue;
            };
            // A catch-up after a lost connection (§8.8) repairs the user's inbox too: pulls
            // name only followed authors, and a stranger's event for the user that gossipsub
            // had handed the closed connection would be lost otherwise. Only with a peer asked
            // for the inbox in this era, which speaks sync 2.1.
            if self.pulls.catching_up(&peer_id) && peer.inbox_asked {
                if let Some(bytes) = self.catch_ups.ask(peer_id.clone(), self.user, now) {
                    self.actions.push_back(Action::AskInbox {
                        peer: peer_id.clone(),
                        bytes,
                    });
                }
            }
            let version = peer.pull_version();
            // False only if a pull already runs on it, which then holds the slot.
            if peer.machine(version).start(scope.clone(), now) {
                peer.progress = Some(Progress::default());
                let started = SyncAction::PullStarted {
                    peer: peer_id.clone(),
                };
                self.actions.push_back(Action::Sync(started));
            }
            self.drain(&peer_id, version, now);
        }
    }

    fn tick(&mut self, now: u64) {
        for action in self.gossip.flush_due(now) {
            self.actions.push_back(Action::Gossip(action));
        }
        // A long gap since the last tick means the machine slept: peers are pulled again.
        self.pulls.tick(now);
        let mut connected = self.peers.connected_ids();
        // The table is a HashMap: sorted, so every run decides in the same order.
        connected.sort();
        for peer_id in connected {
            if let Some(peer) = self.peers.get_mut(&peer_id) {
                // Resends, giving up on a request, and the pull's deadline.
                for version in [Version::V1, Version::V2] {
                    peer.machine(version).handle_timeout(now);
                }
                if peer.pull_pending && now.saturating_sub(peer.connected_at) > IDENTIFY_WAIT_MS {
                    peer.supports_v2.get_or_insert(false);
                    peer.pull_pending = false;
                    self.pull_owed(peer_id.clone(), now);
                }
            }
            self.drain(&peer_id, Version::V1, now);
            self.drain(&peer_id, Version::V2, now);
            if let Some(store) = self.peers.flush(&peer_id) {
                self.actions.push_back(Action::Sync(store));
            }
            self.tend_links(&peer_id, now);
        }
        // Slots of pulls that stopped moving forward are taken back (not blamed on the peer),
        // then free slots, and retries that are due, are handed out.
        for peer_id in self.pulls.reclaim(now) {
            let reason = Error::PullStalled { idle_ms: STALL_MS };
            let actions = self.peers.stop_pull(&peer_id, reason, now);
            self.take(actions, now);
        }
        self.start_granted(now);
        self.housekeeping(now);
    }

    /// Everything `peer_id`'s machine for `version` asks for now.
    fn drain(&mut self, peer_id: &P, version: Version, now: u64) {
        let actions = self.peers.drain(peer_id, version, now);
        self.take(actions, now);
    }

    /// Queues `actions` for the driver, telling the scheduler on the way what concerns it:
    /// progress keeps a pull's slot, an ended pull frees it (and the next is started), a
    /// banned peer leaves the queue.
    fn take(&mut self, actions: Vec<SyncAction<P, R>>, now: u64) {
        let mut finished = false;
        for action in actions {
            match &action {
                SyncAction::Progressed { peer } => self.pulls.progressed(peer.clone(), now),
                SyncAction::PullFinished { peer, result } => {
                    self.pulls.finished(peer.clone(), result.is_ok(), now);
                    finished = true;
                }
                SyncAction::Banned { peer } => self.pulls.disconnected(peer),
                // Gossip's seen-cache learns it now, so a gossip copy that arrives while the
                // event waits in a batch is not checked and stored again.
                SyncAction::Validated(id) => {
                    self.gossip.seen.insert(*id, now);
                    continue;
                }
                _ => {}
            }
            self.actions.push_back(Action::Sync(action));
        }
        if finished {
            self.start_granted(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;

    type Node = NodeState<u8, u8, u64, ()>;

    fn node() -> Node {
        let user = Identity::from_seed([3; 32]).public_key();
        let mut node = Node::empty(user, 0, NodeShared::default());
        node.handle(Input::Follows { followed: vec![] }, 0);
        node
    }

    /// Peer `peer`'s one connection, relayed, dialed by us, numbered as the peer.
    fn opened(peer: u8) -> Input<u8, u8, u64> {
        Input::Opened {
            peer,
            connection: peer,
            kind: ConnectionKind::Relayed,
            dialer: true,
            address: format!("/test/{peer}"),
        }
    }

    /// Peer `peer`'s direct connection, numbered as the peer plus 10.
    fn opened_direct(peer: u8) -> Input<u8, u8, u64> {
        Input::Opened {
            peer,
            connection: peer + 10,
            kind: ConnectionKind::Direct,
            dialer: true,
            address: format!("/test/{peer}/direct"),
        }
    }

    /// The pulls started since the last call, each with the version it runs on.
    fn started(node: &mut Node) -> Vec<(u8, Version)> {
        let mut peers = Vec::new();
        while let Some(action) = node.poll_action() {
            if let Action::Sync(SyncAction::PullStarted { peer }) = action {
                peers.push(peer);
            }
        }
        peers
            .into_iter()
            .filter_map(|peer| {
                let entry = node.peers.get_mut(&peer)?;
                let version = [Version::V1, Version::V2]
                    .into_iter()
                    .find(|v| entry.machine(*v).is_pulling())?;
                Some((peer, version))
            })
            .collect()
    }

    #[test]
    fn a_pull_waits_for_identify_and_runs_on_the_version_it_names() {
        let mut node = node();
        node.handle(opened(1), 0);
        assert_eq!(
            started(&mut node),
            vec![],
            "identify has not said the version"
        );
        node.handle(
            Input::Identified {
                peer: 1,
                connection: 1,
                speaks_v2: true,
                signaling: false,
                owner: false,
                replies: false,
            },
            100,
        );
        assert_eq!(started(&mut node), vec![(1, Version::V2)]);
        assert_eq!(node.pulls().pulling(), 1);
    }

    #[test]
    fn without_identify_the_pull_starts_on_v1_after_the_wait() {
        let mut node = node();
        node.handle(opened(2), 0);
        node.handle(Input::Tick, IDENTIFY_WAIT_MS);
        assert_eq!(started(&mut node), vec![]);
        node.handle(Input::Tick, IDENTIFY_WAIT_MS + 1);
        assert_eq!(started(&mut node), vec![(2, Version::V1)]);
    }

    #[test]
    fn the_last_connection_closing_frees_the_slot_and_a_ban_too() {
        let mut node = node();
        for peer in [1, 2] {
            node.handle(opened(peer), 0);
            let identified = Input::Identified {
                peer,
                connection: peer,
                speaks_v2: false,
                signaling: false,
                owner: false,
                replies: false,
            };
            node.handle(identified, 0);
        }
        assert_eq!(node.pulls().pulling(), 2);
        let closed = Input::Closed {
            peer: 1,
            connection: 1,
            remaining: 0,
        };
        node.handle(closed, 10);
        assert_eq!(node.pulls().pulling(), 1);
        node.handle(Input::PastThreshold { peer: 2 }, 20);
        assert_eq!(node.pulls().pulling(), 0);
        let banned = std::iter::from_fn(|| node.poll_action())
            .any(|a| matches!(a, Action::Sync(SyncAction::Banned { peer: 2 })));
        assert!(banned);
        assert_eq!(
            node.poll_timeout(30),
            Some(30 + TICK_MS),
            "peer 2 is still connected"
        );
    }

    fn identified(peer: u8, owner: bool) -> Input<u8, u8, u64> {
        Input::Identified {
            peer,
            connection: peer,
            speaks_v2: true,
            signaling: false,
            owner,
            replies: false,
        }
    }

    /// Whom the node asked who runs them since the last call.
    fn owners_asked(node: &mut Node) -> Vec<u8> {
        std::iter::from_fn(|| node.poll_action())
            .filter_map(|a| match a {
                Action::AskOwner { peer } => Some(peer),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_peer_is_asked_who_runs_it_once_per_connection_and_only_if_it_says_it_can_answer() {
        let mut node = node();
        node.handle(opened(1), 0);
        node.handle(opened(2), 0);
        node.handle(identified(1, true), 10);
        node.handle(identified(2, false), 10);
        assert_eq!(
            owners_asked(&mut node),
            vec![1],
            "peer 2 does not speak the protocol"
        );
        // Identify runs again on a second connection, and identify push may repeat: not asked
        // twice while connected.
        node.handle(identified(1, true), 20);
        assert_eq!(owners_asked(&mut node), Vec::<u8>::new());
        // Unanswered (slow, or the stream failed): no blame, and asked again after it
        // reconnects.
        let closed = Input::Closed {
            peer: 1,
            connection: 1,
            remaining: 0,
        };
        node.handle(closed, 30);
        assert_eq!(node.peers.get_mut(&1).map(|p| p.invalid()), Some(0));
        node.handle(opened(1), 40);
        node.handle(identified(1, true), 50);
        assert_eq!(owners_asked(&mut node), vec![1]);
    }

    /// The inbox catch-up requests asked since the last call, and the events sent to the
    /// store.
    fn inbox_traffic(node: &mut Node) -> (Vec<u8>, Vec<Event>) {
        let (mut asked, mut stored) = (Vec::new(), Vec::new());
        while let Some(action) = node.poll_action() {
            match action {
                Action::AskInbox { peer, .. } => asked.push(peer),
                Action::StoreGossiped { events, .. } => stored.extend(events),
                _ => {}
            }
        }
        (asked, stored)
    }

    /// Peer `peer`'s identify, saying it speaks sync 2.1's inbox catch-up.
    fn speaks_replies(peer: u8) -> Input<u8, u8, u64> {
        let mut speaks = identified(peer, false);
        if let Input::Identified { replies, .. } = &mut speaks {
            *replies = true;
        }
        speaks
    }

    /// A stranger's post at `at` that mentions the user (seed 3).
    fn strangers_mention(at: u64, text: &str) -> Event {
        use phemossa_core::event::{Content, Post};
        Event::create(
            &Identity::from_seed([9; 32]),
            at,
            Content::Post(Post {
                text: text.into(),
                mentions: vec![Identity::from_seed([3; 32]).public_key()],
                reply_to: None,
            }),
        )
        .expect("a valid post")
    }

    /// A last inbox-response page holding `events`.
    fn inbox_page(events: &[&Event]) -> Input<u8, u8, u64> {
        use phemossa_sync::replies::RepliesMessage;
        let answer = RepliesMessage::InboxResponse {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
            next: None,
        }
        .encode();
        Input::InboxAnswer {
            peer: 1,
            answer: Ok(answer),
        }
    }

    #[test]
    fn the_inbox_is_caught_up_once_per_connection_and_judged_as_the_inbox_topic() {
        let mut node = node();
        node.handle(Input::StrangerWork { bits: 30 }, 0);
        node.handle(opened(1), 0);
        node.handle(opened(2), 0);
        node.handle(speaks_replies(1), 10);
        node.handle(identified(2, false), 10);
        assert_eq!(
            inbox_traffic(&mut node).0,
            vec![1],
            "peer 2 does not speak 2.1"
        );
        // A stranger's reply without work: held back, counted, nobody blamed.
        let stranger = strangers_mention(1_767_225_600_000, "sent while you were away");
        node.handle(inbox_page(&[&stranger]), 1_767_225_600_000);
        assert_eq!(inbox_traffic(&mut node), (vec![], vec![]));
        assert_eq!(node.held_back_for_work(), 1);
        assert_eq!(node.peers.get_mut(&1).map(|p| p.invalid()), Some(0));
        // Followed, the same author's event is taken as it is (on the next era's catch-up).
        node.handle(
            Input::Follows {
                followed: vec![stranger.author],
            },
            1_767_225_600_000,
        );
        node.handle(
            Input::Closed {
                peer: 1,
                connection: 1,
                remaining: 0,
            },
            1_767_225_600_000,
        );
        node.handle(opened(1), 1_767_225_600_000);
        node.handle(speaks_replies(1), 1_767_225_600_000);
        assert_eq!(
            inbox_traffic(&mut node).0,
            vec![1],
            "asked again in a new era"
        );
        node.handle(inbox_page(&[&stranger]), 1_767_225_600_000);
        assert_eq!(inbox_traffic(&mut node).1, vec![stranger]);
    }

    #[test]
    fn a_lost_connection_asks_the_inbox_again_with_its_catch_up_pull() {
        let mut node = node();
        node.handle(Input::StrangerWork { bits: 0 }, 0);
        // A relayed connection, then a direct one beside it.
        node.handle(opened(1), 0);
        node.handle(opened_direct(1), 500);
        node.handle(speaks_replies(1), 1_000);
        assert_eq!(inbox_traffic(&mut node).0, vec![1], "the era's catch-up");
        node.handle(inbox_page(&[]), 1_500);
        // The relayed connection closes, and a stranger's reply gossiped into it is lost; the
        // peer stored it before it gossiped it.
        node.handle(
            Input::Closed {
                peer: 1,
                connection: 1,
                remaining: 1,
            },
            2_000,
        );
        let mut asked = Vec::new();
        let mut now = 2_000;
        while asked.is_empty() && now < 600_000 {
            now += TICK_MS;
            node.handle(Input::Tick, now);
            asked = inbox_traffic(&mut node).0;
        }
        assert_eq!(asked, vec![1], "asked again by {now} ms");
        assert!(
            now >= 2_000 + crate::pulls::CATCH_UP_AFTER_MS[0],
            "with the catch-up pull, not before: {now}"
        );
        let reply = strangers_mention(now - 1_000, "sent into the closed connection");
        node.handle(inbox_page(&[&reply]), now);
        assert_eq!(inbox_traffic(&mut node), (vec![], vec![reply]));
        assert_eq!(node.peers.get_mut(&1).map(|p| p.invalid()), Some(0));
    }

    #[test]
    fn a_catch_up_on_a_stale_connection_is_followed_by_the_new_eras() {
        let mut node = node();
        node.handle(opened_direct(1), 0);
        node.handle(speaks_replies(1), 100);
        assert_eq!(inbox_traffic(&mut node).0, vec![1]);
        // The peer restarted: a relayed connection beside the direct one makes that stale, and
        // the catch-up's request is on it.
        node.handle(opened(1), 1_000);
        node.handle(speaks_replies(1), 1_100);
        assert_eq!(
            inbox_traffic(&mut node).0,
            Vec::<u8>::new(),
            "one request in flight"
        );
        node.handle(
            Input::InboxAnswer {
                peer: 1,
                answer: Err("the connection closed".into()),
            },
            1_200,
        );
        assert_eq!(
            inbox_traffic(&mut node).0,
            vec![1],
            "asked over the new connection"
        );
        assert_eq!(node.peers.get_mut(&1).map(|p| p.invalid()), Some(0));
    }

    #[test]
    fn a_threads_replies_to_the_user_pass_the_inbox_gate_and_others_are_stored() {
        use phemossa_core::event::{Content, Post};
        let user = Identity::from_seed([3; 32]).public_key();
        let someone = Identity::from_seed([4; 32]).public_key();
        let reply_to = |to: PublicKey, seed: u8| {
            Event::create(
                &Identity::from_seed([seed; 32]),
                1_767_225_600_000,
                Content::Post(Post {
                    text: format!("a reply from {seed}"),
                    mentions: vec![to],
                    reply_to: Some(phemossa_core::EventId::from_bytes([7; 32])),
                }),
            )
            .expect("a valid post")
        };
        let mut node = node();
        node.handle(Input::StrangerWork { bits: 30 }, 0);
        let to_user = reply_to(user, 9);
        let to_someone = reply_to(someone, 9);
        node.handle(
            Input::Replies {
                peer: 1,
                events: vec![to_user, to_someone.clone()],
            },
            10,
        );
        assert_eq!(inbox_traffic(&mut node).1, vec![to_someone]);
        assert_eq!(
            node.held_back_for_work(),
            1,
            "the stranger's reply to the user"
        );
    }

    #[test]
    fn a_checked_claim_names_the_peer_and_is_saved_and_a_bad_one_is_counted() {
        let alice = Identity::from_seed([1; 32]).public_key();
        let mut node = node();
        node.handle(opened(1), 0);
        node.handle(identified(1, true), 10);
        owners_asked(&mut node);
        node.handle(
            Input::Owner {
                peer: 1,
                said: Ok(alice),
            },
            20,
        );
        let peer = node.peers.get_mut(&1).expect("peer 1 is known");
        assert_eq!(peer.owner, Some(alice));
        assert_eq!(peer.saved().owner, Some(alice), "kept across restarts");
        assert_eq!(peer.invalid(), 0);
        // A claim that did not check: counted with the peer's invalid input, and the owner
        // already proven stays.
        node.handle(
            Input::Owner {
                peer: 1,
                said: Err(Error::BadSignature),
            },
            30,
        );
        let peer = node.peers.get_mut(&1).expect("peer 1 is known");
        assert_eq!(peer.invalid(), 1);
        assert_eq!(peer.owner, Some(alice));
    }

    #[test]
    fn a_banned_peer_is_not_asked() {
        let mut node = node();
        node.handle(opened(1), 0);
        if let Some(peer) = node.peers.get_mut(&1) {
            peer.banned = true;
        }
        node.handle(identified(1, true), 10);
        assert_eq!(owners_asked(&mut node), Vec::<u8>::new());
    }
}
