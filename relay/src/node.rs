//! The libp2p wiring: builds the relay's swarm from a [`Config`], brings its listeners up,
//! advertises its addresses, logs what happens, and winds down on request.

use std::{
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use libp2p::{
    connection_limits,
    core::transport::ListenerId,
    futures::StreamExt,
    identify,
    identity::Keypair,
    multihash::Multihash,
    noise, ping, relay, rendezvous,
    swarm::{ListenError, NetworkBehaviour, SwarmEvent},
    tcp, yamux, Multiaddr, PeerId, Swarm, SwarmBuilder,
};
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;

use crate::{
    addrs::{self, is_unspecified, transport_label, with_peer_id},
    addrs_file,
    cert_file::{self, CertSource},
    config::Config,
    error::Error,
    ip_gate,
    ip_ledger::{IpCaps, SharedLedger},
    key_file::{self, KeySource},
    metrics::{reason, Metrics},
    metrics_http, rendezvous_gate,
};

/// Identify protocol version: which network this node belongs to.
pub const PROTOCOL_VERSION: &str = "/phemossa/relay/1.0.0";
/// Identify agent version: which program this is.
pub const AGENT_VERSION: &str = concat!("phemossa-relay/", env!("CARGO_PKG_VERSION"));
/// The rendezvous namespace browsers register and discover under.
pub const RENDEZVOUS_NAMESPACE: &str = "phemossa";

/// How long `start` waits for every listener to report its bound address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// After the listeners are up, how long to keep collecting addresses from `0.0.0.0`/`::`
/// listeners, which report one address per interface.
const INTERFACE_SETTLE: Duration = Duration::from_millis(300);

/// What the relay speaks. Connection limits (total and per peer, then per IP) come first so an
/// over-limit connection is refused before the other behaviours set anything up for it.
#[derive(NetworkBehaviour)]
struct Behaviour {
    limits: connection_limits::Behaviour,
    ip_gate: ip_gate::Behaviour,
    relay: relay::Behaviour,
    rendezvous: rendezvous_gate::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

impl Behaviour {
    fn new(key: &Keypair, config: &Config, ledger: &SharedLedger) -> Self {
        let limits = &config.limits;
        // The per-IP reservation cap goes first, so a request it refuses spends no rate-limit
        // token; libp2p's own limiters are wrapped only to note why they refused.
        let mut relay_config = limits.relay_config();
        relay_config.reservation_rate_limiters = std::iter::once(ledger.reservation_limiter())
            .chain(
                relay_config
                    .reservation_rate_limiters
                    .into_iter()
                    .map(|l| ledger.noting_reservation_rate(l)),
            )
            .collect();
        relay_config.circuit_src_rate_limiters = relay_config
            .circuit_src_rate_limiters
            .into_iter()
            .map(|l| ledger.noting_circuit_rate(l))
            .collect();
        Behaviour {
            limits: connection_limits::Behaviour::new(limits.connection_limits()),
            ip_gate: ip_gate::Behaviour::new(ledger.clone(), limits.max_connections_per_ip),
            relay: relay::Behaviour::new(key.public().to_peer_id(), relay_config),
            rendezvous: rendezvous_gate::Behaviour::new(limits.rendezvous_config(), ledger.clone()),
            identify: identify::Behaviour::new(
                identify::Config::new(PROTOCOL_VERSION.to_owned(), key.public())
                    .with_agent_version(AGENT_VERSION.to_owned()),
            ),
            ping: ping::Behaviour::new(ping::Config::new()),
        }
    }
}

/// A started relay: its listeners are bound and its addresses advertised. Call [`Relay::run`] to
/// serve clients.
pub struct Relay {
    swarm: Swarm<Behaviour>,
    peer_id: PeerId,
    certhash: Multihash<64>,
    /// Listeners in `--listen` order, each with the addresses it reported (no `/p2p/`).
    listeners: Vec<(ListenerId, Multiaddr, Vec<Multiaddr>)>,
    /// `--external` addresses, completed; empty means "advertise what the listeners report".
    configured_external: Vec<Multiaddr>,
    addrs_file: Option<PathBuf>,
    shutdown_grace: Duration,
    /// False until the first listener addresses are all in; until then nothing is advertised.
    started: bool,
    /// Who holds what from which address (per-IP caps).
    ledger: SharedLedger,
    metrics: Metrics,
    /// Where `/metrics` is served, and the task serving it (aborted when the relay goes).
    metrics_endpoint: Option<(SocketAddr, JoinHandle<()>)>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some((_, task)) = &self.metrics_endpoint {
            task.abort();
        }
    }
}

impl Relay {
    /// Loads or creates the key and certificate, builds the swarm, binds every listen address,
    /// waits until each listener reports its address, advertises the external addresses (the
    /// relay refuses reservations until it has one) and writes the address file.
    pub async fn start(config: Config) -> Result<Relay, Error> {
        config.validate()?;

        let (key, key_source) = key_file::load_or_create(config.key_file.as_deref())?;
        let peer_id = key.public().to_peer_id();
        match key_source {
            KeySource::Loaded => tracing::info!(%peer_id, "loaded node key"),
            KeySource::Created => tracing::info!(%peer_id, "created node key file"),
            KeySource::Ephemeral => {
                tracing::warn!(%peer_id, "no --key-file: this peer id lasts only until the relay stops")
            }
        }

        let (cert, cert_source) = cert_file::load_or_create(config.cert_file.as_deref())?;
        let certhash = cert_file::certhash(&cert);
        let serves_webrtc = config.listen.iter().any(addrs::is_webrtc_direct);
        match cert_source {
            CertSource::Loaded => tracing::info!("loaded WebRTC certificate"),
            CertSource::Created => tracing::info!("created WebRTC certificate file"),
            CertSource::Ephemeral if serves_webrtc => tracing::warn!(
                "no --cert-file: the WebRTC-direct certhash changes on every start, breaking stored addresses"
            ),
            CertSource::Ephemeral => {}
        }

        let configured_external = config
            .external
            .iter()
            .map(|a| addrs::normalize_external(a, peer_id, &certhash))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::Config)?;

        if let Some(path) = &config.addrs_file {
            addrs_file::remove(path)?;
        }

        let ledger = SharedLedger::new(IpCaps {
            connections: config.limits.max_connections_per_ip,
            reservations: config.limits.max_reservations_per_ip,
            registrations: config.limits.max_registrations_per_ip,
        });
        let mut registry = Registry::default();
        let metrics = Metrics::new(&mut registry);
        let swarm = build_swarm(key, cert, &config, &ledger, &mut registry).await?;
        let metrics_endpoint = match config.metrics {
            Some(addr) => {
                let (listener, bound) = metrics_http::bind(addr).await?;
                tracing::info!(%bound, "serving Prometheus metrics at /metrics");
                Some((bound, metrics_http::serve(listener, Arc::new(registry))))
            }
            None => None,
        };
        let mut relay = Relay {
            swarm,
            peer_id,
            certhash,
            listeners: Vec::new(),
            configured_external,
            addrs_file: config.addrs_file.clone(),
            shutdown_grace: config.shutdown_grace,
            started: false,
            ledger,
            metrics,
            metrics_endpoint,
        };

        for addr in &config.listen {
            let id = relay
                .swarm
                .listen_on(addr.clone())
                .map_err(|e| Error::Listen {
                    addr: addr.clone(),
                    reason: e.to_string(),
                })?;
            relay.listeners.push((id, addr.clone(), Vec::new()));
        }
        relay.wait_for_listeners().await?;
        if config.listen.iter().any(is_unspecified) {
            let settle = tokio::time::sleep(INTERFACE_SETTLE);
            tokio::pin!(settle);
            loop {
                tokio::select! {
                    _ = &mut settle => break,
                    event = relay.swarm.select_next_some() => relay.handle_event(event)?,
                }
            }
        }

        relay.started = true;
        for addr in relay.advertised() {
            relay.swarm.add_external_address(addr);
        }
        relay.write_addrs_file()?;
        tracing::info!(
            %peer_id,
            listen = relay.bound().len(),
            advertised = relay.advertised().len(),
            "relay started"
        );
        Ok(relay)
    }

    /// The relay's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// Where `http://…/metrics` is served, if `--metrics` was given (with the port it got).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_endpoint.as_ref().map(|(a, _)| *a)
    }

    /// The sha2-256 multihash of the WebRTC-direct certificate (what follows `/certhash/`).
    pub fn certhash(&self) -> Multihash<64> {
        self.certhash
    }

    /// Every bound listen address, in `--listen` order, ending in `/p2p/<id>`.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.bound()
            .iter()
            .map(|a| with_peer_id(a, self.peer_id))
            .collect()
    }

    /// The addresses clients are told to use (`--external`, or else the bound ones), ending in
    /// `/p2p/<id>`; the address file holds exactly these.
    pub fn advertised_addrs(&self) -> Vec<Multiaddr> {
        self.advertised()
            .iter()
            .map(|a| with_peer_id(a, self.peer_id))
            .collect()
    }

    /// Serves clients until `shutdown` completes, then stops accepting (relay service off,
    /// listeners closed), closes connections, waits up to the shutdown grace for them to go,
    /// and removes the address file.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                event = self.swarm.select_next_some() => {
                    if let Err(e) = self.handle_event(event) {
                        tracing::warn!("{e}");
                    }
                }
            }
        }
        self.shut_down().await
    }

    async fn shut_down(mut self) -> Result<(), Error> {
        tracing::info!("shutting down: closing listeners and connections");
        self.started = false;
        self.swarm
            .behaviour_mut()
            .relay
            .set_status(Some(relay::Status::Disable));
        let ids: Vec<ListenerId> = self.listeners.iter().map(|(id, _, _)| *id).collect();
        for id in ids {
            self.swarm.remove_listener(id);
        }
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
        let grace = self.shutdown_grace;
        let wind_down = async {
            while self.swarm.connected_peers().next().is_some() {
                let event = self.swarm.select_next_some().await;
                let _ = self.handle_event(event);
            }
        };
        if tokio::time::timeout(grace, wind_down).await.is_err() {
            tracing::warn!(
                "some connections did not close within the shutdown grace; dropping them"
            );
        }
        if let Some((_, task)) = self.metrics_endpoint.take() {
            task.abort();
        }
        if let Some(path) = &self.addrs_file {
            addrs_file::remove(path)?;
        }
        tracing::info!("relay stopped");
        Ok(())
    }

    /// Drives the swarm until every listener has reported at least one address.
    async fn wait_for_listeners(&mut self) -> Result<(), Error> {
        let all_up = async {
            while self.listeners.iter().any(|(_, _, bound)| bound.is_empty()) {
                let event = self.swarm.select_next_some().await;
                self.handle_event(event)?;
            }
            Ok(())
        };
        tokio::time::timeout(STARTUP_TIMEOUT, all_up)
            .await
            .map_err(|_| Error::StartupTimeout(STARTUP_TIMEOUT.as_secs()))?
    }

    /// Bound addresses of all listeners, in order, without `/p2p/`.
    fn bound(&self) -> Vec<Multiaddr> {
        let mut out: Vec<Multiaddr> = Vec::new();
        for a in self.listeners.iter().flat_map(|(_, _, bound)| bound) {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out
    }

    /// Advertised addresses without `/p2p/`.
    fn advertised(&self) -> Vec<Multiaddr> {
        if self.configured_external.is_empty() {
            self.bound()
        } else {
            self.configured_external.clone()
        }
    }

    fn write_addrs_file(&self) -> Result<(), Error> {
        match &self.addrs_file {
            Some(path) => addrs_file::write(path, &self.advertised(), self.peer_id),
            None => Ok(()),
        }
    }

    fn listener_mut(
        &mut self,
        id: ListenerId,
    ) -> Option<&mut (ListenerId, Multiaddr, Vec<Multiaddr>)> {
        self.listeners.iter_mut().find(|(lid, _, _)| *lid == id)
    }

    /// Logs an event and keeps the bound and advertised addresses current. An error means a
    /// listener failed before it came up (at start) or the address file could not be written.
    fn handle_event(&mut self, event: SwarmEvent<BehaviourEvent>) -> Result<(), Error> {
        self.metrics.record_swarm(&event);
        match event {
            SwarmEvent::NewListenAddr {
                listener_id,
                address,
            } => {
                let auto = self.started && self.configured_external.is_empty();
                if let Some((_, _, bound)) = self.listener_mut(listener_id) {
                    if !bound.contains(&address) {
                        bound.push(address.clone());
                    }
                }
                tracing::info!(address = %with_peer_id(&address, self.peer_id), "listening");
                if auto {
                    self.swarm.add_external_address(address);
                    self.write_addrs_file()?;
                }
            }
            SwarmEvent::ExpiredListenAddr {
                listener_id,
                address,
            } => {
                let auto = self.started && self.configured_external.is_empty();
                if let Some((_, _, bound)) = self.listener_mut(listener_id) {
                    bound.retain(|a| a != &address);
                }
                tracing::info!(%address, "listen address expired");
                if auto {
                    self.swarm.remove_external_address(&address);
                    self.write_addrs_file()?;
                }
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                reason,
                ..
            } => {
                let Some((_, addr, bound)) = self.listener_mut(listener_id) else {
                    return Ok(());
                };
                let (addr, never_up) = (addr.clone(), bound.is_empty());
                match reason {
                    Err(e) if never_up && !self.started => {
                        return Err(Error::Listen {
                            addr,
                            reason: e.to_string(),
                        })
                    }
                    Err(e) => tracing::error!(%addr, "listener closed: {e}"),
                    Ok(()) if never_up && !self.started => {
                        return Err(Error::Listen {
                            addr,
                            reason: "listener closed".into(),
                        })
                    }
                    Ok(()) => tracing::debug!(%addr, "listener closed"),
                }
            }
            SwarmEvent::ListenerError { listener_id, error } => {
                let addr = self.listener_mut(listener_id).map(|l| l.1.clone());
                tracing::warn!(addr = ?addr, "listener error: {error}");
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } => {
                tracing::info!(
                    peer = %peer_id,
                    transport = transport_label(endpoint.get_remote_address()),
                    connections = num_established.get(),
                    "connection established"
                );
                self.count_connections();
                tracing::debug!(peer = %peer_id, remote = %endpoint.get_remote_address(), "connection endpoint");
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                cause,
                ..
            } => {
                tracing::info!(
                    peer = %peer_id,
                    connections = num_established,
                    cause = cause.map(|c| c.to_string()).unwrap_or_else(|| "closed".into()),
                    "connection closed"
                );
                self.count_connections();
            }
            SwarmEvent::IncomingConnectionError { error, .. } => {
                if let ListenError::Denied { cause } = &error {
                    if cause.downcast_ref::<ip_gate::PerIpExceeded>().is_some() {
                        self.metrics.refused(reason::CONNECTIONS_PER_IP);
                    } else if cause
                        .downcast_ref::<connection_limits::Exceeded>()
                        .is_some()
                    {
                        self.metrics.refused(reason::CONNECTIONS);
                    }
                }
                tracing::debug!("incoming connection failed: {error}");
            }
            SwarmEvent::ExternalAddrConfirmed { address } => {
                tracing::debug!(%address, "advertising external address");
            }
            SwarmEvent::Behaviour(event) => {
                self.account(&event);
                log_behaviour_event(event);
            }
            other => tracing::trace!(?other, "swarm event"),
        }
        Ok(())
    }
}

impl Relay {
    fn count_connections(&self) {
        let n = self
            .swarm
            .network_info()
            .connection_counters()
            .num_established();
        self.metrics.connections.set(i64::from(n));
    }

    /// Keeps the per-IP ledger and the metrics current with a behaviour event.
    #[allow(deprecated)] // relay 0.22 still emits its deprecated *Failed variants
    fn account(&mut self, event: &BehaviourEvent) {
        use relay::Event as R;
        use rendezvous::server::Event as Rv;
        let now = Instant::now();
        let mut ledger = self.ledger.lock();
        match event {
            BehaviourEvent::Relay(e) => {
                self.metrics.record_relay(e);
                match e {
                    R::ReservationReqAccepted { src_peer_id, .. } => {
                        ledger.reservation_accepted(*src_peer_id);
                    }
                    R::ReservationReqDenied { src_peer_id, .. } => {
                        self.metrics
                            .refused(ledger.reservation_refused(*src_peer_id));
                    }
                    R::ReservationReqAcceptFailed { src_peer_id, .. }
                    | R::ReservationReqDenyFailed { src_peer_id, .. } => {
                        ledger.reservation_refused(*src_peer_id);
                    }
                    R::CircuitReqDenyFailed { src_peer_id, .. } => {
                        ledger.circuit_refused(*src_peer_id);
                    }
                    // Relay 0.22 sends ReservationClosed for every closed connection, reserved
                    // or not; the ledger drops slots with their connections instead.
                    R::ReservationTimedOut { src_peer_id } => {
                        ledger.reservation_timed_out(*src_peer_id);
                    }
                    R::CircuitReqAccepted { .. } => {
                        self.metrics.circuits.inc();
                    }
                    R::CircuitClosed { .. } => {
                        self.metrics.circuits.dec();
                    }
                    R::CircuitReqDenied {
                        src_peer_id,
                        status,
                        ..
                    } => {
                        let why = ledger
                            .circuit_refused(*src_peer_id)
                            .unwrap_or(match status {
                                relay::StatusCode::NoReservation => reason::CIRCUIT_NO_RESERVATION,
                                relay::StatusCode::ResourceLimitExceeded => reason::CIRCUIT_LIMIT,
                                _ => reason::CIRCUIT_OTHER,
                            });
                        self.metrics.refused(why);
                    }
                    _ => {}
                }
            }
            BehaviourEvent::Rendezvous(e) => {
                match e {
                    Rv::PeerRegistered { peer, registration } => {
                        ledger.registered(
                            *peer,
                            &registration.namespace.to_string(),
                            registration.ttl,
                            now,
                        );
                    }
                    Rv::PeerUnregistered { peer, namespace } => {
                        ledger.unregistered(*peer, &namespace.to_string());
                    }
                    Rv::PeerNotRegistered { error, .. } => {
                        self.metrics.refused(match error {
                            rendezvous::ErrorCode::InvalidTtl => reason::REGISTRATION_TTL,
                            rendezvous::ErrorCode::Unavailable => reason::REGISTRATION_LIMIT,
                            _ => reason::REGISTRATION_INVALID,
                        });
                    }
                    Rv::DiscoverNotServed { .. } => self.metrics.refused(reason::DISCOVER),
                    Rv::RegistrationExpired(_) | Rv::DiscoverServed { .. } => {}
                }
                ledger.prune(now);
                let live = ledger.registrations_total(now);
                self.metrics
                    .registrations
                    .set(i64::try_from(live).unwrap_or(i64::MAX));
            }
            BehaviourEvent::Identify(e) => self.metrics.record_identify(e),
            BehaviourEvent::Ping(e) => self.metrics.record_ping(e),
            BehaviourEvent::Limits(never) => match *never {},
            BehaviourEvent::IpGate(never) => match *never {},
        }
        for why in ledger.take_refusals() {
            self.metrics.refused(why);
        }
        self.metrics
            .reservations
            .set(i64::try_from(ledger.reservations_total()).unwrap_or(i64::MAX));
    }
}

/// Builds the swarm: TCP, WebRTC-direct and WebSocket (noise + yamux where the transport needs
/// them), with the relay's behaviours, and bandwidth metrics on every transport.
async fn build_swarm(
    key: Keypair,
    cert: libp2p_webrtc::tokio::Certificate,
    config: &Config,
    ledger: &SharedLedger,
    registry: &mut Registry,
) -> Result<Swarm<Behaviour>, Error> {
    let transport = |e: &dyn std::fmt::Display| Error::Transport(e.to_string());
    let behaviour = Behaviour::new(&key, config, ledger);
    let idle = config.idle_timeout;
    let swarm = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport(&e))?
        .with_other_transport(move |k| libp2p_webrtc::tokio::Transport::new(k.clone(), cert))
        .map_err(|e| transport(&e))?
        .with_dns()
        .map_err(|e| transport(&e))?
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(|e| transport(&e))?
        .with_bandwidth_metrics(registry)
        .with_behaviour(move |_| behaviour)
        .map_err(|e| transport(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle))
        .build();
    Ok(swarm)
}

/// Logs relay, rendezvous and identify events. Rendezvous registrations are logged by peer and
/// namespace only; the relay keeps them in memory until their TTL ends and stores nothing.
#[allow(deprecated)] // relay 0.22 still emits its deprecated *Failed variants
fn log_behaviour_event(event: BehaviourEvent) {
    use relay::Event as R;
    use rendezvous::server::Event as Rv;
    match event {
        BehaviourEvent::Relay(e) => match e {
            R::ReservationReqAccepted {
                src_peer_id,
                renewed,
            } => {
                tracing::info!(peer = %src_peer_id, renewed, "reservation accepted")
            }
            R::ReservationReqDenied {
                src_peer_id,
                status,
            } => {
                tracing::info!(peer = %src_peer_id, ?status, "reservation denied")
            }
            R::ReservationClosed { src_peer_id } => {
                tracing::info!(peer = %src_peer_id, "reservation closed")
            }
            R::ReservationTimedOut { src_peer_id } => {
                tracing::info!(peer = %src_peer_id, "reservation timed out")
            }
            R::CircuitReqAccepted {
                src_peer_id,
                dst_peer_id,
            } => {
                tracing::info!(src = %src_peer_id, dst = %dst_peer_id, "circuit opened")
            }
            R::CircuitReqDenied {
                src_peer_id,
                dst_peer_id,
                status,
            } => {
                tracing::info!(src = %src_peer_id, dst = %dst_peer_id, ?status, "circuit denied")
            }
            R::CircuitClosed {
                src_peer_id,
                dst_peer_id,
                error,
            } => tracing::info!(
                src = %src_peer_id,
                dst = %dst_peer_id,
                error = error.map(|e| e.to_string()),
                "circuit closed"
            ),
            R::StatusChanged { status } => tracing::info!(?status, "relay service status"),
            other => tracing::debug!(?other, "relay event"),
        },
        BehaviourEvent::Rendezvous(e) => match e {
            Rv::PeerRegistered { peer, registration } => tracing::info!(
                %peer,
                namespace = %registration.namespace,
                ttl = registration.ttl,
                "rendezvous registration"
            ),
            Rv::PeerNotRegistered {
                peer,
                namespace,
                error,
            } => {
                tracing::info!(%peer, %namespace, ?error, "rendezvous registration refused")
            }
            Rv::PeerUnregistered { peer, namespace } => {
                tracing::info!(%peer, %namespace, "rendezvous unregistration")
            }
            Rv::RegistrationExpired(r) => tracing::info!(
                peer = %r.record.peer_id(),
                namespace = %r.namespace,
                "rendezvous registration expired"
            ),
            Rv::DiscoverServed {
                enquirer,
                registrations,
            } => {
                tracing::debug!(peer = %enquirer, found = registrations.len(), "rendezvous discover")
            }
            Rv::DiscoverNotServed { enquirer, error } => {
                tracing::info!(peer = %enquirer, ?error, "rendezvous discover refused")
            }
        },
        BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
            tracing::debug!(peer = %peer_id, agent = %info.agent_version, "identified")
        }
        BehaviourEvent::Identify(identify::Event::Error { peer_id, error, .. }) => {
            tracing::debug!(peer = %peer_id, "identify failed: {error}")
        }
        BehaviourEvent::Identify(_)
        | BehaviourEvent::Ping(_)
        | BehaviourEvent::Limits(_)
        | BehaviourEvent::IpGate(_) => {}
    }
}
