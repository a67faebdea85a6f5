//! A running sync in words and as a `<progress>` bar: "Syncing: received 3 of 10".

use dioxus::prelude::*;
use phemossa_api::SyncProgress;

use crate::network::{short_sync_text, sync_text};

/// `sync` as text and a progress bar named `label` (indeterminate until something is missing);
/// `compact` says it in fewer words, for a table cell.
#[component]
pub fn SyncBar(
    sync: SyncProgress,
    #[props(default = "Sync progress".to_owned())] label: String,
    #[props(default)] compact: bool,
) -> Element {
    let text = sync_text(&sync);
    let shown = if compact {
        short_sync_text(&sync)
    } else {
        text.clone()
    };
    rsx! {
        div { class: "sync",
            span { class: "sync-text", "{shown}" }
            if sync.missing > 0 {
                progress {
                    aria_label: "{label}",
                    aria_valuetext: "{text}",
                    max: "{sync.missing}",
                    value: "{sync.received.min(sync.missing)}",
                }
            } else {
                progress { aria_label: "{label}", aria_valuetext: "{text}" }
            }
        }
    }
}
