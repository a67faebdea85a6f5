//! A NetworkBehaviour with no protocol of its own that refuses an inbound connection when its
//! source IP already has `max-connections-per-ip` established, and keeps the [`IpLedger`]'s
//! view of who is connected from where.
//!
//! Hand-written because libp2p 0.57 has no per-IP connection cap: `connection_limits` counts
//! per peer id and in total, `memory_connection_limits` by process memory, and a peer id costs
//! nothing to make, so one address could take every slot. This is ~80 lines on the same hooks
//! `connection_limits` uses.
//!
//! [`IpLedger`]: crate::ip_ledger::IpLedger

use std::{
    convert::Infallible,
    fmt,
    net::IpAddr,
    task::{Context, Poll},
};

use libp2p::{
    core::{transport::PortUse, Endpoint},
    swarm::{
        dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler,
        THandlerInEvent, THandlerOutEvent, ToSwarm,
    },
    Multiaddr, PeerId,
};

use crate::ip_ledger::{ip_of, SharedLedger};

/// The cause a refused connection carries; the node tells it apart from `connection_limits`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerIpExceeded {
    pub ip: IpAddr,
    pub limit: u32,
}

impl fmt::Display for PerIpExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} connections from one address at most", self.limit)
    }
}

impl std::error::Error for PerIpExceeded {}

/// See the module doc.
pub struct Behaviour {
    ledger: SharedLedger,
    limit: u32,
}

impl Behaviour {
    pub fn new(ledger: SharedLedger, limit: u32) -> Self {
        Behaviour { ledger, limit }
    }

    fn check(&self, remote: &Multiaddr) -> Result<(), ConnectionDenied> {
        let Some(ip) = ip_of(remote) else {
            return Ok(());
        };
        if self.ledger.lock().may_connect(ip) {
            Ok(())
        } else {
            Err(ConnectionDenied::new(PerIpExceeded {
                ip,
                limit: self.limit,
            }))
        }
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    // Checked before the handshake, to spend nothing on a refused address, and again once
    // established, since several handshakes from one address may be under way at once.
    fn handle_pending_inbound_connection(
        &mut self,
        _id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.check(remote)
    }

    fn handle_established_inbound_connection(
        &mut self,
        _id: ConnectionId,
        _peer: PeerId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.check(remote)?;
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _id: ConnectionId,
        _peer: PeerId,
        _addr: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            // Counted only once every behaviour has accepted it.
            FromSwarm::ConnectionEstablished(e) if e.endpoint.is_listener() => {
                self.ledger.lock().connected(
                    e.connection_id,
                    e.peer_id,
                    e.endpoint.get_remote_address(),
                );
            }
            FromSwarm::ConnectionClosed(e) => self.ledger.lock().disconnected(e.connection_id),
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(
        &mut self,
        _cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}
