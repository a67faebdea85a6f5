//! The feed section: posts newest first (their pictures with their descriptions, one shown large
//! on a click), "Load older posts" while there are more, and the
//! loading, empty and error states.

use dioxus::prelude::*;
use phemossa_api::{BlobPurpose, FeedImage, FeedItem, Request, Response};
use phemossa_core::keys::BlobHash;
use phemossa_core::{EventId, PublicKey};
use phemossa_ui::feed::merge_feed;
use phemossa_ui::work::{request_with_work, WorkCancel, WorkProgress, WorkShown};
use phemossa_ui::{
    ask_picture, failure_text, use_client, Alert, KeepOutButtons, People, PersonName, RetryAlert,
    Status, TimeAgo,
};
use phemossa_webext::PortClient;

use crate::feed::{load_first_page, FeedState, PAGE};
use crate::reaction_bar::ReactionBar;

/// A thread to open: the post it was opened from, and whether to reply to that post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadOpen {
    pub id: EventId,
    pub reply: bool,
}

/// The feed, newest first, with "Load older posts" when there are more.
#[component]
pub fn FeedView(
    feed: Signal<FeedState>,
    people: People,
    on_open: EventHandler<PublicKey>,
    on_thread: EventHandler<ThreadOpen>,
) -> Element {
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
                other => older_error.set(Some(failure_text(other))),
            }
        });
    };
    let retry = move |()| {
        feed.with_mut(|f| f.error = None);
        spawn(load_first_page(client.clone(), feed, true));
    };

    let state = feed();
    // Marks the first page drawn: the popup's copy of how it looked (static/snapshot.js) is
    // replaced by the live view then, and saved only while it is shown.
    let ready = (state.loaded && state.error.is_none()).then_some("true");
    rsx! {
        section { class: "feed", aria_labelledby: "feed-heading", "data-feed-ready": ready,
            h2 { id: "feed-heading", "Feed" }
            if let Some(error) = state.error.clone() {
                div { class: "card",
                    RetryAlert { error, on_retry: retry }
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
                            PostBody { item: item.clone(), people, on_open, on_thread }
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

/// A post as the feed and the search results show it: who wrote it (a button that opens their
/// view), when, Mute and Block for others' posts, and its text; a post holding a muted word
/// shows only a line saying so until "Show anyway". With `on_thread`, "Reply" and, for a post in
/// a conversation shown outside it (not `in_thread`), a button opening the thread ("3 replies",
/// or "Thread" for a reply). The user's own posts have "Delete", which asks first. Every post
/// has "Repost", pressed once the user reposted it. A repost shows who reposted it and when, then the post it passes on, whose
/// buttons answer that post; the user's own repost has "Undo repost".
#[component]
pub fn PostBody(
    item: FeedItem,
    people: People,
    on_open: EventHandler<PublicKey>,
    #[props(default)] on_thread: Option<EventHandler<ThreadOpen>>,
    #[props(default)] in_thread: bool,
) -> Element {
    if let Some(original) = item.original.clone() {
        return rsx! {
            RepostLine { item: item.clone(), people, on_open }
            PostBody { item: *original, people, on_open, on_thread, in_thread }
        };
    }
    let author = item.author;
    let id = item.id;
    let own = item.own;
    let mut shown_anyway = use_signal(|| false);
    let mut confirming = use_signal(|| false);
    let mut deleting = use_signal(|| false);
    let mut delete_error = use_signal(|| None::<String>);
    let client = use_client();
    let confirm_delete = move |_| {
        if deleting() {
            return;
        }
        deleting.set(true);
        delete_error.set(None);
        let client = client.clone();
        spawn(async move {
            match delete_own(client, id).await {
                Ok(()) => confirming.set(false),
                Err(reason) => delete_error.set(Some(reason)),
            }
            deleting.set(false);
        });
    };
    let thread_label = match (item.replies, item.reply_to.is_some()) {
        _ if in_thread => None,
        (0, false) => None,
        (0, true) => Some("Thread".to_owned()),
        (1, _) => Some("1 reply".to_owned()),
        (n, _) => Some(format!("{n} replies")),
    };
    rsx! {
        div { class: "post-meta",
            button {
                r#type: "button",
                class: "link author",
                onclick: move |_| on_open.call(author),
                PersonName { public_key: item.author, people, you: item.own }
            }
            span { class: "dot", aria_hidden: "true", "·" }
            TimeAgo { ms: item.timestamp }
            if !item.own {
                KeepOutButtons { public_key: author, people, compact: true }
            }
        }
        if let (Some(word), false) = (item.muted_word.clone(), shown_anyway()) {
            p { class: "hint muted-post",
                "Hidden: it contains “{word}”, one of your muted words. "
                button {
                    r#type: "button",
                    class: "link",
                    onclick: move |_| shown_anyway.set(true),
                    "Show anyway"
                }
            }
        } else {
            PostContent { item: item.clone(), people, on_open }
        }
        div { class: "post-actions",
            ReactionBar { item: item.clone() }
            RepostButton { id, reposted: item.reposted }
            if let Some(on_thread) = on_thread {
                button {
                    r#type: "button",
                    class: "link small",
                    onclick: move |_| on_thread.call(ThreadOpen { id, reply: true }),
                    "Reply"
                }
                if let Some(label) = thread_label {
                    button {
                        r#type: "button",
                        class: "link small",
                        onclick: move |_| on_thread.call(ThreadOpen { id, reply: false }),
                        "{label}"
                    }
                }
            }
            if own {
                button {
                    r#type: "button",
                    class: "link small",
                    aria_expanded: if confirming() { "true" } else { "false" },
                    onclick: move |_| confirming.set(true),
                    "Delete"
                }
            }
        }
        if confirming() {
            div {
                class: "confirm-block",
                role: "alertdialog",
                aria_label: "Delete this post?",
                aria_describedby: "delete-{id}",
                onkeydown: move |event: KeyboardEvent| {
                    if event.key() == Key::Escape && !deleting() {
                        confirming.set(false);
                    }
                },
                p { id: "delete-{id}", class: "hint",
                    "Delete this post? It leaves this browser, and every browser that receives the deletion removes it too. A copy someone saved elsewhere stays."
                }
                button {
                    r#type: "button",
                    class: "button danger",
                    disabled: deleting(),
                    aria_busy: deleting(),
                    onclick: confirm_delete,
                    "Delete"
                }
                // Focus goes to the harmless choice: Enter does not delete by accident.
                button {
                    r#type: "button",
                    class: "button secondary",
                    disabled: deleting(),
                    onmounted: move |element: MountedEvent| async move {
                        let _ = element.set_focus(true).await;
                    },
                    onclick: move |_| confirming.set(false),
                    "Cancel"
                }
                Alert { message: delete_error() }
            }
        }
    }
}

/// Who reposted the post below and when; on the user's own repost, "Undo repost" (a delete
/// of the repost, protocol.md §5.4: the post itself stays).
#[component]
fn RepostLine(item: FeedItem, people: People, on_open: EventHandler<PublicKey>) -> Element {
    let client = use_client();
    let (reposter, id) = (item.author, item.id);
    let mut undoing = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let undo = move |_| {
        if undoing() {
            return;
        }
        undoing.set(true);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            if let Err(reason) = delete_own(client, id).await {
                error.set(Some(reason));
            }
            undoing.set(false);
        });
    };
    rsx! {
        p { class: "repost-line",
            // A symbol every system font has, where the 🔁 emoji can show as a box.
            span { aria_hidden: "true", "↻" }
            button {
                r#type: "button",
                class: "link author",
                onclick: move |_| on_open.call(reposter),
                PersonName { public_key: reposter, people, you: item.own }
            }
            "reposted"
            TimeAgo { ms: item.timestamp }
            if item.own {
                button {
                    r#type: "button",
                    class: "link small undo",
                    disabled: undoing(),
                    aria_busy: undoing(),
                    onclick: undo,
                    "Undo repost"
                }
            }
        }
        Alert { message: error() }
    }
}

/// Deletes the user's post or repost `id`; on success the background has every page load its
/// feed again (a `feed_reset`), without it. The failure, in words.
async fn delete_own(client: PortClient, id: EventId) -> Result<(), String> {
    let request = Request::DeletePosts {
        ids: vec![id.to_hex()],
    };
    match client.request(request).await {
        Ok(Response::Deleted(_)) => Ok(()),
        other => Err(failure_text(other)),
    }
}

/// "Repost", a toggle (aria-pressed): pressed, the user's repost passes the post on to their
/// followers; pressed again, that repost is deleted. Whether it is pressed is the page's to say
/// (`reposted`): the feed marks a post when the user's repost of it arrives (`merge_feed`), and
/// loads again when one is deleted.
#[component]
fn RepostButton(id: EventId, reposted: Option<EventId>) -> Element {
    let client = use_client();
    let mut sending = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // A repost of someone who does not follow the user is sent with proof of work.
    let work = use_signal(|| None::<WorkProgress>);
    let cancel = use_hook(WorkCancel::default);
    let cancel_search = cancel.clone();
    let toggle = move |_| {
        if sending() {
            return;
        }
        sending.set(true);
        error.set(None);
        let client = client.clone();
        let cancel = cancel_search.clone();
        spawn(async move {
            let outcome = match reposted {
                Some(repost) => delete_own(client, repost).await,
                None => {
                    let request = |work| Request::Repost {
                        id: id.to_hex(),
                        work,
                    };
                    match request_with_work(&client, &request, &cancel, work).await {
                        Ok(Response::Posted(_)) => Ok(()),
                        Ok(other) => Err(failure_text(Ok(other))),
                        Err(failure) => Err(failure.text("your repost")),
                    }
                }
            };
            if let Err(reason) = outcome {
                error.set(Some(reason));
            }
            sending.set(false);
        });
    };
    rsx! {
        button {
            r#type: "button",
            class: "link small",
            aria_pressed: if reposted.is_some() { "true" } else { "false" },
            aria_busy: sending(),
            disabled: sending(),
            onclick: toggle,
            "Repost"
        }
        WorkShown { id: "repost-work-{id}", progress: work(), cancel: cancel.clone() }
        Alert { message: error() }
    }
}

/// A post's text and pictures.
#[component]
fn PostContent(item: FeedItem, people: People, on_open: EventHandler<PublicKey>) -> Element {
    rsx! {
        if !item.text.is_empty() {
            p { class: "post-text", "{item.text}" }
        }
        // Each person the post mentions, by name and picture, opening their posts.
        if !item.mentions.is_empty() {
            p { class: "post-mentions hint",
                "Mentions "
                for key in item.mentions.iter().copied() {
                    button {
                        key: "{key}",
                        r#type: "button",
                        class: "link mention",
                        onclick: move |_| on_open.call(key),
                        PersonName { public_key: key, people }
                    }
                }
            }
        }
        if !item.images.is_empty() {
            PostImages { images: item.images.clone(), people }
        }
    }
}

/// A post's pictures, each with its description as its alt text; a click shows one large.
#[component]
fn PostImages(images: Vec<FeedImage>, people: People) -> Element {
    let client = use_client();
    let mut large = use_signal(|| None::<(String, String)>);
    let wanted: Vec<BlobHash> = images.iter().map(|image| image.blob).collect();
    use_effect(use_reactive!(|wanted| {
        for hash in wanted {
            ask_picture(client.clone(), people, hash, BlobPurpose::Image);
        }
    }));
    rsx! {
        div { class: "post-images",
            for (n, image) in images.into_iter().enumerate() {
                {
                    let alt = if image.alt.trim().is_empty() {
                        format!("Picture {} (no description)", n + 1)
                    } else {
                        image.alt.clone()
                    };
                    let url = people.read().loaded(&image.blob).map(str::to_owned);
                    let waiting = url.is_none();
                    let shown = url.clone();
                    rsx! {
                        button {
                            key: "{image.blob}",
                            r#type: "button",
                            class: "picture",
                            aria_label: "Show picture {n + 1} large",
                            disabled: waiting,
                            onclick: {
                                let alt = alt.clone();
                                let url = url.clone();
                                move |_| {
                                    if let Some(url) = url.clone() {
                                        large.set(Some((url, alt.clone())));
                                    }
                                }
                            },
                            if let Some(url) = shown {
                                img { src: "{url}", alt: "{alt}" }
                            } else {
                                span { class: "hint", role: "img", aria_label: "{alt}", "Loading picture…" }
                            }
                        }
                    }
                }
            }
        }
        if let Some((url, alt)) = large() {
            div {
                class: "picture-view",
                role: "dialog",
                aria_modal: "true",
                aria_label: "Picture",
                onkeydown: move |event: KeyboardEvent| {
                    if event.key() == Key::Escape {
                        large.set(None);
                    }
                },
                img { src: "{url}", alt: "{alt}" }
                p { "{alt}" }
                button {
                    r#type: "button",
                    class: "button secondary",
                    autofocus: true,
                    onmounted: move |event: MountedEvent| async move {
                        let _ = event.set_focus(true).await;
                    },
                    onclick: move |_| large.set(None),
                    "Close"
                }
            }
        }
    }
}
