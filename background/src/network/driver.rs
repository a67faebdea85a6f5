//! The node's one task: owns the swarm, the relays and the node's machine
//! (`phemossa_node::NodeState`), translates swarm events, commands from the background,
//! finished store work and the clock into the machine's inputs, and carries out its actions.
//! It decides nothing the machine decides. Every handler is synchronous; store work runs in its
//! own tasks (`store_work`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::mpsc::{self, UnboundedReceiver};
use futures::{FutureExt as _, StreamExt as _};
use futures_timer::Delay;
use libp2p::core::ConnectedPoint;
use libp2p::gossipsub::MessageId;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{gossipsub, identify, relay, rendezvous, request_response, PeerId, Swarm};
use phemossa_api::{CandidateType, ConnectionKind, NetworkStatus, PathInfo, Push};
use phemossa_core::device_owner::OwnerClaim;
use phemossa_core::settings::{DirectConnections, NetworkSettings};
use phemossa_node::discovery::{author_namespaces, is_author_namespace};
use phemossa_node::gossip::Acceptance;
use phemossa_node::limits::{ConnectionCaps, MAX_KNOWN_PEERS};
use phemossa_node::peer_sync::{StoreAnswer, SyncAction};
use phemossa_node::{Action, Input, RelayAction};
use phemossa_sync::message::{is_event_response, Message};
use phemossa_sync::owner::{self, OwnerMessage, OWNER_PROTOCOL};
use phemossa_sync::replies::REPLIES_PROTOCOL;
use phemossa_sync::SYNC_V2_PROTOCOL;
use web_sys::console;
use webrtc_b2b::address::{is_direct, webrtc_peer};

use super::behaviour::{connection_limits, Node, NodeEvent};
use super::blobs::{Blobs, Outcome};
use super::gossip;
use super::handle::Command;
use super::in_order::InOrder;
use super::peers::{
    Channel, FromRecords as _, NodeShared, Peers, SyncNode, Translate as _, Version,
};
use super::relays::Relays;
use super::services::Services;
use super::status;
use super::store_work::{Done, StoreWork};
use super::threads::{Outcome as ThreadOutcome, Routed, Threads};
use crate::clock;
use crate::storage::PeerRecord;
use crate::subscribers::Subscribers;
use crate::user::User;

const TICK: Duration = Duration::from_millis(250);
/// Status pushes to pages at most this often (a sync changes it for every event).
const PUSH_EVERY_MS: u64 = 500;
/// How often the path of each direct connection is read from the browser's statistics.
const READ_PATHS_EVERY_MS: u64 = 5_000;

/// Path readings of direct connections, filled by the tasks that read the browser's statistics.
type PathReadings = Rc<RefCell<Vec<(PeerId, Option<PathInfo>)>>>;

pub struct Driver {
    swarm: Swarm<Node>,
    /// Whose events to sync and subscribe to.
    user: Rc<User>,
    /// Pages subscribed to the network status.
    subscribers: Rc<Subscribers>,
    work: StoreWork,
    done: Option<UnboundedReceiver<Done>>,
    status: Rc<RefCell<NetworkStatus>>,
    local_peer_id: PeerId,
    settings: NetworkSettings,
    relays: Relays,
    /// The peer table, the pull scheduler and every sync decision (`phemossa_node::state`):
    /// the driver tells it what happened and carries out what it asks.
    node: SyncNode,
    /// Why the last store of received events failed, until one succeeds.
    storage_problem: Option<String>,
    changed: bool,
    pushed_at: u64,
    /// Where to dial each peer discovery found: through our own connection to the relay it
    /// registered at.
    dial_via: HashMap<PeerId, libp2p::Multiaddr>,
    /// Paths of direct connections read from the browser's statistics (asynchronously, so
    /// they arrive here and are picked up on the next tick).
    paths: PathReadings,
    paths_read_at: u64,
    /// Pictures wanted from peers and requests for ours (`blobs.rs`).
    blobs: Blobs,
    /// Threads' replies asked of peers and peers' requests for ours (`threads.rs`).
    threads: Threads,
    /// Sync responses waiting for the worker pool to check their events' signatures
    /// (`crate::verify_pool`): the machine gets each when it and every one before it are
    /// checked.
    checking: InOrder<Input<PeerId, ConnectionId, Channel>>,
}

impl Driver {
    pub fn new(
        swarm: Swarm<Node>,
        services: Services,
        status: Rc<RefCell<NetworkStatus>>,
        settings: NetworkSettings,
        known: Vec<PeerRecord>,
    ) -> Self {
        let (done_tx, done_rx) = mpsc::unbounded();
        let local_peer_id = *swarm.local_peer_id();
        let mut swarm = swarm;
        configure_direct(&mut swarm, &settings);
        let peers = Peers::from_records(
            known,
            NodeShared {
                verified: services.ingest.verified().clone(),
                ..NodeShared::default()
            },
            clock::now_ms(),
        );
        // Bans outlive a restart: a banned peer's connections are refused from the start.
        for (peer_id, _) in peers.by_id.iter().filter(|(_, p)| p.banned) {
            swarm.behaviour_mut().blocked.block_peer(*peer_id);
            swarm.behaviour_mut().gossipsub.blacklist_peer(peer_id);
        }
        let mut node = SyncNode::new(services.user.public_key(), local_peer_id, peers);
        node.handle(node_settings(&settings), clock::now_ms());
        Self {
            swarm,
            work: StoreWork {
                storage: services.storage,
                ingest: Rc::clone(&services.ingest),
                done: done_tx,
                served: Rc::default(),
            },
            done: Some(done_rx),
            status,
            local_peer_id,
            relays: Relays::of(&settings.bootstrap),
            settings,
            node,
            user: services.user,
            subscribers: services.subscribers,
            storage_problem: None,
            changed: true,
            pushed_at: 0,
            dial_via: HashMap::new(),
            paths: Rc::default(),
            paths_read_at: 0,
            blobs: Blobs::default(),
            threads: Threads::default(),
            checking: InOrder::default(),
        }
    }

    pub async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        let Some(mut done) = self.done.take() else {
            return;
        };
        self.follows_changed();
        self.on_tick();
        let mut tick = Delay::new(TICK).fuse();
        loop {
            futures::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = commands.next() => match command {
                    Some(command) => self.on_command(command),
                    None => break,
                },
                finished = done.next() => {
                    if let Some(finished) = finished {
                        self.on_done(finished);
                    }
                }
                _ = tick => {
                    self.on_tick();
                    tick = Delay::new(TICK).fuse();
                }
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        let now = clock::now_ms();
        match command {
            Command::Publish(event) => {
                self.store_changed();
                self.handle(Input::Publish { event }, now);
            }
            Command::FollowsChanged => {
                // The user's follow event was stored.
                self.store_changed();
                self.follows_changed();
            }
            Command::StoreChanged => self.store_changed(),
            Command::Settings(settings) => {
                for listener in self.relays.slots.listeners() {
                    self.swarm.remove_listener(*listener);
                }
                self.relays = Relays::of(&settings.bootstrap);
                configure_direct(&mut self.swarm, &settings);
                // Switched off, every direct connection closes: peers are reached through the
                // relay again (rendezvous and the redial bring the relayed connections back).
                self.handle(node_settings(&settings), now);
                *self.swarm.behaviour_mut().limits.limits_mut() =
                    connection_limits(ConnectionCaps::for_max_peers(settings.max_peers));
                self.settings = settings;
                self.changed = true;
                self.on_tick();
            }
            Command::StrangerWork(bits) => self.handle(Input::StrangerWork { bits }, now),
            Command::WantBlob { hash, kind } => {
                let peers = self.blob_peers();
                self.blobs.want(hash, kind, None, &peers);
                self.carry_out_blobs(now);
            }
            Command::OpenThread { root, held } => {
                let peers = self.blob_peers();
                self.threads.open(root, &held, &peers, now);
                self.carry_out_threads(now);
            }
        }
    }

    /// The peers blobs may be asked of: connected, not banned, not relays (the machine's table
    /// holds no relay).
    fn blob_peers(&self) -> Vec<PeerId> {
        self.node
            .peers
            .by_id
            .iter()
            .filter(|(_, peer)| peer.connected() && !peer.banned)
            .map(|(id, _)| *id)
            .collect()
    }

    fn on_blob(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        let now = clock::now_ms();
        let peers = self.blob_peers();
        if let Some(Outcome::Fault(peer)) = self.blobs.on_event(event, &peers, &self.work) {
            self.handle(Input::BlobFault { peer }, now);
        }
        self.carry_out_blobs(now);
    }

    /// Who runs a peer (§13): a peer's request is answered with the user's claim for this
    /// device, signed afresh (a restore may have changed the user); an answer is checked
    /// against the peer id the connection authenticated. The node's machine counts what was
    /// refused.
    fn on_owner(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        let request_response::Event::Message { peer, message, .. } = event else {
            return;
        };
        let said = match message {
            request_response::Message::Request {
                request, channel, ..
            } => match owner::check_request(&request) {
                Ok(()) => {
                    let device = self.swarm.local_peer_id().to_bytes();
                    let claim = OwnerClaim::sign(&self.user.identity(), &device);
                    let answer = OwnerMessage::Claim(claim).encode();
                    // Fails only if the peer left or the stream timed out: nothing to do.
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .owner
                        .send_response(channel, answer);
                    return;
                }
                Err(error) => Err(error),
            },
            request_response::Message::Response { response, .. } => {
                owner::owner_of(&response, &peer.to_bytes())
            }
        };
        if let Err(error) = &said {
            console::warn_1(&format!("phemossa: {peer} on the owner protocol: {error}").into());
        }
        self.handle(Input::Owner { peer, said }, clock::now_ms());
    }

    /// Carries out what the thread walks decided (`threads.rs`), counting the faults found.
    fn carry_out_threads(&mut self, now: u64) {
        let outcomes = self
            .threads
            .carry_out(&mut self.swarm.behaviour_mut().sync_v2);
        for outcome in outcomes {
            match outcome {
                ThreadOutcome::Fault(peer, error) => self.replies_fault(peer, &error, now),
                ThreadOutcome::Replies(peer, events) => {
                    self.handle(Input::Replies { peer, events }, now)
                }
            }
        }
    }

    /// A peer broke the replies messages (§8.10): counted with its invalid input.
    fn replies_fault(&mut self, peer: PeerId, error: &phemossa_core::Error, now: u64) {
        console::info_1(&format!("phemossa: {peer} on the replies protocol: {error}").into());
        self.handle(Input::RepliesFault { peer }, now);
    }

    fn carry_out_blobs(&mut self, now: u64) {
        let outcomes = self
            .blobs
            .carry_out(&mut self.swarm.behaviour_mut().blob, &self.work);
        for Outcome::Fault(peer) in outcomes {
            self.handle(Input::BlobFault { peer }, now);
        }
    }

    /// Events were stored: every peer's next reconciliation is answered from a fresh listing
    /// (§9.4), or a catch-up right after a post would be answered from the set listed before it.
    fn store_changed(&mut self) {
        self.handle(Input::StoreChanged, clock::now_ms());
    }

    fn follows_changed(&mut self) {
        let now = clock::now_ms();
        let followed = followed_by(&self.user);
        // New topics and new pulls; and, as at the start, the work the inbox asks of strangers.
        self.handle(Input::Follows { followed }, now);
        let bits = self.user.keep_out().borrow().stranger_work_bits;
        self.handle(Input::StrangerWork { bits }, now);
    }

    /// Tells the node's machine what happened, and carries out what it asks.
    fn handle(&mut self, input: Input<PeerId, ConnectionId, Channel>, now: u64) {
        if !matches!(input, Input::Tick) {
            // What the pages see may have changed; pushes are throttled.
            self.changed = true;
        }
        self.node.handle(input, now);
        while let Some(action) = self.node.poll_action() {
            self.carry_out(action, now);
        }
    }

    fn on_tick(&mut self) {
        let now = clock::now_ms();
        self.tend_relays(now);
        // Resends, deadlines, the identify wait, batched writes, stalled pulls, retries,
        // gossip batches, direct attempts, redundant relayed connections, lapsed bans and
        // records to save: whatever of these is due.
        self.handle(Input::Tick, now);
        // Dial addresses only for peers the table still knows (it forgets past 1,000), so a
        // flood of rendezvous registrations cannot grow this map without bound.
        if self.dial_via.len() > MAX_KNOWN_PEERS {
            let known = &self.node.peers.by_id;
            self.dial_via.retain(|peer, _| known.contains_key(peer));
        }
        self.tend_paths(now);
        if self.changed && now.saturating_sub(self.pushed_at) >= PUSH_EVERY_MS {
            self.push_status(now);
        }
    }

    /// Builds the status, keeps it for `get_network`, and pushes it to subscribed pages.
    fn push_status(&mut self, now: u64) {
        self.changed = false;
        self.pushed_at = now;
        let mut status = status::build(
            &self.local_peer_id.to_string(),
            &self.relays,
            &self.node.peers,
            now,
        );
        status.storage_problem = self.storage_problem.clone();
        status.held_for_work = self.node.held_back_for_work();
        *self.status.borrow_mut() = status.clone();
        self.subscribers.push(Push::Network(status));
    }

    /// Carries out what the relay slots ask for at `now` (`phemossa_node::relay_slots`):
    /// asks for slots, stops asks given up, registers in rendezvous and looks peers up.
    fn tend_relays(&mut self, now: u64) {
        let user = &self.user;
        let actions = self.relays.slots.tick(now, |round| {
            author_namespaces(&user.public_key(), &followed_by(user), round)
        });
        for action in actions {
            match action {
                RelayAction::Listen { relay } => {
                    let Some(addr) = self.relays.get(relay).map(|r| r.circuit_addr()) else {
                        continue;
                    };
                    match self.swarm.listen_on(addr) {
                        Ok(listener) => self.relays.slots.listening(relay, listener, now),
                        Err(error) => self.relays.slots.listen_failed(
                            relay,
                            format!("cannot listen through it: {error}"),
                            now,
                        ),
                    }
                    self.changed = true;
                }
                RelayAction::StopListening { listener } => {
                    self.swarm.remove_listener(listener);
                    self.changed = true;
                }
                RelayAction::Register {
                    relay,
                    namespaces,
                    ttl_s,
                } => {
                    let Some(relay_id) = self.relays.get(relay).map(|r| r.peer_id) else {
                        continue;
                    };
                    for namespace in namespaces {
                        let Ok(namespace) = rendezvous::Namespace::new(namespace) else {
                            continue;
                        };
                        if let Err(error) = self.swarm.behaviour_mut().rendezvous.register(
                            namespace,
                            relay_id,
                            Some(ttl_s),
                        ) {
                            console::warn_1(
                                &format!("phemossa: rendezvous registration: {error}").into(),
                            );
                            self.relays.slots.register_not_sent(relay);
                            break;
                        }
                    }
                }
                RelayAction::Discover { relay, namespaces } => {
                    let Some(relay_id) = self.relays.get(relay).map(|r| r.peer_id) else {
                        continue;
                    };
                    for namespace in namespaces {
                        if let Ok(namespace) = rendezvous::Namespace::new(namespace) {
                            self.swarm.behaviour_mut().rendezvous.discover(
                                Some(namespace),
                                None,
                                None,
                                relay_id,
                            );
                        }
                    }
                }
            }
        }
    }

    fn is_relay(&self, peer_id: &PeerId) -> bool {
        self.relays.is_relay(peer_id)
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<NodeEvent>) {
        let now = clock::now_ms();
        match event {
            SwarmEvent::Behaviour(NodeEvent::Relay(event)) => self.on_relay(event),
            SwarmEvent::Behaviour(NodeEvent::Rendezvous(event)) => self.on_rendezvous(event),
            SwarmEvent::Behaviour(NodeEvent::Gossipsub(event)) => self.on_gossip(event),
            SwarmEvent::Behaviour(NodeEvent::Sync(event)) => self.on_sync(event, Version::V1),
            SwarmEvent::Behaviour(NodeEvent::SyncV2(event)) => self.on_sync(event, Version::V2),
            SwarmEvent::Behaviour(NodeEvent::Identify(event)) => self.on_identify(event),
            SwarmEvent::Behaviour(NodeEvent::Blob(event)) => self.on_blob(event),
            SwarmEvent::Behaviour(NodeEvent::Owner(event)) => self.on_owner(event),
            SwarmEvent::Behaviour(NodeEvent::Ping(_)) => {}
            SwarmEvent::Behaviour(NodeEvent::Webrtc(webrtc_b2b::Event::SignalingFault {
                peer,
                error,
            })) => {
                // Malformed or out-of-order signaling: the attempt is over and nothing else
                // is affected; it counts with the peer's other invalid input.
                console::warn_1(
                    &format!("phemossa: {peer} broke direct signaling: {error}").into(),
                );
                self.handle(Input::SignalingFault { peer }, now);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => {
                if self.is_relay(&peer_id) {
                    return;
                }
                let opened = Input::Opened {
                    peer: peer_id,
                    connection: connection_id,
                    kind: kind_of(&endpoint),
                    dialer: endpoint.is_dialer(),
                    address: address_of(&endpoint, peer_id).to_string(),
                };
                self.handle(opened, now);
                // Pictures no peer had are asked of the newcomer.
                let peers = self.blob_peers();
                self.blobs.connected(&peers);
                self.carry_out_blobs(now);
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                ..
            } => {
                if self.is_relay(&peer_id) {
                    if num_established == 0 {
                        self.relay_lost(peer_id, "the connection to the relay closed", now);
                    }
                    return;
                }
                if num_established == 0 {
                    self.threads.disconnected(&peer_id);
                }
                let closed = Input::Closed {
                    peer: peer_id,
                    connection: connection_id,
                    remaining: num_established as usize,
                };
                self.handle(closed, now);
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                reason,
                ..
            } => {
                let why = match reason {
                    Ok(()) => "the relay closed the slot".to_owned(),
                    Err(error) => format!("the slot was lost: {error}"),
                };
                if self.relays.slots.listener_closed(&listener_id, why, now) {
                    self.changed = true;
                }
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer_id),
                connection_id,
                error,
            } => {
                if self.is_relay(&peer_id) {
                    self.relay_lost(peer_id, &format!("cannot reach the relay: {error}"), now);
                    return;
                }
                // A direct attempt of ours (the relayed connection stays, and it is retried
                // after a backoff) or an ordinary dial: the machine tells them apart.
                console::info_1(&format!("phemossa: no connection to {peer_id}: {error}").into());
                let failed = Input::OutgoingFailed {
                    peer: peer_id,
                    connection: connection_id,
                    error: error.to_string(),
                };
                self.handle(failed, now);
            }
            SwarmEvent::IncomingConnection { send_back_addr, .. } => {
                if let Some(peer) = webrtc_peer(&send_back_addr) {
                    self.handle(Input::PeerDialsDirect { peer }, now);
                }
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error,
                ..
            } => {
                if let Some(peer) = webrtc_peer(&send_back_addr) {
                    console::info_1(
                        &format!("phemossa: no direct connection from {peer}: {error}").into(),
                    );
                    let error = error.to_string();
                    self.handle(Input::PeerDirectFailed { peer, error }, now);
                }
            }
            _ => {}
        }
    }

    /// Starts a direct connection attempt to `peer_id`, signaled over the relayed connection,
    /// as the machine asked, and tells it how that went.
    fn start_direct(&mut self, peer_id: PeerId, now: u64) {
        let Some(address) = self.swarm.behaviour().webrtc.direct_address(&peer_id) else {
            return;
        };
        // `Always`: the default condition refuses to dial a peer that is already connected,
        // and this peer is, through the relay.
        let dial = DialOpts::peer_id(peer_id)
            .addresses(vec![address])
            .condition(PeerCondition::Always)
            .build();
        let connection = dial.connection_id();
        let result = self
            .swarm
            .dial(dial)
            .map(|()| connection)
            .map_err(|error| error.to_string());
        self.handle(
            Input::DirectDialed {
                peer: peer_id,
                result,
            },
            now,
        );
    }

    /// Reads the path of each direct connection every few seconds, and takes the readings
    /// that have arrived since the last tick.
    fn tend_paths(&mut self, now: u64) {
        for (peer_id, path) in self.paths.borrow_mut().drain(..) {
            if let Some(peer) = self.node.peers.get_mut(&peer_id) {
                if peer.links.has_direct() && peer.path != path {
                    peer.path = path;
                    self.changed = true;
                }
            }
        }
        if now.saturating_sub(self.paths_read_at) < READ_PATHS_EVERY_MS {
            return;
        }
        self.paths_read_at = now;
        for (peer_id, peer) in &self.node.peers.by_id {
            if !peer.links.has_direct() {
                continue;
            }
            let Some(reading) = self.swarm.behaviour().webrtc.path(peer_id) else {
                continue;
            };
            let (peer_id, paths) = (*peer_id, Rc::clone(&self.paths));
            wasm_bindgen_futures::spawn_local(async move {
                let path = reading.await.and_then(path_info);
                paths.borrow_mut().push((peer_id, path));
            });
        }
    }

    /// The relay `peer_id` went away: drop its slot and retry after a backoff.
    fn relay_lost(&mut self, peer_id: PeerId, reason: &str, now: u64) {
        for relay in self.relays.indices_of(&peer_id) {
            if let Some(listener) = self.relays.slots.lost(relay, reason.to_owned(), now) {
                self.swarm.remove_listener(listener);
            }
            self.changed = true;
        }
    }

    fn on_relay(&mut self, event: relay::client::Event) {
        if let relay::client::Event::ReservationReqAccepted { relay_peer_id, .. } = event {
            for relay in self.relays.indices_of(&relay_peer_id) {
                self.relays.slots.reserved(relay);
            }
            self.changed = true;
            self.on_tick();
        }
    }

    fn on_rendezvous(&mut self, event: rendezvous::client::Event) {
        match event {
            rendezvous::client::Event::Discovered {
                registrations,
                rendezvous_node,
                ..
            } => {
                // Peers registered at a relay are reached through our own connection to that
                // relay (by the bootstrap address we hold a slot on), not through whichever of
                // its transports their record lists: one connection to the relay serves all.
                let Some(via) = self.relays.circuit_of(&rendezvous_node) else {
                    return;
                };
                let now = clock::now_ms();
                for registration in registrations {
                    let peer = registration.record.peer_id();
                    if peer == self.local_peer_id || self.is_relay(&peer) {
                        continue;
                    }
                    self.dial_via
                        .insert(peer, via.clone().with(Protocol::P2p(peer)));
                    let follows_ours = is_author_namespace(&registration.namespace.to_string());
                    self.handle(Input::Discovered { peer, follows_ours }, now);
                }
            }
            rendezvous::client::Event::RegisterFailed { error, .. } => {
                console::warn_1(
                    &format!("phemossa: rendezvous refused registration: {error:?}").into(),
                );
                self.relays.slots.registration_refused(clock::now_ms());
            }
            _ => {}
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source,
            message_id,
            message,
        } = event
        else {
            return;
        };
        let input = Input::Gossip {
            from: propagation_source,
            message_id: message_id.0,
            topic: message.topic.to_string(),
            data: message.data,
        };
        self.handle(input, clock::now_ms());
        self.changed = true;
    }

    /// Tells gossipsub whether to forward a message held for validation.
    fn report_gossip(&mut self, message_id: Vec<u8>, source: &PeerId, verdict: Acceptance) {
        let acceptance = match verdict {
            Acceptance::Accept => gossipsub::MessageAcceptance::Accept,
            Acceptance::Ignore => gossipsub::MessageAcceptance::Ignore,
            Acceptance::Reject => gossipsub::MessageAcceptance::Reject,
        };
        // False once gossipsub dropped the message from its cache: nothing is left to forward.
        let _ = self
            .swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&MessageId(message_id), source, acceptance);
    }

    fn on_identify(&mut self, event: identify::Event) {
        let identify::Event::Received {
            peer_id,
            info,
            connection_id,
        } = event
        else {
            return;
        };
        if self.is_relay(&peer_id) {
            return;
        }
        let speaks = |protocol: &str| info.protocols.iter().any(|p| p.as_ref() == protocol);
        self.threads.identified(peer_id, speaks(REPLIES_PROTOCOL));
        let identified = Input::Identified {
            peer: peer_id,
            connection: connection_id,
            speaks_v2: speaks(SYNC_V2_PROTOCOL),
            signaling: speaks(webrtc_b2b::signal::PROTOCOL),
            owner: speaks(OWNER_PROTOCOL),
            replies: speaks(REPLIES_PROTOCOL),
        };
        self.handle(identified, clock::now_ms());
    }

    fn on_sync(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>, version: Version) {
        let now = clock::now_ms();
        // A thread's replies travel on v2's streams (§8.10): what is theirs goes to the walks.
        let event = if version == Version::V2 {
            let verified = self.work.ingest.verified();
            match self.threads.on_event(event, &self.work, verified, now) {
                Routed::Other(event) => event,
                Routed::CatchUp(peer, answer) => {
                    return self.handle(Input::InboxAnswer { peer, answer }, now);
                }
                Routed::Taken(fault) => {
                    if let Some((peer, error)) = fault {
                        self.replies_fault(peer, &error, now);
                    }
                    self.carry_out_threads(now);
                    return;
                }
            }
        } else {
            event
        };
        let request_response::Event::Message { peer, message, .. } = event else {
            return;
        };
        let input = match message {
            request_response::Message::Request {
                request, channel, ..
            } => Input::Request {
                peer,
                version,
                bytes: request,
                channel,
            },
            request_response::Message::Response { response, .. } => {
                return self.check_then_handle(peer, version, response);
            }
        };
        self.handle(input, now);
    }

    /// Hands a sync response to the machine once the worker pool has checked the signatures of
    /// the events it carries, keeping the order responses arrived in. The machine validates
    /// everything again (the pool only fills the memory of checked signatures), so a response
    /// is judged as it would be without the pool, only with less work on this thread. Only an
    /// event-response is decoded here (a look at its first two bytes tells it).
    fn check_then_handle(&mut self, peer: PeerId, version: Version, bytes: Vec<u8>) {
        let events = if is_event_response(&bytes) {
            match Message::decode(&bytes) {
                Ok(Message::EventResponse { events, .. }) => events,
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let input = Input::Response {
            peer,
            version,
            bytes,
        };
        if events.len() < crate::verify_pool::MIN_POOLED && self.checking.is_empty() {
            return self.handle(input, clock::now_ms());
        }
        let number = self.checking.push(input);
        self.work.check_signatures(number, events);
    }

    /// The responses now checked, in the order they arrived, go to the machine.
    fn on_checked(&mut self, number: u64) {
        for input in self.checking.finished(number) {
            self.handle(input, clock::now_ms());
        }
    }

    fn on_done(&mut self, done: Done) {
        let now = clock::now_ms();
        let (asker, query, answer) = match done {
            Done::Ids {
                peer,
                query,
                result,
            } => (
                peer,
                query,
                result.map(|(page, more)| StoreAnswer::Ids { page, more }),
            ),
            Done::Missing {
                peer,
                query,
                result,
            } => (peer, query, result.map(StoreAnswer::Missing)),
            Done::Loaded {
                peer,
                query,
                result,
            } => (peer, query, result.map(StoreAnswer::Loaded)),
            Done::Stored { .. } | Done::StoreFailed { .. } => return self.on_stored(done),
            Done::BlobAnswer { channel, bytes } => {
                // Fails only if the peer gave up on the request; it asks again.
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .blob
                    .send_response(channel, bytes);
                return;
            }
            Done::Asked {
                peer,
                channel,
                bytes,
            } => {
                self.threads.served(&peer);
                // Unanswered when the store failed: the stream closes with the channel. A send
                // fails only if the peer gave up on the request.
                if let Some(bytes) = bytes {
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .sync_v2
                        .send_response(channel, bytes);
                }
                return;
            }
            Done::BlobStored { hash } => {
                self.subscribers.push(Push::BlobStored(hash));
                return;
            }
            Done::Checked(number) => return self.on_checked(number),
        };
        let answer = answer.map_err(|error| {
            log_store_error(&error);
            error.to_string()
        });
        self.handle(
            Input::StoreAnswer {
                asker,
                query,
                answer,
            },
            now,
        );
    }

    /// Events from a peer are stored, or storing them failed; a gossip message they came in
    /// gets its verdict now.
    fn on_stored(&mut self, done: Done) {
        let now = clock::now_ms();
        let (peer_id, result, gossiped) = match done {
            Done::Stored {
                peer,
                stored,
                gossiped,
                pictures,
            } => {
                self.storage_problem = None;
                let peers = self.blob_peers();
                for (hash, kind) in pictures {
                    self.blobs.want(hash, kind, Some(peer), &peers);
                }
                self.carry_out_blobs(now);
                (peer, Ok(stored), gossiped)
            }
            Done::StoreFailed {
                peer,
                problem,
                gossiped,
            } => {
                // The events are not lost to the network: the node pulls them from the peer
                // again after the retry wait.
                self.storage_problem = Some(problem.clone());
                (peer, Err(problem), gossiped)
            }
            _ => return,
        };
        self.changed = true;
        // The machine counts them, owes a pull for a failed write, and gives a gossip
        // message its verdict now.
        let input = Input::Stored {
            peer: peer_id,
            result,
            gossiped,
        };
        self.handle(input, now);
    }

    /// Does what the node's machine decided (`phemossa_node::state`): the swarm and the
    /// store hear of it here, and nothing is decided.
    fn carry_out(&mut self, action: Action<PeerId, ConnectionId, Channel>, now: u64) {
        match action {
            Action::Sync(action) => self.carry_out_sync(action, now),
            Action::Close(connection) => {
                self.swarm.close_connection(connection);
            }
            Action::Dial { peer } => {
                let Some(address) = self.dial_via.get(&peer).cloned() else {
                    return;
                };
                let dial = DialOpts::peer_id(peer).addresses(vec![address]).build();
                if let Err(error) = self.swarm.dial(dial) {
                    console::info_1(&format!("phemossa: dialing {peer}: {error}").into());
                }
            }
            Action::DialDirect { peer } => self.start_direct(peer, now),
            Action::AskOwner { peer } => {
                let request = OwnerMessage::Request.encode();
                self.swarm
                    .behaviour_mut()
                    .owner
                    .send_request(&peer, request);
            }
            Action::AskInbox { peer, bytes } => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .sync_v2
                    .send_request(&peer, bytes);
                self.threads.catching_up(id, peer);
            }
            Action::Save { peer } => {
                if let Some(record) = self.node.peers.by_id.get(&peer).map(|p| p.record(&peer)) {
                    self.work.save_peer(record);
                }
            }
            Action::CatchingUp { peer } => console::info_1(
                &format!("phemossa: a connection to {peer} closed, another stays: catching up")
                    .into(),
            ),
            Action::Unbanned { peer } => {
                let behaviour = self.swarm.behaviour_mut();
                behaviour.blocked.unblock_peer(peer);
                behaviour.gossipsub.remove_blacklisted_peer(&peer);
            }
            Action::Gossip(action) => {
                gossip::carry_out(&mut self.swarm.behaviour_mut().gossipsub, action)
            }
            Action::Verdict {
                message_id,
                source,
                acceptance,
            } => self.report_gossip(message_id, &source, acceptance),
            Action::StoreGossiped {
                peer,
                events,
                gossiped,
            } => self.work.store(peer, events, gossiped),
        }
    }

    fn carry_out_sync(&mut self, action: SyncAction<PeerId, Channel>, now: u64) {
        match action {
            SyncAction::Request {
                peer,
                version,
                bytes,
            } => {
                self.behaviour(version).send_request(&peer, bytes);
            }
            SyncAction::Respond {
                version,
                channel,
                bytes,
            } => {
                // Fails only if the peer gave up on the request; it asks again.
                let _ = self.behaviour(version).send_response(channel, bytes);
            }
            SyncAction::ListIds {
                asker,
                query,
                scope,
                after,
                limit,
            } => self.work.list_ids(asker, query, scope, after, limit),
            SyncAction::FindMissing { asker, query, ids } => {
                self.work.find_missing(asker, query, ids)
            }
            SyncAction::LoadEvents { asker, query, ids } => {
                self.work.load_events(asker, query, ids)
            }
            // The machine's seen-cache took it; nothing for the swarm.
            SyncAction::Validated(_) => {}
            SyncAction::Store { peer, events } => self.work.store(peer, events, None),
            // Shown at once, past the push throttle: a pull of a few differences can start
            // and end between two throttled pushes, and the person would never see it run.
            SyncAction::PullStarted { .. } => self.push_status(now),
            SyncAction::Progressed { .. } => self.changed = true,
            SyncAction::PullFinished { peer, result } => {
                match &result {
                    Err(error) => console::info_1(
                        &format!("phemossa: sync with {peer} ended: {error}").into(),
                    ),
                    Ok(done) => console::debug_1(
                        &format!(
                            "phemossa: sync with {peer} finished: {} listed, {} missing, {} received",
                            done.listed, done.missing, done.received
                        )
                        .into(),
                    ),
                }
                self.changed = true;
            }
            SyncAction::Misbehaved { peer, fault } => {
                let error = fault.error();
                console::info_1(&format!("phemossa: dropped input from {peer}: {error}").into());
                self.changed = true;
            }
            SyncAction::Banned { peer } => self.banned(peer),
        }
    }

    fn behaviour(
        &mut self,
        version: Version,
    ) -> &mut request_response::Behaviour<phemossa_net::SyncCodec> {
        match version {
            Version::V1 => &mut self.swarm.behaviour_mut().sync,
            Version::V2 => &mut self.swarm.behaviour_mut().sync_v2,
        }
    }

    /// `peer_id` was just banned (`phemossa_node::limits::BAN_MS`, kept across restarts with
    /// its record): disconnect it and refuse it. The node's machine freed its pull slot.
    fn banned(&mut self, peer_id: PeerId) {
        console::warn_1(
            &format!("phemossa: disconnecting {peer_id}: too much invalid input").into(),
        );
        let behaviour = self.swarm.behaviour_mut();
        behaviour.gossipsub.blacklist_peer(&peer_id);
        // Closes its connections and refuses new ones before they are set up.
        behaviour.blocked.block_peer(peer_id);
        self.changed = true;
    }
}

/// What the node's machine is told of the network settings.
fn node_settings(settings: &NetworkSettings) -> Input<PeerId, ConnectionId, Channel> {
    Input::Settings {
        max_peers: settings.max_peers,
        direct: settings.direct != DirectConnections::Off,
    }
}

/// Everyone `user` follows.
fn followed_by(user: &User) -> Vec<phemossa_core::PublicKey> {
    user.following().into_iter().map(|f| f.public_key).collect()
}

/// Where the peer is: the address dialed, or for an inbound circuit the relay's circuit
/// address it came through (the remote address of a relayed inbound connection names only the
/// peer).
fn address_of(endpoint: &ConnectedPoint, peer_id: PeerId) -> libp2p::Multiaddr {
    match endpoint {
        ConnectedPoint::Dialer { address, .. } => address.clone(),
        ConnectedPoint::Listener { local_addr, .. } if is_circuit(local_addr) => local_addr
            .iter()
            .take_while(|p| *p != Protocol::P2pCircuit)
            .collect::<libp2p::Multiaddr>()
            .with(Protocol::P2pCircuit)
            .with(Protocol::P2p(peer_id)),
        ConnectedPoint::Listener { send_back_addr, .. } => send_back_addr.clone(),
    }
}

fn is_circuit(addr: &libp2p::Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::P2pCircuit)
}

fn kind_of(endpoint: &ConnectedPoint) -> ConnectionKind {
    let direct = match endpoint {
        ConnectedPoint::Dialer { address, .. } => is_direct(address),
        ConnectedPoint::Listener {
            local_addr,
            send_back_addr,
        } => is_direct(local_addr) || is_direct(send_back_addr),
    };
    if direct {
        ConnectionKind::Direct
    } else {
        ConnectionKind::Relayed
    }
}

/// Gives direct connection attempts started from now on the settings' ICE servers and
/// timeout; connections already up are kept.
fn configure_direct(swarm: &mut Swarm<Node>, settings: &NetworkSettings) {
    let webrtc = &mut swarm.behaviour_mut().webrtc;
    webrtc.set_ice_servers(ice_servers(settings));
    webrtc.set_attempt_timeout_ms(u64::from(settings.direct_timeout_s) * 1000);
    webrtc.set_relay_only(settings.direct == DirectConnections::TurnOnly);
    webrtc.set_enabled(settings.direct != DirectConnections::Off);
}

/// The network settings' STUN and TURN servers as ICE servers.
fn ice_servers(settings: &NetworkSettings) -> Vec<webrtc_b2b::IceServer> {
    let stun = settings.stun.iter().map(|url| webrtc_b2b::IceServer {
        urls: vec![url.clone()],
        username: None,
        credential: None,
    });
    let turn = settings.turn.iter().map(|server| webrtc_b2b::IceServer {
        urls: vec![server.url.clone()],
        username: Some(server.username.clone()),
        credential: Some(server.credential.clone()),
    });
    stun.chain(turn).collect()
}

/// The API's form of a path; `None` if the browser named a candidate type it should not.
fn path_info(path: webrtc_b2b::PathInfo) -> Option<PathInfo> {
    Some(PathInfo {
        local_type: CandidateType::from_stats(&path.local_type)?,
        remote_type: CandidateType::from_stats(&path.remote_type)?,
        remote_address: path.remote_address,
        protocol: path.protocol,
        rtt_ms: path.rtt_ms,
    })
}

fn log_store_error(error: &crate::error::BackgroundError) {
    console::error_1(&format!("phemossa: a store query for a sync failed: {error}").into());
}
