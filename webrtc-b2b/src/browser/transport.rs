//! The libp2p `Transport` for `/webrtc`: listening on `/webrtc` lets peers open signaling
//! streams to this node (each becomes an incoming connection); dialing `/webrtc/p2p/<peer>`
//! signals over the relayed connection already open to that peer.
//!
//! The transport does no IO of its own to reach a peer: the [`super::Behaviour`] it shares
//! its state with finds the relayed connection and opens or accepts the signaling stream.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;

use futures::channel::oneshot;
use libp2p_core::multiaddr::Multiaddr;
use libp2p_core::transport::{DialOpts, ListenerId, TransportError, TransportEvent};
use libp2p_identity::PeerId;
use libp2p_swarm::Stream as SignalingStream;
use send_wrapper::SendWrapper;

use super::attempt;
use super::connection::Connection;
use super::handler::StreamRequest;
use super::registry::Registry;
use crate::address::{listen_address, webrtc_peer};
use crate::admission::{Admission, Ticket};
use crate::lock;
use crate::signal::Role;
use crate::{Config, Error};

/// State the transport and the behaviour share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// Whether direct connections are allowed at all; while not, peers' signaling streams are
    /// refused and dials fail.
    pub(crate) enabled: bool,
    pub(crate) listener: Option<ListenerId>,
    listener_events: VecDeque<TransportEvent<Attempt, Error>>,
    /// Signaling streams peers opened, waiting to become incoming connections, with the
    /// address each connection is to be known by and the attempt's place.
    incoming: VecDeque<(PeerId, SignalingStream, Multiaddr, Ticket)>,
    /// Limits the attempts peers may start here.
    pub(crate) admission: Admission,
    transport_waker: AtomicWaker,
    /// Dials waiting for the behaviour to open their signaling stream.
    pub(crate) dials: VecDeque<(PeerId, StreamRequest)>,
    pub(crate) behaviour_waker: AtomicWaker,
    pub(crate) registry: Registry,
    /// Attempts that ended by the peer's fault, for the behaviour to report.
    pub(crate) faults: VecDeque<(PeerId, Error)>,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            enabled: true,
            listener: None,
            listener_events: VecDeque::new(),
            incoming: VecDeque::new(),
            admission: Admission::default(),
            transport_waker: AtomicWaker::new(),
            dials: VecDeque::new(),
            behaviour_waker: AtomicWaker::new(),
            registry: Registry::default(),
            faults: VecDeque::new(),
        }
    }

    /// Queues a peer's signaling stream, if the limits on running attempts allow another;
    /// otherwise drops it, which resets it.
    pub(crate) fn push_incoming(&mut self, peer: PeerId, stream: SignalingStream, name: Multiaddr) {
        let Some(ticket) = self.admission.admit(peer) else {
            return;
        };
        self.incoming.push_back((peer, stream, name, ticket));
        self.transport_waker.wake();
    }

    /// Tells the swarm that listener `id` is gone.
    fn listener_closed(&mut self, id: ListenerId) {
        self.listener_events
            .push_back(TransportEvent::ListenerClosed {
                listener_id: id,
                reason: Ok(()),
            });
        self.transport_waker.wake();
    }
}

/// Passes on how an attempt with `peer` ended, first noting a fault of the peer's.
fn report(
    shared: &Mutex<Shared>,
    peer: PeerId,
    outcome: Result<Connection, Error>,
) -> Result<(PeerId, Connection), Error> {
    match outcome {
        Ok(connection) => Ok((peer, connection)),
        Err(error) => {
            if error.is_peer_fault() {
                let mut shared = lock(shared);
                shared.faults.push_back((peer, error.clone()));
                shared.behaviour_waker.wake();
            }
            Err(error)
        }
    }
}

/// A connection attempt in progress; resolves to the peer and the direct connection.
pub type Attempt = Pin<Box<dyn Future<Output = Result<(PeerId, Connection), Error>> + Send>>;

/// See the module documentation.
pub struct Transport {
    pub(crate) shared: Arc<Mutex<Shared>>,
}

fn attempt<F>(future: F) -> Attempt
where
    F: Future<Output = Result<(PeerId, Connection), Error>> + 'static,
{
    Box::pin(SendWrapper::new(future))
}

impl libp2p_core::Transport for Transport {
    type Output = (PeerId, Connection);
    type Error = Error;
    type ListenerUpgrade = Attempt;
    type Dial = Attempt;

    fn listen_on(&mut self, id: ListenerId, addr: Multiaddr) -> Result<(), TransportError<Error>> {
        if addr != listen_address() {
            return Err(TransportError::MultiaddrNotSupported(addr));
        }
        let mut shared = lock(&self.shared);
        if let Some(previous) = shared.listener.replace(id) {
            shared.listener_closed(previous);
        }
        // No `NewAddress`: a bare `/webrtc` is not dialable, so it must not be a listen address
        // identify tells peers of; the behaviour advertises the dialable ones, per relay.
        Ok(())
    }

    fn remove_listener(&mut self, id: ListenerId) -> bool {
        let mut shared = lock(&self.shared);
        if shared.listener != Some(id) {
            return false;
        }
        shared.listener = None;
        shared.incoming.clear();
        shared.listener_closed(id);
        true
    }

    fn dial(&mut self, addr: Multiaddr, _: DialOpts) -> Result<Attempt, TransportError<Error>> {
        let Some(peer) = webrtc_peer(&addr) else {
            return Err(TransportError::MultiaddrNotSupported(addr));
        };
        let (reply, stream) = oneshot::channel();
        let (config, registry) = {
            let mut shared = lock(&self.shared);
            if !shared.enabled {
                return Err(TransportError::Other(Error::Disabled));
            }
            shared.dials.push_back((peer, StreamRequest(reply)));
            shared.behaviour_waker.wake();
            (shared.config.clone(), shared.registry.clone())
        };
        let shared = self.shared.clone();
        Ok(attempt(async move {
            let stream = stream.await.map_err(|_| Error::NoRelayedConnection {
                peer: peer.to_string(),
            })??;
            let outcome = attempt::run(Role::Initiator, stream, peer, config, registry).await;
            report(&shared, peer, outcome)
        }))
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<TransportEvent<Attempt, Error>> {
        let mut shared = lock(&self.shared);
        if let Some(event) = shared.listener_events.pop_front() {
            return Poll::Ready(event);
        }
        if let Some(listener_id) = shared.listener {
            if let Some((peer, stream, send_back_addr, ticket)) = shared.incoming.pop_front() {
                let config = shared.config.clone();
                let registry = shared.registry.clone();
                let reporting = self.shared.clone();
                let upgrade = attempt(async move {
                    // Holds the attempt's place until it ends, whichever way.
                    let _ticket = ticket;
                    let outcome =
                        attempt::run(Role::Responder, stream, peer, config, registry).await;
                    report(&reporting, peer, outcome)
                });
                return Poll::Ready(TransportEvent::Incoming {
                    listener_id,
                    upgrade,
                    local_addr: listen_address(),
                    send_back_addr,
                });
            }
        }
        shared.transport_waker.register(cx.waker());
        Poll::Pending
    }
}
