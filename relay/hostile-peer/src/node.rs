//! The libp2p side: reach the relay over its address, reserve a circuit slot, register and
//! discover in rendezvous, dial victims through the relay, and misbehave on the sync protocol
//! and on the victim author's gossip topic until the victims hang up. Speaks exactly the
//! browser node's wire contract (see docs/protocol.md §8); only the content, or the timing
//! (`--silent`, `--slow-drip`), or the repetition (`--replay`) is bad.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use libp2p::{
    futures::StreamExt,
    gossipsub, identify,
    identity::Keypair,
    multiaddr::Protocol,
    noise, ping, relay, rendezvous, request_response,
    swarm::{
        dial_opts::{DialOpts, PeerCondition},
        ConnectionError, NetworkBehaviour, SwarmEvent,
    },
    tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder,
};
use phemossa_gossip::{author_topic, topic_author};
use phemossa_net::{SyncCodec, PROTOCOL_VERSION};
use phemossa_sync::SYNC_PROTOCOL;
use serde_json::json;

use crate::{
    cli::{Config, Mode},
    error::Error,
    forge::{malformed_request, BadSignaling, ForgedKind, Forger, MalformedKind},
    replay::Replay,
    report::Report,
    responder::{Answered, Responder},
    stall::{self, Drip, MAX_HELD_PER_PEER},
};

/// The rendezvous namespace browsers register and discover under.
pub const RENDEZVOUS_NAMESPACE: &str = "phemossa";
/// Registration TTL: the relay's minimum, so this peer drops out of discovery soon after it stops.
pub const RENDEZVOUS_TTL_SECS: u64 = 60;
/// The browser-to-browser WebRTC signaling protocol (libp2p/specs `webrtc/webrtc.md`).
const SIGNALING_PROTOCOL: &str = "/webrtc-signaling/0.0.1";
/// Connections stay open until the victim closes them: this peer never idles one out first.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3600);
/// After losing the relay, wait this long before reserving again.
const RELAY_RETRY: Duration = Duration::from_secs(2);
/// How long a sync stream stays open on this side without an answer, by default: libp2p's
/// request timeout as the browser sets it (§8.4, 180 s).
const SYNC_STREAM_TIMEOUT: Duration =
    Duration::from_millis(phemossa_sync::limits::STREAM_TIMEOUT_MS);
/// In `--silent` and `--slow-drip`: long past the browser's 180 s, so that it is always the
/// victim that gives up on a held request. On its own timeout libp2p would close the stream
/// with nothing written, which a requester reads as an empty (malformed) answer: a reply, not
/// silence.
const HELD_STREAM_TIMEOUT: Duration = Duration::from_secs(600);
/// How often held requests are looked at: answered when due (`--slow-drip`), forgotten once
/// the victim gave up on them.
const HELD_CHECK: Duration = Duration::from_millis(100);

#[derive(NetworkBehaviour)]
struct Behaviour {
    relay: relay::client::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    rendezvous: rendezvous::client::Behaviour,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
    /// Opens `/webrtc-signaling/0.0.1` streams and writes broken signaling into them. The raw
    /// codec writes the bytes as they are and closes; the victim is to reset the stream.
    signaling: request_response::Behaviour<SyncCodec>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Request-response with raw bytes both ways on `protocol`, giving up on an answer after
/// `timeout_secs`.
fn raw_bytes(
    protocol: &'static str,
    support: request_response::ProtocolSupport,
    timeout: Duration,
) -> request_response::Behaviour<SyncCodec> {
    request_response::Behaviour::with_codec(
        SyncCodec,
        [(StreamProtocol::new(protocol), support)],
        request_response::Config::default().with_request_timeout(timeout),
    )
}

// Starts like the relay's `build_swarm` (tokio, TCP with noise and yamux): libp2p's builder
// takes its transports one call at a time, and the two nodes part ways from the next call on.
/// `sync_timeout`: how long a sync stream, either way, may wait for its answer.
async fn build_swarm(key: Keypair, sync_timeout: Duration) -> Result<Swarm<Behaviour>, Error> {
    let failed = |what: &str, e: &dyn std::fmt::Display| Error::Build(format!("{what}: {e}"));
    let swarm = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| failed("tcp", &e))?
        .with_dns()
        .map_err(|e| failed("dns", &e))?
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(|e| failed("websocket", &e))?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(|e| failed("relay client", &e))?
        .with_behaviour(|key, relay| -> Result<Behaviour, BoxError> {
            Ok(Behaviour {
                relay,
                identify: identify::Behaviour::new(
                    identify::Config::new(PROTOCOL_VERSION.into(), key.public())
                        .with_agent_version(
                            concat!("phemossa-hostile-peer/", env!("CARGO_PKG_VERSION")).into(),
                        ),
                ),
                ping: ping::Behaviour::new(ping::Config::new()),
                rendezvous: rendezvous::client::Behaviour::new(key.clone()),
                gossipsub: phemossa_net::gossipsub(key)?,
                sync: raw_bytes(
                    SYNC_PROTOCOL,
                    request_response::ProtocolSupport::Full,
                    sync_timeout,
                ),
                signaling: raw_bytes(
                    SIGNALING_PROTOCOL,
                    request_response::ProtocolSupport::Outbound,
                    Duration::from_secs(10),
                ),
            })
        })
        .map_err(|e| failed("behaviour", &e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok(swarm)
}

/// What this peer knows about one other peer (never the relay).
#[derive(Debug, Default)]
struct PeerState {
    /// Connections open now.
    connections: u32,
    /// Whether this is a peer to misbehave towards (`--target`, or every peer without it).
    victim: bool,
    /// Per connection round: malformed requests sent, forged gossip messages sent to it.
    malformed_sent: u32,
    gossip_sent: u32,
    signaling_sent: u32,
    /// Subscribed to the victim author's topic.
    subscribed: bool,
    /// The forged store it is shown when it pulls, made on its first sync-request.
    responder: Option<Responder>,
    /// Times it closed every connection to this peer.
    closed_by_peer: u32,
    /// Dial in progress.
    dialing: bool,
    /// Every gossip topic it subscribes to (`--replay` publishes on these).
    topics: HashSet<gossipsub::TopicHash>,
    /// Sync requests this peer took from it, per connection round (`--silent`, `--slow-drip`).
    requests_seen: u64,
}

/// A victim's sync request this peer holds (`--silent`, `--slow-drip`).
struct Held {
    peer: PeerId,
    channel: request_response::ResponseChannel<Vec<u8>>,
    kind: &'static str,
    arrived: tokio::time::Instant,
    /// `--slow-drip`: what to answer, and when.
    drip: Option<(tokio::time::Instant, Drip)>,
    /// The peer's how-manieth request this was.
    n: u64,
}

/// The hostile peer, running.
struct Node<'r, R: Report> {
    swarm: Swarm<Behaviour>,
    config: Config,
    report: &'r mut R,
    forger: Forger,
    topic: gossipsub::IdentTopic,
    namespace: rendezvous::Namespace,
    peers: HashMap<PeerId, PeerState>,
    /// The relayed address the relay confirmed (reservation accepted); None while there is none.
    reserved: Option<Multiaddr>,
    registered: bool,
    /// When to try reserving again after losing the relay.
    relay_retry: Option<tokio::time::Instant>,
    /// Requests held unanswered, oldest first (`--silent`, `--slow-drip`).
    held: Vec<Held>,
    /// `--replay`: the events captured and the pull that captures them.
    replay: Replay,
    /// `--replay`: the capture pull's request in flight, and to whom.
    capture: Option<(request_response::OutboundRequestId, PeerId)>,
}

/// Milliseconds since the Unix epoch, as the victim's clock will roughly agree.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Runs the hostile peer until `shutdown` resolves (then `Ok`), reporting to `report`.
/// Fails only if it cannot start.
pub async fn run<R: Report>(
    config: Config,
    shutdown: impl Future<Output = ()>,
    report: &mut R,
) -> Result<(), Error> {
    let key = Keypair::generate_ed25519();
    let peer_id = key.public().to_peer_id();
    let forger = Forger::new(rand::random(), config.victim_author);
    let sync_timeout = match config.mode {
        Mode::Silent | Mode::SlowDrip { .. } => HELD_STREAM_TIMEOUT,
        Mode::Forge | Mode::Replay { .. } => SYNC_STREAM_TIMEOUT,
    };
    let swarm = build_swarm(key, sync_timeout).await?;
    let topic = gossipsub::IdentTopic::new(author_topic(&config.victim_author));
    report.report(json!({
        "peer_id": peer_id.to_string(),
        "relay": config.relay.to_string(),
        "topic": topic.to_string(),
        "victim_author": config.victim_author.to_base64(),
    }));
    let mut node = Node {
        swarm,
        config,
        report,
        forger,
        topic,
        namespace: rendezvous::Namespace::from_static(RENDEZVOUS_NAMESPACE),
        peers: HashMap::new(),
        reserved: None,
        registered: false,
        relay_retry: None,
        held: Vec::new(),
        replay: Replay::new(),
        capture: None,
    };
    node.swarm
        .behaviour_mut()
        .gossipsub
        .subscribe(&node.topic)
        .map_err(|e| Error::Build(format!("gossipsub subscribe: {e}")))?;
    node.reserve()?;

    let mut tick = tokio::time::interval(node.config.interval);
    let mut discover = tokio::time::interval(node.config.discover_interval);
    let mut renew = tokio::time::interval(Duration::from_secs(RENDEZVOUS_TTL_SECS / 2));
    let mut held_check = tokio::time::interval(HELD_CHECK);
    let (replaying, replay_every) = match node.config.mode {
        Mode::Replay { interval } => (true, interval),
        _ => (false, Duration::from_secs(3600)),
    };
    let mut replay_tick = tokio::time::interval(replay_every);
    let stalling = matches!(node.config.mode, Mode::Silent | Mode::SlowDrip { .. });
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            event = node.swarm.select_next_some() => node.on_event(event),
            _ = tick.tick() => node.misbehave(),
            _ = discover.tick() => node.discover(),
            _ = renew.tick() => node.register(),
            _ = held_check.tick(), if stalling => node.check_held(),
            _ = replay_tick.tick(), if replaying => node.replay_round(),
        }
        if node
            .relay_retry
            .is_some_and(|at| tokio::time::Instant::now() >= at)
        {
            node.relay_retry = None;
            node.reserve()?;
        }
    }
}

fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

impl<R: Report> Node<'_, R> {
    fn circuit_to_relay(&self) -> Multiaddr {
        self.config.relay.clone().with(Protocol::P2pCircuit)
    }

    /// Listening on `<relay>/p2p-circuit` dials the relay and reserves a slot.
    fn reserve(&mut self) -> Result<(), Error> {
        let addr = self.circuit_to_relay();
        self.swarm
            .listen_on(addr.clone())
            .map_err(|e| Error::Listen {
                addr,
                reason: e.to_string(),
            })?;
        Ok(())
    }

    fn register(&mut self) {
        if self.reserved.is_none() {
            return;
        }
        let ttl = Some(RENDEZVOUS_TTL_SECS);
        if let Err(e) = self.swarm.behaviour_mut().rendezvous.register(
            self.namespace.clone(),
            self.config.relay_id,
            ttl,
        ) {
            self.report
                .report(json!({ "register_failed": e.to_string() }));
        }
    }

    fn discover(&mut self) {
        if !self.registered {
            return;
        }
        self.swarm.behaviour_mut().rendezvous.discover(
            Some(self.namespace.clone()),
            None,
            None,
            self.config.relay_id,
        );
    }

    fn is_victim(&self, peer: &PeerId) -> bool {
        self.config.target.is_none_or(|target| target == *peer)
    }

    fn peer(&mut self, peer: PeerId) -> &mut PeerState {
        let victim = self.is_victim(&peer);
        self.peers.entry(peer).or_insert_with(|| PeerState {
            victim,
            ..PeerState::default()
        })
    }

    fn dial(&mut self, peer: PeerId) {
        let redials = self.config.redials;
        let state = self.peer(peer);
        if state.connections > 0 || state.dialing || !state.victim {
            return;
        }
        if state.closed_by_peer > redials {
            return;
        }
        state.dialing = true;
        let redial = state.closed_by_peer > 0;
        let addr = self.circuit_to_relay().with(Protocol::P2p(peer));
        let opts = DialOpts::peer_id(peer)
            .addresses(vec![addr.clone()])
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        match self.swarm.dial(opts) {
            Ok(()) => self.report.report(json!({
                "dialing": peer.to_string(), "addr": addr.to_string(), "redial": redial,
            })),
            Err(e) => {
                self.peer(peer).dialing = false;
                self.report
                    .report(json!({ "dial_failed": peer.to_string(), "error": e.to_string() }));
            }
        }
    }

    /// One round of misbehaviour: a malformed request to each connected victim that has not
    /// had its share, and one forged gossip message if a victim on the topic has not had its.
    fn misbehave(&mut self) {
        let author = self.config.victim_author;
        let (max_malformed, max_gossip) = (self.config.malformed, self.config.gossip);
        let max_signaling = self.config.bad_signaling;
        let mut requests = Vec::new();
        let mut signaling = Vec::new();
        let mut gossip_to = Vec::new();
        let mut first_gossip = false;
        for (peer, state) in &mut self.peers {
            if !state.victim || state.connections == 0 {
                continue;
            }
            if state.malformed_sent < max_malformed {
                let n = u64::from(state.malformed_sent);
                state.malformed_sent += 1;
                requests.push((*peer, n));
            }
            if state.signaling_sent < max_signaling {
                let n = u64::from(state.signaling_sent);
                state.signaling_sent += 1;
                signaling.push((*peer, n));
            }
            if state.subscribed && state.gossip_sent < max_gossip {
                first_gossip |= state.gossip_sent == 0;
                gossip_to.push(*peer);
            }
        }
        for (peer, n) in requests {
            let kind = MalformedKind::cycle(n);
            let bytes = malformed_request(kind, n, author);
            let len = bytes.len();
            self.swarm.behaviour_mut().sync.send_request(&peer, bytes);
            self.report.report(json!({
                "sent": "malformed_request", "kind": kind.name(), "bytes": len,
                "peer": peer.to_string(), "n": n + 1,
            }));
        }
        for (peer, n) in signaling {
            let kind = BadSignaling::cycle(n);
            let bytes = kind.bytes();
            let len = bytes.len();
            self.swarm
                .behaviour_mut()
                .signaling
                .send_request(&peer, bytes);
            self.report.report(json!({
                "sent": "bad_signaling", "kind": kind.name(), "bytes": len,
                "peer": peer.to_string(), "n": n + 1,
            }));
        }
        if !gossip_to.is_empty() {
            self.publish_forged(first_gossip, &gossip_to);
        }
    }

    /// Publishes one forged new-event on the victim author's topic: a wrong id for a victim's
    /// first, bad signatures after.
    fn publish_forged(&mut self, first: bool, to: &[PeerId]) {
        let kind = if first {
            ForgedKind::WrongId
        } else {
            ForgedKind::BadSignature
        };
        let (data, event) = match self.forger.gossip(kind, now_ms()) {
            Ok(forged) => forged,
            Err(e) => {
                self.report.report(json!({ "forge_failed": e.to_string() }));
                return;
            }
        };
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(self.topic.clone(), data)
        {
            Ok(_) => {
                for peer in to {
                    self.peer(*peer).gossip_sent += 1;
                }
                self.report.report(json!({
                    "sent": "forged_gossip", "kind": kind.name(),
                    "id": event.claimed_id.to_hex(), "topic": self.topic.to_string(),
                    "peers": to.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                }));
            }
            Err(e) => self
                .report
                .report(json!({ "publish_failed": e.to_string(), "kind": kind.name() })),
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                self.report
                    .report(json!({ "listening": address.to_string() }));
            }
            SwarmEvent::ExternalAddrConfirmed { address } if is_relayed(&address) => {
                // The reservation stands: rendezvous registers external addresses, and this
                // relayed one is the only one this peer has.
                let first = self.reserved.is_none();
                self.reserved = Some(address.clone());
                self.report
                    .report(json!({ "reserved": address.to_string() }));
                if first {
                    self.register();
                }
            }
            SwarmEvent::ListenerClosed {
                addresses, reason, ..
            } => {
                self.reserved = None;
                self.registered = false;
                self.report.report(json!({
                    "relay_listener_closed": addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "reason": format!("{reason:?}"),
                }));
                self.relay_retry = Some(tokio::time::Instant::now() + RELAY_RETRY);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } => {
                if peer_id == self.config.relay_id {
                    self.report
                        .report(json!({ "relay_connected": peer_id.to_string() }));
                    return;
                }
                let state = self.peer(peer_id);
                state.dialing = false;
                state.connections = num_established.get();
                let victim = state.victim;
                self.report.report(json!({
                    "connected": peer_id.to_string(),
                    "addr": endpoint.get_remote_address().to_string(),
                    "dialer": endpoint.is_dialer(),
                    "victim": victim,
                }));
                if !victim {
                    // With --target, bystanders get nothing: not even a connection.
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                cause,
                ..
            } => self.on_closed(peer_id, num_established, cause),
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                if let Some(peer) = peer_id {
                    if peer != self.config.relay_id {
                        self.peer(peer).dialing = false;
                    }
                }
                self.report.report(json!({
                    "dial_failed": peer_id.map(|p| p.to_string()), "error": error.to_string(),
                }));
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour(event),
            _ => {}
        }
    }

    fn on_closed(&mut self, peer: PeerId, remaining: u32, cause: Option<ConnectionError>) {
        if peer == self.config.relay_id {
            self.report.report(json!({
                "relay_disconnected": peer.to_string(),
                "cause": cause.map(|c| c.to_string()),
            }));
            return;
        }
        self.peer(peer).connections = remaining;
        if remaining > 0 {
            return;
        }
        // Held requests die with the connection; a capture pull from it is over.
        self.held.retain(|h| h.peer != peer);
        if self.capture.is_some_and(|(_, p)| p == peer) {
            self.capture = None;
            self.replay.pull_failed();
        }
        let state = self.peer(peer);
        // A new connection starts a new round of misbehaviour.
        state.malformed_sent = 0;
        state.gossip_sent = 0;
        state.signaling_sent = 0;
        state.subscribed = false;
        state.topics.clear();
        state.responder = None;
        state.requests_seen = 0;
        let victim = state.victim;
        let line = match cause {
            // This peer never closes a connection actively (bystanders aside): an IO error is
            // the remote hanging up.
            Some(ConnectionError::IO(e)) => {
                state.closed_by_peer += 1;
                json!({ "disconnected_by": peer.to_string(), "cause": e.to_string(), "victim": victim })
            }
            Some(ConnectionError::KeepAliveTimeout) => json!({ "idle_closed": peer.to_string() }),
            None => json!({ "closed": peer.to_string(), "victim": victim }),
        };
        self.report.report(line);
    }

    fn on_behaviour(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Relay(relay::client::Event::ReservationReqAccepted {
                relay_peer_id,
                renewal: false,
                ..
            }) => {
                self.report
                    .report(json!({ "reservation_accepted": relay_peer_id.to_string() }));
            }
            BehaviourEvent::Rendezvous(event) => self.on_rendezvous(event),
            BehaviourEvent::Gossipsub(event) => self.on_gossip(event),
            BehaviourEvent::Sync(event) => self.on_sync(event),
            _ => {}
        }
    }

    fn on_rendezvous(&mut self, event: rendezvous::client::Event) {
        match event {
            rendezvous::client::Event::Registered { ttl, .. } => {
                let first = !self.registered;
                self.registered = true;
                if first {
                    self.report
                        .report(json!({ "registered": RENDEZVOUS_NAMESPACE, "ttl": ttl }));
                    self.discover();
                }
            }
            rendezvous::client::Event::RegisterFailed { error, .. } => {
                self.report
                    .report(json!({ "register_failed": format!("{error:?}") }));
            }
            rendezvous::client::Event::Discovered { registrations, .. } => {
                let me = *self.swarm.local_peer_id();
                for registration in registrations {
                    let peer = registration.record.peer_id();
                    if peer == me || peer == self.config.relay_id {
                        continue;
                    }
                    let known = self.peers.contains_key(&peer);
                    if !known {
                        self.report
                            .report(json!({ "discovered": peer.to_string() }));
                    }
                    self.dial(peer);
                }
            }
            rendezvous::client::Event::DiscoverFailed { error, .. } => {
                self.report
                    .report(json!({ "discover_failed": format!("{error:?}") }));
            }
            _ => {}
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        match event {
            gossipsub::Event::Subscribed { peer_id, topic, .. } => {
                let ours = topic == self.topic.hash();
                let replaying = matches!(self.config.mode, Mode::Replay { .. });
                let state = self.peer(peer_id);
                state.subscribed |= ours;
                state.topics.insert(topic.clone());
                if replaying && state.victim && !ours {
                    // Joining the victim's topics brings what it forwards there, to capture.
                    let hash = topic.clone();
                    if let Some(author) = topic_author(hash.as_str()) {
                        let joined = gossipsub::IdentTopic::new(author_topic(&author));
                        let _ = self.swarm.behaviour_mut().gossipsub.subscribe(&joined);
                    }
                }
                if ours || replaying {
                    self.report.report(json!({
                        "subscribed": peer_id.to_string(), "topic": topic.to_string(),
                    }));
                }
            }
            gossipsub::Event::Unsubscribed { peer_id, topic } => {
                let ours = topic == self.topic.hash();
                let state = self.peer(peer_id);
                state.topics.remove(&topic);
                if ours {
                    state.subscribed = false;
                }
            }
            gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            } => {
                if matches!(self.config.mode, Mode::Replay { .. }) {
                    let new =
                        self.replay
                            .capture_gossip(&message.data, message.topic.as_str(), now_ms());
                    if new > 0 {
                        self.report.report(json!({
                            "captured": new, "from": "gossip", "topic": message.topic.to_string(),
                            "total": self.replay.len(),
                        }));
                    }
                }
                // Held by validate_messages; ignoring it means it is never forwarded.
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        gossipsub::MessageAcceptance::Ignore,
                    );
            }
            gossipsub::Event::GossipsubNotSupported { peer_id } => {
                self.report
                    .report(json!({ "gossipsub_not_supported": peer_id.to_string() }));
            }
            _ => {}
        }
    }

    fn on_sync(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            } => {
                if !self.is_victim(&peer) {
                    // Dropping the channel leaves a bystander's request unanswered.
                    self.report
                        .report(json!({ "ignored_request_from": peer.to_string() }));
                    return;
                }
                match self.config.mode {
                    Mode::Silent => return self.hold(peer, request, channel, None),
                    Mode::SlowDrip { delay } => {
                        return self.hold(peer, request, channel, Some(delay))
                    }
                    Mode::Forge | Mode::Replay { .. } => {}
                }
                let (count, now) = (self.config.forged_events, now_ms());
                let state = self.peers.entry(peer).or_insert_with(|| PeerState {
                    victim: true,
                    ..PeerState::default()
                });
                if state.responder.is_none() {
                    match Responder::new(&mut self.forger, count, now) {
                        Ok(responder) => state.responder = Some(responder),
                        Err(e) => {
                            self.report.report(json!({ "forge_failed": e.to_string() }));
                            return;
                        }
                    }
                }
                let Some(responder) = state.responder.as_ref() else {
                    return;
                };
                let (response, answered) = responder.answer(&request);
                if self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_response(channel, response)
                    .is_err()
                {
                    self.report.report(
                        json!({ "response_dropped": peer.to_string(), "reason": "stream closed" }),
                    );
                    return;
                }
                let peer = peer.to_string();
                self.report.report(match answered {
                    Answered::SyncRequest { forged_ids } => json!({
                        "answered": "sync_request", "forged_ids": forged_ids, "peer": peer,
                    }),
                    Answered::EventRequest {
                        forged_events,
                        bad_signature,
                        wrong_id,
                    } => json!({
                        "sent": "forged_events", "count": forged_events,
                        "bad_signature": bad_signature, "wrong_id": wrong_id, "peer": peer,
                    }),
                    Answered::Other { reason } => json!({
                        "sent": "garbage_response", "because": reason, "peer": peer,
                    }),
                });
            }
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Response {
                        response,
                        request_id,
                    },
                ..
            } => {
                if self.capture.is_some_and(|(id, _)| id == request_id) {
                    self.capture = None;
                    return self.on_capture_response(peer, &response);
                }
                self.report.report(json!({
                    "response": peer.to_string(), "bytes": response.len(),
                }));
            }
            request_response::Event::OutboundFailure {
                peer,
                error,
                request_id,
                ..
            } => {
                let capture = self.capture.is_some_and(|(id, _)| id == request_id);
                if capture {
                    self.capture = None;
                    self.replay.pull_failed();
                }
                self.report.report(json!({
                    "request_failed": peer.to_string(), "error": error.to_string(),
                    "capture": capture,
                }));
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.report.report(json!({
                    "inbound_failed": peer.to_string(), "error": error.to_string(),
                }));
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// `--silent` (no `delay`) and `--slow-drip`: keep the request's channel open, to answer
    /// when the delay has passed or never. Past [`MAX_HELD_PER_PEER`] the peer's oldest is let go.
    fn hold(
        &mut self,
        peer: PeerId,
        request: Vec<u8>,
        channel: request_response::ResponseChannel<Vec<u8>>,
        delay: Option<Duration>,
    ) {
        let kind = stall::kind(&request);
        let now = tokio::time::Instant::now();
        let drip = match delay {
            None => None,
            Some(delay) => match stall::drip_answer(&request, now_ms()) {
                Some(drip) => Some((now + delay, drip)),
                None => {
                    // Nothing a request-response peer would answer: the stream closes unanswered.
                    self.report.report(json!({
                        "ignored": kind, "peer": peer.to_string(),
                    }));
                    return;
                }
            },
        };
        let state = self.peer(peer);
        state.requests_seen += 1;
        let n = state.requests_seen;
        if self.held.iter().filter(|h| h.peer == peer).count() >= MAX_HELD_PER_PEER {
            if let Some(oldest) = self.held.iter().position(|h| h.peer == peer) {
                self.held.remove(oldest);
            }
        }
        let line = match &drip {
            None => json!({ "held": kind, "peer": peer.to_string(), "n": n }),
            Some((_, _)) => json!({
                "dripping": kind, "peer": peer.to_string(), "n": n,
                "answer_in_ms": delay.map(|d| d.as_millis() as u64),
            }),
        };
        self.held.push(Held {
            peer,
            channel,
            kind,
            arrived: now,
            drip,
            n,
        });
        self.report.report(line);
    }

    /// Answers the held requests that are due (`--slow-drip`) and forgets those the victim
    /// gave up on (their stream timed out or closed).
    fn check_held(&mut self) {
        let now = tokio::time::Instant::now();
        let mut i = 0;
        while i < self.held.len() {
            let held = &self.held[i];
            let due = held.drip.as_ref().is_some_and(|(at, _)| *at <= now);
            if held.channel.is_open() && !due {
                i += 1;
                continue;
            }
            let held = self.held.remove(i);
            let peer = held.peer.to_string();
            let after_ms = now.duration_since(held.arrived).as_millis() as u64;
            if !held.channel.is_open() {
                self.report.report(json!({
                    "gave_up": held.kind, "peer": peer, "n": held.n, "after_ms": after_ms,
                }));
                continue;
            }
            let Some((_, drip)) = held.drip else {
                continue;
            };
            let sent = self
                .swarm
                .behaviour_mut()
                .sync
                .send_response(held.channel, drip.response().to_vec())
                .is_ok();
            let line = match (&drip, sent) {
                (_, false) => json!({ "response_dropped": peer, "reason": "stream closed" }),
                (Drip::EmptyPage { next, .. }, true) => json!({
                    "answered": "sync_request", "empty_page": true, "peer": peer, "n": held.n,
                    "after_ms": after_ms,
                    "next": { "timestamp": next.timestamp, "id": next.id.to_hex() },
                }),
                (Drip::NoEvents { unknown, .. }, true) => json!({
                    "answered": "event_request", "unknown": unknown, "peer": peer, "n": held.n,
                    "after_ms": after_ms,
                }),
            };
            self.report.report(line);
        }
    }

    /// `--replay`: start a capture pull from a connected victim if none runs, and publish one
    /// replayed message on each captured author's topic a connected victim is on.
    fn replay_round(&mut self) {
        let victims: Vec<(PeerId, HashSet<gossipsub::TopicHash>)> = self
            .peers
            .iter()
            .filter(|(_, s)| s.victim && s.connections > 0)
            .map(|(p, s)| (*p, s.topics.clone()))
            .collect();
        if self.capture.is_none() {
            if let Some((peer, _)) = victims.first() {
                if let Some(request) = self.replay.start_pull() {
                    let id = self.swarm.behaviour_mut().sync.send_request(peer, request);
                    self.capture = Some((id, *peer));
                }
            }
        }
        let now = now_ms();
        for author in self.replay.authors() {
            let topic = gossipsub::IdentTopic::new(author_topic(&author));
            let hash = topic.hash();
            let to: Vec<String> = victims
                .iter()
                .filter(|(_, topics)| topics.contains(&hash))
                .map(|(p, _)| p.to_string())
                .collect();
            if to.is_empty() {
                continue;
            }
            let Some(message) = self.replay.next_message(&author, now) else {
                continue;
            };
            let line = match self
                .swarm
                .behaviour_mut()
                .gossipsub
                .publish(topic.clone(), message.data)
            {
                Ok(_) => json!({
                    "sent": "replay", "author": author.to_base64(), "topic": topic.to_string(),
                    "ids": message.ids.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
                    "events": message.copies, "peers": to,
                }),
                Err(e) => json!({ "publish_failed": e.to_string(), "kind": "replay" }),
            };
            self.report.report(line);
        }
    }

    /// `--replay`: the victim answered the capture pull; keep what is new and go on.
    fn on_capture_response(&mut self, peer: PeerId, response: &[u8]) {
        let (next, new) = self.replay.on_response(response, now_ms());
        if new > 0 {
            self.report.report(json!({
                "captured": new, "from": "sync", "peer": peer.to_string(),
                "total": self.replay.len(),
            }));
        }
        if let Some(request) = next {
            let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
            self.capture = Some((id, peer));
        }
    }
}
