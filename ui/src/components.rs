//! Components both pages use.

use std::time::Duration;

use dioxus::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How long the Copy button says "Copied".
const COPIED_FOR: Duration = Duration::from_secs(2);
/// The id of the "Your public key" label; a page shows its own key once.
const KEY_LABEL_ID: &str = "public-key-label";

/// An error said in words, announced to screen readers; nothing when `message` is `None`.
#[component]
pub fn Alert(message: Option<String>, id: Option<String>) -> Element {
    rsx! {
        if let Some(message) = message {
            p { class: "alert", role: "alert", id, "{message}" }
        }
    }
}

/// A polite live region: always in the document (so changes are announced), empty when idle.
#[component]
pub fn Status(message: Option<String>, #[props(default)] busy: bool) -> Element {
    rsx! {
        p {
            class: if busy { "status busy" } else { "status" },
            role: "status",
            if let Some(message) = message {
                "{message}"
            }
        }
    }
}

/// An error said in words, announced to screen readers, and a Retry button.
#[component]
pub fn RetryAlert(error: String, on_retry: EventHandler<()>) -> Element {
    rsx! {
        Alert { message: error }
        button {
            r#type: "button",
            class: "button",
            onclick: move |_| on_retry.call(()),
            "Retry"
        }
    }
}

/// Shown until the background answers: "Starting Phemossa…", or the error and a Retry button.
#[component]
pub fn Starting(error: Option<String>, on_retry: EventHandler<()>) -> Element {
    rsx! {
        div { class: "card startup",
            if let Some(error) = error {
                RetryAlert { error, on_retry }
            } else {
                p { class: "status busy", role: "status", "Starting Phemossa…" }
            }
        }
    }
}

#[derive(Clone, PartialEq)]
enum CopyState {
    Idle,
    Copied,
    Failed(String),
}

/// A Copy button's state: `copy` puts the text on the clipboard; `copied` is true for
/// [`COPIED_FOR`] after, and `error` says in words why copying failed (`what` names the thing
/// to copy by hand in that message).
#[derive(Clone, Copy)]
pub struct CopyButton {
    state: Signal<CopyState>,
    copies: Signal<u32>,
    what: &'static str,
}

/// The state of a Copy button for text the page passes to [`CopyButton::copy`].
pub fn use_copy_button(what: &'static str) -> CopyButton {
    CopyButton {
        state: use_signal(|| CopyState::Idle),
        copies: use_signal(|| 0u32),
        what,
    }
}

impl CopyButton {
    pub fn copy(self, text: String) {
        let CopyButton {
            mut state,
            mut copies,
            what,
        } = self;
        spawn(async move {
            match copy_text(&text).await {
                Ok(()) => {
                    state.set(CopyState::Copied);
                    let this_copy = copies() + 1;
                    copies.set(this_copy);
                    gloo_timers::future::sleep(COPIED_FOR).await;
                    if copies() == this_copy {
                        state.set(CopyState::Idle);
                    }
                }
                Err(reason) => state.set(CopyState::Failed(format!(
                    "Copying failed ({reason}). Select {what} and copy it by hand."
                ))),
            }
        });
    }

    pub fn copied(&self) -> bool {
        *self.state.read() == CopyState::Copied
    }

    pub fn error(&self) -> Option<String> {
        match &*self.state.read() {
            CopyState::Failed(message) => Some(message.clone()),
            _ => None,
        }
    }
}

/// The user's public key, in full, with a Copy button. `compact` shows it on one line, cut with
/// an ellipsis (the full key stays in the text, the tooltip and the clipboard).
#[component]
pub fn PublicKeyField(public_key: String, #[props(default)] compact: bool) -> Element {
    let button = use_copy_button("the key");
    let key = public_key.clone();
    let copied = button.copied();
    rsx! {
        div { class: if compact { "key-field compact" } else { "key-field" },
            span { id: KEY_LABEL_ID, class: "key-label", "Your public key" }
            div { class: "key-row",
                // An <output> may be named (a <code> may not), so the visible label names it.
                // Not a live region: a changed key is announced by whatever changed it.
                output {
                    class: "key mono",
                    aria_labelledby: KEY_LABEL_ID,
                    aria_live: "off",
                    title: "{public_key}",
                    "{public_key}"
                }
                button {
                    r#type: "button",
                    class: "button secondary small",
                    onclick: move |_| button.copy(key.clone()),
                    if copied {
                        "Copied"
                    } else {
                        "Copy"
                    }
                }
            }
            span { class: "sr-only", role: "status",
                if copied {
                    "Public key copied to the clipboard"
                }
            }
            Alert { message: button.error() }
        }
    }
}

async fn copy_text(text: &str) -> Result<(), String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined())
        .unwrap_or(false);
    if !has_clipboard {
        return Err("this browser offers no clipboard here".into());
    }
    JsFuture::from(navigator.clipboard().write_text(text))
        .await
        .map(|_| ())
        .map_err(js_error_text)
}

/// What a JavaScript exception or rejection says, for a message to a person.
pub fn js_error_text(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused".into())
}
