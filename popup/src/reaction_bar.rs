//! A post's reactions and the "React" picker. Each count is a button ("👍 2", pressed when the
//! user is one of them) that toggles the user's own reaction with that emoji; "React" opens a
//! group of buttons named by their emoji (Escape closes it). The background answers the new
//! counts, which every view showing the post takes from the shared overlay.

use std::sync::atomic::{AtomicU64, Ordering};

use dioxus::prelude::*;
use phemossa_api::{FeedItem, Request, Response};
use phemossa_ui::reactions::{count_label, count_title, ReactionOverlay, CHOICES};
use phemossa_ui::work::{request_with_work, WorkCancel, WorkProgress, WorkShown};
use phemossa_ui::{failure_text, focus_later, use_client};

#[component]
pub fn ReactionBar(item: FeedItem) -> Element {
    let client = use_client();
    let overlay = try_use_context::<Signal<ReactionOverlay>>();
    let mut picking = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // A reaction to someone who does not follow the user is sent with proof of work.
    let work = use_signal(|| None::<WorkProgress>);
    let cancel = use_hook(WorkCancel::default);
    let cancel_search = cancel.clone();
    let id = item.id;
    // Unique per bar: the same post may be shown twice (the feed and search results).
    let first_choice = use_hook(|| {
        static BARS: AtomicU64 = AtomicU64::new(0);
        format!("reaction-picker-{}", BARS.fetch_add(1, Ordering::Relaxed))
    });
    let first_choice_id = first_choice.clone();
    let react = use_callback(move |emoji: String| {
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        let client = client.clone();
        let cancel = cancel_search.clone();
        spawn(async move {
            let request = |work| Request::React {
                id: id.to_hex(),
                emoji: emoji.clone(),
                work,
            };
            match request_with_work(&client, &request, &cancel, work).await {
                Ok(Response::Reactions(post)) => {
                    if let Some(mut overlay) = overlay {
                        overlay.with_mut(|o| o.apply(vec![post]));
                    }
                    picking.set(false);
                }
                Ok(other) => error.set(Some(failure_text(Ok(other)))),
                Err(failure) => error.set(Some(failure.text("your reaction"))),
            }
            busy.set(false);
        });
    });
    let counts = match overlay {
        Some(overlay) => overlay.read().of(&item).to_vec(),
        None => item.reactions.clone(),
    };
    rsx! {
        for count in counts {
            button {
                key: "{count.emoji}",
                r#type: "button",
                class: "reaction-count",
                aria_pressed: if count.mine { "true" } else { "false" },
                title: count_title(&count),
                disabled: busy(),
                onclick: {
                    let emoji = count.emoji.clone();
                    move |_| react.call(emoji.clone())
                },
                {count_label(&count)}
            }
        }
        button {
            r#type: "button",
            class: "link small",
            aria_expanded: if picking() { "true" } else { "false" },
            onclick: move |_| {
                picking.toggle();
                // Keyboard users land on the first emoji, and Escape (heard by the group) works.
                if picking() {
                    focus_later(first_choice_id.clone());
                }
            },
            "React"
        }
        if picking() {
            div {
                class: "reaction-picker",
                role: "group",
                aria_label: "Pick a reaction",
                onkeydown: move |event: KeyboardEvent| {
                    if event.key() == Key::Escape {
                        picking.set(false);
                    }
                },
                for (n , choice) in CHOICES.iter().enumerate() {
                    button {
                        key: "{choice}",
                        r#type: "button",
                        class: "reaction-choice",
                        disabled: busy(),
                        id: if n == 0 { Some(first_choice.clone()) } else { None },
                        onclick: move |_| react.call((*choice).to_owned()),
                        "{choice}"
                    }
                }
            }
        }
        WorkShown { id: "{first_choice}-work", progress: work(), cancel: cancel.clone() }
        if let Some(error) = error() {
            p { class: "error small", role: "alert", "Could not react: {error}" }
        }
    }
}
