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

/// Gossipsub's peer scoring (v1.1), as every node runs it: what gossipsub itself holds against
/// a peer, beside the application's own counts and ban (docs/protocol.md §8.6). It sees what
/// the application cannot: broken IHAVE promises, GRAFTs during a backoff, IWANT floods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParams {
    /// P1 per second in a topic's mesh, up to `time_in_mesh_cap` seconds: at most +36.
    pub time_in_mesh_weight: f64,
    pub time_in_mesh_cap: f64,
    /// P2 per message first delivered by the peer, decaying by this factor a second, capped.
    pub first_delivery_weight: f64,
    pub first_delivery_decay: f64,
    pub first_delivery_cap: f64,
    /// P4, times the square of messages the application rejected from the peer. −0.5 puts the
    /// graylist (13 rejected messages) past the application's own ban (10 counted faults), so
    /// the ban, which the person sees, comes first; and gossip to the peer stops at 5.
    pub invalid_message_weight: f64,
    /// P4's decay a second: 0.99 halves it in about 70 s.
    pub invalid_message_decay: f64,
    /// P7, times the square of gossipsub misbehaviour past `behaviour_penalty_threshold`. The
    /// threshold of 6 excuses the few broken promises an honest peer makes when a connection
    /// or its message cache goes away under it; decay 0.9 a second.
    pub behaviour_penalty_weight: f64,
    pub behaviour_penalty_threshold: f64,
    pub behaviour_penalty_decay: f64,
    /// Below these a peer gets no IHAVE gossip, none of our publishing, and is ignored.
    pub gossip_threshold: f64,
    pub publish_threshold: f64,
    pub graylist_threshold: f64,
}

/// No P3 (mesh delivery deficits): an author topic carries a person's posts, so silence on it
/// is normal and must never count against the peers in its mesh. No IP colocation: browsers
/// reached through a relay share the relay's address, and direct ones hide theirs behind ICE.
pub const SCORE: ScoreParams = ScoreParams {
    time_in_mesh_weight: 0.01,
    time_in_mesh_cap: 3_600.0,
    first_delivery_weight: 1.0,
    first_delivery_decay: 0.9,
    first_delivery_cap: 20.0,
    invalid_message_weight: -0.5,
    invalid_message_decay: 0.99,
    behaviour_penalty_weight: -10.0,
    behaviour_penalty_threshold: 6.0,
    behaviour_penalty_decay: 0.9,
    gossip_threshold: -10.0,
    publish_threshold: -50.0,
    graylist_threshold: -80.0,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Rejected messages from one peer on one topic, until its P4 term crosses `threshold`.
    fn rejected_until(threshold: f64) -> u32 {
        (1..)
            .find(|n| SCORE.invalid_message_weight * f64::from(n * n) < threshold)
            .unwrap_or(0)
    }

    #[test]
    fn the_application_ban_comes_before_the_graylist() {
        let ban = phemossa_sync::peer_score::DISCONNECT_THRESHOLD;
        assert_eq!(rejected_until(SCORE.graylist_threshold), 13);
        assert!(u64::from(rejected_until(SCORE.graylist_threshold)) > u64::from(ban));
        assert_eq!(rejected_until(SCORE.gossip_threshold), 5);
    }
}
