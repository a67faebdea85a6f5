//! The network's state put in words for the pages: the popup's one-line summary, the options
//! page's state, relay and peer texts, and sync progress. Pure, so unit-tested natively.

use phemossa_core::api::{
    ConnectionKind, NetworkState, NetworkStatus, PeerInfo, RelayState, SyncProgress,
};

use crate::format::{group_digits, plural};

/// The popup's one line: "Offline — no relay set", "Connecting…", "Connected to 2 peers",
/// "Online — no peers yet", or "Offline — " and why.
pub fn summary(status: &NetworkStatus) -> String {
    let connected = status.connected_peers() as u64;
    match &status.state {
        NetworkState::NoBootstrap => "Offline — no relay set".to_owned(),
        NetworkState::Failed { reason } => format!("Offline — {reason}"),
        _ if connected > 0 => format!("Connected to {}", plural(connected, "peer", "peers")),
        NetworkState::Connecting => "Connecting…".to_owned(),
        NetworkState::Online => "Online — no peers yet".to_owned(),
    }
}

/// The options page's sentence for the overall state.
pub fn state_text(state: &NetworkState) -> String {
    match state {
        NetworkState::NoBootstrap => {
            "No relay set: add a bootstrap address above to meet peers.".to_owned()
        }
        NetworkState::Connecting => "Connecting to relays…".to_owned(),
        NetworkState::Online => {
            "Online: a relay holds a place for this browser, so peers can reach it.".to_owned()
        }
        NetworkState::Failed { reason } => format!("The network could not start: {reason}"),
    }
}

/// How the overall state reads at a glance, for the dot beside it (a CSS class).
pub fn state_tone(status: &NetworkStatus) -> &'static str {
    match status.state {
        NetworkState::Online if status.connected_peers() > 0 => "ok",
        NetworkState::Online | NetworkState::Connecting => "pending",
        NetworkState::Failed { .. } => "bad",
        NetworkState::NoBootstrap => "off",
    }
}

/// A relay's state: "Reserved", "Connecting…", or "Waiting: why (next try in 5 s)".
pub fn relay_text(state: &RelayState) -> String {
    match state {
        RelayState::Reserved => "Reserved".to_owned(),
        RelayState::Connecting => "Connecting…".to_owned(),
        RelayState::Waiting {
            reason,
            retry_in_ms,
        } => format!(
            "Waiting: {reason} (next try in {})",
            short_duration(*retry_in_ms)
        ),
    }
}

/// A wait in words, rounded up: "1 s", "45 s", "2 min", "1 h".
pub fn short_duration(ms: u64) -> String {
    let seconds = ms.div_ceil(1000).max(1);
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s.div_ceil(60)),
        s => format!("{} h", s.div_ceil(3600)),
    }
}

/// "Relayed", "Direct", or "—" when the peer was never connected.
pub fn connection_text(kind: Option<ConnectionKind>) -> &'static str {
    match kind {
        Some(ConnectionKind::Relayed) => "Relayed",
        Some(ConnectionKind::Direct) => "Direct",
        None => "—",
    }
}

/// "Banned", "Connected" or "Not connected".
pub fn peer_state_text(peer: &PeerInfo) -> &'static str {
    if peer.banned {
        "Banned"
    } else if peer.connected {
        "Connected"
    } else {
        "Not connected"
    }
}

/// A peer id cut to its start and end, "12D3KooW…swrRJsNK", for narrow columns (the full id
/// goes in the tooltip). Most ids share their start, so the end is what tells them apart.
pub fn short_peer_id(peer_id: &str) -> String {
    const HEAD: usize = 8;
    const TAIL: usize = 8;
    let chars: Vec<char> = peer_id.chars().collect();
    if chars.len() <= HEAD + TAIL + 1 {
        return peer_id.to_owned();
    }
    let head: String = chars[..HEAD].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!("{head}…{tail}")
}

/// `address` with each `/p2p/<peer id>` cut like [`short_peer_id`], so a relayed address
/// (relay, then `/p2p-circuit`, then the peer) fits a table cell.
pub fn short_address(address: &str) -> String {
    let mut after_p2p = false;
    address
        .split('/')
        .map(|part| {
            let shown = if after_p2p {
                short_peer_id(part)
            } else {
                part.to_owned()
            };
            after_p2p = part == "p2p";
            shown
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// "Syncing: received 3 of 10"; before anything is known to be missing, "Syncing: comparing
/// 250 events", or "Syncing: comparing with a peer" before any are listed.
pub fn sync_text(sync: &SyncProgress) -> String {
    if sync.missing == 0 && sync.listed == 0 {
        "Syncing: comparing with a peer".to_owned()
    } else if sync.missing == 0 {
        format!(
            "Syncing: comparing {}",
            plural(sync.listed, "event", "events")
        )
    } else {
        format!("Syncing: received {}", received_of_missing(sync))
    }
}

/// The same, shorter, for a table cell: "Syncing: 3 of 10", or "Syncing: comparing".
pub fn short_sync_text(sync: &SyncProgress) -> String {
    if sync.missing == 0 {
        "Syncing: comparing".to_owned()
    } else {
        format!("Syncing: {}", received_of_missing(sync))
    }
}

fn received_of_missing(sync: &SyncProgress) -> String {
    format!(
        "{} of {}",
        group_digits(sync.received.min(sync.missing)),
        group_digits(sync.missing)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(connected: bool) -> PeerInfo {
        PeerInfo {
            peer_id: "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN".into(),
            connected,
            ..PeerInfo::default()
        }
    }

    fn status(state: NetworkState, peers: Vec<PeerInfo>) -> NetworkStatus {
        NetworkStatus {
            state,
            peers,
            ..NetworkStatus::default()
        }
    }

    #[test]
    fn the_popup_summary_names_the_state_and_counts_connected_peers() {
        let none = status(NetworkState::NoBootstrap, vec![]);
        assert_eq!(summary(&none), "Offline — no relay set");
        assert_eq!(
            summary(&status(NetworkState::Connecting, vec![])),
            "Connecting…"
        );
        let online = status(NetworkState::Online, vec![peer(false)]);
        assert_eq!(summary(&online), "Online — no peers yet");
        let two = status(
            NetworkState::Online,
            vec![peer(true), peer(false), peer(true)],
        );
        assert_eq!(summary(&two), "Connected to 2 peers");
        let one = status(NetworkState::Connecting, vec![peer(true)]);
        assert_eq!(summary(&one), "Connected to 1 peer");
        let failed = NetworkState::Failed {
            reason: "no WebRTC".into(),
        };
        assert_eq!(summary(&status(failed, vec![])), "Offline — no WebRTC");
    }

    #[test]
    fn states_read_as_sentences() {
        assert!(state_text(&NetworkState::NoBootstrap).starts_with("No relay set"));
        assert_eq!(
            state_tone(&status(NetworkState::NoBootstrap, vec![])),
            "off"
        );
        assert_eq!(
            state_tone(&status(NetworkState::Online, vec![peer(true)])),
            "ok"
        );
    }

    #[test]
    fn relays_say_when_they_try_again() {
        assert_eq!(relay_text(&RelayState::Reserved), "Reserved");
        let waiting = RelayState::Waiting {
            reason: "connection refused".into(),
            retry_in_ms: 4_001,
        };
        assert_eq!(
            relay_text(&waiting),
            "Waiting: connection refused (next try in 5 s)"
        );
        assert_eq!(short_duration(0), "1 s");
        assert_eq!(short_duration(90_000), "2 min");
        assert_eq!(short_duration(3_600_000), "1 h");
    }

    #[test]
    fn peers_and_sync_in_words() {
        let mut p = peer(true);
        assert_eq!(peer_state_text(&p), "Connected");
        p.banned = true;
        assert_eq!(peer_state_text(&p), "Banned");
        assert_eq!(short_peer_id(&p.peer_id), "12D3KooW…4kx6nXTN");
        assert_eq!(short_peer_id("short"), "short");
        let relayed = format!(
            "/ip4/10.0.0.1/tcp/4001/ws/p2p/{0}/p2p-circuit/p2p/{0}",
            p.peer_id
        );
        assert_eq!(
            short_address(&relayed),
            "/ip4/10.0.0.1/tcp/4001/ws/p2p/12D3KooW…4kx6nXTN/p2p-circuit/p2p/12D3KooW…4kx6nXTN"
        );
        assert_eq!(connection_text(Some(ConnectionKind::Relayed)), "Relayed");
        assert_eq!(connection_text(None), "—");
        let progress = SyncProgress {
            listed: 1200,
            missing: 1000,
            received: 3,
        };
        assert_eq!(sync_text(&progress), "Syncing: received 3 of 1,000");
        assert_eq!(short_sync_text(&progress), "Syncing: 3 of 1,000");
        let comparing = SyncProgress {
            listed: 250,
            ..SyncProgress::default()
        };
        assert_eq!(sync_text(&comparing), "Syncing: comparing 250 events");
        assert_eq!(
            sync_text(&SyncProgress::default()),
            "Syncing: comparing with a peer",
            "a pull that has only started says so, not \"comparing 0 events\""
        );
    }
}
