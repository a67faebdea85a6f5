//! Wraps libp2p's rendezvous server so that a new connection from an address that already
//! holds `max-registrations-per-ip` live registrations is served without rendezvous (its
//! register and discover requests fail as an unsupported protocol) until some expire.
//!
//! Hand-written because rendezvous 0.18 caps registrations per peer id and in total only, and
//! exposes neither its request type nor a way to drop a registration, so the only place to
//! say no per address is when a connection's handler is chosen. The cost of deciding per
//! connection: registrations made over connections that were already open can overshoot the
//! cap, by at most `max-connections-per-ip` × `max-registrations-per-peer`, once; after that
//! the address must reconnect to register again and is refused. Registrations end within the
//! 15-minute max TTL, so the address recovers by itself.

use std::collections::HashSet;
use std::task::{Context, Poll};
use std::time::Instant;

use either::Either;
use libp2p::{
    core::{transport::PortUse, Endpoint},
    rendezvous,
    swarm::{
        dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler,
        THandlerInEvent, THandlerOutEvent, ToSwarm,
    },
    Multiaddr, PeerId,
};

use crate::ip_ledger::{ip_of, SharedLedger};

type Inner = rendezvous::server::Behaviour;

/// See the module doc.
pub struct Behaviour {
    inner: Inner,
    ledger: SharedLedger,
    /// Connections served without rendezvous. The inner request-response behaviour never saw
    /// them and panics on a close of a connection it does not know, so their events stop here.
    gated: HashSet<ConnectionId>,
}

impl Behaviour {
    pub fn new(config: rendezvous::server::Config, ledger: SharedLedger) -> Self {
        Behaviour {
            inner: Inner::new(config),
            ledger,
            gated: HashSet::new(),
        }
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = Either<THandler<Inner>, dummy::ConnectionHandler>;
    type ToSwarm = rendezvous::server::Event;

    fn handle_pending_inbound_connection(
        &mut self,
        id: ConnectionId,
        local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.inner
            .handle_pending_inbound_connection(id, local, remote)
    }

    fn handle_established_inbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        let allowed = match ip_of(remote) {
            Some(ip) => self.ledger.lock().may_use_rendezvous(ip, Instant::now()),
            None => true,
        };
        if allowed {
            self.inner
                .handle_established_inbound_connection(id, peer, local, remote)
                .map(Either::Left)
        } else {
            tracing::debug!(%peer, "address at its registration cap: no rendezvous on this connection");
            self.gated.insert(id);
            Ok(Either::Right(dummy::ConnectionHandler))
        }
    }

    fn handle_pending_outbound_connection(
        &mut self,
        id: ConnectionId,
        peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.inner
            .handle_pending_outbound_connection(id, peer, addresses, effective_role)
    }

    fn handle_established_outbound_connection(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        role: Endpoint,
        port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.inner
            .handle_established_outbound_connection(id, peer, addr, role, port_use)
            .map(Either::Left)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionClosed(e) if self.gated.remove(&e.connection_id) => {}
            FromSwarm::ConnectionEstablished(e) if self.gated.contains(&e.connection_id) => {}
            FromSwarm::AddressChange(e) if self.gated.contains(&e.connection_id) => {}
            _ => self.inner.on_swarm_event(event),
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer: PeerId,
        id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {
            Either::Left(e) => self.inner.on_connection_handler_event(peer, id, e),
            Either::Right(never) => match never {},
        }
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        self.inner.poll(cx).map(|e| e.map_in(Either::Left))
    }
}
