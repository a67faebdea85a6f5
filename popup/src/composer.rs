//! The "New post" box: the text, its character counter and the Post button. Ctrl+Enter
//! (Cmd+Enter) posts too.

use dioxus::prelude::*;
use phemossa_api::{Request, Response};
use phemossa_ui::feed::{check_post, counter, merge_feed, CounterLevel};
use phemossa_ui::{failure_text, use_client, Alert};

use crate::feed::FeedState;

/// The "New post" box; a post that the background takes is added to `feed` at once.
#[component]
pub fn Composer(feed: Signal<FeedState>) -> Element {
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
                other => error.set(Some(failure_text(other))),
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
                    aria_invalid: count.level == CounterLevel::Over || error().is_some(),
                    aria_describedby: if error().is_some() {
                        "post-counter post-hint post-error"
                    } else {
                        "post-counter post-hint"
                    },
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
                Alert { message: error(), id: "post-error" }
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
