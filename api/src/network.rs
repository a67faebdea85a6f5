//! What the background tells pages about the peer-to-peer network: its state, the relays it
//! holds slots on, each peer it knows, how it is connected to it (directly, over which ICE
//! candidate pair, or through a relay while a direct connection is tried) and how a sync with it
//! is going.

use phemossa_core::PublicKey;
use serde::{Deserialize, Serialize};

pub use phemossa_node::direct::{ConnectionKind, DirectState};

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
    /// Valid events from people the user does not follow, addressed to the user, dropped
    /// because they carried less proof of work than the user asks of strangers
    /// (docs/protocol.md §8.9; nobody is blamed for them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub held_for_work: u64,
    /// Why events received from peers could not be stored, in words, until a later store
    /// succeeds (typically: the browser's storage is full). Nothing stored before is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_problem: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl NetworkStatus {
    pub fn connected_peers(&self) -> usize {
        self.peers.iter().filter(|p| p.connected).count()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    try_from = "NetworkStateJson"
)]
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
#[serde(tag = "state", rename_all = "snake_case", try_from = "RelayStateJson")]
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

// [`NetworkState`] and [`RelayState`] as read: the same JSON as serde's internally tagged
// form, read as plain structs (as `people::AvatarEdit`). The tagged form buffers each object
// through serde's `Content` first, which cost each page's wasm about 12 KB for these two.

#[derive(Deserialize)]
struct NetworkStateJson {
    state: NetworkStateName,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum NetworkStateName {
    NoBootstrap,
    Connecting,
    Online,
    Failed,
}

impl TryFrom<NetworkStateJson> for NetworkState {
    type Error = &'static str;

    fn try_from(json: NetworkStateJson) -> Result<Self, Self::Error> {
        match (json.state, json.reason) {
            (NetworkStateName::NoBootstrap, _) => Ok(Self::NoBootstrap),
            (NetworkStateName::Connecting, _) => Ok(Self::Connecting),
            (NetworkStateName::Online, _) => Ok(Self::Online),
            (NetworkStateName::Failed, Some(reason)) => Ok(Self::Failed { reason }),
            (NetworkStateName::Failed, None) => Err("missing field `reason`"),
        }
    }
}

#[derive(Deserialize)]
struct RelayStateJson {
    state: RelayStateName,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    retry_in_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RelayStateName {
    Connecting,
    Reserved,
    Waiting,
}

impl TryFrom<RelayStateJson> for RelayState {
    type Error = &'static str;

    fn try_from(json: RelayStateJson) -> Result<Self, Self::Error> {
        match (json.state, json.reason, json.retry_in_ms) {
            (RelayStateName::Connecting, ..) => Ok(Self::Connecting),
            (RelayStateName::Reserved, ..) => Ok(Self::Reserved),
            (RelayStateName::Waiting, Some(reason), Some(retry_in_ms)) => Ok(Self::Waiting {
                reason,
                retry_in_ms,
            }),
            (RelayStateName::Waiting, None, _) => Err("missing field `reason`"),
            (RelayStateName::Waiting, _, None) => Err("missing field `retry_in_ms`"),
        }
    }
}

/// The kind of an ICE candidate, as WebRTC's `RTCIceCandidateStats.candidateType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateType {
    /// An address of the browser's own machine (in Chrome often an mDNS `.local` name).
    Host,
    /// Server reflexive: the address a STUN server saw, outside the NAT.
    Srflx,
    /// Peer reflexive: an address the other side saw during the connectivity checks.
    Prflx,
    /// An address on a TURN server, which forwards every packet.
    Relay,
}

impl CandidateType {
    /// Reads a `candidateType` from `getStats()`; `None` for anything else (it is the browser's
    /// text, so it is not trusted to be one of the four).
    pub fn from_stats(value: &str) -> Option<Self> {
        match value {
            "host" => Some(Self::Host),
            "srflx" => Some(Self::Srflx),
            "prflx" => Some(Self::Prflx),
            "relay" => Some(Self::Relay),
            _ => None,
        }
    }

    /// The name `getStats()` and this API's JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Srflx => "srflx",
            Self::Prflx => "prflx",
            Self::Relay => "relay",
        }
    }
}

/// The path a direct connection takes: its selected ICE candidate pair, read from
/// `RTCPeerConnection.getStats()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathInfo {
    pub local_type: CandidateType,
    pub remote_type: CandidateType,
    /// The remote candidate's address and port, "203.0.113.7:50000" (or an mDNS name), when the
    /// browser discloses it.
    #[serde(default)]
    pub remote_address: Option<String>,
    /// "udp" or "tcp", as the browser reports it.
    #[serde(default)]
    pub protocol: Option<String>,
    /// The pair's current round-trip time, in ms, once one was measured.
    #[serde(default)]
    pub rtt_ms: Option<u32>,
}

impl PathInfo {
    /// Whether a TURN server forwards the traffic (either end's candidate is a `relay` one).
    pub fn via_turn(&self) -> bool {
        self.local_type == CandidateType::Relay || self.remote_type == CandidateType::Relay
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Events this peer sent this run that this node already held, dropped: normal in gossip
    /// and never held against the peer, but a peer replaying old events shows here. Absent in
    /// messages from older backgrounds.
    #[serde(default)]
    pub duplicates: u64,
    /// When a message from or a connection to this peer was last seen, ms since the epoch.
    pub last_seen: u64,
    /// Disconnected for misbehaving; not dialed, and its connections refused, until the ban
    /// lapses a day later (docs/protocol.md §8.6).
    pub banned: bool,
    /// Who runs the peer: the user whose signed owner claim for its peer id checked
    /// (docs/protocol.md §13). Pages show them by name and picture. Absent in messages from
    /// older backgrounds.
    #[serde(default)]
    pub owner: Option<PublicKey>,
    /// Our pull from this peer, while it runs.
    pub sync: Option<SyncProgress>,
    /// The selected ICE candidate pair of the direct connection, while one is open and its
    /// stats were read. Absent in messages from older backgrounds.
    #[serde(default)]
    pub path: Option<PathInfo>,
    /// While the peer is reached only through a relay and a direct connection is attempted or
    /// awaited: how that stands. `None` when direct, or when no direct connection is tried
    /// (the peer does not offer WebRTC signaling). Absent in messages from older backgrounds.
    #[serde(default)]
    pub direct: Option<DirectState>,
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
    fn states_travel_internally_tagged_and_read_back_in_any_key_order() {
        let network = [
            (NetworkState::NoBootstrap, r#"{"state":"no_bootstrap"}"#),
            (NetworkState::Online, r#"{"state":"online"}"#),
            (
                NetworkState::Failed {
                    reason: "no".into(),
                },
                r#"{"state":"failed","reason":"no"}"#,
            ),
        ];
        for (state, json) in network {
            assert_eq!(serde_json::to_string(&state).unwrap(), json);
            assert_eq!(serde_json::from_str::<NetworkState>(json).unwrap(), state);
        }
        let waiting = RelayState::Waiting {
            reason: "refused".into(),
            retry_in_ms: 500,
        };
        assert_eq!(
            serde_json::to_string(&waiting).unwrap(),
            r#"{"state":"waiting","reason":"refused","retry_in_ms":500}"#
        );
        for json in [
            r#"{"state":"waiting","reason":"refused","retry_in_ms":500}"#,
            r#"{"retry_in_ms":500,"reason":"refused","state":"waiting"}"#,
        ] {
            assert_eq!(serde_json::from_str::<RelayState>(json).unwrap(), waiting);
        }
        assert_eq!(
            serde_json::from_str::<RelayState>(r#"{"state":"reserved","extra":1}"#).unwrap(),
            RelayState::Reserved
        );
        for bad in [
            r#"{"state":"failed"}"#,
            r#"{"state":"sleeping"}"#,
            r#"{"reason":"no"}"#,
        ] {
            assert!(serde_json::from_str::<NetworkState>(bad).is_err(), "{bad}");
        }
        for bad in [
            r#"{"state":"waiting","reason":"refused"}"#,
            r#"{"state":"waiting","retry_in_ms":500}"#,
            r#"{"state":"waiting","reason":"a","reason":"b","retry_in_ms":1}"#,
        ] {
            assert!(serde_json::from_str::<RelayState>(bad).is_err(), "{bad}");
        }
    }

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
            connected,
            ..PeerInfo::default()
        };
        let status = NetworkStatus {
            peers: vec![peer(true), peer(false), peer(true)],
            ..NetworkStatus::default()
        };
        assert_eq!(status.connected_peers(), 2);
    }

    #[test]
    fn a_peer_from_an_older_background_has_no_path_and_no_direct_state() {
        let json = r#"{"peer_id":"p","address":null,"connection":"relayed","connected":true,"events_received":1,"invalid_messages":0,"last_seen":5,"banned":false,"sync":null}"#;
        let peer: PeerInfo = serde_json::from_str(json).unwrap();
        assert_eq!(peer.connection, Some(ConnectionKind::Relayed));
        assert_eq!(peer.path, None);
        assert_eq!(peer.direct, None);
        assert_eq!(peer.duplicates, 0);
    }

    #[test]
    fn path_and_direct_state_round_trip_in_the_documented_form() {
        let peer = PeerInfo {
            peer_id: "p".into(),
            connection: Some(ConnectionKind::Direct),
            connected: true,
            path: Some(PathInfo {
                local_type: CandidateType::Srflx,
                remote_type: CandidateType::Relay,
                remote_address: Some("203.0.113.7:3478".into()),
                protocol: Some("udp".into()),
                rtt_ms: Some(42),
            }),
            direct: Some(DirectState {
                attempting: false,
                failures: 2,
                retry_in_ms: Some(40_000),
                last_error: Some("ICE failed".into()),
            }),
            ..PeerInfo::default()
        };
        let json = serde_json::to_string(&peer).unwrap();
        assert!(
            json.contains(r#""path":{"local_type":"srflx","remote_type":"relay","remote_address":"203.0.113.7:3478","protocol":"udp","rtt_ms":42}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""direct":{"attempting":false,"failures":2,"retry_in_ms":40000,"last_error":"ICE failed"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<PeerInfo>(&json).unwrap(), peer);
    }

    #[test]
    fn a_path_may_leave_out_what_the_browser_did_not_report() {
        let path: PathInfo =
            serde_json::from_str(r#"{"local_type":"host","remote_type":"prflx"}"#).unwrap();
        assert_eq!(path.remote_address, None);
        assert_eq!(path.rtt_ms, None);
        assert!(!path.via_turn());
    }

    #[test]
    fn candidate_types_are_read_from_stats_by_their_webrtc_names() {
        for kind in [
            CandidateType::Host,
            CandidateType::Srflx,
            CandidateType::Prflx,
            CandidateType::Relay,
        ] {
            assert_eq!(CandidateType::from_stats(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        assert_eq!(CandidateType::from_stats("Relay"), None);
        assert_eq!(CandidateType::from_stats(""), None);
    }

    #[test]
    fn turn_on_either_end_makes_a_path_via_turn() {
        let path = |local_type, remote_type| PathInfo {
            local_type,
            remote_type,
            remote_address: None,
            protocol: None,
            rtt_ms: None,
        };
        assert!(path(CandidateType::Relay, CandidateType::Host).via_turn());
        assert!(path(CandidateType::Srflx, CandidateType::Relay).via_turn());
        assert!(!path(CandidateType::Srflx, CandidateType::Prflx).via_turn());
    }

    #[test]
    fn the_documented_network_response_reads_as_documented() {
        use crate::{Response, ServerMessage};
        let doc = include_str!("../../docs/api.md");
        let line = doc
            .lines()
            .find(|l| l.starts_with(r#"{"kind":"response","id":14,"#))
            .expect("docs/api.md shows a get_network response");
        let ServerMessage::Response {
            result: Ok(Response::Network(status)),
            ..
        } = ServerMessage::from_json(line).unwrap()
        else {
            panic!("not a network response: {line}");
        };
        let peer = &status.peers[0];
        assert_eq!(peer.connection, Some(ConnectionKind::Relayed));
        assert_eq!(peer.duplicates, 3);
        assert_eq!(
            peer.owner.map(|key| key.to_base64()).as_deref(),
            Some("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=")
        );
        assert_eq!(peer.path, None);
        assert_eq!(
            peer.direct,
            Some(DirectState {
                attempting: false,
                failures: 2,
                retry_in_ms: Some(40_000),
                last_error: Some("ICE failed: no candidate pair succeeded".into()),
            })
        );
    }
}
