//! The gossipsub parameters every Phemossa node runs with, as plain numbers: the browser node,
//! the hostile test peer (through `phemossa-net`) and the gossip model example read this one
//! set, so what the model measures is what the nodes do.

/// How many peers a node keeps in its mesh for a topic, and how it refills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshParams {
    /// Below this many mesh peers a node grafts more at the next heartbeat. 2, not 1: with 1 a
    /// peer grafts only while its mesh is empty, and meshes fall into islands that only lazy
    /// gossip reaches (the gossip model in docs/benchmarks.md).
    pub mesh_n_low: usize,
    /// The mesh size a node grafts up to.
    pub mesh_n: usize,
    /// Above this many a node prunes back to `mesh_n`.
    pub mesh_n_high: usize,
    /// Of the mesh, at least this many must be peers this node dialed (an eclipse defence).
    pub mesh_outbound_min: usize,
    /// Non-mesh peers told of recent ids (IHAVE) at each heartbeat.
    pub gossip_lazy: usize,
}

/// A mesh of 2–6 peers per topic: networks of browsers are small, and each peer is a relayed
/// or WebRTC connection that costs far more than a TCP one.
pub const MESH: MeshParams = MeshParams {
    mesh_n_low: 2,
    mesh_n: 3,
    mesh_n_high: 6,
    mesh_outbound_min: 1,
    gossip_lazy: 3,
};

/// The heartbeat, in ms: mesh upkeep and IHAVE gossip happen once per heartbeat.
pub const HEARTBEAT_MS: u64 = 1_000;

/// Room gossipsub's envelope (signature, key, sequence number, topic) takes around a message.
pub const ENVELOPE_BYTES: usize = 1024;

/// The largest gossipsub message a node sends or accepts: one sync-sized batch of events
/// ([`phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES`]) in its envelope.
pub const MAX_TRANSMIT_BYTES: usize =
    phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES + ENVELOPE_BYTES;
