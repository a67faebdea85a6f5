//! The "Muted and blocked" section: everyone the user muted or blocked (each with Unmute or
//! Unblock), the muted words, the most events one author may add per day and the most bytes
//! of theirs stored, and what was held back or refused since the background started. Words and
//! the limits are checked by the background (`core::keep_out`), whose refusal says which line or value and why: checking
//! them here too would put the word rules in this page's wasm as well (5.6 KB).

use dioxus::prelude::*;
use phemossa_api::ApiError;
use phemossa_api::{KeepOutStatus, Request, Response};
use phemossa_core::keep_out::{
    Standing, DEFAULT_PER_AUTHOR_MB, DEFAULT_PER_AUTHOR_PER_DAY, MAX_PER_AUTHOR_MB,
    MAX_PER_AUTHOR_PER_DAY, MIN_PER_AUTHOR_PER_DAY,
};
use phemossa_core::work::{DEFAULT_STRANGER_WORK_BITS, MAX_WORK_BITS};
use phemossa_ui::format::{group_digits, plural};
use phemossa_ui::people::Directory;
use phemossa_ui::{failure_text, use_client, Alert, KeepOutButtons, PersonName, Status};

use crate::number_field::NumberField;

const ERROR_ID: &str = "keep-out-error";

/// The section; `pushed` carries what other pages changed (a Mute in the popup).
#[component]
pub fn KeepOutSection(pushed: Signal<Option<KeepOutStatus>>) -> Element {
    let client = use_client();
    let mut status = use_signal(|| None::<KeepOutStatus>);
    let mut people = use_signal(Directory::default);
    let mut words = use_signal(String::new);
    let mut per_day = use_signal(|| DEFAULT_PER_AUTHOR_PER_DAY.to_string());
    let mut error = use_signal(|| None::<String>);
    let mut saved = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut per_day_invalid = use_signal(|| false);
    let mut per_author_mb = use_signal(|| DEFAULT_PER_AUTHOR_MB.to_string());
    let mut mb_invalid = use_signal(|| false);
    let mut work_bits = use_signal(|| DEFAULT_STRANGER_WORK_BITS.to_string());
    let mut work_invalid = use_signal(|| false);

    // Fills the form from what the background keeps: at load, and when a save answers.
    let mut show = move |next: KeepOutStatus, fill_form: bool| {
        people.with_mut(|d| d.keep_out(&next));
        if fill_form {
            words.set(next.settings.muted_words.join("\n"));
            per_day.set(next.settings.per_author_per_day.to_string());
            per_author_mb.set(next.settings.per_author_mb.to_string());
            work_bits.set(next.settings.stranger_work_bits.to_string());
        }
        status.set(Some(next));
    };
    let load_client = client.clone();
    use_effect(move || {
        let client = load_client.clone();
        spawn(async move {
            match client.request(Request::GetKeepOut).await {
                Ok(Response::KeepOut(next)) => show(next, true),
                other => error.set(Some(failure_text(other))),
            }
        });
    });
    // A change made elsewhere updates the list and counts, not what is being typed here.
    use_effect(move || {
        if let Some(next) = pushed() {
            show(next, false);
        }
    });
    // Unmute and Unblock here answer into `people`; the list follows them.
    let standings: Vec<_> = status
        .read()
        .as_ref()
        .map(|s| s.people.iter().map(|p| p.public_key).collect())
        .unwrap_or_default();
    let listed: Vec<_> = standings
        .into_iter()
        .filter_map(|key| people.read().standing(&key).map(|standing| (key, standing)))
        .collect();

    let save = move |event: FormEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        saved.set(None);
        per_day_invalid.set(false);
        mb_invalid.set(false);
        work_invalid.set(false);
        let muted_words: Vec<String> = words().lines().map(str::to_owned).collect();
        let Ok(per_author_per_day) = per_day().trim().parse::<u32>() else {
            per_day_invalid.set(true);
            return error.set(Some(format!(
                "Most events per author per day must be a whole number from {} to {}.",
                group_digits(u64::from(MIN_PER_AUTHOR_PER_DAY)),
                group_digits(u64::from(MAX_PER_AUTHOR_PER_DAY)),
            )));
        };
        let Ok(mb) = per_author_mb().trim().parse::<u32>() else {
            mb_invalid.set(true);
            return error.set(Some(format!(
                "Most megabytes stored per author must be a whole number from 1 to {}.",
                group_digits(u64::from(MAX_PER_AUTHOR_MB)),
            )));
        };
        let Ok(bits) = work_bits().trim().parse::<u8>() else {
            work_invalid.set(true);
            return error.set(Some(format!(
                "Proof of work required from strangers must be a whole number of bits from 0 to {MAX_WORK_BITS}."
            )));
        };
        error.set(None);
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            let request = Request::SetKeepOutSettings {
                muted_words,
                per_author_per_day,
                per_author_mb: Some(mb),
                stranger_work_bits: Some(bits),
            };
            match client.request(request).await {
                Ok(Response::KeepOut(next)) => {
                    show(next, true);
                    saved.set(Some("Saved.".into()));
                }
                Err(refused) => {
                    // The background names the setting at fault; its number field is marked.
                    let text = refused.to_string();
                    let limit = matches!(refused, ApiError::InvalidKeepOut { .. });
                    per_day_invalid.set(limit && text.contains("per day"));
                    mb_invalid.set(limit && text.contains("megabytes"));
                    work_invalid.set(limit && text.contains("Proof of work"));
                    error.set(Some(text));
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    };

    let counts = status.read().as_ref().map(|s| {
        let held = if s.held_back == 0 {
            "No events held back by the limits since Phemossa started.".to_owned()
        } else {
            let over_daily = s.held_back.saturating_sub(s.held_over_stored);
            let why = match (over_daily, s.held_over_stored) {
                (_, 0) => " over the daily limit".to_owned(),
                (0, _) => " over the stored limit".to_owned(),
                (daily, stored) => format!(
                    ": {} over the daily limit and {} over the stored limit",
                    group_digits(daily),
                    group_digits(stored)
                ),
            };
            format!(
                "Held back since Phemossa started: {} from {}{why}. They are not stored, and the peers that passed them on are not blamed.",
                plural(s.held_back, "event", "events"),
                plural(s.held_back_authors, "author", "authors"),
            )
        };
        let refused = (s.refused_blocked > 0).then(|| {
            format!(
                "Refused since then because their author is blocked: {}.",
                plural(s.refused_blocked, "event", "events")
            )
        });
        (held, refused)
    });

    rsx! {
        section { class: "card", aria_labelledby: "keep-out-heading",
            h2 { id: "keep-out-heading", "Muted and blocked" }
            p { class: "hint",
                "Kept in this browser only and never published (blocking someone you follow also unfollows them, which is public). Muted people are hidden and still kept, so unmuting brings everything back. Blocked people are hidden, their events deleted and refused, and never passed on."
            }
            if status.read().is_none() {
                // Until it loads; if loading failed, the alert below says so.
                if error.read().is_none() {
                    Status { message: "Loading…".to_string(), busy: true }
                }
            } else if listed.is_empty() {
                p { class: "empty-state hint",
                    "No one is muted or blocked. Use Mute or Block beside a post or on a person's page in the popup."
                }
            } else {
                ul { class: "people-list", role: "list", aria_label: "Muted and blocked",
                    for (key, standing) in listed {
                        li { key: "{key}", class: "person-row",
                            PersonName { public_key: key, people }
                            span { class: "hint",
                                match standing {
                                    Standing::Muted => "Muted",
                                    Standing::Blocked => "Blocked",
                                }
                            }
                            KeepOutButtons { public_key: key, people }
                        }
                    }
                }
            }
            // No form until the saved limits are known: a box typed into before they load would
            // be overwritten by them (and saved as such).
            if status.read().is_some() {
                // The page says what is wrong in words (the background's refusal), not the browser's
                // own bubble, as the Retention form does.
                form { class: "settings-form", novalidate: true, onsubmit: save,
                    div { class: "field",
                        label { r#for: "muted-words", class: "field-label", "Muted words" }
                        textarea {
                            id: "muted-words",
                            rows: "3",
                            spellcheck: "false",
                            autocomplete: "off",
                            value: "{words}",
                            aria_describedby: "muted-words-hint {ERROR_ID}",
                            oninput: move |event: FormEvent| {
                                words.set(event.value());
                                error.set(None);
                            },
                        }
                        p { id: "muted-words-hint", class: "hint",
                            "One word or phrase per line. A post holding every word of a line is hidden behind “Show anyway”. Your own posts are never hidden."
                        }
                    }
                    NumberField {
                        id: "per-author-per-day",
                        label: "Most events per author per day",
                        hint: format!(
                            "Events one person may add to this browser for any one day, by the date their events carry, even someone you follow ({} to {}; {} unless you change it). Past it their events are held back and not stored; raising the limit lets them in at the next sync.",
                            group_digits(u64::from(MIN_PER_AUTHOR_PER_DAY)),
                            group_digits(u64::from(MAX_PER_AUTHOR_PER_DAY)),
                            group_digits(u64::from(DEFAULT_PER_AUTHOR_PER_DAY)),
                        ),
                        min: MIN_PER_AUTHOR_PER_DAY,
                        max: MAX_PER_AUTHOR_PER_DAY,
                        value: per_day,
                        invalid: per_day_invalid(),
                        error_id: ERROR_ID,
                        on_edit: move |()| {
                            per_day_invalid.set(false);
                            error.set(None);
                        },
                    }
                    NumberField {
                        id: "per-author-mb",
                        label: "Most megabytes stored per author",
                        hint: format!(
                            "How much of one person's posts and other events this browser keeps, even someone you follow (1 to {}; {} unless you change it). Past it their new events are held back and not stored. Your own are never limited.",
                            group_digits(u64::from(MAX_PER_AUTHOR_MB)),
                            group_digits(u64::from(DEFAULT_PER_AUTHOR_MB)),
                        ),
                        min: 1,
                        max: MAX_PER_AUTHOR_MB,
                        value: per_author_mb,
                        invalid: mb_invalid(),
                        error_id: ERROR_ID,
                        on_edit: move |()| {
                            mb_invalid.set(false);
                            error.set(None);
                        },
                    }
                    NumberField {
                        id: "stranger-work-bits",
                        label: "Proof of work required from strangers (bits)",
                        hint: format!(
                            "A reply, mention, reaction or repost from someone you do not follow reaches you only if its sender's browser spent this much work on it: each bit doubles it, and {DEFAULT_STRANGER_WORK_BITS} bits cost a sender about a second. People you follow never need any. 0 lets every stranger in; at most {MAX_WORK_BITS}."
                        ),
                        min: 0,
                        max: u32::from(MAX_WORK_BITS),
                        value: work_bits,
                        invalid: work_invalid(),
                        error_id: ERROR_ID,
                        on_edit: move |()| {
                            work_invalid.set(false);
                            error.set(None);
                        },
                    }
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        "Save filters"
                    }
                }
            }
            Alert { message: error(), id: ERROR_ID.to_string() }
            Status { message: saved() }
            if let Some((held, refused)) = counts {
                p { class: "hint", aria_live: "polite", "{held}" }
                if let Some(refused) = refused {
                    p { class: "hint", "{refused}" }
                }
            }
        }
    }
}
