//! The line that says the background was restarted after a failure (a wasm panic, or no answer
//! for 20 seconds: the service worker's watchdog), with why, until the person dismisses it.
//! Shown for an hour after the restart; a dismissed restart stays dismissed (kept in the page's
//! `localStorage`, by its time).

use dioxus::prelude::*;
use phemossa_webext::client::{last_restart, Restart};

use crate::time::{now_ms, TimeAgo};

/// How long after a restart pages still tell of it.
const SHOWN_FOR_MS: u64 = 60 * 60 * 1000;
const SEEN_KEY: &str = "phemossa.restartSeen";

/// Whether a restart at `at` should be shown at `now` when the last one dismissed was at `seen`.
pub fn worth_showing(at: u64, now: u64, seen: Option<u64>) -> bool {
    now.saturating_sub(at) < SHOWN_FOR_MS && seen.is_none_or(|seen| seen < at)
}

fn seen() -> Option<u64> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(SEEN_KEY).ok()??.parse().ok()
}

fn mark_seen(at: u64) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        // Not kept (private mode, full): it shows again next time, which is harmless.
        let _ = storage.set_item(SEEN_KEY, &at.to_string());
    }
}

#[component]
pub fn RestartNotice() -> Element {
    let mut restart = use_signal(|| None::<Restart>);
    use_hook(move || {
        spawn(async move {
            if let Some(last) = last_restart().await {
                if worth_showing(last.at, now_ms(), seen()) {
                    restart.set(Some(last));
                }
            }
        })
    });
    let Some(last) = restart() else {
        return rsx! {};
    };
    let at = last.at;
    rsx! {
        div { class: "restart-notice", role: "status", aria_label: "Background restarted",
            p {
                "Phemossa restarted its background "
                TimeAgo { ms: at }
                " because {last.reason}. What you had saved is kept."
            }
            button {
                r#type: "button",
                class: "button ghost",
                onclick: move |_| {
                    mark_seen(last.at);
                    restart.set(None);
                },
                "Dismiss"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_is_told_for_an_hour_until_dismissed() {
        let at = 1_000_000;
        assert!(worth_showing(at, at + 1_000, None));
        assert!(!worth_showing(at, at + SHOWN_FOR_MS, None), "an hour later");
        assert!(!worth_showing(at, at + 1_000, Some(at)), "dismissed");
        assert!(
            worth_showing(at, at + 1_000, Some(at - 1)),
            "an earlier one was dismissed"
        );
        assert!(
            worth_showing(at, at - 5, None),
            "a page clock a little behind the worker's"
        );
    }
}
