//! The options page: the identity, the profile others see, its encrypted backup and restore, what storage holds (with
//! its retention limits, and events exported and imported as files), the network settings and
//! the peers met through them.
//!
//! Everything goes through the background's port: network settings too, which the background
//! keeps in its IndexedDB and applies (its offscreen document cannot read `chrome.storage`).
//! The page subscribes to identity and network pushes, and loads the network status again after
//! the background restarts.
//!
//! This file starts the page and lays out its sections; each section has a module of its own.

mod backup;
mod backup_file;
mod browser_storage;
mod download;
mod export_events;
mod file_input;
mod identity;
mod import_events;
mod import_summary;
mod invite;
mod keep_out;
mod network;
mod network_field;
mod number_field;
mod peer_table;
mod peers;
mod profile;
mod restore;
mod retention;
mod settings_form;
mod storage;

use dioxus::prelude::*;
use phemossa_api::{KeepOutStatus, OptionsPush, OptionsResponse, Push, ServerMessage, Topic};
use phemossa_ui::people::Directory;
use phemossa_ui::{
    picture_stored, use_client_provider, use_connection, use_network_watch, use_pushes,
    RestartNotice,
};
use wasm_bindgen::prelude::*;

use crate::backup::BackupSection;
use crate::identity::IdentitySection;
use crate::keep_out::KeepOutSection;
use crate::network::NetworkSection;
use crate::peers::PeersSection;
use crate::profile::ProfileSection;
use crate::restore::RestoreSection;
use crate::storage::StorageSection;

/// The pushes the page follows: a restore elsewhere changes the identity shown here, the Peers
/// section shows the network live, and a Mute in the popup shows in the Muted and blocked list.
const TOPICS: &[Topic] = &[Topic::Identity, Topic::Network, Topic::People];

#[wasm_bindgen(start)]
fn start() {
    phemossa_ui::launch(App)
}

#[component]
fn App() -> Element {
    // The options page reads only the answers to the requests it sends and the pushes of its
    // topics (api/src/pages.rs).
    let client = use_client_provider(ServerMessage::from_json_as::<OptionsResponse, OptionsPush>);
    phemossa_ui::use_clock_provider();
    let network = use_network_watch();
    // On connect and after every reconnect (pushes sent while the port was down are lost).
    let connection = use_connection(&client, TOPICS, move |client| {
        spawn(network.load(client));
    });
    let mut identity = connection.identity;
    let mut keep_out = use_signal(|| None::<KeepOutStatus>);
    // Who runs the peers in the Peers table, by name and picture.
    let mut people = use_signal(Directory::default);

    let push_client = client.clone();
    use_pushes(&client, move |push| {
        match push {
            Push::Identity(info) => {
                // A restore here: the popup's copy shows the previous identity's feed.
                phemossa_ui::popup_snapshot::forget();
                identity.set(Some(info));
            }
            Push::Network(status) => network.pushed(status),
            Push::KeepOut(status) => keep_out.set(Some(status)),
            Push::People(list) => people.with_mut(|d| d.merge(list)),
            Push::BlobStored(hash) => picture_stored(push_client.clone(), people, hash),
            _ => {}
        }
        async {}
    });

    rsx! {
        div { class: "app options-app",
            header { class: "page-header",
                h1 { "Phemossa settings" }
                p { class: "lead", "Your identity, its backup, what this browser stores, and how Phemossa reaches other browsers." }
            }
            RestartNotice {}
            main { class: "options",
                {connection.gate(|info| rsx! {
                    IdentitySection { info: info.clone() }
                    ProfileSection { me: info.public_key }
                    BackupSection {}
                    RestoreSection { identity }
                    StorageSection {}
                    KeepOutSection { pushed: keep_out }
                    NetworkSection {}
                    PeersSection { network, people }
                })}
            }
        }
    }
}
