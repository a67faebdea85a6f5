//! The Notifications view, in place of the feed: replies, mentions, reactions and new
//! followers, newest first (the list "Notifications"), each naming who did what, the unread
//! ones marked. An item opens its thread, or for a follow the person. Opening the view marks
//! everything read, which clears the toolbar badge; what was unread stays marked until it closes.

use dioxus::prelude::*;
use phemossa_api::{NotificationsPage, Request, Response};
use phemossa_core::PublicKey;
use phemossa_ui::notifications::what_they_did;
use phemossa_ui::{failure_text, use_client, People, PersonName, RetryAlert, Status, TimeAgo};

use crate::feed_view::ThreadOpen;

/// Notifications shown at once.
const SHOWN: u32 = 50;

#[component]
pub fn NotificationsView(
    people: People,
    on_open: EventHandler<PublicKey>,
    on_thread: EventHandler<ThreadOpen>,
    on_close: EventHandler<()>,
) -> Element {
    let client = use_client();
    let mut page = use_signal(|| None::<Result<NotificationsPage, String>>);
    let mut reloads = use_signal(|| 0u64);
    use_effect(move || {
        let _ = reloads();
        let client = client.clone();
        spawn(async move {
            let shown = match client
                .request(Request::GetNotifications { limit: SHOWN })
                .await
            {
                Ok(Response::Notifications(shown)) => shown,
                other => {
                    page.set(Some(Err(failure_text(other))));
                    return;
                }
            };
            let unread = shown.unread;
            page.set(Some(Ok(shown)));
            if unread > 0 {
                // Seen now: the badge clears; the marks stay on what is shown.
                if let Err(error) = client.request(Request::MarkNotificationsRead).await {
                    web_sys::console::warn_1(
                        &format!("phemossa: cannot mark notifications read: {error}").into(),
                    );
                }
            }
        });
    });
    rsx! {
        section { class: "card notifications-view", aria_labelledby: "notifications-heading",
            div { class: "person-view-top",
                h2 { id: "notifications-heading", "Notifications" }
                button {
                    r#type: "button",
                    class: "button ghost",
                    onclick: move |_| on_close.call(()),
                    "Back"
                }
            }
            match page() {
                None => rsx! { Status { message: "Loading notifications…".to_string(), busy: true } },
                Some(Err(error)) => rsx! {
                    RetryAlert { error, on_retry: move |()| reloads += 1 }
                },
                Some(Ok(shown)) if shown.items.is_empty() => rsx! {
                    p { class: "hint empty-state",
                        "Nothing yet. Replies to your posts, mentions of you, reactions and new followers show up here."
                    }
                },
                Some(Ok(shown)) => rsx! {
                    ul { class: "notifications", role: "list", aria_label: "Notifications",
                        for notification in shown.items {
                            li {
                                key: "{notification.id}",
                                class: if notification.unread { "notification unread" } else { "notification" },
                                button {
                                    r#type: "button",
                                    class: "link notification-open",
                                    onclick: {
                                        let post = notification.post;
                                        let from = notification.from;
                                        move |_| match post {
                                            Some(id) => on_thread.call(ThreadOpen { id, reply: false }),
                                            None => on_open.call(from),
                                        }
                                    },
                                    if notification.unread {
                                        span { class: "sr-only", "New: " }
                                        span { class: "unread-dot", aria_hidden: "true" }
                                    }
                                    PersonName { public_key: notification.from, people }
                                    " {what_they_did(&notification)}"
                                    if let Some(text) = notification.text.as_ref() {
                                        span { class: "notification-text", ": “{text}”" }
                                    }
                                }
                                TimeAgo { ms: notification.timestamp }
                            }
                        }
                    }
                },
            }
        }
    }
}
