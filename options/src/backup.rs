//! The "Back up identity" section: a passphrase chosen twice, then the encrypted backup saved
//! as a download.

use dioxus::prelude::*;
use phemossa_api::{ApiError, Request, Response};
use phemossa_core::backup::MIN_PASSPHRASE_CHARS;
use phemossa_ui::{failure_text, focus_later, use_client, Alert, Status};

use crate::download::download;

#[component]
pub fn BackupSection() -> Element {
    let client = use_client();
    let mut passphrase = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut status = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);

    let export = use_callback(move |()| {
        if busy() {
            return;
        }
        status.set(None);
        let chosen = passphrase();
        if chosen.chars().count() < MIN_PASSPHRASE_CHARS {
            error.set(Some(
                ApiError::WeakPassphrase {
                    min: MIN_PASSPHRASE_CHARS,
                }
                .to_string(),
            ));
            focus_later("backup-passphrase");
            return;
        }
        if chosen != repeat() {
            error.set(Some("The passphrases do not match.".into()));
            focus_later("backup-repeat");
            return;
        }
        error.set(None);
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            let request = Request::ExportBackup { passphrase: chosen };
            match client.request(request).await {
                Ok(Response::Backup(file)) => match download(&file.file_name, &file.contents) {
                    Ok(()) => {
                        passphrase.set(String::new());
                        repeat.set(String::new());
                        status.set(Some(format!("Backup saved as {}", file.file_name)));
                    }
                    Err(reason) => {
                        error.set(Some(format!("Saving the backup file failed: {reason}.")))
                    }
                },
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    });

    let shown_status = if busy() {
        Some("Encrypting backup…".to_owned())
    } else {
        status()
    };
    rsx! {
        section { class: "card", aria_labelledby: "backup-heading",
            h2 { id: "backup-heading", "Back up identity" }
            p {
                "A backup is a file holding your identity's secret key, encrypted with a passphrase you choose. "
                strong { "Anyone with this file and the passphrase can act as you" }
                ", so keep the file somewhere safe and the passphrase to yourself. Without a backup, "
                "your identity is gone if this browser's data is lost."
            }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    export.call(());
                },
                div { class: "field",
                    label { r#for: "backup-passphrase", class: "field-label", "Backup passphrase" }
                    input {
                        id: "backup-passphrase",
                        r#type: "password",
                        autocomplete: "new-password",
                        value: "{passphrase}",
                        aria_describedby: "backup-passphrase-hint",
                        oninput: move |event: FormEvent| {
                            passphrase.set(event.value());
                            error.set(None);
                        },
                    }
                    p { id: "backup-passphrase-hint", class: "hint",
                        "At least {MIN_PASSPHRASE_CHARS} characters. A few unrelated words make a strong passphrase that is easy to remember."
                    }
                }
                div { class: "field",
                    label { r#for: "backup-repeat", class: "field-label", "Repeat passphrase" }
                    input {
                        id: "backup-repeat",
                        r#type: "password",
                        autocomplete: "new-password",
                        value: "{repeat}",
                        oninput: move |event: FormEvent| {
                            repeat.set(event.value());
                            error.set(None);
                        },
                    }
                }
                div { class: "actions",
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Export backup"
                    }
                }
                Alert { message: error() }
                Status { message: shown_status, busy: busy() }
            }
        }
    }
}
