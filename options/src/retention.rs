//! The Storage section's "Retention" part: how long and how much of the events of people the
//! user does not follow this browser keeps, checked here by `RetentionSettings::parse`, then
//! saved by the background, which prunes to the new limits at once.

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_core::retention::{
    RetentionSettings, DEFAULT_OTHERS_DAYS, DEFAULT_OTHERS_MB, MAX_OTHERS_DAYS, MAX_OTHERS_MB,
};
use phemossa_core::Error;
use phemossa_ui::format::group_digits;
use phemossa_ui::{
    failure_text, focus_later, use_client, use_reconnects, Alert, RetryAlert, Status,
};

use crate::number_field::NumberField;

const DAYS_ID: &str = "retention-days";
const MB_ID: &str = "retention-mb";
const ERROR_ID: &str = "retention-error";
const DAYS_LABEL: &str = "Keep events of people you don't follow for (days)";
const MB_LABEL: &str = "Keep events of people you don't follow up to (MB)";

#[component]
pub fn RetentionForm(on_saved: EventHandler<()>) -> Element {
    let client = use_client();
    let mut loaded = use_signal(|| false);
    let mut load_error = use_signal(|| None::<String>);
    let mut days = use_signal(String::new);
    let mut mb = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut invalid = use_signal(|| None::<&'static str>);
    let mut status = use_signal(|| None::<String>);
    let mut saving = use_signal(|| false);

    let mut show = move |settings: RetentionSettings| {
        days.set(settings.others_days.to_string());
        mb.set(settings.others_mb.to_string());
    };
    let load_client = client.clone();
    let load = use_callback(move |()| {
        load_error.set(None);
        let client = load_client.clone();
        spawn(async move {
            match client.request(Request::GetRetention).await {
                Ok(Response::Retention(settings)) => {
                    show(settings);
                    loaded.set(true);
                }
                // No form until the saved limits are known, so saving cannot replace them blindly.
                other => load_error.set(Some(format!(
                    "The retention limits could not be loaded. {}",
                    failure_text(other)
                ))),
            }
        });
    });
    use_hook(move || load.call(()));
    use_reconnects(&client, move || {
        if load_error.peek().is_some() {
            load.call(());
        }
        async {}
    });

    let save = move |event: FormEvent| {
        event.prevent_default();
        if saving() {
            return;
        }
        status.set(None);
        let retention = match RetentionSettings::parse(&days(), &mb()) {
            Ok(retention) => retention,
            Err(refused) => {
                let (field, message) = refusal(&refused, &days(), &mb());
                invalid.set(Some(field));
                error.set(Some(message));
                focus_later(field);
                return;
            }
        };
        invalid.set(None);
        error.set(None);
        saving.set(true);
        let client = client.clone();
        spawn(async move {
            match client.request(Request::SetRetention { retention }).await {
                Ok(Response::Retention(saved)) => {
                    show(saved);
                    status.set(Some("Saved".into()));
                    on_saved.call(());
                }
                other => error.set(Some(failure_text(other))),
            }
            saving.set(false);
        });
    };
    let mut edited = move || {
        status.set(None);
        error.set(None);
        invalid.set(None);
    };

    rsx! {
        section { aria_labelledby: "retention-heading",
            h3 { id: "retention-heading", class: "subheading", "Retention" }
            if let Some(error) = load_error() {
                RetryAlert { error, on_retry: move |()| load.call(()) }
            } else if !loaded() {
                Status { message: "Loading retention limits…".to_owned(), busy: true }
            } else {
                // Checked by RetentionSettings' rules, in words, not the browser's own bubbles.
                form { novalidate: true, onsubmit: save,
                    p { class: "hint",
                        "Your own events and those of people you follow are always kept. "
                        "Events of anyone else (people you stopped following, or imported events) are removed, oldest first, once they pass either limit."
                    }
                    NumberField {
                        id: DAYS_ID,
                        label: DAYS_LABEL,
                        hint: format!(
                            "1 to {} days ({DEFAULT_OTHERS_DAYS} unless you change it).",
                            group_digits(MAX_OTHERS_DAYS.into())
                        ),
                        max: MAX_OTHERS_DAYS,
                        value: days,
                        invalid: invalid() == Some(DAYS_ID),
                        error_id: ERROR_ID,
                        on_edit: move |_| edited(),
                    }
                    NumberField {
                        id: MB_ID,
                        label: MB_LABEL,
                        hint: format!(
                            "1 to {} MB of event data, 1 MB being 1,000,000 bytes ({DEFAULT_OTHERS_MB} unless you change it).",
                            group_digits(MAX_OTHERS_MB.into())
                        ),
                        max: MAX_OTHERS_MB,
                        value: mb,
                        invalid: invalid() == Some(MB_ID),
                        error_id: ERROR_ID,
                        on_edit: move |_| edited(),
                    }
                    div { class: "actions",
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: saving(),
                            aria_busy: saving(),
                            "Save retention"
                        }
                    }
                    Alert { message: error(), id: ERROR_ID }
                    Status {
                        message: if saving() { Some("Saving and pruning…".to_owned()) } else { status() },
                        busy: saving(),
                    }
                }
            }
        }
    }
}

/// The box at fault and why, in words, for a refusal of `RetentionSettings::parse`.
fn refusal(refused: &Error, days: &str, mb: &str) -> (&'static str, String) {
    let Error::InvalidSetting {
        setting, reason, ..
    } = refused
    else {
        return (DAYS_ID, refused.to_string());
    };
    let (id, label, text, max) = if setting.contains("days") {
        (DAYS_ID, DAYS_LABEL, days, MAX_OTHERS_DAYS)
    } else {
        (MB_ID, MB_LABEL, mb, MAX_OTHERS_MB)
    };
    let wanted = format!("a whole number from 1 to {}", group_digits(max.into()));
    let message = if text.trim().is_empty() {
        format!("{label} is empty: enter {wanted}.")
    } else {
        format!("{label}: enter {wanted} ({reason}).")
    };
    (id, message)
}
