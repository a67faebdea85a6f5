//! The toolbar popup: your public key, a box to post, the feed, and who you follow.
//!
//! Everything goes through the background's port ([`phemossa_webext::PortClient`]); the popup
//! keeps only what it shows. It subscribes to feed, following and identity pushes, so posts that
//! arrive while it is open appear without a reload.

use dioxus::prelude::*;
use phemossa_core::api::{
    ApiError, FeedItem, FollowingEntry, IdentityInfo, Push, Request, Response, Topic,
};
use phemossa_core::FeedCursor;
use phemossa_ui::feed::{check_post, counter, merge_feed, CounterLevel};
use phemossa_ui::{
    request_when_ready, unexpected, use_client, use_client_provider, Alert, PublicKeyField, Pushes,
    Starting, Status, TimeAgo,
};
use phemossa_webext::PortClient;
use wasm_bindgen::prelude::*;

/// Posts per feed page.
const PAGE: u32 = 30;

#[wasm_bindgen(start)]
fn start() {
    dioxus::LaunchBuilder::new()
        .with_cfg(dioxus_web::Config::new().rootname("app"))
        .launch(App)
}

#[derive(Clone, PartialEq)]
enum Phase {
    Starting,
    Failed(String),
    Ready,
}

/// The feed as shown: newest first, plus where older posts continue.
#[derive(Clone, Default, PartialEq)]
struct FeedState {
    items: Vec<FeedItem>,
    next: Option<FeedCursor>,
    /// The first page has arrived.
    loaded: bool,
    error: Option<String>,
    /// Bumped on every reload from the top, so an older page asked for before it is dropped.
    generation: u64,
}

#[component]
fn App() -> Element {
    let client = use_client_provider();
    phemossa_ui::use_clock_provider();
    let mut phase = use_signal(|| Phase::Starting);
    let mut identity = use_signal(|| None::<IdentityInfo>);
    let mut feed = use_signal(FeedState::default);
    let mut following = use_signal(|| None::<Vec<FollowingEntry>>);

    let push_client = client.clone();
    use_hook(move || {
        let mut pushes = Pushes::new(&push_client);
        spawn(async move {
            while let Some(push) = pushes.next().await {
                match push {
                    Push::FeedAdded(items) => feed.with_mut(|f| merge_feed(&mut f.items, items)),
                    Push::FeedReset => load_first_page(push_client.clone(), feed, true).await,
                    Push::Following(entries) => following.set(Some(entries)),
                    Push::Identity(info) => identity.set(Some(info)),
                }
            }
        });
    });

    let connect = use_callback(move |()| {
        let client = client.clone();
        phase.set(Phase::Starting);
        spawn(async move {
            match handshake(&client).await {
                Ok(info) => {
                    identity.set(Some(info));
                    phase.set(Phase::Ready);
                    spawn(load_first_page(client.clone(), feed, false));
                    spawn(load_following(client, following));
                }
                Err(error) => phase.set(Phase::Failed(error.to_string())),
            }
        });
    });
    use_hook(move || connect.call(()));

    rsx! {
        div { class: "app popup-app",
            header { class: "topbar",
                h1 { class: "brand", "Phemossa" }
                button {
                    r#type: "button",
                    class: "button ghost",
                    onclick: move |_| open_options_page(),
                    "Settings"
                }
            }
            main { class: "popup",
                {match (phase(), identity()) {
                    (Phase::Ready, Some(info)) => rsx! {
                        section { class: "card", aria_label: "Your identity",
                            PublicKeyField { public_key: info.public_key.to_string(), compact: true }
                        }
                        Composer { feed }
                        // Reading comes first: the feed sits right under the composer.
                        FeedView { feed }
                        FollowingView { following }
                    },
                    (Phase::Failed(error), _) => rsx! {
                        Starting { error, on_retry: connect }
                    },
                    _ => rsx! {
                        Starting { on_retry: connect }
                    },
                }}
            }
        }
    }
}

/// Learns the identity (waiting while the background starts) and subscribes to pushes.
async fn handshake(client: &PortClient) -> Result<IdentityInfo, ApiError> {
    let info = match request_when_ready(client, Request::GetIdentity).await? {
        Response::Identity(info) => info,
        other => return Err(unexpected(other)),
    };
    client
        .subscribe(vec![Topic::Feed, Topic::Following, Topic::Identity])
        .await?;
    Ok(info)
}

/// Loads the newest page. `replace` drops what is shown (after a reset); otherwise the page is
/// merged with posts pushed meanwhile.
async fn load_first_page(client: PortClient, mut feed: Signal<FeedState>, replace: bool) {
    let generation = feed.with_mut(|f| {
        f.generation += 1;
        f.generation
    });
    let result = client
        .request(Request::GetFeed {
            before: None,
            limit: PAGE,
        })
        .await;
    if feed.peek().generation != generation {
        return; // a newer reload is under way
    }
    feed.with_mut(|f| match result {
        Ok(Response::FeedPage(page)) => {
            if replace {
                f.items.clear();
            }
            merge_feed(&mut f.items, page.items);
            f.next = page.next;
            f.loaded = true;
            f.error = None;
        }
        Ok(other) => f.error = Some(unexpected(other).to_string()),
        Err(error) => f.error = Some(error.to_string()),
    });
}

async fn load_following(client: PortClient, mut following: Signal<Option<Vec<FollowingEntry>>>) {
    match client.request(Request::GetFollowing).await {
        Ok(Response::Following(entries)) => following.set(Some(entries)),
        // The list stays "Loading…"; the Following push or the next follow fills it.
        Ok(other) => web_sys_warn(&unexpected(other).to_string()),
        Err(error) => web_sys_warn(&error.to_string()),
    }
}

fn web_sys_warn(message: &str) {
    web_sys::console::warn_1(&format!("phemossa popup: {message}").into());
}

/// The "New post" box with its character counter. Ctrl+Enter (Cmd+Enter) posts.
#[component]
fn Composer(feed: Signal<FeedState>) -> Element {
    let client = use_client();
    let mut draft = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut posting = use_signal(|| false);

    let submit = use_callback(move |()| {
        if posting() {
            return;
        }
        let text = draft();
        if let Err(refused) = check_post(&text) {
            error.set(Some(refused.to_string()));
            return;
        }
        error.set(None);
        posting.set(true);
        let client = client.clone();
        spawn(async move {
            match client
                .request(Request::Post {
                    text,
                    reply_to: None,
                })
                .await
            {
                Ok(Response::Posted(item)) => {
                    draft.set(String::new());
                    feed.with_mut(|f| merge_feed(&mut f.items, [item]));
                }
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
            posting.set(false);
        });
    });

    let count = counter(&draft.read());
    let counter_class = match count.level {
        CounterLevel::Normal => "counter",
        CounterLevel::Near => "counter near",
        CounterLevel::Over => "counter over",
    };
    rsx! {
        section { class: "card compose",
            form {
                onsubmit: move |event: FormEvent| {
                    event.prevent_default();
                    submit.call(());
                },
                label { r#for: "new-post", class: "field-label", "New post" }
                textarea {
                    id: "new-post",
                    rows: 3,
                    placeholder: "What would you like to say?",
                    value: "{draft}",
                    readonly: posting(),
                    aria_invalid: count.level == CounterLevel::Over,
                    aria_describedby: "post-counter post-hint",
                    oninput: move |event: FormEvent| {
                        draft.set(event.value());
                        error.set(None);
                    },
                    onkeydown: move |event: KeyboardEvent| {
                        let modifiers = event.modifiers();
                        if event.key() == Key::Enter && (modifiers.ctrl() || modifiers.meta()) {
                            event.prevent_default();
                            submit.call(());
                        }
                    },
                }
                div { class: "compose-footer",
                    span { id: "post-hint", class: "hint", "{shortcut_hint()}" }
                    span { id: "post-counter", class: counter_class, "{count.text}" }
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: posting(),
                        aria_busy: posting(),
                        "Post"
                    }
                }
                Alert { message: error() }
            }
        }
    }
}

/// Follow by public key, and the list of followed keys with Unfollow buttons.
#[component]
fn FollowingView(following: Signal<Option<Vec<FollowingEntry>>>) -> Element {
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
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
            busy.set(false);
        });
    });

    let unfollow = use_callback(move |entry: FollowingEntry| {
        let client = client.clone();
        error.set(None);
        spawn(async move {
            let request = Request::Unfollow {
                public_key: entry.public_key.to_string(),
            };
            match client.request(request).await {
                Ok(Response::Following(entries)) => following.set(Some(entries)),
                Ok(other) => error.set(Some(unexpected(other).to_string())),
                Err(refused) => error.set(Some(refused.to_string())),
            }
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
                Alert { message: error() }
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

/// The feed, newest first, with "Load older posts" when there are more.
#[component]
fn FeedView(feed: Signal<FeedState>) -> Element {
    let client = use_client();
    let mut loading_older = use_signal(|| false);
    let mut older_error = use_signal(|| None::<String>);

    let older_client = client.clone();
    let load_older = move |_| {
        let (Some(before), generation) = ({
            let f = feed.peek();
            (f.next, f.generation)
        }) else {
            return;
        };
        if loading_older() {
            return;
        }
        loading_older.set(true);
        older_error.set(None);
        let client = older_client.clone();
        spawn(async move {
            let result = client
                .request(Request::GetFeed {
                    before: Some(before),
                    limit: PAGE,
                })
                .await;
            loading_older.set(false);
            if feed.peek().generation != generation {
                return; // the feed was reloaded from the top meanwhile
            }
            match result {
                Ok(Response::FeedPage(page)) => feed.with_mut(|f| {
                    merge_feed(&mut f.items, page.items);
                    f.next = page.next;
                }),
                Ok(other) => older_error.set(Some(unexpected(other).to_string())),
                Err(error) => older_error.set(Some(error.to_string())),
            }
        });
    };
    let retry = move |_| {
        feed.with_mut(|f| f.error = None);
        spawn(load_first_page(client.clone(), feed, true));
    };

    let state = feed();
    rsx! {
        section { class: "feed", aria_labelledby: "feed-heading",
            h2 { id: "feed-heading", "Feed" }
            if let Some(error) = state.error.clone() {
                div { class: "card",
                    p { class: "alert", role: "alert", "{error}" }
                    button { r#type: "button", class: "button", onclick: retry, "Retry" }
                }
            } else if !state.loaded {
                Status { message: "Loading…".to_string(), busy: true }
            } else if state.items.is_empty() {
                div { class: "card empty-state",
                    p { class: "empty-title", "No posts yet" }
                    p { class: "hint",
                        "Follow someone with their public key above, or write your first post."
                    }
                }
            } else {
                ul { class: "posts", role: "list", aria_label: "Feed",
                    for item in state.items.iter() {
                        li { key: "{item.id}", class: if item.own { "post card own" } else { "post card" },
                            div { class: "post-meta",
                                if item.own {
                                    span { class: "author", title: "{item.author}", "You" }
                                } else {
                                    span { class: "author", title: "{item.author}", "{item.author_short}" }
                                }
                                span { class: "dot", aria_hidden: "true", "·" }
                                TimeAgo { ms: item.timestamp }
                            }
                            p { class: "post-text", "{item.text}" }
                        }
                    }
                }
            }
            if state.next.is_some() && state.error.is_none() {
                button {
                    r#type: "button",
                    class: "button secondary wide",
                    disabled: loading_older(),
                    aria_busy: loading_older(),
                    onclick: load_older,
                    "Load older posts"
                }
                if loading_older() {
                    Status { message: "Loading older posts…".to_string(), busy: true }
                }
                Alert { message: older_error() }
            }
        }
    }
}

/// How to post from the keyboard, in the words of this computer's keyboard.
fn shortcut_hint() -> &'static str {
    let mac = web_sys::window()
        .and_then(|w| w.navigator().platform().ok())
        .is_some_and(|platform| platform.starts_with("Mac"));
    if mac {
        "⌘+Enter to post"
    } else {
        "Ctrl+Enter to post"
    }
}

/// Opens the options page in a tab (`chrome.runtime.openOptionsPage()`), or the page directly
/// when that API is missing.
fn open_options_page() {
    let opened = (|| {
        let chrome = js_sys::Reflect::get(&js_sys::global(), &"chrome".into()).ok()?;
        let runtime = js_sys::Reflect::get(&chrome, &"runtime".into()).ok()?;
        let open = js_sys::Reflect::get(&runtime, &"openOptionsPage".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        open.call0(&runtime).ok()
    })();
    if opened.is_none() {
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target("options.html", "_blank");
        }
    }
}
