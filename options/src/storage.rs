//! The Storage section: how many events, posts and authors this browser keeps, and their size,
//! loaded again on Refresh and after the background restarts.

use dioxus::prelude::*;
use phemossa_core::api::{Request, Response, StorageStats};
use phemossa_ui::format::{group_digits, human_bytes};
use phemossa_ui::{failure_text, use_client, use_reconnects, Alert, Status};

#[component]
pub fn StorageSection() -> Element {
    let client = use_client();
    let mut stats = use_signal(|| None::<StorageStats>);
    let mut error = use_signal(|| None::<String>);
    let mut loading = use_signal(|| false);

    let refresh = use_callback(move |()| {
        if loading() {
            return;
        }
        loading.set(true);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            match client.request(Request::GetStats).await {
                Ok(Response::Stats(latest)) => stats.set(Some(latest)),
                other => error.set(Some(failure_text(other))),
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
            p { class: "hint", "What this browser keeps for Phemossa: your events and those of people you follow." }
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
        }
    }
}
