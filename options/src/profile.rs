//! The "Your profile" section: the display name and about text others see beside the user's key,
//! checked here by the same rules peers apply (`core::profile`), then signed, stored and
//! published by the background; and the invite that carries the saved name.

use dioxus::prelude::*;
use phemossa_api::{ApiError, Person, Request, Response};
use phemossa_core::limits::{MAX_ABOUT_CHARS, MAX_NAME_CHARS};
use phemossa_core::profile::{check_about, check_name};
use phemossa_core::PublicKey;
use phemossa_ui::{failure_text, use_client, Alert, Status};

use crate::invite::InviteField;

const ERROR_ID: &str = "profile-error";

#[component]
pub fn ProfileSection(me: PublicKey) -> Element {
    let client = use_client();
    let mut name = use_signal(String::new);
    let mut about = use_signal(String::new);
    let mut loaded = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut status = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // The name as saved, which the invite carries (not the one being typed).
    let mut saved_name = use_signal(|| None::<String>);

    let load_client = client.clone();
    use_effect(move || {
        let client = load_client.clone();
        spawn(async move {
            match client.request(Request::GetPeople).await {
                Ok(Response::People(people)) => {
                    if let Some(own) = people.into_iter().find(|p: &Person| p.public_key == me) {
                        saved_name.set(own.name.clone());
                        // The boxes are read-only until now, so nothing typed is overwritten.
                        name.set(own.name.unwrap_or_default());
                        about.set(own.about);
                    }
                    loaded.set(true);
                }
                other => error.set(Some(format!(
                    "Your profile could not be loaded: {}",
                    failure_text(other)
                ))),
            }
        });
    });

    let save = move |event: FormEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        status.set(None);
        let (new_name, new_about) = (name().trim().to_owned(), about().trim().to_owned());
        if let Err(refused) = check_name(&new_name).and_then(|()| check_about(&new_about)) {
            error.set(Some(ApiError::from(refused).to_string()));
            return;
        }
        error.set(None);
        busy.set(true);
        let client = client.clone();
        spawn(async move {
            let request = Request::SetProfile {
                name: new_name,
                about: new_about,
            };
            match client.request(request).await {
                Ok(Response::People(people)) => {
                    saved_name.set(
                        people
                            .into_iter()
                            .find(|p| p.public_key == me)
                            .and_then(|p| p.name),
                    );
                    status.set(Some("Profile saved and sent to your peers.".into()))
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    };

    let name_chars = name().chars().count();
    let about_chars = about().chars().count();
    rsx! {
        section { class: "card", aria_labelledby: "profile-heading",
            h2 { id: "profile-heading", "Your profile" }
            p { class: "hint",
                "What people see beside your key. Anyone can choose any name, so Phemossa always shows your key's fingerprint and picture with it."
            }
            if !loaded() && error().is_none() {
                Status { message: "Loading your profile…".to_string(), busy: true }
            }
            form { onsubmit: save,
                label { r#for: "profile-name", class: "field-label", "Display name" }
                input {
                    id: "profile-name",
                    r#type: "text",
                    autocomplete: "nickname",
                    value: "{name}",
                    readonly: !loaded(),
                    aria_invalid: error().is_some(),
                    aria_describedby: "profile-name-hint {ERROR_ID}",
                    oninput: move |event: FormEvent| {
                        name.set(event.value());
                        error.set(None);
                    },
                }
                p { class: "hint", id: "profile-name-hint",
                    "{name_chars}/{MAX_NAME_CHARS} characters."
                }
                label { r#for: "profile-about", class: "field-label", "About" }
                textarea {
                    id: "profile-about",
                    rows: "3",
                    value: "{about}",
                    readonly: !loaded(),
                    aria_describedby: "profile-about-hint {ERROR_ID}",
                    oninput: move |event: FormEvent| {
                        about.set(event.value());
                        error.set(None);
                    },
                }
                p { class: "hint", id: "profile-about-hint",
                    "{about_chars}/{MAX_ABOUT_CHARS} characters. Optional."
                }
                button {
                    r#type: "submit",
                    class: "button primary",
                    disabled: busy() || !loaded(),
                    aria_busy: busy(),
                    "Save profile"
                }
                Alert { message: error(), id: ERROR_ID }
                Status { message: status() }
            }
            InviteField { me, name: saved_name() }
        }
    }
}
