//! The Storage section: how many events, posts and authors this browser keeps, their size, how
//! many retention has removed and the background's memory, loaded again on Refresh, after the
//! background restarts, and after retention or an import changed them; then the Retention,
//! Export events and Import events parts, each in a module of its own.

use dioxus::prelude::*;
use phemossa_api::{Request, Response, StorageStats};
use phemossa_ui::format::{group_digits, human_bytes};
use phemossa_ui::{failure_text, use_client, use_reconnects, Alert, Status};

use crate::browser_storage::{self, BrowserStorage};
use crate::export_events::ExportEvents;
use crate::import_events::ImportEvents;
use crate::retention::RetentionForm;

#[component]
pub fn StorageSection() -> Element {
    let client = use_client();
    let mut stats = use_signal(|| None::<StorageStats>);
    let mut browser = use_signal(|| None::<BrowserStorage>);
    let mut error = use_signal(|| None::<String>);
    let mut loading = use_signal(|| false);
    // Asked for while a load ran, whose counts may predate the change: load once more after it.
    let mut again = use_signal(|| false);

    let refresh = use_callback(move |()| {
        if loading() {
            again.set(true);
            return;
        }
        loading.set(true);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            browser.set(browser_storage::read().await);
            loop {
                again.set(false);
                match client.request(Request::GetStats).await {
                    Ok(Response::Stats(latest)) => stats.set(Some(latest)),
                    other => error.set(Some(failure_text(other))),
                }
                if !*again.peek() {
                    break;
                }
            }
            loading.set(false);
        });
    });
    use_hook(move || refresh.call(()));
    // After the background restarted the counts may have changed unseen.
    use_reconnects(&use_client(), move || {
        refresh.call(());
        async {}
    });

    rsx! {
        section { class: "card", aria_labelledby: "storage-heading",
            h2 { id: "storage-heading", "Storage" }
            p { class: "hint",
                "What this browser keeps for Phemossa: your events, those of people you follow, and for a while those of others."
            }
            if let Some(s) = stats() {
                dl { class: "stats",
                    div {
                        dt { "Events" }
                        dd { "{group_digits(s.events)}" }
                    }
                    div {
                        dt { "Posts" }
                        dd { "{group_digits(s.posts)}" }
                    }
                    div {
                        dt { "Authors" }
                        dd { "{group_digits(s.authors)}" }
                    }
                    div {
                        dt { "Size" }
                        dd {
                            "{human_bytes(s.bytes)}"
                            if s.bytes >= 1024 {
                                span { class: "exact", "{group_digits(s.bytes)} bytes" }
                            }
                        }
                    }
                    div {
                        dt { "Pruned" }
                        dd {
                            "{group_digits(s.pruned)}"
                            span { class: "exact", "events removed by retention" }
                        }
                    }
                    if s.search_pending > 0 {
                        div {
                            dt { "Waiting for search" }
                            dd {
                                "{group_digits(s.search_pending)}"
                                span { class: "exact", "posts, found by search a moment after storing pauses" }
                            }
                        }
                    }
                    if let Some(b) = browser() {
                        div {
                            dt { "Kept when disk is low" }
                            dd {
                                match (b.persisted, b.unlimited) {
                                    (Some(true), _) => "Yes: the browser will not delete Phemossa's data to free space",
                                    (_, Some(true)) => "Yes: Phemossa has unlimited storage, which the browser does not delete to free space",
                                    (Some(false), _) | (_, Some(false)) => "No: the browser may delete Phemossa's data, your identity with it, when space runs out. Keep a backup.",
                                    (None, None) => "Unknown: this browser does not say",
                                }
                            }
                        }
                        if let (Some(usage), Some(quota)) = (b.usage, b.quota) {
                            div {
                                dt { "Space used" }
                                dd {
                                    "{human_bytes(usage)} of {human_bytes(quota)}"
                                    span { class: "exact", "{percent(usage, quota)} of what the browser allows" }
                                }
                            }
                        }
                    }
                    if s.wasm_memory_bytes > 0 {
                        div {
                            dt { "Memory in use" }
                            dd {
                                "{human_bytes(s.wasm_memory_bytes + s.worker_memory_bytes)}"
                                if s.worker_memory_bytes > 0 {
                                    span { class: "exact",
                                        "{human_bytes(s.worker_memory_bytes)} of it in the workers that check signatures"
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Status {
                message: if loading() { Some("Loading…".to_owned()) } else { None },
                busy: loading(),
            }
            Alert { message: error() }
            div { class: "actions",
                button {
                    r#type: "button",
                    class: "button secondary",
                    disabled: loading(),
                    onclick: move |_| refresh.call(()),
                    "Refresh"
                }
            }
            RetentionForm { on_saved: move |()| refresh.call(()) }
            ExportEvents {}
            ImportEvents { on_imported: move |()| refresh.call(()) }
        }
    }
}

/// `usage` as a share of `quota`, in words: "0.4 %", "12 %", "less than 0.1 %".
fn percent(usage: u64, quota: u64) -> String {
    if quota == 0 {
        return "an unknown share".into();
    }
    let share = usage as f64 * 100.0 / quota as f64;
    match share {
        s if s > 0.0 && s < 0.1 => "less than 0.1 %".into(),
        s if s < 10.0 => format!("{s:.1} %"),
        s => format!("{s:.0} %"),
    }
}
