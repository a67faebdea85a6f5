//! The options page: the identity and its encrypted backup and restore, what storage holds, and
//! the network settings.
//!
//! Identity, backups and statistics go through the background's port; network settings are
//! saved in `chrome.storage.local` (through `phemossa_webext::settings_store`), where the
//! background reads them.
//!
//! This file starts the page and lays out its sections; each section has a module of its own.

mod backup;
mod backup_file;
mod download;
mod identity;
mod network;
mod network_field;
mod restore;
mod restore_confirm;
mod storage;

use dioxus::prelude::*;
use phemossa_core::api::{Push, Topic};
use phemossa_ui::{use_client_provider, use_connection, use_pushes};
use wasm_bindgen::prelude::*;

use crate::backup::BackupSection;
use crate::identity::IdentitySection;
use crate::network::NetworkSection;
use crate::restore::RestoreSection;
use crate::storage::StorageSection;

/// The pushes the page follows: a restore elsewhere changes the identity shown here.
const TOPICS: &[Topic] = &[Topic::Identity];

#[wasm_bindgen(start)]
fn start() {
    phemossa_ui::launch(App)
}

#[component]
fn App() -> Element {
    let client = use_client_provider();
    let connection = use_connection(&client, TOPICS, |_| {});
    let mut identity = connection.identity;

    use_pushes(&client, move |push| {
        if let Push::Identity(info) = push {
            identity.set(Some(info));
        }
        async {}
    });

    rsx! {
        div { class: "app options-app",
            header { class: "page-header",
                h1 { "Phemossa settings" }
                p { class: "lead", "Your identity, its backup, what this browser stores, and how Phemossa reaches other browsers." }
            }
            main { class: "options",
                {connection.gate(|info| rsx! {
                    IdentitySection { info }
                    BackupSection {}
                    RestoreSection { identity }
                    StorageSection {}
                })}
                NetworkSection {}
            }
        }
    }
}
