//! The table of peers on the options page: one row per browser seen since the background
//! started, with who runs it (by picture, name and fingerprint, once its owner claim checked,
//! docs/protocol.md §13), its address, how it is connected (directly, through TURN, or through a
//! relay while a direct connection is tried), what it sent (new events, invalid messages,
//! duplicates) and when it was last seen.

use std::time::Duration;

use dioxus::prelude::*;
use phemossa_api::PeerInfo;
use phemossa_ui::format::group_digits;
use phemossa_ui::network::{
    candidate_pair_text, connection_counts_down, connection_detail, connection_label,
    peer_state_text, short_address, short_peer_id,
};
use phemossa_ui::{now_ms, sleep, People, PersonName, SyncBar, TimeAgo};

/// Every peer in `peers`, in the order given (connected ones first). `received_at` is when the
/// status they came in arrived, for counting down direct-connection retries.
#[component]
pub fn PeerTable(peers: Vec<PeerInfo>, received_at: u64, people: People) -> Element {
    rsx! {
        // Scrolls sideways on a narrow window; focusable so the keyboard can scroll it too.
        div { class: "table-scroll", tabindex: "0", role: "region", aria_label: "Peer table",
            table { class: "peer-table", aria_label: "Peers",
                thead {
                    tr {
                        th { scope: "col", "Peer" }
                        th { scope: "col", "State" }
                        th { scope: "col", "Address" }
                        th { scope: "col", "Connection" }
                        th { scope: "col", class: "num", "Events received" }
                        th { scope: "col", class: "num", "Invalid messages" }
                        th { scope: "col", class: "num", title: "Events this peer sent that were already here: normal in gossip, never held against it", "Duplicates" }
                        th { scope: "col", "Last seen" }
                    }
                }
                tbody {
                    for peer in peers {
                        PeerRow { key: "{peer.peer_id}", peer, received_at, people }
                    }
                }
            }
        }
    }
}

#[component]
fn PeerRow(peer: PeerInfo, received_at: u64, people: People) -> Element {
    let short = short_peer_id(&peer.peer_id);
    let state = peer_state_text(&peer);
    let class = if peer.banned {
        "banned"
    } else if peer.connected {
        "connected"
    } else {
        "gone"
    };
    rsx! {
        tr { class,
            th { scope: "row",
                // The person first, the device's id under them: one person may run several.
                if let Some(owner) = peer.owner {
                    PersonName { public_key: owner, people }
                }
                code { class: "peer-id", title: "{peer.peer_id}", "{short}" }
            }
            td {
                span { class: "peer-state", "{state}" }
                if let Some(sync) = peer.sync {
                    SyncBar { sync, label: format!("Sync progress with {short}"), compact: true }
                }
            }
            td {
                if let Some(address) = &peer.address {
                    code { class: "peer-address", title: "{address}", "{short_address(address)}" }
                } else {
                    "—"
                }
            }
            ConnectionCell { peer: peer.clone(), received_at }
            td { class: "num", "{group_digits(peer.events_received)}" }
            td { class: if peer.invalid_messages > 0 { "num warn" } else { "num" },
                "{group_digits(peer.invalid_messages)}"
            }
            td { class: "num", "{group_digits(peer.duplicates)}" }
            td {
                if peer.last_seen > 0 {
                    TimeAgo { ms: peer.last_seen }
                } else {
                    "—"
                }
            }
        }
    }
}

/// The Connection cell: the label ("Direct (via TURN)", "Relayed — direct retry in 40 s", …)
/// and, below it, a direct peer's path or why direct attempts failed. The candidate pair is in
/// the path's tooltip; everything else is visible text.
#[component]
fn ConnectionCell(peer: PeerInfo, received_at: u64) -> Element {
    let detail = connection_detail(&peer);
    let pair = peer
        .path
        .as_ref()
        .filter(|_| peer.connected && detail.is_some())
        .map(candidate_pair_text);
    rsx! {
        td { class: "peer-connection",
            if connection_counts_down(&peer) {
                RetryCountdown { peer: peer.clone(), received_at }
            } else {
                span { class: "connection-label", "{connection_label(&peer, 0)}" }
            }
            if let Some(detail) = detail {
                span { class: "connection-detail", title: pair, "{detail}" }
            }
        }
    }
}

/// A relayed peer's label while its next direct attempt is awaited, ticking each second. Only
/// such rows carry a timer. Not a live region: a screen reader reads it when reached, rather
/// than every second.
#[component]
fn RetryCountdown(peer: PeerInfo, received_at: u64) -> Element {
    let mut now = use_signal(now_ms);
    use_future(move || async move {
        loop {
            sleep(Duration::from_secs(1)).await;
            now.set(now_ms());
        }
    });
    let waited = now().saturating_sub(received_at);
    rsx! {
        span { class: "connection-label", "{connection_label(&peer, waited)}" }
    }
}
