//! The browser node's libp2p stack: WebSocket and WebRTC-direct transports to relays, circuit
//! relay client, direct browser-to-browser WebRTC (`/webrtc`, signaled over relayed
//! connections), identify, ping, rendezvous discovery, gossipsub for new events and
//! request-response for sync, blobs and who runs a peer, and the swarm built from them.

use std::time::Duration;

use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::core::upgrade::Version;
use libp2p::core::Transport as _;
use libp2p::identity::Keypair;
use libp2p::swarm::NetworkBehaviour;
use libp2p::{
    allow_block_list, gossipsub, identify, noise, ping, relay, rendezvous, request_response,
    webrtc_websys, websocket_websys, yamux, Swarm, SwarmBuilder,
};
use phemossa_net::SyncCodec;
use phemossa_net::PROTOCOL_VERSION;
use phemossa_node::limits::ConnectionCaps;
use phemossa_sync::blob::BLOB_PROTOCOL;
use phemossa_sync::owner::OWNER_PROTOCOL;
use phemossa_sync::replies::REPLIES_PROTOCOL;
use phemossa_sync::{SYNC_PROTOCOL, SYNC_V2_PROTOCOL};

use crate::error::BackgroundError;

/// How long a connection without open streams or mesh membership is kept. Long, because peers
/// are few and each reconnect through a relay costs a circuit and a sync.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(30 * 60);

#[derive(NetworkBehaviour)]
pub struct Node {
    /// Refuses banned peers' connections before they are set up (`Driver::ban`).
    pub blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    /// Connections in handshake, inbound and per peer, bounded before they are set up
    /// (`phemossa_node::limits::ConnectionCaps`; the driver follows the peer setting).
    pub limits: connection_limits::Behaviour,
    pub relay: relay::client::Behaviour,
    /// Upgrades relayed connections to direct ones (`webrtc-b2b`).
    pub webrtc: webrtc_b2b::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub rendezvous: rendezvous::client::Behaviour,
    pub gossipsub: gossipsub::Behaviour,
    /// Sync v1, the plain id exchange: still answered, and used with peers without v2.
    pub sync: request_response::Behaviour<SyncCodec>,
    /// Sync v2, set reconciliation, and its minor version 2.1 with a thread's replies (§8.10),
    /// offered first. A behaviour of its own, so each stream's protocol is known from the
    /// behaviour it arrives on. (The replies are not a protocol of their own: each
    /// request-response behaviour costs this wasm about 27 KB.)
    pub sync_v2: request_response::Behaviour<SyncCodec>,
    /// Blob transfer (docs/protocol.md §12): the pictures events name, in 32 KiB chunks.
    pub blob: request_response::Behaviour<SyncCodec>,
    /// Who runs a peer (docs/protocol.md §13): the user's signed claim for this device's peer
    /// id, asked of each peer once per connection so the peer table names people.
    pub owner: request_response::Behaviour<SyncCodec>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A byte stream to be secured and multiplexed: a relayed circuit or a WebSocket.
trait RawStream: futures::AsyncRead + futures::AsyncWrite + Unpin + Send {}
impl<T: futures::AsyncRead + futures::AsyncWrite + Unpin + Send> RawStream for T {}

/// Either transport's raw connection behind one type, so Noise, Yamux and the upgrades that
/// join them are compiled once for both instead of once per transport: 45 KB less wasm (2.64 to
/// 2.59 MB, `bash tests/wasm-budgets.sh`), for one indirect call per read or write of a frame.
type BoxedStream = Box<dyn RawStream>;

fn boxed<T: RawStream + 'static>(stream: T) -> BoxedStream {
    Box::new(stream)
}

/// libp2p's connection limits for `caps`.
pub fn connection_limits(caps: ConnectionCaps) -> ConnectionLimits {
    ConnectionLimits::default()
        .with_max_pending_incoming(Some(caps.pending_incoming))
        .with_max_established_incoming(Some(caps.established_incoming))
        .with_max_established_per_peer(Some(caps.per_peer))
}

/// Builds the swarm on the device key `key`, its connections bounded by `caps`.
pub fn build_swarm(key: Keypair, caps: ConnectionCaps) -> Result<Swarm<Node>, BackgroundError> {
    let failed = |reason: String| BackgroundError::Network { reason };
    // ICE servers and the attempt timeout come from the network settings (the driver).
    let (direct_transport, direct) = webrtc_b2b::new(webrtc_b2b::Config::default());
    let (relay_transport, relay) = relay::client::new(key.public().to_peer_id());
    // Transports are tried in the order they are added, and an address goes to the first that
    // takes it. `/webrtc` must come before the relay client (which would take
    // `…/p2p-circuit/webrtc/p2p/<peer>` for a plain circuit), and the relay client before the
    // WebSocket transport (which ignores everything after `/ws`, circuits included). Hence the
    // relay client is built here rather than by `with_relay_client`, which puts it first.
    let mut swarm = SwarmBuilder::with_existing_identity(key)
        .with_wasm_bindgen()
        .with_other_transport(|_| direct_transport)
        .map_err(|e| failed(format!("browser-to-browser WebRTC transport: {e}")))?
        .with_other_transport(|key| -> Result<_, BoxError> {
            Ok(relay_transport
                .map(|stream, _| boxed(stream))
                .upgrade(Version::V1Lazy)
                .authenticate(noise::Config::new(key)?)
                .multiplex(yamux::Config::default()))
        })
        .map_err(|e| failed(format!("relay client: {e}")))?
        .with_other_transport(|key| webrtc_websys::Transport::new(webrtc_websys::Config::new(key)))
        .map_err(|e| failed(format!("WebRTC transport: {e}")))?
        .with_other_transport(|key| -> Result<_, BoxError> {
            Ok(websocket_websys::Transport::default()
                .map(|stream, _| boxed(stream))
                .upgrade(Version::V1Lazy)
                .authenticate(noise::Config::new(key)?)
                .multiplex(yamux::Config::default()))
        })
        .map_err(|e| failed(format!("WebSocket transport: {e}")))?
        .with_behaviour(|key| -> Result<Node, BoxError> {
            Ok(Node {
                blocked: allow_block_list::Behaviour::default(),
                limits: connection_limits::Behaviour::new(connection_limits(caps)),
                relay,
                webrtc: direct,
                // No address cache: identify would otherwise add every address a peer lists to
                // each dial of it, so redialing a relay raced its WebSocket address against its
                // WebRTC-direct one, and a relayed path over WebRTC-direct breaks on large
                // messages (rust-libp2p 6557) and tears down badly (6551). Dials use exactly
                // the addresses this node chose.
                identify: identify::Behaviour::new(
                    identify::Config::new(PROTOCOL_VERSION.into(), key.public())
                        .with_agent_version(format!("phemossa/{}", env!("CARGO_PKG_VERSION")))
                        .with_cache_size(0),
                ),
                ping: ping::Behaviour::new(ping::Config::new()),
                rendezvous: rendezvous::client::Behaviour::new(key.clone()),
                gossipsub: phemossa_net::gossipsub(key)?,
                sync: phemossa_net::sync_behaviour(&[SYNC_PROTOCOL]),
                sync_v2: phemossa_net::sync_behaviour(&[REPLIES_PROTOCOL, SYNC_V2_PROTOCOL]),
                blob: phemossa_net::sync_behaviour(&[BLOB_PROTOCOL]),
                owner: phemossa_net::sync_behaviour(&[OWNER_PROTOCOL]),
            })
        })
        .map_err(|e| failed(format!("behaviour: {e}")))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    // Accept direct connections from peers that signal over a relayed connection; this also
    // advertises `<relay>/p2p-circuit/webrtc` beside each reservation.
    swarm
        .listen_on(webrtc_b2b::address::listen_address())
        .map_err(|e| failed(format!("listening on /webrtc: {e}")))?;
    Ok(swarm)
}
