//! The table of peers on the options page: one row per browser seen since the background
//! started, with its address, how it is connected, what it sent and when it was last seen.

use dioxus::prelude::*;
use phemossa_core::api::PeerInfo;
use phemossa_ui::format::group_digits;
use phemossa_ui::network::{connection_text, peer_state_text, short_address, short_peer_id};
use phemossa_ui::{SyncBar, TimeAgo};

/// Every peer in `peers`, in the order given (connected ones first).
#[component]
pub fn PeerTable(peers: Vec<PeerInfo>) -> Element {
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
                        th { scope: "col", "Last seen" }
                    }
                }
                tbody {
                    for peer in peers {
                        PeerRow { key: "{peer.peer_id}", peer }
                    }
                }
            }
        }
    }
}

#[component]
fn PeerRow(peer: PeerInfo) -> Element {
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
            td { "{connection_text(peer.connection)}" }
            td { class: "num", "{group_digits(peer.events_received)}" }
            td { class: if peer.invalid_messages > 0 { "num warn" } else { "num" },
                "{group_digits(peer.invalid_messages)}"
            }
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
