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

use crate::number_field::NumberField;
use crate::settings_form::{use_settings_form, Refusal, Settings};

const DAYS_ID: &str = "retention-days";
const MB_ID: &str = "retention-mb";
const ERROR_ID: &str = "retention-error";
const DAYS_LABEL: &str = "Keep events of people you don't follow for (days)";
const MB_LABEL: &str = "Keep events of people you don't follow up to (MB)";

static RETENTION: Settings<RetentionSettings> = Settings {
    get: Request::GetRetention,
    read: |response| match response {
        Response::Retention(settings) => Some(*settings),
        _ => None,
    },
    set: |retention| Request::SetRetention { retention },
    load_failed: "The retention limits could not be loaded.",
    loading: "Loading retention limits…",
    save: "Save retention",
    saving: "Saving and pruning…",
    error_id: ERROR_ID,
};

#[component]
pub fn RetentionForm(on_saved: EventHandler<()>) -> Element {
    let mut days = use_signal(String::new);
    let mut mb = use_signal(String::new);

    let mut show = move |settings: RetentionSettings| {
        days.set(settings.others_days.to_string());
        mb.set(settings.others_mb.to_string());
    };
    let parse = move || {
        RetentionSettings::parse(&days(), &mb()).map_err(|refused| {
            let (field, message) = refusal(&refused, &days(), &mb());
            Refusal {
                field: Some(field),
                message,
            }
        })
    };
    // The limits as saved, and the Storage statistics loaded again, since saving prunes.
    let saved = move |settings| {
        show(settings);
        on_saved.call(());
    };
    let form = use_settings_form(&RETENTION, show, parse, saved);

    rsx! {
        section { aria_labelledby: "retention-heading",
            h3 { id: "retention-heading", class: "subheading", "Retention" }
            {form.view(rsx! {
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
                    invalid: form.invalid(DAYS_ID),
                    error_id: ERROR_ID,
                    on_edit: move |_| form.edited(),
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
                    invalid: form.invalid(MB_ID),
                    error_id: ERROR_ID,
                    on_edit: move |_| form.edited(),
                }
            })}
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
