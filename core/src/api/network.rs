//! What the background tells pages about the peer-to-peer network: its state, the relays it
//! holds slots on, each peer it knows and how a sync with it is going.

use serde::{Deserialize, Serialize};

/// The network as a whole, for the popup's one-line summary and the options page's table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkStatus {
    pub state: NetworkState,
    /// This browser's libp2p peer id (a per-device key, not the user's identity).
    pub local_peer_id: String,
    pub relays: Vec<RelayInfo>,
    /// Every peer seen since start, connected ones first.
    pub peers: Vec<PeerInfo>,
    /// Pulls running now, summed over peers; `None` when none is running.
    pub sync: Option<SyncProgress>,
    /// Malformed messages and invalid events received from all peers (as the peers table
    /// counts them).
    pub invalid_total: u64,
    /// Why events received from peers could not be stored, in words, until a later store
    /// succeeds (typically: the browser's storage is full). Nothing stored before is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_problem: Option<String>,
}

impl NetworkStatus {
    pub fn connected_peers(&self) -> usize {
        self.peers.iter().filter(|p| p.connected).count()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum NetworkState {
    /// No bootstrap address is set: there is nobody to meet peers through.
    #[default]
    NoBootstrap,
    /// Dialing relays; no slot is held yet.
    Connecting,
    /// At least one relay holds a slot for this browser, so peers can reach it.
    Online,
    /// The network could not start; `reason` says why in words.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayInfo {
    /// The bootstrap address, as entered.
    pub address: String,
    pub state: RelayState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RelayState {
    Connecting,
    /// A slot is reserved: other browsers can reach this one through the relay.
    Reserved,
    /// The last attempt failed; the next starts after `retry_in_ms`.
    Waiting {
        reason: String,
        retry_in_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// Through a relay's circuit.
    Relayed,
    /// Straight to the peer (WebRTC).
    Direct,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub peer_id: String,
    /// The address of the current (or last) connection.
    pub address: Option<String>,
    pub connection: Option<ConnectionKind>,
    pub connected: bool,
    /// Valid events this peer sent that were new here.
    pub events_received: u64,
    /// Malformed messages and invalid events this peer sent, all dropped.
    pub invalid_messages: u64,
    /// When a message from or a connection to this peer was last seen, ms since the epoch.
    pub last_seen: u64,
    /// Disconnected for misbehaving; not dialed or accepted again until restart.
    pub banned: bool,
    /// Our pull from this peer, while it runs.
    pub sync: Option<SyncProgress>,
}

/// How far pulls have got, in events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// Ids the peers listed.
    pub listed: u64,
    /// Of those, how many were missing here.
    pub missing: u64,
    /// Missing events received and stored so far.
    pub received: u64,
}

impl SyncProgress {
    pub fn add(&mut self, other: SyncProgress) {
        self.listed += other.listed;
        self.missing += other.missing;
        self.received += other.received;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_problem_is_sent_only_when_there_is_one() {
        let mut status = NetworkStatus::default();
        let json = serde_json::to_string(&status).unwrap();
        assert!(!json.contains("storage_problem"), "{json}");
        assert_eq!(
            serde_json::from_str::<NetworkStatus>(&json).unwrap(),
            status
        );

        status.storage_problem = Some("The browser's storage for Phemossa is full.".into());
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(
            serde_json::from_str::<NetworkStatus>(&json).unwrap(),
            status
        );
    }

    #[test]
    fn connected_peers_counts_only_open_connections() {
        let peer = |connected| PeerInfo {
            peer_id: "p".into(),
            address: None,
            connection: None,
            connected,
            events_received: 0,
            invalid_messages: 0,
            last_seen: 0,
            banned: false,
            sync: None,
        };
        let status = NetworkStatus {
            peers: vec![peer(true), peer(false), peer(true)],
            ..NetworkStatus::default()
        };
        assert_eq!(status.connected_peers(), 2);
    }
}
