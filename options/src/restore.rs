//! The "Restore identity" section: a backup file and its passphrase, checked by the background
//! first, then the identity replaced once the person confirms.

use dioxus::prelude::*;
use phemossa_api::{ApiError, IdentityInfo, Request, Response};
use phemossa_core::backup::MAX_BACKUP_BYTES;
use phemossa_ui::format::group_digits;
use phemossa_ui::{failure_text, focus_later, use_client, Alert, Status};

use crate::backup_file::{self, chosen_file, clear_chosen_file, read_text};
mod confirm;

use confirm::ConfirmReplace;

/// A backup that decrypted, waiting for the person to confirm the replacement.
#[derive(Clone, PartialEq)]
pub struct PendingRestore {
    pub backup: String,
    pub passphrase: String,
    pub current: IdentityInfo,
    pub incoming: IdentityInfo,
}

#[component]
pub fn RestoreSection(identity: Signal<Option<IdentityInfo>>) -> Element {
    let client = use_client();
    let mut passphrase = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut status = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut pending = use_signal(|| None::<PendingRestore>);

    let inspect_client = client.clone();
    let inspect = use_callback(move |()| {
        if busy() {
            return;
        }
        pending.set(None);
        status.set(None);
        let Some(file) = chosen_file() else {
            error.set(Some("Choose a backup file first.".into()));
            focus_later(backup_file::INPUT_ID);
            return;
        };
        if file.size() > MAX_BACKUP_BYTES as f64 {
            error.set(Some(
                ApiError::DamagedBackup {
                    reason: format!(
                        "{} is {} bytes, larger than any backup",
                        file.name(),
                        group_digits(file.size() as u64)
                    ),
                }
                .to_string(),
            ));
            return;
        }
        let secret = passphrase();
        if secret.is_empty() {
            error.set(Some("Enter the passphrase for this backup file.".into()));
            focus_later("restore-passphrase");
            return;
        }
        let Some(current) = identity() else { return };
        error.set(None);
        busy.set(true);
        let client = inspect_client.clone();
        spawn(async move {
            match read_text(&file).await {
                Err(reason) => error.set(Some(format!("The file could not be read: {reason}."))),
                Ok(backup) => {
                    let request = Request::InspectBackup {
                        backup: backup.clone(),
                        passphrase: secret.clone(),
                    };
                    match client.request(request).await {
                        Ok(Response::BackupInspected(incoming)) => {
                            pending.set(Some(PendingRestore {
                                backup,
                                passphrase: secret,
                                current,
                                incoming,
                            }));
                            focus_later("restore-cancel");
                        }
                        other => error.set(Some(failure_text(other))),
                    }
                }
            }
            busy.set(false);
        });
    });

    let replace = use_callback(move |()| {
        let Some(restore) = pending() else { return };
        if busy() {
            return;
        }
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            // The key the dialog showed: the background refuses if it is no longer current.
            let request = Request::RestoreBackup {
                backup: restore.backup,
                passphrase: restore.passphrase,
                replaces: restore.current.public_key,
            };
            let result = client.request(request).await;
            pending.set(None);
            busy.set(false);
            match result {
                Ok(Response::Restored(info)) => {
                    status.set(Some(format!(
                        "Identity restored. Your public key is now {}.",
                        info.public_key
                    )));
                    identity.set(Some(info));
                    passphrase.set(String::new());
                    clear_chosen_file();
                }
                other => error.set(Some(failure_text(other))),
            }
        });
    });

    let cancel = use_callback(move |()| {
        pending.set(None);
        status.set(Some("Nothing was changed.".into()));
        focus_later("restore-button");
    });

    let shown_status = if busy() {
        Some("Decrypting…".to_owned())
    } else {
        status()
    };
    rsx! {
        section { class: "card", aria_labelledby: "restore-heading",
            h2 { id: "restore-heading", "Restore identity" }
            p {
                "Restoring replaces the identity in this browser with the one in a backup file. "
                "You will see both public keys and confirm before anything changes."
            }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    inspect.call(());
                },
                div { class: "field",
                    label { r#for: backup_file::INPUT_ID, class: "field-label", "Backup file" }
                    input {
                        id: backup_file::INPUT_ID,
                        r#type: "file",
                        accept: ".json,application/json",
                        onchange: move |_| {
                            error.set(None);
                            pending.set(None);
                        },
                    }
                }
                div { class: "field",
                    label { r#for: "restore-passphrase", class: "field-label", "Passphrase for backup file" }
                    input {
                        id: "restore-passphrase",
                        r#type: "password",
                        autocomplete: "current-password",
                        value: "{passphrase}",
                        oninput: move |event: FormEvent| {
                            passphrase.set(event.value());
                            error.set(None);
                        },
                    }
                }
                div { class: "actions",
                    button {
                        id: "restore-button",
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Restore backup"
                    }
                }
                Alert { message: error() }
                Status { message: shown_status, busy: busy() }
            }
            if let Some(restore) = pending() {
                ConfirmReplace {
                    restore,
                    busy: busy(),
                    on_replace: replace,
                    on_cancel: cancel,
                }
            }
        }
    }
}
