//! What the native tests share: an in-process relay, and a native victim that registers in
//! rendezvous behind it, speaks the browser's sync codec and gossipsub configuration, and so
//! gets found and dialed by the hostile peer as a browser would.
#![allow(dead_code)] // each test file uses part of it

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libp2p::{
    gossipsub, identify, multiaddr::Protocol, noise, ping, relay, rendezvous, request_response,
    swarm::NetworkBehaviour, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder,
};
use phemossa_net::SyncCodec;
use phemossa_relay::{Config as RelayConfig, Relay};
use tokio::sync::oneshot;

pub const TIMEOUT: Duration = Duration::from_secs(60);

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[derive(NetworkBehaviour)]
pub struct Victim {
    pub relay: relay::client::Behaviour,
    pub rendezvous: rendezvous::client::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub gossipsub: gossipsub::Behaviour,
    pub sync: request_response::Behaviour<SyncCodec>,
}

/// A victim whose own sync requests give up after `request_timeout`.
pub async fn victim_with_timeout(request_timeout: Duration) -> Swarm<Victim> {
    SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_dns()
        .unwrap()
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .unwrap()
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|key, relay| Victim {
            relay,
            rendezvous: rendezvous::client::Behaviour::new(key.clone()),
            identify: identify::Behaviour::new(identify::Config::new(
                phemossa_net::PROTOCOL_VERSION.into(),
                key.public(),
            )),
            ping: ping::Behaviour::new(ping::Config::new()),
            gossipsub: gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                // The browser node's own configuration: this victim stands in for it.
                phemossa_net::gossip_config().unwrap(),
            )
            .unwrap(),
            sync: request_response::Behaviour::with_codec(
                SyncCodec,
                [(
                    StreamProtocol::new(phemossa_sync::SYNC_PROTOCOL),
                    request_response::ProtocolSupport::Full,
                )],
                request_response::Config::default().with_request_timeout(request_timeout),
            ),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(TIMEOUT))
        .build()
}

/// A victim with libp2p's default request timeout (10 s).
pub async fn victim() -> Swarm<Victim> {
    victim_with_timeout(Duration::from_secs(10)).await
}

/// A relay running in this process: its `/ws` address, its id, and how to stop it.
pub struct TestRelay {
    pub ws: Multiaddr,
    pub id: PeerId,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), phemossa_relay::Error>>,
}

impl TestRelay {
    pub async fn start() -> TestRelay {
        let relay = Relay::start(RelayConfig::loopback_any_port())
            .await
            .unwrap();
        let id = relay.peer_id();
        let ws = relay
            .listen_addrs()
            .into_iter()
            .find(|a| a.iter().any(|p| matches!(p, Protocol::Ws(_))))
            .expect("a /ws address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(relay.run(async {
            let _ = stopped.await;
        }));
        TestRelay { ws, id, stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(TIMEOUT, self.task).await;
    }
}

/// The hostile peer running in this process: its report lines, and how to stop it.
pub struct Hostile {
    pub lines: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), phemossa_hostile_peer::Error>>,
}

impl Hostile {
    pub fn spawn(args: phemossa_hostile_peer::Args) -> Hostile {
        let config = args.into_config().unwrap();
        let (lines_tx, lines) = tokio::sync::mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut report = move |line: serde_json::Value| {
                let _ = lines_tx.send(line);
            };
            phemossa_hostile_peer::run(
                config,
                async {
                    let _ = stopped.await;
                },
                &mut report,
            )
            .await
        });
        Hostile { lines, stop, task }
    }

    /// Stops it and checks that it exits cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(TIMEOUT, self.task)
            .await
            .expect("the hostile peer stopped in time")
            .expect("no panic")
            .expect("clean exit");
    }
}

/// The hostile peer's flags against `target` behind `relay`, attacking `author`'s topic, with
/// every fault of its own off: only a mode's `flags` (e.g. `["--silent"]`) are added.
pub fn mode_args(
    relay: &Multiaddr,
    author: &phemossa_core::PublicKey,
    target: PeerId,
    flags: &[&str],
) -> phemossa_hostile_peer::Args {
    use clap::Parser;
    let (relay, author, target) = (relay.to_string(), author.to_base64(), target.to_string());
    let mut argv = vec![
        "phemossa-hostile-peer",
        "--relay",
        &relay,
        "--victim-author",
        &author,
        "--target",
        &target,
        "--malformed",
        "0",
        "--gossip",
        "0",
        "--forged-events",
        "0",
        "--discover-interval-secs",
        "1",
    ];
    argv.extend_from_slice(flags);
    phemossa_hostile_peer::Args::parse_from(argv)
}
