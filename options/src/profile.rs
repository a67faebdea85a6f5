//! The "Your profile" section: the display name, about text and avatar others see beside the
//! user's key, checked here by the same rules peers apply (`core::profile`, `core::blob`), then
//! signed, stored and published by the background; and the invite that carries the saved name.
//! A chosen avatar is cropped to its middle square and re-encoded here (`phemossa_ui::picture`),
//! so the original file, its EXIF and GPS tags included, never leaves this page.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use dioxus::prelude::*;
use phemossa_api::{ApiError, AvatarEdit, BlobPurpose, Person, Request, Response};
use phemossa_core::limits::{MAX_ABOUT_CHARS, MAX_AVATAR_BYTES, MAX_NAME_CHARS};
use phemossa_core::profile::{check_about, check_name};
use phemossa_core::PublicKey;
use phemossa_ui::picture::{chosen_file, reencode, Fit};
use phemossa_ui::{failure_text, use_client, Alert, Status};

use crate::invite::InviteField;

const ERROR_ID: &str = "profile-error";
const AVATAR_INPUT: &str = "profile-avatar";
/// Avatars are at most this many pixels a side (docs/protocol.md §12.3).
const AVATAR_SIDE: u32 = 256;

/// The avatar as the form holds it.
#[derive(Debug, Clone, PartialEq)]
enum AvatarState {
    /// As saved: this picture (a `data:` URL), or none.
    Saved(Option<String>),
    /// A new picture, re-encoded, to be saved: its bytes and a `data:` URL of them.
    New(Vec<u8>, String),
    /// To be removed on save.
    Removed,
}

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
    let mut avatar = use_signal(|| AvatarState::Saved(None));
    let mut preparing = use_signal(|| false);

    let load_client = client.clone();
    use_effect(move || {
        let client = load_client.clone();
        spawn(async move {
            match client.request(Request::GetPeople).await {
                Ok(Response::People(people)) => {
                    if let Some(own) = people.into_iter().find(|p: &Person| p.public_key == me) {
                        if let Some(hash) = own.avatar {
                            let request = Request::GetBlob {
                                hash,
                                purpose: BlobPurpose::Avatar,
                            };
                            if let Ok(Response::Blob(data)) = client.request(request).await {
                                avatar.set(AvatarState::Saved(Some(data.data_url())));
                            }
                        }
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
            let edit = match avatar.peek().clone() {
                AvatarState::Saved(_) => AvatarEdit::Keep,
                AvatarState::New(bytes, _) => AvatarEdit::Set {
                    base64: STANDARD.encode(bytes),
                },
                AvatarState::Removed => AvatarEdit::Remove,
            };
            let request = Request::SetProfile {
                name: new_name,
                about: new_about,
                avatar: edit,
            };
            match client.request(request).await {
                Ok(Response::People(people)) => {
                    saved_name.set(
                        people
                            .into_iter()
                            .find(|p| p.public_key == me)
                            .and_then(|p| p.name),
                    );
                    let now_saved = match avatar.peek().clone() {
                        AvatarState::New(_, url) => AvatarState::Saved(Some(url)),
                        AvatarState::Removed => AvatarState::Saved(None),
                        saved => saved,
                    };
                    avatar.set(now_saved);
                    status.set(Some("Profile saved and sent to your peers.".into()))
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    };

    let choose_avatar = move |_: FormEvent| {
        let Some(file) = chosen_file(AVATAR_INPUT) else {
            return;
        };
        error.set(None);
        status.set(None);
        preparing.set(true);
        spawn(async move {
            match reencode(&file, Fit::Square(AVATAR_SIDE), MAX_AVATAR_BYTES).await {
                Ok(bytes) => {
                    let url = format!("data:image/webp;base64,{}", STANDARD.encode(&bytes));
                    avatar.set(AvatarState::New(bytes, url));
                    status.set(Some(
                        "New avatar ready: save your profile to publish it.".into(),
                    ));
                }
                Err(reason) => error.set(Some(format!("That picture cannot be used: {reason}."))),
            }
            preparing.set(false);
        });
    };
    let shown = match avatar() {
        AvatarState::Saved(url) => url,
        AvatarState::New(_, url) => Some(url),
        AvatarState::Removed => None,
    };
    let has_avatar = shown.is_some();

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
                label { r#for: AVATAR_INPUT, class: "field-label", "Avatar" }
                div { class: "avatar-edit",
                    if let Some(url) = shown {
                        img {
                            class: "avatar large",
                            src: "{url}",
                            alt: "Your avatar",
                            width: "64",
                            height: "64",
                        }
                    } else {
                        p { class: "hint", "No avatar: people see a picture drawn from your key." }
                    }
                    input {
                        id: AVATAR_INPUT,
                        r#type: "file",
                        accept: "image/png,image/jpeg,image/webp,image/gif",
                        disabled: !loaded() || preparing(),
                        aria_describedby: "profile-avatar-hint {ERROR_ID}",
                        onchange: choose_avatar,
                    }
                    if has_avatar {
                        button {
                            r#type: "button",
                            class: "button ghost",
                            disabled: !loaded() || preparing(),
                            onclick: move |_| avatar.set(AvatarState::Removed),
                            "Remove avatar"
                        }
                    }
                }
                p { class: "hint", id: "profile-avatar-hint",
                    "Cropped to a square of at most {AVATAR_SIDE}×{AVATAR_SIDE} pixels and saved afresh in this browser, so the file's location and camera details are not published."
                }
                if preparing() {
                    Status { message: "Preparing the picture…".to_string(), busy: true }
                }
                button {
                    r#type: "submit",
                    class: "button primary",
                    disabled: busy() || !loaded() || preparing(),
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
