//! Native clients that reach the relay from a chosen loopback source address (all of
//! 127.0.0.0/8 is loopback on Linux), each with its own peer id: they reserve a slot, register
//! in rendezvous and discover, and report how far they got. Used by the per-IP caps test and by
//! the load example (`examples/load.rs` includes this file by path).
//!
//! libp2p-tcp binds dialing sockets to the unspecified address at best, so the kernel would
//! pick 127.0.0.1 for every client; `SourceIpTcp` is a dial-only TCP transport that binds each
//! socket to its client's address first.
#![allow(dead_code)] // each user takes a different subset

use std::{
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use libp2p::{
    core::{
        muxing::StreamMuxerBox,
        transport::{DialOpts, ListenerId, TransportError, TransportEvent},
        upgrade::Version,
        Transport,
    },
    futures::{future::BoxFuture, FutureExt, StreamExt},
    multiaddr::Protocol,
    noise, relay, rendezvous,
    swarm::{NetworkBehaviour, SwarmEvent},
    yamux, Multiaddr, PeerId, Swarm, SwarmBuilder,
};
use tokio::{net::TcpSocket, sync::oneshot, task::JoinHandle};

/// A dial-only TCP transport whose sockets leave from `source`.
pub struct SourceIpTcp {
    pub source: IpAddr,
}

impl Transport for SourceIpTcp {
    type Output = libp2p::tcp::tokio::TcpStream;
    type Error = io::Error;
    type ListenerUpgrade = std::future::Pending<Result<Self::Output, io::Error>>;
    type Dial = BoxFuture<'static, Result<Self::Output, io::Error>>;

    fn listen_on(
        &mut self,
        _id: ListenerId,
        addr: Multiaddr,
    ) -> Result<(), TransportError<io::Error>> {
        Err(TransportError::MultiaddrNotSupported(addr))
    }

    fn remove_listener(&mut self, _id: ListenerId) -> bool {
        false
    }

    fn dial(
        &mut self,
        addr: Multiaddr,
        _opts: DialOpts,
    ) -> Result<Self::Dial, TransportError<io::Error>> {
        let mut it = addr.iter();
        let ip: IpAddr = match it.next() {
            Some(Protocol::Ip4(a)) => a.into(),
            Some(Protocol::Ip6(a)) => a.into(),
            _ => return Err(TransportError::MultiaddrNotSupported(addr)),
        };
        let port = match it.next() {
            Some(Protocol::Tcp(p)) => p,
            _ => return Err(TransportError::MultiaddrNotSupported(addr)),
        };
        if it.any(|p| !matches!(p, Protocol::P2p(_))) {
            return Err(TransportError::MultiaddrNotSupported(addr));
        }
        let source = self.source;
        Ok(async move {
            let socket = if source.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.bind(SocketAddr::new(source, 0))?;
            let stream = socket.connect(SocketAddr::new(ip, port)).await?;
            stream.set_nodelay(true)?;
            Ok(libp2p::tcp::tokio::TcpStream(stream))
        }
        .boxed())
    }

    fn poll(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, io::Error>> {
        Poll::Pending
    }
}

/// What a load client speaks: the relay client and rendezvous, nothing else.
#[derive(NetworkBehaviour)]
pub struct Probe {
    pub relay: relay::client::Behaviour,
    pub rendezvous: rendezvous::client::Behaviour,
}

/// A client swarm with a fresh peer id whose connections leave from `source`.
pub fn probe(source: IpAddr) -> Swarm<Probe> {
    SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_other_transport(|k| {
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                SourceIpTcp { source }
                    .upgrade(Version::V1)
                    .authenticate(noise::Config::new(k)?)
                    .multiplex(yamux::Config::default())
                    .map(|(p, m), _| (p, StreamMuxerBox::new(m))),
            )
        })
        .expect("transport builds")
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .expect("relay client builds")
        .with_behaviour(|k, relay| Probe {
            relay,
            rendezvous: rendezvous::client::Behaviour::new(k.clone()),
        })
        .expect("behaviour builds")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build()
}

/// How far a client got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No connection to the relay was established (refused before or during the handshake).
    NotConnected,
    /// Connected, but the reservation was refused (or the connection was closed on it).
    ReservationRefused,
    /// Holds a slot. `registered`: its rendezvous registration was accepted (when asked);
    /// `discovered`: how many registrations its discover returned (when asked).
    Reserved { registered: bool, discovered: usize },
}

/// What a client should do once it holds a slot.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The relay's plain TCP address, ending in /p2p/<relay id>.
    pub relay_addr: Multiaddr,
    pub relay_id: PeerId,
    pub source: IpAddr,
    /// Register under this namespace once reserved.
    pub register: Option<rendezvous::Namespace>,
    /// The TTL to ask for, in seconds (browsers ask for 120).
    pub ttl: u64,
    /// Then discover in the same namespace, asking for at most this many.
    pub discover_limit: Option<u64>,
}

/// Starts a client in a task; the receiver gets its outcome, and the task keeps the client
/// (and its slot) alive until aborted.
pub fn spawn(plan: Plan) -> (oneshot::Receiver<Outcome>, JoinHandle<()>) {
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(run(plan, tx));
    (rx, task)
}

async fn run(plan: Plan, tx: oneshot::Sender<Outcome>) {
    let mut swarm = probe(plan.source);
    let mut tx = Some(tx);
    let mut report = |o: Outcome| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(o);
        }
    };
    if swarm
        .listen_on(plan.relay_addr.clone().with(Protocol::P2pCircuit))
        .is_err()
    {
        report(Outcome::NotConnected);
        return;
    }
    let mut connected = false;
    let mut reserved = false;
    let mut relayed_addr = false;
    let mut register_sent = false;
    loop {
        // rendezvous registers the external addresses, so register once the relayed one is in
        // (the relay client confirms it just before it reports the reservation).
        if reserved && relayed_addr && !register_sent {
            if let Some(ns) = plan.register.clone() {
                register_sent = true;
                if swarm
                    .behaviour_mut()
                    .rendezvous
                    .register(ns, plan.relay_id, Some(plan.ttl))
                    .is_err()
                {
                    report(Outcome::Reserved {
                        registered: false,
                        discovered: 0,
                    });
                }
            }
        }
        match swarm.select_next_some().await {
            SwarmEvent::ConnectionEstablished { .. } => connected = true,
            SwarmEvent::OutgoingConnectionError { .. } if !connected => {
                report(Outcome::NotConnected)
            }
            SwarmEvent::Behaviour(ProbeEvent::Relay(
                relay::client::Event::ReservationReqAccepted { renewal: false, .. },
            )) => {
                reserved = true;
                if plan.register.is_none() {
                    report(Outcome::Reserved {
                        registered: false,
                        discovered: 0,
                    });
                }
            }
            SwarmEvent::ListenerClosed { .. } | SwarmEvent::ListenerError { .. } if !reserved => {
                report(if connected {
                    Outcome::ReservationRefused
                } else {
                    Outcome::NotConnected
                })
            }
            SwarmEvent::ExternalAddrConfirmed { address }
                if address.iter().any(|p| p == Protocol::P2pCircuit) =>
            {
                relayed_addr = true;
            }
            SwarmEvent::Behaviour(ProbeEvent::Rendezvous(e)) => match e {
                rendezvous::client::Event::Registered { namespace, .. } => {
                    match plan.discover_limit {
                        Some(limit) => swarm.behaviour_mut().rendezvous.discover(
                            Some(namespace),
                            None,
                            Some(limit),
                            plan.relay_id,
                        ),
                        None => report(Outcome::Reserved {
                            registered: true,
                            discovered: 0,
                        }),
                    }
                }
                rendezvous::client::Event::RegisterFailed { .. } => report(Outcome::Reserved {
                    registered: false,
                    discovered: 0,
                }),
                rendezvous::client::Event::Discovered { registrations, .. } => {
                    report(Outcome::Reserved {
                        registered: true,
                        discovered: registrations.len(),
                    })
                }
                rendezvous::client::Event::DiscoverFailed { .. } => report(Outcome::Reserved {
                    registered: true,
                    discovered: 0,
                }),
                _ => {}
            },
            SwarmEvent::ConnectionClosed {
                num_established: 0, ..
            } if !reserved => report(Outcome::ReservationRefused),
            _ => {}
        }
    }
}

/// `127.0.0.<n>` (n in 1..=254), a loopback source address of its own.
pub fn loopback(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}
