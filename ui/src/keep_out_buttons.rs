//! "Mute" and "Block" on a person (in the feed, a person's view, and wherever else a person is
//! shown), "Unmute" and "Unblock" once done: one pair of buttons, one request each, and the
//! answer merged into the page's people so every view of that person follows at once. Block
//! deletes what this browser holds of the person, so it asks first ("Yes, block" or "Cancel";
//! Escape cancels). Every button is described by whose it is, since a feed repeats them per post.

use std::sync::atomic::{AtomicU32, Ordering};

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_core::keep_out::Standing;
use phemossa_core::PublicKey;
use phemossa_webext::PortClient;

use crate::client::{failure_text, use_client};
use crate::components::Alert;
use crate::person::People;

/// Numbers each instance's description, so a feed's many instances never share an id.
static INSTANCES: AtomicU32 = AtomicU32::new(0);

/// Mute/Unmute and Block/Unblock for `public_key`. `compact` makes them small links, for a
/// post's line.
#[component]
pub fn KeepOutButtons(
    public_key: PublicKey,
    people: People,
    #[props(default)] compact: bool,
) -> Element {
    let client = use_client();
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut confirming = use_signal(|| false);
    let described =
        use_hook(|| format!("keep-out-who-{}", INSTANCES.fetch_add(1, Ordering::Relaxed)));
    let standing = people.read().standing(&public_key);
    let whose = people.read().label(&public_key).with_fingerprint();
    // Captures only signals, so it is Copy and both buttons can hold it.
    let set = move |client: PortClient, next: Option<Standing>| {
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            let request = Request::SetStanding {
                public_key: public_key.to_string(),
                standing: next,
            };
            match client.request(request).await {
                Ok(Response::KeepOut(status)) => people.with_mut(|d| d.keep_out(&status)),
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    };
    let class = if compact {
        "link small"
    } else {
        "button secondary"
    };
    let (mute_label, mute_next) = match standing {
        Some(Standing::Muted) => ("Unmute", None),
        _ => ("Mute", Some(Standing::Muted)),
    };
    let (block_label, block_next) = match standing {
        Some(Standing::Blocked) => ("Unblock", None),
        _ => ("Block", Some(Standing::Blocked)),
    };
    rsx! {
        // Escape anywhere in the buttons or the question cancels it. `display: contents` keeps
        // the buttons laid out as the line they sit in.
        div {
            class: "keep-out",
            style: "display: contents",
            onkeydown: move |event: KeyboardEvent| {
                if event.key() == Key::Escape && confirming() {
                    confirming.set(false);
                }
            },
        span { class: "keep-out-buttons",
            span { id: "{described}", class: "sr-only", "{whose}" }
            // A blocked person is muted too; "Unblock" lets them back.
            if standing != Some(Standing::Blocked) {
                button {
                    r#type: "button",
                    class,
                    disabled: busy(),
                    aria_describedby: "{described}",
                    title: if mute_next.is_some() { "Hide their posts; keep receiving them" } else { "Show their posts again" },
                    onclick: {
                        let client = client.clone();
                        move |_| {
                            let mut set = set;
                            set(client.clone(), mute_next)
                        }
                    },
                    "{mute_label}"
                }
            }
            button {
                r#type: "button",
                class,
                disabled: busy(),
                aria_describedby: "{described}",
                aria_expanded: if block_next.is_some() { if confirming() { "true" } else { "false" } },
                title: if block_next.is_some() { "Hide, delete and refuse everything of theirs" } else { "Let them back" },
                onclick: {
                    let client = client.clone();
                    move |_| {
                        if block_next.is_some() {
                            confirming.set(true);
                        } else {
                            let mut set = set;
                            set(client.clone(), None)
                        }
                    }
                },
                "{block_label}"
            }
        }
        if confirming() {
            div {
                class: "confirm-block",
                role: "group",
                aria_label: "Block {whose}?",
                p { class: "hint",
                    "Block {whose}? You unfollow them, what this browser holds of theirs is deleted, and nothing more of theirs is stored or passed on. They are not told; Unblock lets them back."
                }
                button {
                    r#type: "button",
                    class: "button danger",
                    autofocus: true,
                    onmounted: move |element: MountedEvent| async move {
                        let _ = element.set_focus(true).await;
                    },
                    onclick: {
                        let client = client.clone();
                        move |_| {
                            confirming.set(false);
                            let mut set = set;
                            set(client.clone(), Some(Standing::Blocked))
                        }
                    },
                    "Yes, block"
                }
                button {
                    r#type: "button",
                    class: "button secondary",
                    onclick: move |_| confirming.set(false),
                    "Cancel"
                }
            }
        }
        }
        Alert { message: error() }
    }
}
