//! The `NetworkBehaviour` half of `/webrtc`: tracks the relayed connections signaling can run
//! on, opens signaling streams for the transport's dials, passes the peer's signaling streams
//! to the transport, and advertises a `/webrtc` address beside each relay reservation.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use libp2p_core::multiaddr::Protocol;
use libp2p_core::transport::PortUse;
use libp2p_core::{Endpoint, Multiaddr};
use libp2p_identity::PeerId;
use libp2p_swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, NotifyHandler, THandler,
    THandlerInEvent, THandlerOutEvent, ToSwarm,
};

use super::handler::{Handler, InboundSignaling, StreamRequest};
use super::stats::{path_of, PathInfo};
use super::transport::Shared;
use crate::address::{is_relayed, listen_address, peer_webrtc_address, webrtc_address};
use crate::lock;
use crate::{Error, Event, IceServer};

/// See the module documentation. Made with its [`super::Transport`] by [`crate::new`].
pub struct Behaviour {
    shared: Arc<Mutex<Shared>>,
    /// Open relayed connections per peer, oldest first, each with the peer's `/webrtc`
    /// address through it (the name a direct connection signaled over it gets).
    relayed: HashMap<PeerId, Vec<(ConnectionId, Multiaddr)>>,
    queued: VecDeque<ToSwarm<Event, StreamRequest>>,
}

impl Behaviour {
    pub(crate) fn new(shared: Arc<Mutex<Shared>>) -> Self {
        Self {
            shared,
            relayed: HashMap::new(),
            queued: VecDeque::new(),
        }
    }

    /// The ICE servers of attempts started from now on (none: host candidates only, which
    /// reach browsers on the same machine or network).
    pub fn set_ice_servers(&mut self, servers: Vec<IceServer>) {
        lock(&self.shared).config.ice_servers = servers;
    }

    /// Uses TURN candidates only, hiding this browser's address from peers (see
    /// [`crate::Config::relay_only`]).
    pub fn set_relay_only(&mut self, relay_only: bool) {
        lock(&self.shared).config.relay_only = relay_only;
    }

    /// Allows or forbids direct connections. While forbidden, peers' signaling streams are
    /// reset, dials fail with [`Error::Disabled`], and no `/webrtc` address is advertised;
    /// direct connections already up are left to the caller to close.
    pub fn set_enabled(&mut self, enabled: bool) {
        lock(&self.shared).enabled = enabled;
    }

    /// How long an attempt may take before the relayed connection is kept instead.
    pub fn set_attempt_timeout_ms(&mut self, timeout_ms: u64) {
        lock(&self.shared).config.signaling.attempt_timeout_ms = timeout_ms;
    }

    /// Whether a relayed connection to `peer` is open, so that a direct one can be signaled.
    pub fn has_relayed_connection(&self, peer: &PeerId) -> bool {
        self.relayed.get(peer).is_some_and(|c| !c.is_empty())
    }

    /// The address to dial for a direct connection to `peer`: the spec's
    /// `<relay>/p2p-circuit/webrtc/p2p/<peer>` through the newest relayed connection to it.
    /// Naming the direct connection after an IP-based address matters: identify reports it to
    /// the peer as the observed address, and js-libp2p refuses identify otherwise.
    pub fn direct_address(&self, peer: &PeerId) -> Option<Multiaddr> {
        let (_, addr) = self.relayed.get(peer)?.last()?;
        Some(addr.clone())
    }

    /// The path the newest direct connection to `peer` took, from the browser's statistics;
    /// `None` now if there is no direct connection, or later if the statistics have no
    /// selected candidate pair yet.
    pub fn path(
        &self,
        peer: &PeerId,
    ) -> Option<impl std::future::Future<Output = Option<PathInfo>>> {
        let pc = lock(&self.shared).registry.newest(peer)?;
        Some(async move { path_of(&pc).await })
    }

    fn accepts_inbound(&self, relayed: bool) -> bool {
        let shared = lock(&self.shared);
        relayed && shared.listener.is_some() && shared.enabled
    }

    fn track(
        &mut self,
        peer: PeerId,
        connection: ConnectionId,
        local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Handler {
        let relayed = is_relayed(local) || is_relayed(remote);
        if relayed {
            if let Some(addr) = peer_webrtc_address(peer, local, remote) {
                self.relayed
                    .entry(peer)
                    .or_default()
                    .push((connection, addr));
            }
        }
        Handler::new(self.accepts_inbound(relayed))
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = Handler;
    type ToSwarm = Event;

    fn handle_established_inbound_connection(
        &mut self,
        connection: ConnectionId,
        peer: PeerId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        // An inbound circuit names the relay in the local address and only the peer in the
        // remote one.
        Ok(self.track(peer, connection, local_addr, remote_addr))
    }

    fn handle_established_outbound_connection(
        &mut self,
        connection: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(self.track(peer, connection, &Multiaddr::empty(), addr))
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionClosed(closed) => {
                if let Some(list) = self.relayed.get_mut(&closed.peer_id) {
                    list.retain(|(c, _)| *c != closed.connection_id);
                    if list.is_empty() {
                        self.relayed.remove(&closed.peer_id);
                    }
                }
            }
            FromSwarm::ExternalAddrConfirmed(confirmed) if self.accepts_inbound(true) => {
                if let Some(addr) = webrtc_address(confirmed.addr) {
                    self.queued.push_back(ToSwarm::ExternalAddrConfirmed(addr));
                }
            }
            FromSwarm::ExternalAddrExpired(expired) => {
                if let Some(addr) = webrtc_address(expired.addr) {
                    self.queued.push_back(ToSwarm::ExternalAddrExpired(addr));
                }
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer: PeerId,
        connection: ConnectionId,
        InboundSignaling(stream): THandlerOutEvent<Self>,
    ) {
        let name = self
            .relayed
            .get(&peer)
            .and_then(|list| list.iter().find(|(c, _)| *c == connection))
            .map(|(_, addr)| addr.clone())
            .unwrap_or_else(|| listen_address().with(Protocol::P2p(peer)));
        let mut shared = lock(&self.shared);
        if shared.enabled {
            shared.push_incoming(peer, stream, name);
        }
        // Otherwise the stream is dropped, which resets it: the peer's attempt ends at once.
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Event, THandlerInEvent<Self>>> {
        let dials: Vec<_> = {
            let mut shared = lock(&self.shared);
            shared.behaviour_waker.register(cx.waker());
            let faults = std::mem::take(&mut shared.faults);
            self.queued.extend(faults.into_iter().map(|(peer, error)| {
                ToSwarm::GenerateEvent(Event::SignalingFault { peer, error })
            }));
            shared.dials.drain(..).collect()
        };
        for (peer, request) in dials {
            // The newest relayed connection: an older one may be on its way out.
            match self.relayed.get(&peer).and_then(|list| list.last()) {
                Some(&(connection, _)) => self.queued.push_back(ToSwarm::NotifyHandler {
                    peer_id: peer,
                    handler: NotifyHandler::One(connection),
                    event: request,
                }),
                None => {
                    let _ = request.0.send(Err(Error::NoRelayedConnection {
                        peer: peer.to_string(),
                    }));
                }
            }
        }
        match self.queued.pop_front() {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }
}
