//! The popup's connection line under the top bar: how the network stands in a few words, and
//! a progress bar while a sync runs.

use dioxus::prelude::*;
use phemossa_ui::network::{state_tone, summary};
use phemossa_ui::{Alert, NetworkWatch, SyncBar};

/// "Connected to 2 peers" and the like, kept current by the page's Network pushes.
#[component]
pub fn NetworkLine(network: NetworkWatch) -> Element {
    let status = network.status();
    let (tone, text, title) = match (&status, network.error()) {
        (Some(status), _) => (state_tone(status), summary(status), None),
        (None, Some(error)) => ("bad", "Network status unavailable".to_owned(), Some(error)),
        (None, None) => ("off", "Checking the network…".to_owned(), None),
    };
    let sync = status.as_ref().and_then(|s| s.sync);
    let storage_problem = status.and_then(|s| s.storage_problem);
    rsx! {
        div { class: "netline",
            // A live region named "Network": changes of state are announced, sync steps are not.
            p { class: "netline-state", role: "status", aria_label: "Network", title,
                span { class: "net-dot {tone}", aria_hidden: "true" }
                "{text}"
            }
            if let Some(sync) = sync {
                SyncBar { sync }
            }
            if let Some(problem) = storage_problem {
                Alert { message: Some(format!("Posts from peers are not being saved: {problem}")) }
            }
        }
    }
}
