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
use phemossa_ui::{
    failure_text, focus_later, use_client, use_reconnects, Alert, RetryAlert, Status,
};

use crate::network_field::{
    field_id, DirectConnectionsField, NetworkField, NumberSetting, ERROR_ID,
};

#[component]
pub fn NetworkSection() -> Element {
    let client = use_client();
    let mut loaded = use_signal(|| false);
    let mut load_error = use_signal(|| None::<String>);
    let mut bootstrap = use_signal(String::new);
    let mut stun = use_signal(String::new);
    let mut turn = use_signal(String::new);
    let mut max_peers = use_signal(|| DEFAULT_MAX_PEERS.to_string());
    let mut direct_timeout = use_signal(|| DEFAULT_DIRECT_TIMEOUT_S.to_string());
    let mut direct = use_signal(DirectConnections::default);
    let mut error = use_signal(|| None::<String>);
    let mut invalid = use_signal(|| None::<&'static str>);
    let mut status = use_signal(|| None::<String>);
    let mut saving = use_signal(|| false);

    let load_client = client.clone();
    let load = use_callback(move |()| {
        load_error.set(None);
        let client = load_client.clone();
        spawn(async move {
            match client.request(Request::GetNetworkSettings).await {
                Ok(Response::NetworkSettings(settings)) => {
                    let (b, s, t) = settings.to_lines();
                    bootstrap.set(b);
                    stun.set(s);
                    turn.set(t);
                    max_peers.set(settings.max_peers.to_string());
                    direct_timeout.set(settings.direct_timeout_s.to_string());
                    direct.set(settings.direct);
                    loaded.set(true);
                }
                // No form until the saved settings are known, so saving cannot blank them.
                other => load_error.set(Some(format!(
                    "Your saved network settings could not be loaded. {}",
                    failure_text(other)
                ))),
            }
        });
    });
    use_hook(move || load.call(()));
    // A load that failed because the background went away is tried again once it is back;
    // settings already shown are left alone, since they may be half edited.
    use_reconnects(&client, move || {
        if load_error.peek().is_some() {
            load.call(());
        }
        async {}
    });

    let save = move |event: FormEvent| {
        event.prevent_default();
        if saving() {
            return;
        }
        status.set(None);
        let parsed = NetworkSettings::parse(&bootstrap(), &stun(), &turn())
            .and_then(|settings| settings.with_max_peers(&max_peers()))
            .and_then(|settings| settings.with_direct_timeout(&direct_timeout()))
            .and_then(|settings| settings.with_direct(direct()));
        let settings = match parsed {
            Ok(settings) => settings,
            Err(refused) => {
                let field = match &refused {
                    Error::InvalidSetting { setting, .. } => Some(*setting),
                    _ => None,
                };
                invalid.set(field);
                error.set(Some(sentence(&refused.to_string())));
                if let Some(field) = field {
                    focus_later(field_id(field));
                }
                return;
            }
        };
        invalid.set(None);
        error.set(None);
        saving.set(true);
        let client = client.clone();
        spawn(async move {
            match client
                .request(Request::SetNetworkSettings { settings })
                .await
            {
                Ok(Response::NetworkSettings(_)) => status.set(Some("Saved".into())),
                other => error.set(Some(failure_text(other))),
            }
            saving.set(false);
        });
    };
    let mut edited = move || {
        status.set(None);
        error.set(None);
        invalid.set(None);
    };

    rsx! {
        section { class: "card", aria_labelledby: "network-heading",
            h2 { id: "network-heading", "Network" }
            p {
                "Phemossa uses these to reach other browsers: relays to meet peers through, and STUN and TURN servers to connect through firewalls. "
                "Saving applies them at once; the Peers section below shows what comes of it."
            }
            if let Some(error) = load_error() {
                RetryAlert { error, on_retry: move |()| load.call(()) }
            } else if !loaded() {
                Status { message: "Loading network settings…".to_owned(), busy: true }
            } else {
                // Checked by NetworkSettings' rules, with their words, not the browser's own bubbles.
                form { novalidate: true, onsubmit: save,
                    NetworkField {
                        label: "Bootstrap addresses",
                        hint: "One relay multiaddr per line, ending in /p2p/ and the relay's peer id, e.g. /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…",
                        value: bootstrap,
                        invalid: invalid() == Some("Bootstrap addresses"),
                        on_edit: move |_| edited(),
                    }
                    NetworkField {
                        label: "STUN servers",
                        hint: "One per line, e.g. stun:stun.example.org:3478",
                        value: stun,
                        invalid: invalid() == Some("STUN servers"),
                        on_edit: move |_| edited(),
                    }
                    NetworkField {
                        label: "TURN servers",
                        hint: "One per line: turn:host:port username credential",
                        value: turn,
                        invalid: invalid() == Some("TURN servers"),
                        on_edit: move |_| edited(),
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
                        invalid: invalid() == Some("Most peers"),
                        on_edit: move |_| edited(),
                    }
                    DirectConnectionsField { value: direct, on_edit: move |_| edited() }
                    NumberSetting {
                        label: "Direct connection timeout",
                        hint: format!(
                            "Seconds a direct connection to a browser may take to set up, {MIN_DIRECT_TIMEOUT_S} to {MAX_DIRECT_TIMEOUT_S} ({DEFAULT_DIRECT_TIMEOUT_S} unless you change it). After that the peer stays reached through the relay, and direct is tried again later."
                        ),
                        min: MIN_DIRECT_TIMEOUT_S,
                        max: MAX_DIRECT_TIMEOUT_S,
                        value: direct_timeout,
                        invalid: invalid() == Some("Direct connection timeout"),
                        on_edit: move |_| edited(),
                    }
                    div { class: "actions",
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: saving(),
                            aria_busy: saving(),
                            "Save network settings"
                        }
                    }
                    Alert { message: error(), id: ERROR_ID }
                    Status {
                        message: if saving() { Some("Saving…".to_owned()) } else { status() },
                        busy: saving(),
                    }
                }
            }
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
