//! "Mute" and "Block" on a person (in the feed, a person's view, and wherever else a person is
//! shown), "Unmute" and "Unblock" once done: one pair of buttons, one request each, and the
//! answer merged into the page's people so every view of that person follows at once.

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_core::keep_out::Standing;
use phemossa_core::PublicKey;
use phemossa_webext::PortClient;

use crate::client::{failure_text, use_client};
use crate::components::Alert;
use crate::person::People;

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
    let standing = people.read().standing(&public_key);
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
        span { class: "keep-out-buttons",
            // A blocked person is muted too; "Unblock" lets them back.
            if standing != Some(Standing::Blocked) {
                button {
                    r#type: "button",
                    class,
                    disabled: busy(),
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
                title: if block_next.is_some() { "Hide, delete and refuse everything of theirs" } else { "Let them back" },
                onclick: move |_| {
                    let mut set = set;
                    set(client.clone(), block_next)
                },
                "{block_label}"
            }
        }
        Alert { message: error() }
    }
}
