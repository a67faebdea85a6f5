//! The Network section: relays to meet peers through and STUN and TURN servers, checked here,
//! then saved and applied by the background (which keeps them in its IndexedDB: the offscreen
//! document cannot read `chrome.storage`).

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_core::settings::{
    DirectConnections, NetworkSettings, DEFAULT_DIRECT_TIMEOUT_S, DEFAULT_MAX_PEERS,
    MAX_DIRECT_TIMEOUT_S, MAX_MAX_PEERS, MIN_DIRECT_TIMEOUT_S,
};
use phemossa_core::Error;

use crate::network_field::{
    field_id, DirectConnectionsField, NetworkField, NumberSetting, ERROR_ID,
};
use crate::settings_form::{use_settings_form, Refusal, Settings};

static NETWORK: Settings<NetworkSettings> = Settings {
    get: Request::GetNetworkSettings,
    read: |response| match response {
        Response::NetworkSettings(settings) => Some(settings.clone()),
        _ => None,
    },
    set: |settings| Request::SetNetworkSettings { settings },
    load_failed: "Your saved network settings could not be loaded.",
    loading: "Loading network settings…",
    save: "Save network settings",
    saving: "Saving…",
    error_id: ERROR_ID,
};

#[component]
pub fn NetworkSection() -> Element {
    let mut bootstrap = use_signal(String::new);
    let mut stun = use_signal(String::new);
    let mut turn = use_signal(String::new);
    let mut max_peers = use_signal(|| DEFAULT_MAX_PEERS.to_string());
    let mut direct_timeout = use_signal(|| DEFAULT_DIRECT_TIMEOUT_S.to_string());
    let mut direct = use_signal(DirectConnections::default);

    let show = move |settings: NetworkSettings| {
        let (b, s, t) = settings.to_lines();
        bootstrap.set(b);
        stun.set(s);
        turn.set(t);
        max_peers.set(settings.max_peers.to_string());
        direct_timeout.set(settings.direct_timeout_s.to_string());
        direct.set(settings.direct);
    };
    let parse = move || {
        NetworkSettings::parse(&bootstrap(), &stun(), &turn())
            .and_then(|settings| settings.with_max_peers(&max_peers()))
            .and_then(|settings| settings.with_direct_timeout(&direct_timeout()))
            .and_then(|settings| settings.with_direct(direct()))
            .map_err(|refused| Refusal {
                field: match &refused {
                    Error::InvalidSetting { setting, .. } => Some(field_id(setting)),
                    _ => None,
                },
                message: sentence(&refused.to_string()),
            })
    };
    // What was typed stays as typed once saved.
    let form = use_settings_form(&NETWORK, show, parse, |_| {});
    let invalid = |label| form.invalid(field_id(label));

    rsx! {
        section { class: "card", aria_labelledby: "network-heading",
            h2 { id: "network-heading", "Network" }
            p {
                "Phemossa uses these to reach other browsers: relays to meet peers through, and STUN and TURN servers to connect through firewalls. "
                "Saving applies them at once; the Peers section below shows what comes of it."
            }
            {form.view(rsx! {
                NetworkField {
                    label: "Bootstrap addresses",
                    hint: "One relay multiaddr per line, ending in /p2p/ and the relay's peer id, e.g. /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…",
                    value: bootstrap,
                    invalid: invalid("Bootstrap addresses"),
                    on_edit: move |_| form.edited(),
                }
                NetworkField {
                    label: "STUN servers",
                    hint: "One per line, e.g. stun:stun.example.org:3478",
                    value: stun,
                    invalid: invalid("STUN servers"),
                    on_edit: move |_| form.edited(),
                }
                NetworkField {
                    label: "TURN servers",
                    hint: "One per line: turn:host:port username credential",
                    value: turn,
                    invalid: invalid("TURN servers"),
                    on_edit: move |_| form.edited(),
                }
                p { class: "hint", "Blank lines and lines starting with # are ignored." }
                NumberSetting {
                    label: "Most peers",
                    hint: format!(
                        "Browsers connected at once, not counting relays: 1 to {MAX_MAX_PEERS} ({DEFAULT_MAX_PEERS} unless you change it)."
                    ),
                    min: 1,
                    max: MAX_MAX_PEERS,
                    value: max_peers,
                    invalid: invalid("Most peers"),
                    on_edit: move |_| form.edited(),
                }
                DirectConnectionsField { value: direct, on_edit: move |_| form.edited() }
                NumberSetting {
                    label: "Direct connection timeout",
                    hint: format!(
                        "Seconds a direct connection to a browser may take to set up, {MIN_DIRECT_TIMEOUT_S} to {MAX_DIRECT_TIMEOUT_S} ({DEFAULT_DIRECT_TIMEOUT_S} unless you change it). After that the peer stays reached through the relay, and direct is tried again later."
                    ),
                    min: MIN_DIRECT_TIMEOUT_S,
                    max: MAX_DIRECT_TIMEOUT_S,
                    value: direct_timeout,
                    invalid: invalid("Direct connection timeout"),
                    on_edit: move |_| form.edited(),
                }
            })}
        }
    }
}

/// `text` with its first letter capitalised, to stand as a sentence on its own.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
