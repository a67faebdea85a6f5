//! A conversation, in place of the feed: the post it grew from, then every reply this browser
//! holds as a tree in time order (the list "Thread", replies indented under what they answer),
//! and the reply box. "Reply" on any post of it makes the box answer that post. It loads again
//! when a post of the thread arrives, and when the user replies.

use dioxus::prelude::*;
use phemossa_api::{FeedItem, Request, Response, ThreadPage};
use phemossa_core::PublicKey;
use phemossa_ui::format::plural;
use phemossa_ui::{failure_text, use_client, People, RetryAlert, Status};

use crate::composer::{Composer, ReplyTo};
use crate::feed::FeedState;
use crate::feed_view::{PostBody, ThreadOpen};

/// Replies a thread opens with, and how many more each "Show more replies" adds: a thread of
/// a thousand replies opens as fast as a short one (docs/benchmarks.md).
const FIRST_REPLIES: u32 = 50;
const MORE_REPLIES: u32 = 100;

/// Indentation stops growing here, so a long chain stays readable at popup width.
const MAX_INDENT: u32 = 5;

/// The thread `open.id` is part of; `changed` ticks when posts arrive that may belong to it.
#[component]
pub fn ThreadView(
    open: ThreadOpen,
    feed: Signal<FeedState>,
    people: People,
    changed: ReadSignal<u64>,
    on_open: EventHandler<PublicKey>,
    on_close: EventHandler<()>,
) -> Element {
    let client = use_client();
    let mut page = use_signal(|| None::<Result<ThreadPage, String>>);
    // The post the reply box answers: the one "Reply" was pressed on, else the root.
    let mut target = use_signal(|| open.reply.then_some(open.id));
    let mut reloads = use_signal(|| 0u64);
    // Replies asked for: a first page, more on "Show more replies".
    let mut limit = use_signal(|| FIRST_REPLIES);

    let load_client = client.clone();
    use_effect(move || {
        // Read to reload when they change.
        let _ = (changed(), reloads());
        let asked = limit();
        let client = load_client.clone();
        spawn(async move {
            let request = Request::GetThread {
                id: open.id.to_hex(),
                limit: Some(asked),
            };
            match client.request(request).await {
                Ok(Response::Thread(next)) => page.set(Some(Ok(next))),
                other => page.set(Some(Err(failure_text(other)))),
            }
        });
    });

    let on_thread = move |next: ThreadOpen| {
        if next.reply {
            target.set(Some(next.id));
        }
    };
    let shown = page();
    let reply = match &shown {
        Some(Ok(thread)) => {
            let id = target().unwrap_or(thread.root.id);
            let author = std::iter::once(&thread.root)
                .chain(thread.replies.iter().map(|reply| &reply.item))
                .find(|item| item.id == id)
                .map_or(thread.root.author, |item| item.author);
            Some(ReplyTo {
                id,
                whom: people.read().label(&author).with_fingerprint(),
            })
        }
        _ => None,
    };
    rsx! {
        section { class: "card thread-view", aria_labelledby: "thread-heading",
            div { class: "person-view-top",
                h2 { id: "thread-heading", "Conversation" }
                button {
                    r#type: "button",
                    class: "button ghost",
                    onclick: move |_| on_close.call(()),
                    "Back"
                }
            }
            match shown {
                None => rsx! { Status { message: "Loading the conversation…".to_string(), busy: true } },
                Some(Err(error)) => rsx! {
                    RetryAlert { error, on_retry: move |()| reloads += 1 }
                },
                Some(Ok(thread)) => rsx! {
                    if thread.root_is_reply {
                        p { class: "hint", "It answers a post this browser does not have." }
                    }
                    ul { class: "posts thread", role: "list", aria_label: "Thread",
                        ThreadPost { item: thread.root.clone(), depth: 0, people, on_open, on_thread }
                        for reply in thread.replies.iter() {
                            ThreadPost {
                                key: "{reply.item.id}",
                                item: reply.item.clone(),
                                depth: reply.depth,
                                people,
                                on_open,
                                on_thread,
                            }
                        }
                    }
                    if thread.replies.is_empty() {
                        p { class: "hint empty-state", "No replies yet." }
                    }
                    if thread.hidden > 0 {
                        p { class: "hint",
                            "{plural(u64::from(thread.hidden), \"reply\", \"replies\")} from people you muted or blocked, or under theirs, not shown."
                        }
                    }
                    if thread.cut_short && (limit() as usize) < phemossa_api::MAX_THREAD_REPLIES {
                        button {
                            r#type: "button",
                            class: "button secondary",
                            onclick: move |_| {
                                let more = (limit() + MORE_REPLIES).min(phemossa_api::MAX_THREAD_REPLIES as u32);
                                limit.set(more);
                            },
                            "Show more replies"
                        }
                    } else if thread.cut_short {
                        p { class: "hint",
                            "Only the first {phemossa_api::MAX_THREAD_REPLIES} replies are shown."
                        }
                    }
                },
            }
            if let Some(reply) = reply {
                Composer {
                    feed,
                    people,
                    reply,
                    on_posted: move |_: FeedItem| {
                        target.set(None);
                        reloads += 1;
                    },
                }
            }
        }
    }
}

/// One post of the thread, indented by its depth; "Reply" on it points the reply box at it.
#[component]
fn ThreadPost(
    item: FeedItem,
    depth: u32,
    people: People,
    on_open: EventHandler<PublicKey>,
    on_thread: EventHandler<ThreadOpen>,
) -> Element {
    let indent = depth.min(MAX_INDENT) * 12;
    let class = match (item.own, depth) {
        (true, 0) => "post card own thread-root",
        (false, 0) => "post card thread-root",
        (true, _) => "post card own reply",
        (false, _) => "post card reply",
    };
    rsx! {
        li { class, style: "margin-left: {indent}px",
            PostBody {
                item,
                people,
                on_open,
                on_thread: move |open: ThreadOpen| on_thread.call(open),
                in_thread: true,
            }
        }
    }
}
