//! The Network section: relays to meet peers through and STUN and TURN servers, checked and
//! saved in `chrome.storage.local`, where the background reads them.

use dioxus::prelude::*;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::Error;
use phemossa_ui::{focus_later, Alert, Status};
use phemossa_webext::settings_store;

use crate::network_field::{field_id, NetworkField, ERROR_ID};

#[component]
pub fn NetworkSection() -> Element {
    let mut loaded = use_signal(|| false);
    let mut bootstrap = use_signal(String::new);
    let mut stun = use_signal(String::new);
    let mut turn = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut invalid = use_signal(|| None::<&'static str>);
    let mut status = use_signal(|| None::<String>);
    let mut saving = use_signal(|| false);

    use_hook(move || {
        spawn(async move {
            match settings_store::load().await {
                Ok(settings) => {
                    let (b, s, t) = settings.to_lines();
                    bootstrap.set(b);
                    stun.set(s);
                    turn.set(t);
                }
                Err(reason) => error.set(Some(format!(
                    "Your saved network settings could not be read ({reason}). Saving replaces them."
                ))),
            }
            loaded.set(true);
        });
    });

    let save = move |event: FormEvent| {
        event.prevent_default();
        if saving() {
            return;
        }
        status.set(None);
        let settings = match NetworkSettings::parse(&bootstrap(), &stun(), &turn()) {
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
        spawn(async move {
            match settings_store::save(&settings).await {
                Ok(()) => status.set(Some("Saved".into())),
                Err(reason) => error.set(Some(format!("Saving failed: {reason}."))),
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
                "Networking between browsers is still arriving; what you save here is kept and used as soon as it does."
            }
            if !loaded() {
                Status { message: "Loading network settings…".to_owned(), busy: true }
            } else {
                form { onsubmit: save,
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
                    div { class: "actions",
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: saving(),
                            "Save network settings"
                        }
                    }
                    Alert { message: error(), id: ERROR_ID }
                    Status { message: status() }
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
