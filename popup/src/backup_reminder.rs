//! "Back up your identity": shown at the top of the popup until the person has exported a backup
//! (or restored from one), since the identity's only copy is in this browser's storage. "Back up
//! now" opens the options page at its Backup section; "Remind me later" puts it off for a week.

use dioxus::prelude::*;
use phemossa_api::{BackupStatus, Request, Response};
use phemossa_ui::{failure_text, use_client, Alert};
use phemossa_webext::PortClient;

use crate::options_page::open_options_page;

/// Loads whether to remind into `status`.
pub async fn load_backup_status(client: PortClient, mut status: Signal<Option<BackupStatus>>) {
    if let Ok(Response::BackupStatus(latest)) = client.request(Request::GetBackupStatus).await {
        status.set(Some(latest));
    }
    // On failure no reminder shows: the options page's Backup section is always there.
}

#[component]
pub fn BackupReminder(status: Signal<Option<BackupStatus>>) -> Element {
    let client = use_client();
    let mut error = use_signal(|| None::<String>);
    if !status().is_some_and(|s| s.remind) {
        return rsx! {};
    }
    let later = move |_| {
        let client = client.clone();
        spawn(async move {
            match client.request(Request::DismissBackupReminder).await {
                Ok(Response::BackupStatus(latest)) => status.set(Some(latest)),
                other => error.set(Some(failure_text(other))),
            }
        });
    };
    rsx! {
        section { class: "card reminder", aria_labelledby: "backup-reminder-heading",
            h2 { id: "backup-reminder-heading", "Back up your identity" }
            p {
                "Your identity exists only in this browser. If its data is lost, so is your account: save an encrypted backup file."
            }
            div { class: "input-row",
                button {
                    r#type: "button",
                    class: "button primary small",
                    onclick: move |_| open_options_page(),
                    "Back up now"
                }
                button { r#type: "button", class: "button ghost small", onclick: later,
                    "Remind me later"
                }
            }
            Alert { message: error() }
        }
    }
}
