//! People in the popup: loading who the popup can name, a person's own view (picture, name,
//! fingerprint, full key, about, follow, and the private nickname), the followers list with
//! follow-back, and the search box that finds people by name, nickname or fingerprint and stored
//! posts by words.

use dioxus::prelude::*;
use phemossa_api::{FollowerEntry, FollowingEntry, Request, Response, SearchPage};
use phemossa_core::PublicKey;
use phemossa_ui::people::Directory;
use phemossa_ui::{
    failure_text, use_client, Alert, KeepOutButtons, People, PersonName, Status, TimeAgo,
};
use phemossa_webext::PortClient;

use crate::feed_view::PostBody;

/// Loads everyone the popup can name into `people`.
pub async fn load_people(client: PortClient, mut people: Signal<Directory>) {
    match client.request(Request::GetPeople).await {
        Ok(Response::People(list)) => people.with_mut(|d| d.merge(list)),
        // Names stay as they were; the next People push or open fills them.
        other => warn(&failure_text(other)),
    }
}

/// Loads whom the user mutes or blocks into `people`; `KeepOut` pushes keep it current.
pub async fn load_keep_out(client: PortClient, mut people: Signal<Directory>) {
    match client.request(Request::GetKeepOut).await {
        Ok(Response::KeepOut(status)) => people.with_mut(|d| d.keep_out(&status)),
        other => warn(&failure_text(other)),
    }
}

/// Loads the followers list into `followers`.
pub async fn load_followers(client: PortClient, mut followers: Signal<Option<Vec<FollowerEntry>>>) {
    match client.request(Request::GetFollowers).await {
        Ok(Response::Followers(list)) => followers.set(Some(list)),
        other => warn(&failure_text(other)),
    }
}

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("phemossa popup: {message}").into());
}

/// Follows or unfollows `key`, answering the new following list, or the error in words.
pub async fn set_following(
    client: &PortClient,
    key: PublicKey,
    follow: bool,
) -> Result<Vec<FollowingEntry>, String> {
    let public_key = key.to_string();
    let request = if follow {
        Request::Follow { public_key }
    } else {
        Request::Unfollow { public_key }
    };
    match client.request(request).await {
        Ok(Response::Following(entries)) => Ok(entries),
        other => Err(failure_text(other)),
    }
}

/// One person: who they are, whether the user follows them, and the nickname box.
#[component]
pub fn PersonView(
    public_key: PublicKey,
    me: PublicKey,
    people: People,
    following: Signal<Option<Vec<FollowingEntry>>>,
    on_close: EventHandler<()>,
) -> Element {
    let client = use_client();
    let key = public_key;
    let person = people.read().get(&key).cloned();
    let mut nickname = use_signal(|| {
        person
            .as_ref()
            .and_then(|p| p.nickname.clone())
            .unwrap_or_default()
    });
    let mut error = use_signal(|| None::<String>);
    let mut saved = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let follows = following
        .read()
        .as_ref()
        .is_some_and(|list| list.iter().any(|e| e.public_key == key));

    let nickname_client = client.clone();
    let save_nickname = move |event: FormEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        saved.set(None);
        let client = nickname_client.clone();
        spawn(async move {
            let request = Request::SetNickname {
                public_key: key.to_string(),
                nickname: nickname(),
            };
            match client.request(request).await {
                Ok(Response::People(list)) => {
                    let cleared = list.first().is_none_or(|p| p.nickname.is_none());
                    people.with_mut(|d| d.merge(list));
                    saved.set(Some(if cleared {
                        "Nickname removed.".into()
                    } else {
                        "Nickname saved.".into()
                    }));
                }
                other => error.set(Some(failure_text(other))),
            }
            busy.set(false);
        });
    };
    let toggle_follow = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            match set_following(&client, key, !follows).await {
                Ok(entries) => following.set(Some(entries)),
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };

    let own = key == me;
    rsx! {
        section { class: "card person-view", aria_labelledby: "person-heading",
            div { class: "person-view-top",
                h2 { id: "person-heading",
                    PersonName { public_key: key, people, you: own, large: true }
                }
                button {
                    r#type: "button",
                    class: "button ghost",
                    onclick: move |_| on_close.call(()),
                    "Back"
                }
            }
            if let Some(name) = person.as_ref().and_then(|p| p.nickname.as_ref().and(p.name.as_ref())) {
                p { class: "hint", "Calls themself “{name}”." }
            }
            if let Some(about) = person.as_ref().map(|p| p.about.clone()).filter(|a| !a.is_empty()) {
                p { class: "about", "{about}" }
            } else if person.as_ref().is_none_or(|p| p.name.is_none()) {
                p { class: "hint", "No profile has reached this browser yet." }
            }
            p { class: "full-key", title: "Public key", "{key}" }
            if !own {
                div { class: "button-row",
                    // A blocked person cannot be followed: Unblock comes first.
                    if people.read().standing(&key) != Some(phemossa_core::keep_out::Standing::Blocked) {
                        button {
                            r#type: "button",
                            class: if follows { "button secondary" } else { "button primary" },
                            disabled: busy(),
                            onclick: toggle_follow,
                            if follows { "Unfollow" } else { "Follow" }
                        }
                    }
                    KeepOutButtons { public_key: key, people }
                }
                if let Some(standing) = people.read().standing(&key) {
                    p { class: "hint",
                        match standing {
                            phemossa_core::keep_out::Standing::Muted => "Muted: their posts are hidden from your feed and search, and still kept.",
                            phemossa_core::keep_out::Standing::Blocked => "Blocked: nothing of theirs is shown, kept or passed on.",
                        }
                    }
                }
                form { class: "nickname-form", onsubmit: save_nickname,
                    label { r#for: "nickname", class: "field-label", "Nickname" }
                    p { class: "hint", id: "nickname-hint",
                        "Only you see it, in place of the name they chose. Leave empty to remove it."
                    }
                    div { class: "input-row",
                        input {
                            id: "nickname",
                            r#type: "text",
                            autocomplete: "off",
                            value: "{nickname}",
                            aria_describedby: "nickname-hint",
                            oninput: move |event: FormEvent| nickname.set(event.value()),
                        }
                        button {
                            r#type: "submit",
                            class: "button primary",
                            disabled: busy(),
                            "Save nickname"
                        }
                    }
                }
            }
            Alert { message: error() }
            Status { message: saved() }
        }
    }
}

/// People whose follow of the user the node holds, with a Follow back button for those the user
/// does not follow.
#[component]
pub fn FollowersView(
    followers: Signal<Option<Vec<FollowerEntry>>>,
    people: People,
    mut following: Signal<Option<Vec<FollowingEntry>>>,
    on_open: EventHandler<PublicKey>,
) -> Element {
    let client = use_client();
    let mut error = use_signal(|| None::<String>);
    let follow_back = use_callback(move |key: PublicKey| {
        let client = client.clone();
        error.set(None);
        spawn(async move {
            match set_following(&client, key, true).await {
                Ok(entries) => following.set(Some(entries)),
                Err(message) => error.set(Some(message)),
            }
        });
    });
    let followed: Vec<PublicKey> = following
        .read()
        .iter()
        .flatten()
        .map(|e| e.public_key)
        .collect();
    rsx! {
        section { class: "card followers", aria_labelledby: "followers-heading",
            h2 { id: "followers-heading", "Followers" }
            {match followers() {
                None => rsx! { Status { message: "Loading…".to_string(), busy: true } },
                Some(list) if list.is_empty() => rsx! {
                    p { class: "empty", "Nobody follows you yet, as far as this browser knows." }
                },
                Some(list) => rsx! {
                    ul { class: "follows", role: "list", aria_label: "Followers",
                        for entry in list {
                            li { key: "{entry.public_key}", class: "follow",
                                button {
                                    r#type: "button",
                                    class: "link person-link",
                                    onclick: move |_| on_open.call(entry.public_key),
                                    PersonName { public_key: entry.public_key, people }
                                }
                                span { class: "follow-since",
                                    "since "
                                    TimeAgo { ms: entry.since }
                                }
                                if !followed.contains(&entry.public_key) {
                                    button {
                                        r#type: "button",
                                        class: "button secondary small",
                                        onclick: move |_| follow_back.call(entry.public_key),
                                        "Follow back"
                                    }
                                }
                            }
                        }
                    }
                },
            }}
            Alert { message: error() }
        }
    }
}

/// How long typing must pause before the posts are searched: one search per word typed, not per
/// key pressed.
const SEARCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// Most posts a search shows.
const SEARCH_POSTS: u32 = 20;

/// Finds people the popup knows by name, nickname or fingerprint, and stored posts by words.
#[component]
pub fn SearchView(people: People, on_open: EventHandler<PublicKey>) -> Element {
    let client = use_client();
    let mut query = use_signal(String::new);
    // Found posts and the query they answer; a later query's answer replaces an earlier one's.
    let mut posts = use_signal(|| None::<(String, SearchPage)>);
    let mut error = use_signal(|| None::<String>);
    let mut typed = use_signal(|| 0u64);
    let mut search = move |text: String| {
        query.set(text.clone());
        error.set(None);
        let this = typed() + 1;
        typed.set(this);
        if text.trim().is_empty() {
            posts.set(None);
            return;
        }
        let client = client.clone();
        spawn(async move {
            phemossa_ui::sleep(SEARCH_PAUSE).await;
            if typed() != this {
                return; // typing went on
            }
            let request = Request::SearchPosts {
                query: text.clone(),
                limit: SEARCH_POSTS,
            };
            match client.request(request).await {
                Ok(Response::Found(page)) if typed() == this => posts.set(Some((text, page))),
                Ok(Response::Found(_)) => {}
                other => error.set(Some(failure_text(other))),
            }
        });
    };
    let found: Vec<PublicKey> = people
        .read()
        .search(&query())
        .into_iter()
        .take(20)
        .map(|p| p.public_key)
        .collect();
    let searching = !query().trim().is_empty();
    let shown_posts = posts()
        .filter(|(answered, _)| *answered == query())
        .map(|(_, page)| page);
    let waiting = searching && shown_posts.is_none() && error().is_none();
    let post_items = shown_posts
        .as_ref()
        .map(|p| p.items.clone())
        .unwrap_or_default();
    let nothing = searching && !waiting && found.is_empty() && post_items.is_empty();
    rsx! {
        section { class: "card search", role: "search", aria_label: "Search people and posts",
            label { r#for: "search", class: "field-label", "Search" }
            input {
                id: "search",
                r#type: "search",
                autocomplete: "off",
                placeholder: "A name, nickname, fingerprint or words of a post",
                value: "{query}",
                oninput: move |event: FormEvent| search(event.value()),
            }
            if searching {
                if nothing {
                    p { class: "empty", role: "status", "Nothing found: no person by that name and no stored post with those words." }
                } else if !found.is_empty() || !post_items.is_empty() {
                    ul { class: "follows search-results", role: "list", aria_label: "Search results",
                        for key in found {
                            li { key: "{key}", class: "follow",
                                button {
                                    r#type: "button",
                                    class: "link person-link",
                                    onclick: move |_| on_open.call(key),
                                    PersonName { public_key: key, people }
                                }
                            }
                        }
                        for item in post_items {
                            li { key: "{item.id}", class: "found-post",
                                PostBody { item, people, on_open }
                            }
                        }
                    }
                }
                if waiting {
                    Status { message: "Searching posts…".to_string(), busy: true }
                }
                if shown_posts.as_ref().is_some_and(|p| p.cut_short) {
                    p { class: "hint",
                        "Only the newest matches are shown: add a word to narrow the search."
                    }
                }
                Alert { message: error() }
            }
        }
    }
}
