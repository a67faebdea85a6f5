//! Who you follow: loading the list, following by public key or invite (offering the invite's
//! relays when none are configured), and unfollowing.

use std::collections::HashSet;

use dioxus::prelude::*;
use phemossa_api::InviteInfo;
use phemossa_api::{FollowingEntry, Request, Response};
use phemossa_core::PublicKey;
use phemossa_ui::{failure_text, use_client, Alert, People, PersonName, Status, TimeAgo};
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
pub fn FollowingView(
    following: Signal<Option<Vec<FollowingEntry>>>,
    people: People,
    on_open: EventHandler<PublicKey>,
) -> Element {
    let client = use_client();
    let mut key_input = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // An invite just followed whose relays could be added (the user has none configured).
    let mut offer = use_signal(|| None::<InviteInfo>);
    let mut offer_status = use_signal(|| None::<String>);

    let follow_client = client.clone();
    let follow = use_callback(move |()| {
        if busy() {
            return;
        }
        let text = key_input().trim().to_owned();
        if text.is_empty() {
            error.set(Some(
                "Paste an invite (it starts with phemossa1) or the public key of the person to follow (44 characters ending in \"=\")."
                    .into(),
            ));
            return;
        }
        error.set(None);
        offer.set(None);
        offer_status.set(None);
        busy.set(true);
        let client = follow_client.clone();
        spawn(async move {
            // Read first, so a mistyped invite is refused in words and follows nobody.
            let invite = match client.request(Request::ReadInvite { text }).await {
                Ok(Response::Invite(invite)) => invite,
                other => {
                    error.set(Some(failure_text(other)));
                    busy.set(false);
                    return;
                }
            };
            let public_key = invite.public_key.to_string();
            match client.request(Request::Follow { public_key }).await {
                Ok(Response::Following(entries)) => {
                    following.set(Some(entries));
                    key_input.set(String::new());
                    if !invite.relays.is_empty() && !has_relays(&client).await {
                        offer.set(Some(invite));
                    }
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    });

    let relays_client = client.clone();
    let add_relays = move |_| {
        let Some(invite) = offer() else { return };
        let client = relays_client.clone();
        spawn(async move {
            offer_status.set(Some("Adding the relays…".into()));
            match add_invite_relays(&client, &invite.relays).await {
                Ok(()) => {
                    offer.set(None);
                    offer_status.set(Some(format!(
                        "Added {}. Phemossa is connecting through {}.",
                        phemossa_ui::format::plural(invite.relays.len() as u64, "relay", "relays"),
                        if invite.relays.len() == 1 {
                            "it"
                        } else {
                            "them"
                        }
                    )));
                }
                Err(message) => offer_status.set(Some(message)),
            }
        });
    };

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
                p { class: "hint", id: "follow-hint", "An invite or a public key." }
                div { class: "input-row",
                    input {
                        id: "follow-key",
                        r#type: "text",
                        autocomplete: "off",
                        spellcheck: "false",
                        placeholder: "phemossa1… or 44 characters ending in =",
                        value: "{key_input}",
                        aria_invalid: error().is_some(),
                        aria_describedby: if error().is_some() { "follow-hint follow-error" } else { "follow-hint" },
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
            if let Some(invite) = offer() {
                div { class: "offer", role: "group", aria_label: "Relays from the invite",
                    p {
                        "You have no relays set up. The invite names "
                        {phemossa_ui::format::plural(invite.relays.len() as u64, "relay", "relays")}
                        " its owner uses: add them to reach them?"
                    }
                    button { r#type: "button", class: "button primary small", onclick: add_relays,
                        "Add the invite's relays"
                    }
                    button {
                        r#type: "button",
                        class: "button ghost small",
                        onclick: move |_| offer.set(None),
                        "Not now"
                    }
                }
            }
            phemossa_ui::Status { message: offer_status() }
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
                                button {
                                    r#type: "button",
                                    class: "link person-link",
                                    onclick: {
                                        let key = entry.public_key;
                                        move |_| on_open.call(key)
                                    },
                                    PersonName { public_key: entry.public_key, people }
                                }
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

/// Whether the user has at least one relay configured (`false` when it cannot be told).
async fn has_relays(client: &PortClient) -> bool {
    matches!(
        client.request(Request::GetNetworkSettings).await,
        Ok(Response::NetworkSettings(settings)) if !settings.bootstrap.is_empty()
    )
}

/// Saves `relays` as the user's relays, keeping their other network settings.
async fn add_invite_relays(client: &PortClient, relays: &[String]) -> Result<(), String> {
    let mut settings = match client.request(Request::GetNetworkSettings).await {
        Ok(Response::NetworkSettings(settings)) => settings,
        other => return Err(failure_text(other)),
    };
    for relay in relays {
        if !settings.bootstrap.contains(relay) {
            settings.bootstrap.push(relay.clone());
        }
    }
    match client
        .request(Request::SetNetworkSettings { settings })
        .await
    {
        Ok(Response::NetworkSettings(_)) => Ok(()),
        other => Err(failure_text(other)),
    }
}
