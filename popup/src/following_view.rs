//! Who you follow: loading the list, following by public key, and unfollowing.

use std::collections::HashSet;

use dioxus::prelude::*;
use phemossa_api::{FollowingEntry, Request, Response};
use phemossa_core::PublicKey;
use phemossa_ui::{failure_text, use_client, Alert, Status, TimeAgo};
use phemossa_webext::PortClient;

/// Loads the list of followed keys into `following`.
pub async fn load_following(
    client: PortClient,
    mut following: Signal<Option<Vec<FollowingEntry>>>,
) {
    match client.request(Request::GetFollowing).await {
        Ok(Response::Following(entries)) => following.set(Some(entries)),
        // The list stays "Loading…"; the Following push or the next follow fills it.
        other => web_sys_warn(&failure_text(other)),
    }
}

fn web_sys_warn(message: &str) {
    web_sys::console::warn_1(&format!("phemossa popup: {message}").into());
}

/// Follow by public key, and the list of followed keys with Unfollow buttons.
#[component]
pub fn FollowingView(following: Signal<Option<Vec<FollowingEntry>>>) -> Element {
    let client = use_client();
    let mut key_input = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);

    let follow_client = client.clone();
    let follow = use_callback(move |()| {
        if busy() {
            return;
        }
        let public_key = key_input().trim().to_owned();
        if public_key.is_empty() {
            error.set(Some(
                "Paste the public key of the person to follow (44 characters ending in \"=\")."
                    .into(),
            ));
            return;
        }
        error.set(None);
        busy.set(true);
        let client = follow_client.clone();
        spawn(async move {
            match client.request(Request::Follow { public_key }).await {
                Ok(Response::Following(entries)) => {
                    following.set(Some(entries));
                    key_input.set(String::new());
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    });

    // Keys whose Unfollow is under way: their buttons wait, so a double click sends one.
    let mut unfollowing = use_signal(HashSet::<PublicKey>::new);
    let unfollow = use_callback(move |entry: FollowingEntry| {
        if unfollowing.peek().contains(&entry.public_key) {
            return;
        }
        unfollowing.write().insert(entry.public_key);
        let client = client.clone();
        error.set(None);
        spawn(async move {
            let request = Request::Unfollow {
                public_key: entry.public_key.to_string(),
            };
            match client.request(request).await {
                Ok(Response::Following(entries)) => following.set(Some(entries)),
                other => error.set(Some(failure_text(other))),
            }
            unfollowing.write().remove(&entry.public_key);
        });
    });

    rsx! {
        section { class: "card following", aria_labelledby: "following-heading",
            h2 { id: "following-heading", "Following" }
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    follow.call(());
                },
                label { r#for: "follow-key", class: "field-label", "Public key to follow" }
                div { class: "input-row",
                    input {
                        id: "follow-key",
                        r#type: "text",
                        autocomplete: "off",
                        spellcheck: "false",
                        placeholder: "44 characters ending in =",
                        value: "{key_input}",
                        aria_invalid: error().is_some(),
                        aria_describedby: if error().is_some() { "follow-error" },
                        oninput: move |event: FormEvent| {
                            key_input.set(event.value());
                            error.set(None);
                        },
                    }
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: busy(),
                        aria_busy: busy(),
                        "Follow"
                    }
                }
                Alert { message: error(), id: "follow-error" }
            }
            {match following() {
                None => rsx! {
                    Status { message: "Loading…".to_string(), busy: true }
                },
                Some(entries) if entries.is_empty() => rsx! {
                    p { class: "empty", "You are not following anyone yet." }
                },
                Some(entries) => rsx! {
                    ul { class: "follows", role: "list", aria_label: "Following",
                        for entry in entries {
                            li { key: "{entry.public_key}", class: "follow",
                                span { class: "follow-key", title: "{entry.public_key}", "{entry.short}" }
                                span { class: "follow-since",
                                    "followed "
                                    TimeAgo { ms: entry.since }
                                }
                                button {
                                    r#type: "button",
                                    class: "button secondary small",
                                    aria_label: "Unfollow {entry.short}",
                                    title: "Unfollow {entry.public_key}",
                                    disabled: unfollowing.read().contains(&entry.public_key),
                                    aria_busy: unfollowing.read().contains(&entry.public_key),
                                    onclick: {
                                        let entry = entry.clone();
                                        move |_| unfollow.call(entry.clone())
                                    },
                                    "Unfollow"
                                }
                            }
                        }
                    }
                },
            }}
        }
    }
}
