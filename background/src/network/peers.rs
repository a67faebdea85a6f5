//! The browser's peer table: `phemossa_node::peer_table` over libp2p's peer and connection
//! ids, its response channels and the browser's path readings, and the translation of a peer
//! to the `peers` store's `PeerRecord` and back and to the pages' `PeerInfo`. Every decision
//! about a peer is the node crate's; this file only converts.

use libp2p::request_response::ResponseChannel;
use libp2p::swarm::ConnectionId;
use libp2p::PeerId;
use phemossa_api::{PathInfo, PeerInfo, SyncProgress};
use phemossa_node::peer_table::{self, SavedPeer};

use crate::storage::PeerRecord;

pub use phemossa_node::peer_table::{NodeShared, Version};

/// What an inbound sync request is answered on.
pub type Channel = ResponseChannel<Vec<u8>>;

/// One peer, as the driver keeps it.
pub type Peer = peer_table::Peer<ConnectionId, Channel, PathInfo>;

/// Every peer this node has seen, by libp2p peer id.
pub type Peers = peer_table::Peers<PeerId, ConnectionId, Channel, PathInfo>;

/// The node's sync machine over libp2p's ids (`phemossa_node::state`).
pub type SyncNode = phemossa_node::NodeState<PeerId, ConnectionId, Channel, PathInfo>;

/// Reading the peer table back from the `peers` store.
pub trait FromRecords {
    /// Peers remembered from earlier runs, shown as not connected; those banned until after
    /// `now` are banned again. A record whose id does not parse is skipped.
    fn from_records(records: Vec<PeerRecord>, shared: NodeShared, now: u64) -> Self;
}

impl FromRecords for Peers {
    fn from_records(records: Vec<PeerRecord>, shared: NodeShared, now: u64) -> Self {
        let mut peers = Peers::new(shared);
        for record in records {
            let Ok(peer_id) = record.peer_id.parse::<PeerId>() else {
                continue;
            };
            let saved = SavedPeer {
                address: record.address,
                events_received: record.events_received,
                invalid_messages: record.invalid_messages,
                last_seen: record.last_seen,
                banned_until: record.banned_until,
                owner: record.owner,
            };
            peers.restore(peer_id, saved, now);
        }
        peers
    }
}

/// A peer as the `peers` store keeps it and as the pages show it.
pub trait Translate {
    fn record(&self, peer_id: &PeerId) -> PeerRecord;
    fn info(&self, peer_id: &PeerId, now: u64) -> PeerInfo;
}

impl Translate for Peer {
    fn record(&self, peer_id: &PeerId) -> PeerRecord {
        let saved = self.saved();
        PeerRecord {
            peer_id: peer_id.to_string(),
            address: saved.address,
            events_received: saved.events_received,
            invalid_messages: saved.invalid_messages,
            last_seen: saved.last_seen,
            banned_until: saved.banned_until,
            owner: saved.owner,
        }
    }

    fn info(&self, peer_id: &PeerId, now: u64) -> PeerInfo {
        PeerInfo {
            peer_id: peer_id.to_string(),
            address: self.address.clone(),
            connection: self.links.kind(),
            path: self.path.clone(),
            direct: self.links.state(now),
            connected: self.connected(),
            events_received: self.events_received,
            invalid_messages: self.invalid(),
            duplicates: u64::from(self.score.duplicates),
            last_seen: self.last_seen,
            banned: self.banned,
            owner: self.owner,
            sync: self.progress.map(|p| SyncProgress {
                listed: p.listed,
                missing: p.missing,
                received: p.received,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_api::{CandidateType, ConnectionKind};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The policy is tested natively in `node/src/peer_table.rs`; this checks the translation:
    /// a record read back is saved again as it was, an unreadable id is skipped, and the pages
    /// see the peer's id, counts, path and connection.
    #[wasm_bindgen_test]
    fn records_and_infos_carry_what_the_table_keeps() {
        let now = 1_767_225_600_000;
        let peer_id = PeerId::random();
        let record = PeerRecord {
            peer_id: peer_id.to_string(),
            address: Some("/ip4/127.0.0.1/tcp/4001".into()),
            events_received: 7,
            invalid_messages: 2,
            last_seen: now - 1_000,
            banned_until: Some(now + 1),
            owner: Some(phemossa_core::Identity::from_seed([1; 32]).public_key()),
        };
        let unreadable = PeerRecord {
            peer_id: "not a peer id".into(),
            ..record.clone()
        };
        let mut peers =
            Peers::from_records(vec![record.clone(), unreadable], NodeShared::default(), now);
        assert_eq!(peers.by_id.len(), 1, "the unreadable record is skipped");
        let peer = peers.entry(peer_id);
        assert_eq!(peer.record(&peer_id), record, "saved again as it was");

        let direct = ConnectionId::new_unchecked(1);
        peer.links.opened(direct, ConnectionKind::Direct, true, now);
        peer.connections = 1;
        let path = PathInfo {
            local_type: CandidateType::Host,
            remote_type: CandidateType::Host,
            remote_address: None,
            protocol: Some("udp".into()),
            rtt_ms: Some(1),
        };
        peer.path = Some(path.clone());
        let info = peer.info(&peer_id, now);
        assert_eq!(info.peer_id, peer_id.to_string());
        assert_eq!(info.address, record.address);
        assert_eq!(info.connection, Some(ConnectionKind::Direct));
        assert_eq!(info.path, Some(path));
        assert!(info.connected && info.banned);
        assert_eq!(info.owner, record.owner, "who runs it is shown and kept");
        assert_eq!((info.events_received, info.invalid_messages), (7, 2));
        assert_eq!(info.sync, None);
    }
}
