//! The gossipsub parameters in model time: this project's mesh settings, and
//! libp2p-gossipsub 0.50.1's defaults for everything the project leaves alone.

/// The mesh parameters a row runs with: the nodes' own type, so a row can vary one of them.
pub use phemossa_gossip::params::MeshParams as Config;

/// This project's, as every node runs them (`phemossa_gossip::params::MESH`).
pub const PROJECT: Config = phemossa_gossip::params::MESH;

/// libp2p's default: IHAVE goes to max(gossip_lazy, 0.25 × non-mesh subscribed peers).
pub const GOSSIP_FACTOR: f64 = 0.25;
/// libp2p's defaults: ids are gossiped for 3 heartbeats and kept for IWANT for 5.
pub const HISTORY_GOSSIP: u32 = 3;
pub const HISTORY_LENGTH: u32 = 5;
pub const GOSSIP_RETRANSMISSION: u32 = 3;
/// Messages larger than this (the protobuf `Message`) make receivers send IDONTWANT.
pub const IDONTWANT_THRESHOLD: usize = 1000;
/// Model time: one unit is one network hop; a heartbeat (1 s) is this many units, i.e. a hop
/// takes 100 ms, about a relayed browser-to-browser hop.
pub const UNITS_PER_HEARTBEAT: u64 = 10;
/// prune_backoff (60 s) and backoff_slack (1 heartbeat), libp2p's defaults.
pub const PRUNE_BACKOFF: u64 = 60 * UNITS_PER_HEARTBEAT;
pub const BACKOFF_SLACK: u64 = UNITS_PER_HEARTBEAT;
