//! The network's state put in words for the pages: the popup's one-line summary, the options
//! page's state, relay and peer texts, and sync progress. Pure, so unit-tested natively.

use phemossa_api::{
    CandidateType, ConnectionKind, DirectState, NetworkState, NetworkStatus, PathInfo, PeerInfo,
    RelayState, SyncProgress,
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

/// How a peer is connected, for the options page's Connection column: "Direct",
/// "Direct (via TURN)", "Relayed — trying direct…", "Relayed — direct retry in 40 s",
/// "Relayed — retrying direct soon", "Relayed", or "—" when it was never connected.
///
/// `waited_ms` is how long ago the status arrived, taken off its `retry_in_ms` so the countdown
/// stays true between pushes. A peer no longer connected shows only how it was connected: what
/// the node was trying then no longer applies.
pub fn connection_label(peer: &PeerInfo, waited_ms: u64) -> String {
    match (peer.connection, live_direct_state(peer)) {
        (Some(ConnectionKind::Direct), _) if peer.path.as_ref().is_some_and(PathInfo::via_turn) => {
            "Direct (via TURN)".to_owned()
        }
        (
            Some(ConnectionKind::Relayed),
            Some(DirectState {
                attempting: true, ..
            }),
        ) => "Relayed — trying direct…".to_owned(),
        (
            Some(ConnectionKind::Relayed),
            Some(DirectState {
                retry_in_ms: Some(ms),
                ..
            }),
        ) => match ms.saturating_sub(waited_ms) {
            0 => "Relayed — retrying direct soon".to_owned(),
            left => format!("Relayed — direct retry in {}", short_duration(left)),
        },
        (kind, _) => connection_text(kind).to_owned(),
    }
}

/// Whether [`connection_label`] counts down, so the page should show it with a ticking clock.
pub fn connection_counts_down(peer: &PeerInfo) -> bool {
    peer.connection == Some(ConnectionKind::Relayed)
        && live_direct_state(peer).is_some_and(|d| !d.attempting && d.retry_in_ms.is_some())
}

/// The line under the label, when there is more to say: a direct peer's path
/// ("203.0.113.7:3478 · UDP · RTT 42 ms"), or why direct attempts to a relayed peer failed
/// ("Direct attempt failed: ICE failed", "3 direct attempts failed; last: ICE failed").
pub fn connection_detail(peer: &PeerInfo) -> Option<String> {
    if !peer.connected {
        return None;
    }
    match peer.connection? {
        ConnectionKind::Direct => peer.path.as_ref().and_then(path_text),
        ConnectionKind::Relayed => peer.direct.as_ref().and_then(direct_failure_text),
    }
}

/// What is known of a direct connection's path, joined by " · ": the remote address, the
/// protocol and the round-trip time; `None` if the browser reported none of them.
pub fn path_text(path: &PathInfo) -> Option<String> {
    let parts: Vec<String> = [
        path.remote_address.clone(),
        path.protocol.as_deref().map(str::to_uppercase),
        path.rtt_ms
            .map(|ms| format!("RTT {} ms", group_digits(u64::from(ms)))),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The selected candidate pair in words, for the path's tooltip: "This browser: behind NAT
/// (srflx); the peer: TURN server (relay)".
pub fn candidate_pair_text(path: &PathInfo) -> String {
    format!(
        "This browser: {}; the peer: {}",
        candidate_text(path.local_type),
        candidate_text(path.remote_type)
    )
}

fn candidate_text(kind: CandidateType) -> String {
    let words = match kind {
        CandidateType::Host => "own address",
        CandidateType::Srflx => "address outside its NAT, via STUN",
        CandidateType::Prflx => "address seen by the other side",
        CandidateType::Relay => "TURN server",
    };
    format!("{words} ({})", kind.as_str())
}

/// Why direct attempts failed, if any did: "Direct attempt failed: why", or "3 direct attempts
/// failed; last: why".
pub fn direct_failure_text(direct: &DirectState) -> Option<String> {
    let error = direct.last_error.as_deref().filter(|e| !e.is_empty());
    match (direct.failures, error) {
        (0, None) => None,
        (0 | 1, Some(error)) => Some(format!("Direct attempt failed: {error}")),
        (1, None) => Some("Direct attempt failed".to_owned()),
        (n, Some(error)) => Some(format!("{n} direct attempts failed; last: {error}")),
        (n, None) => Some(format!("{n} direct attempts failed")),
    }
}

/// The peer's direct-connection state, if it is connected (through a relay) and has one.
fn live_direct_state(peer: &PeerInfo) -> Option<&DirectState> {
    peer.direct.as_ref().filter(|_| peer.connected)
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

    fn path(local_type: CandidateType, remote_type: CandidateType) -> PathInfo {
        PathInfo {
            local_type,
            remote_type,
            remote_address: Some("203.0.113.7:50000".into()),
            protocol: Some("udp".into()),
            rtt_ms: Some(42),
        }
    }

    fn direct_peer(path: Option<PathInfo>) -> PeerInfo {
        PeerInfo {
            connection: Some(ConnectionKind::Direct),
            path,
            ..peer(true)
        }
    }

    fn relayed_peer(direct: Option<DirectState>) -> PeerInfo {
        PeerInfo {
            connection: Some(ConnectionKind::Relayed),
            direct,
            ..peer(true)
        }
    }

    fn waiting(retry_in_ms: u64, failures: u32, last_error: Option<&str>) -> DirectState {
        DirectState {
            attempting: false,
            failures,
            retry_in_ms: Some(retry_in_ms),
            last_error: last_error.map(Into::into),
        }
    }

    #[test]
    fn direct_peers_say_whether_turn_carries_them() {
        use CandidateType::*;
        assert_eq!(connection_label(&direct_peer(None), 0), "Direct");
        let plain = direct_peer(Some(path(Srflx, Prflx)));
        assert_eq!(connection_label(&plain, 0), "Direct");
        for (local, remote) in [(Relay, Host), (Host, Relay), (Relay, Relay)] {
            let turn = direct_peer(Some(path(local, remote)));
            assert_eq!(connection_label(&turn, 0), "Direct (via TURN)");
        }
        assert!(!connection_counts_down(&plain));
    }

    #[test]
    fn direct_peers_show_their_path() {
        let peer = direct_peer(Some(path(CandidateType::Host, CandidateType::Srflx)));
        assert_eq!(
            connection_detail(&peer).as_deref(),
            Some("203.0.113.7:50000 · UDP · RTT 42 ms")
        );
        let partial = PathInfo {
            remote_address: None,
            protocol: Some("tcp".into()),
            rtt_ms: None,
            ..path(CandidateType::Host, CandidateType::Host)
        };
        assert_eq!(path_text(&partial).as_deref(), Some("TCP"));
        let bare = PathInfo {
            remote_address: None,
            protocol: None,
            rtt_ms: None,
            ..partial
        };
        assert_eq!(path_text(&bare), None);
        assert_eq!(connection_detail(&direct_peer(None)), None);
        assert_eq!(
            candidate_pair_text(&path(CandidateType::Srflx, CandidateType::Relay)),
            "This browser: address outside its NAT, via STUN (srflx); the peer: TURN server (relay)"
        );
    }

    #[test]
    fn relayed_peers_say_what_is_done_about_a_direct_connection() {
        assert_eq!(connection_label(&relayed_peer(None), 0), "Relayed");
        assert_eq!(connection_detail(&relayed_peer(None)), None);
        assert_eq!(
            connection_label(&relayed_peer(Some(DirectState::default())), 0),
            "Relayed"
        );

        let trying = relayed_peer(Some(DirectState {
            attempting: true,
            ..DirectState::default()
        }));
        assert_eq!(connection_label(&trying, 0), "Relayed — trying direct…");
        assert!(!connection_counts_down(&trying));

        let retry = relayed_peer(Some(waiting(40_000, 1, Some("ICE failed"))));
        assert_eq!(
            connection_label(&retry, 0),
            "Relayed — direct retry in 40 s"
        );
        assert_eq!(
            connection_detail(&retry).as_deref(),
            Some("Direct attempt failed: ICE failed")
        );
        assert!(connection_counts_down(&retry));
    }

    #[test]
    fn the_retry_counts_down_from_when_the_status_arrived() {
        let retry = relayed_peer(Some(waiting(40_000, 2, None)));
        assert_eq!(
            connection_label(&retry, 15_500),
            "Relayed — direct retry in 25 s"
        );
        assert_eq!(
            connection_label(&retry, 40_000),
            "Relayed — retrying direct soon"
        );
        let long = relayed_peer(Some(waiting(600_000, 6, None)));
        assert_eq!(
            connection_label(&long, 0),
            "Relayed — direct retry in 10 min"
        );
    }

    #[test]
    fn a_retry_that_is_still_trying_keeps_showing_earlier_failures() {
        let retrying = relayed_peer(Some(DirectState {
            attempting: true,
            failures: 3,
            retry_in_ms: None,
            last_error: Some("timed out".into()),
        }));
        assert_eq!(connection_label(&retrying, 0), "Relayed — trying direct…");
        assert_eq!(
            connection_detail(&retrying).as_deref(),
            Some("3 direct attempts failed; last: timed out")
        );
    }

    #[test]
    fn direct_failures_in_words() {
        let failure = |failures, error: Option<&str>| {
            direct_failure_text(&DirectState {
                failures,
                last_error: error.map(Into::into),
                ..DirectState::default()
            })
        };
        assert_eq!(failure(0, None), None);
        assert_eq!(failure(0, Some("")), None);
        assert_eq!(failure(1, None).as_deref(), Some("Direct attempt failed"));
        assert_eq!(
            failure(1, Some("no route")).as_deref(),
            Some("Direct attempt failed: no route")
        );
        assert_eq!(
            failure(2, None).as_deref(),
            Some("2 direct attempts failed")
        );
    }

    #[test]
    fn a_peer_no_longer_connected_shows_only_how_it_was_connected() {
        let mut gone = relayed_peer(Some(waiting(40_000, 1, Some("ICE failed"))));
        gone.connected = false;
        assert_eq!(connection_label(&gone, 0), "Relayed");
        assert_eq!(connection_detail(&gone), None);
        assert!(!connection_counts_down(&gone));
        let mut was_direct = direct_peer(Some(path(CandidateType::Relay, CandidateType::Host)));
        was_direct.connected = false;
        assert_eq!(connection_label(&was_direct, 0), "Direct (via TURN)");
        assert_eq!(connection_detail(&was_direct), None);
        assert_eq!(connection_label(&peer(false), 0), "—");
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
