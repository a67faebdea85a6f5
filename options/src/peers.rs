//! The Peers section: how the network stands, the browsers this one has met and the relays it
//! meets them through, kept current by Network pushes while the page is open.

use dioxus::prelude::*;
use phemossa_api::{NetworkStatus, RelayInfo, RelayState, Request, Response};
use phemossa_core::PublicKey;
use phemossa_ui::format::group_digits;
use phemossa_ui::network::{relay_text, state_text, state_tone};
use phemossa_ui::{use_client, Alert, NetworkWatch, People, RetryAlert, Status, SyncBar};

use crate::peer_table::PeerTable;

/// `people`: whom the page knows by name; who runs a peer is looked up when a peer names an
/// owner the page does not know yet (the background's GetPeople includes every peer's owner).
#[component]
pub fn PeersSection(network: NetworkWatch, mut people: People) -> Element {
    let client = use_client();
    let owners: Vec<PublicKey> = network
        .status()
        .map(|status| status.peers.iter().filter_map(|peer| peer.owner).collect())
        .unwrap_or_default();
    let people_client = client.clone();
    use_effect(use_reactive!(|owners| {
        if owners.iter().all(|key| people.peek().get(key).is_some()) {
            return;
        }
        let client = people_client.clone();
        spawn(async move {
            // Unnamed until it answers; a failure leaves the peer id shown, as before.
            if let Ok(Response::People(list)) = client.request(Request::GetPeople).await {
                people.with_mut(|d| d.merge(list));
            }
        });
    }));
    let retry = move |()| {
        spawn(network.load(client.clone()));
    };
    rsx! {
        section { class: "card peers", aria_labelledby: "peers-heading",
            h2 { id: "peers-heading", "Peers" }
            {match (network.status(), network.error()) {
                (Some(status), error) => rsx! {
                    NetworkDetails { status, received_at: network.received_at(), people }
                    Alert { message: error }
                },
                (None, Some(error)) => rsx! {
                    RetryAlert { error, on_retry: retry }
                },
                (None, None) => rsx! {
                    Status { message: "Loading…".to_owned(), busy: true }
                },
            }}
        }
    }
}

#[component]
fn NetworkDetails(status: NetworkStatus, received_at: u64, people: People) -> Element {
    let tone = state_tone(&status);
    rsx! {
        p { class: "network-state",
            span { class: "net-dot {tone}", aria_hidden: "true" }
            "{state_text(&status.state)}"
        }
        if let Some(sync) = status.sync {
            SyncBar { sync }
        }
        if let Some(problem) = status.storage_problem.clone() {
            Alert { message: Some(format!("Posts from peers are not being saved: {problem}")) }
        }
        if status.peers.is_empty() {
            p { class: "empty",
                "No peers yet. Browsers you exchange posts with appear here as soon as a relay introduces them."
            }
        } else {
            PeerTable { peers: status.peers.clone(), received_at, people }
        }
        if !status.relays.is_empty() {
            h3 { class: "subheading", "Relays" }
            ul { class: "relays", role: "list", aria_label: "Relays",
                for relay in status.relays.iter() {
                    RelayItem { key: "{relay.address}", relay: relay.clone() }
                }
            }
        }
        dl { class: "network-facts",
            if !status.local_peer_id.is_empty() {
                div {
                    dt { "This browser's peer id" }
                    dd { code { class: "peer-id", "{status.local_peer_id}" } }
                }
            }
            if status.invalid_total > 0 {
                div {
                    dt { "Invalid messages dropped" }
                    dd { "{group_digits(status.invalid_total)}" }
                }
            }
            if status.held_for_work > 0 {
                div {
                    dt { "Events from strangers without enough proof of work" }
                    dd { "{group_digits(status.held_for_work)}" }
                }
            }
        }
    }
}

#[component]
fn RelayItem(relay: RelayInfo) -> Element {
    let tone = match relay.state {
        RelayState::Reserved => "ok",
        RelayState::Connecting => "pending",
        RelayState::Waiting { .. } => "bad",
    };
    rsx! {
        li { class: "relay",
            code { class: "relay-address", "{relay.address}" }
            span { class: "relay-state",
                span { class: "net-dot {tone}", aria_hidden: "true" }
                "{relay_text(&relay.state)}"
            }
        }
    }
}
