//! The question a restore asks before it replaces anything: both public keys side by side, with
//! "Replace identity" and "Cancel" (Escape cancels too).

use dioxus::prelude::*;

use super::PendingRestore;

/// Asks whether the identity in `restore` should replace the current one.
#[component]
pub fn ConfirmReplace(
    restore: PendingRestore,
    busy: bool,
    on_replace: EventHandler<()>,
    on_cancel: EventHandler<()>,
) -> Element {
    rsx! {
        div {
            class: "confirm",
            role: "alertdialog",
            aria_labelledby: "confirm-title",
            aria_describedby: "confirm-text",
            onkeydown: move |event: KeyboardEvent| {
                if event.key() == Key::Escape && !busy {
                    on_cancel.call(());
                }
            },
            h3 { id: "confirm-title", "Replace identity?" }
            div { id: "confirm-text",
                if restore.current.public_key == restore.incoming.public_key {
                    p { "The backup holds the identity this browser already uses." }
                } else {
                    p {
                        "The identity in this browser will be replaced by the one in the backup file. "
                        strong {
                            "The current identity will be lost unless you have backed it up."
                        }
                    }
                }
                dl { class: "key-compare",
                    dt { "Current identity" }
                    dd { code { class: "key", "{restore.current.public_key}" } }
                    dt { "Identity in the backup" }
                    dd { code { class: "key", "{restore.incoming.public_key}" } }
                }
            }
            div { class: "actions",
                button {
                    id: "restore-confirm",
                    r#type: "button",
                    class: "button danger",
                    disabled: busy,
                    onclick: move |_| on_replace.call(()),
                    "Replace identity"
                }
                button {
                    id: "restore-cancel",
                    r#type: "button",
                    class: "button secondary",
                    disabled: busy,
                    onclick: move |_| on_cancel.call(()),
                    "Cancel"
                }
            }
        }
    }
}
