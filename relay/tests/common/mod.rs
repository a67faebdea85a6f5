//! Shared helpers for the relay's integration tests: an in-process relay on OS-chosen loopback
//! ports, native client swarms (relay client, rendezvous client, ping), and bounded waits.
#![allow(dead_code)] // each test file uses a different subset

pub mod ip_client;

use std::{net::SocketAddr, time::Duration};

use libp2p::{
    identify, multiaddr::Protocol, noise, ping, relay, rendezvous, swarm::NetworkBehaviour, tcp,
    yamux, Multiaddr, PeerId, Swarm, SwarmBuilder,
};
use phemossa_relay::{Config, Error, Relay};
use tokio::{sync::oneshot, task::JoinHandle};

/// Every wait in these tests is bounded by this, so a failure cannot hang CI.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Logs to the test output when RUST_LOG is set (e.g. RUST_LOG=phemossa_relay=debug).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .with_ansi(false)
        .try_init();
}

/// A relay running in a background task.
pub struct RunningRelay {
    pub peer_id: PeerId,
    pub listen_addrs: Vec<Multiaddr>,
    pub advertised_addrs: Vec<Multiaddr>,
    /// Where `/metrics` is served, when the config asked for it.
    pub metrics_addr: Option<SocketAddr>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), Error>>,
}

impl RunningRelay {
    /// Starts a relay with `config` and serves it in the background.
    pub async fn start(config: Config) -> RunningRelay {
        let relay = tokio::time::timeout(TIMEOUT, Relay::start(config))
            .await
            .expect("relay started in time")
            .expect("relay started");
        let (stop, stopped) = oneshot::channel::<()>();
        let peer_id = relay.peer_id();
        let listen_addrs = relay.listen_addrs();
        let advertised_addrs = relay.advertised_addrs();
        let metrics_addr = relay.metrics_addr();
        let task = tokio::spawn(relay.run(async {
            let _ = stopped.await;
        }));
        RunningRelay {
            peer_id,
            listen_addrs,
            advertised_addrs,
            metrics_addr,
            stop,
            task,
        }
    }

    /// The first listen address using the given transport.
    pub fn addr(&self, webrtc: bool) -> Multiaddr {
        self.listen_addrs
            .iter()
            .find(|a| a.iter().any(|p| matches!(p, Protocol::WebRTCDirect)) == webrtc)
            .cloned()
            .expect("relay listens on that transport")
    }

    /// Asks the relay to shut down and checks that it does so cleanly and in time.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(TIMEOUT, self.task)
            .await
            .expect("relay shut down in time")
            .expect("relay task did not panic")
            .expect("relay shut down cleanly");
    }
}

/// What a test client speaks: the browser node's relevant half.
#[derive(NetworkBehaviour)]
pub struct Client {
    pub relay: relay::client::Behaviour,
    pub rendezvous: rendezvous::client::Behaviour,
    pub ping: ping::Behaviour,
    pub identify: identify::Behaviour,
}

/// A native client swarm with TCP, WebSocket, WebRTC-direct (dial only after it listens on a
/// UDP port, a libp2p-webrtc requirement) and relay-client transports.
pub async fn client() -> Swarm<Client> {
    SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_other_transport(|k| {
            let cert = libp2p_webrtc::tokio::Certificate::generate(&mut rand::rng()).unwrap();
            libp2p_webrtc::tokio::Transport::new(k.clone(), cert)
        })
        .unwrap()
        .with_dns()
        .unwrap()
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .unwrap()
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|k, relay| Client {
            relay,
            rendezvous: rendezvous::client::Behaviour::new(k.clone()),
            ping: ping::Behaviour::new(
                ping::Config::new().with_interval(Duration::from_millis(500)),
            ),
            identify: identify::Behaviour::new(identify::Config::new(
                "/phemossa/test/1.0.0".into(),
                k.public(),
            )),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(TIMEOUT))
        .build()
}

/// True if the address goes through a relay.
pub fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}
