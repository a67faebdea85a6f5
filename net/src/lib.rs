//! The libp2p pieces every Phemossa node shares, so the browser node (`background/`), the
//! hostile test peer (`relay/hostile-peer/`) and any native tool speak one wire with one set
//! of parameters instead of mirrored copies that drift apart:
//!
//! - [`sync_codec`]: the request-response codec of sync v1 and v2 (docs/protocol.md §8.2).
//! - [`sync_behaviour`]: the request-response behaviour of sync, with its stream timeout and
//!   the bound on streams per connection.
//! - [`gossip_config`]: gossipsub's configuration from `phemossa_gossip::params`, and the
//!   behaviour built from it.
//! - [`PROTOCOL_VERSION`]: what a Phemossa node says it speaks, in identify.
//!
//! It holds no transports and no behaviours but these two: each node builds its swarm itself.

pub mod gossip_config;
pub mod sync_behaviour;
pub mod sync_codec;

pub use gossip_config::{gossip_config, gossipsub, topic_score_params};
pub use sync_behaviour::{sync_behaviour, sync_config, MAX_SYNC_STREAMS};
pub use sync_codec::SyncCodec;

/// What a Phemossa node tells peers it speaks, in identify (docs/protocol.md §8.1).
pub const PROTOCOL_VERSION: &str = "/phemossa/1.0.0";

/// What can go wrong building the shared pieces.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// gossipsub refused the configuration (its builder checks the mesh numbers' order).
    #[error("gossipsub refused the configuration: {0}")]
    GossipConfig(String),
    /// gossipsub refused to start with the configuration and key.
    #[error("gossipsub could not start: {0}")]
    Gossipsub(String),
}
