//! The "New post" box: the text, its character counter, pictures with their descriptions
//! ("Add image", or pasted), and the Post button. Ctrl+Enter (Cmd+Enter) posts too. In a thread
//! it is the reply box: the textbox "Reply", a line saying whom it answers, and "Post reply". Pictures are
//! scaled to at most 1,600 px on their long side and re-encoded here (`phemossa_ui::picture`),
//! which drops their EXIF and GPS tags, before anything is stored or sent.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use dioxus::prelude::*;
use dioxus::web::WebEventExt as _;
use phemossa_api::{FeedImage, FeedItem, Request, Response};
use phemossa_core::limits::{MAX_ALT_CHARS, MAX_IMAGES_PER_POST, MAX_IMAGE_BYTES};
use phemossa_core::{EventId, PublicKey};
use phemossa_ui::feed::{check_post, counter, merge_feed, CounterLevel};
use phemossa_ui::mentions;
use phemossa_ui::picture::{chosen_files, pasted_files, reencode, Fit};
use phemossa_ui::work::{request_with_work, WorkCancel, WorkFailure, WorkProgress, WorkShown};
use phemossa_ui::{failure_text, focus_later, use_client, Alert, People, PersonName, Status};

use crate::feed::FeedState;

/// The post a reply answers, and whom, in words ("Ada (VdpBEH78)").
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyTo {
    pub id: EventId,
    pub whom: String,
}
/// People offered for an "@" being typed, at most.
const MAX_SUGGESTIONS: usize = 5;
/// Post images are at most this many pixels on their long side (docs/protocol.md §12.3).
const LONG_SIDE: u32 = 1_600;

/// A picture added to the post being written.
#[derive(Debug, Clone, PartialEq)]
struct DraftImage {
    /// Re-encoded, as it will be stored.
    bytes: Vec<u8>,
    /// A `data:` URL of `bytes`, for the thumbnail.
    url: String,
    alt: String,
}

/// Re-encodes `files` and adds them to `images`, at most [`MAX_IMAGES_PER_POST`] in all.
async fn add_images(
    files: Vec<web_sys::File>,
    mut images: Signal<Vec<DraftImage>>,
    mut preparing: Signal<bool>,
    mut error: Signal<Option<String>>,
) {
    let room = MAX_IMAGES_PER_POST.saturating_sub(images.peek().len());
    if files.len() > room {
        error.set(Some(format!(
            "A post holds at most {MAX_IMAGES_PER_POST} pictures; {} of these were left out.",
            files.len() - room
        )));
    }
    preparing.set(true);
    for file in files.into_iter().take(room) {
        match reencode(&file, Fit::LongSide(LONG_SIDE), MAX_IMAGE_BYTES).await {
            Ok(bytes) => {
                let url = format!("data:image/webp;base64,{}", STANDARD.encode(&bytes));
                images.write().push(DraftImage {
                    bytes,
                    url,
                    alt: String::new(),
                });
            }
            Err(reason) => error.set(Some(format!("That picture cannot be used: {reason}."))),
        }
    }
    preparing.set(false);
}

/// A post as the composer hands it over.
struct Outgoing {
    text: String,
    reply_to: Option<EventId>,
    images: Vec<DraftImage>,
    mentions: Vec<PublicKey>,
}

/// Stores each picture, then signs the post naming them, with the proof of work it needs when
/// it reaches someone who does not follow the user (`work` shows how that search goes).
async fn send(
    client: &phemossa_webext::PortClient,
    outgoing: Outgoing,
    mut progress: Signal<Option<String>>,
    work: Signal<Option<WorkProgress>>,
    cancel: &WorkCancel,
) -> Result<Response, WorkFailure> {
    let Outgoing {
        text,
        reply_to,
        images,
        mentions,
    } = outgoing;
    let mut named = Vec::with_capacity(images.len());
    let total = images.len();
    for (n, image) in images.into_iter().enumerate() {
        progress.set(Some(format!("Sending picture {} of {total}…", n + 1)));
        let request = Request::StoreImage {
            base64: STANDARD.encode(&image.bytes),
        };
        match client
            .request(request)
            .await
            .map_err(WorkFailure::Refused)?
        {
            Response::ImageStored(blob) => named.push(FeedImage {
                blob,
                alt: image.alt,
            }),
            other => {
                return Err(WorkFailure::Refused(phemossa_api::ApiError::Internal {
                    reason: format!("unexpected answer to a picture: {}", other.kind()),
                }))
            }
        }
    }
    progress.set(None);
    let reply_to = reply_to.map(|id| id.to_hex());
    let mentions: Vec<String> = mentions.iter().map(ToString::to_string).collect();
    let request = |found| Request::Post {
        text: text.clone(),
        reply_to: reply_to.clone(),
        images: named.clone(),
        mentions: mentions.clone(),
        work: found,
    };
    request_with_work(client, &request, cancel, work).await
}

/// The "New post" box, or with `reply` the reply box; a post that the background takes is added
/// to `feed` at once, and `on_posted` hears of it.
#[component]
pub fn Composer(
    feed: Signal<FeedState>,
    people: People,
    #[props(default)] reply: Option<ReplyTo>,
    #[props(default)] on_posted: Option<EventHandler<FeedItem>>,
) -> Element {
    let client = use_client();
    // Ids of this box's parts: the feed's and a thread's boxes never share one.
    let part = if reply.is_some() { "reply" } else { "post" };
    let text_id = if reply.is_some() {
        "reply-text"
    } else {
        "new-post"
    };
    let image_input = format!("{part}-images");
    let (counter_id, hint_id, error_id) = (
        format!("{part}-counter"),
        format!("{part}-hint"),
        format!("{part}-error"),
    );
    let reply_to = reply.as_ref().map(|reply| reply.id);
    let mut draft = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut posting = use_signal(|| false);
    let mut images = use_signal(Vec::<DraftImage>::new);
    let preparing = use_signal(|| false);
    let mut progress = use_signal(|| None::<String>);
    // The proof of work being found for a post that reaches a stranger, and its Cancel.
    let work = use_signal(|| None::<WorkProgress>);
    let cancel = use_hook(WorkCancel::default);
    // People picked from the "@" suggestions, with the name written for them.
    let mut chosen = use_signal(Vec::<(PublicKey, String)>::new);

    let cancel_search = cancel.clone();
    let submit = use_callback(move |()| {
        if posting() {
            return;
        }
        if preparing() {
            return;
        }
        let text = draft();
        let pictures = images();
        // With pictures the text may be empty; its length still counts.
        let checked = if pictures.is_empty() || !text.trim().is_empty() {
            check_post(&text)
        } else {
            Ok(())
        };
        if let Err(refused) = checked {
            error.set(Some(refused.to_string()));
            return;
        }
        if let Some(long) = pictures
            .iter()
            .position(|image| image.alt.chars().count() > MAX_ALT_CHARS)
        {
            error.set(Some(format!(
                "The description of picture {} is longer than {MAX_ALT_CHARS} characters.",
                long + 1
            )));
            return;
        }
        error.set(None);
        posting.set(true);
        let client = client.clone();
        let mentions = mentions::still_named(&text, &chosen.peek());
        let cancel = cancel_search.clone();
        spawn(async move {
            let outgoing = Outgoing {
                text,
                reply_to,
                images: pictures,
                mentions,
            };
            let sent = send(&client, outgoing, progress, work, &cancel).await;
            match sent {
                Ok(Response::Posted(item)) => {
                    draft.set(String::new());
                    images.set(Vec::new());
                    chosen.set(Vec::new());
                    feed.with_mut(|f| merge_feed(&mut f.items, [item.clone()]));
                    if let Some(on_posted) = on_posted {
                        on_posted.call(item);
                    }
                }
                // The draft stays as it was, to post again.
                Err(failure) => error.set(Some(failure.text("your post"))),
                Ok(other) => error.set(Some(failure_text(Ok(other)))),
            }
            progress.set(None);
            posting.set(false);
        });
    });

    // Known people whose name or nickname starts the "@word" being typed.
    let suggestions: Vec<(PublicKey, String)> = match mentions::query(&draft.read()) {
        Some(query) => {
            let directory = people.read();
            directory
                .search(query)
                .into_iter()
                .take(MAX_SUGGESTIONS)
                .map(|person| {
                    let key = person.public_key;
                    (key, directory.label(&key).display().to_owned())
                })
                .collect()
        }
        None => Vec::new(),
    };
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
                label { r#for: text_id, class: "field-label",
                    if reply.is_some() { "Reply" } else { "New post" }
                }
                if let Some(reply) = reply.as_ref() {
                    p { id: "{part}-target", class: "hint", "Replying to {reply.whom}" }
                }
                textarea {
                    id: text_id,
                    rows: 3,
                    placeholder: if reply.is_some() { "Write your reply" } else { "What would you like to say?" },
                    value: "{draft}",
                    readonly: posting(),
                    aria_invalid: count.level == CounterLevel::Over || error().is_some(),
                    aria_describedby: match (reply.is_some(), error().is_some()) {
                        (false, false) => format!("{counter_id} {hint_id}"),
                        (false, true) => format!("{counter_id} {hint_id} {error_id}"),
                        (true, false) => format!("{part}-target {counter_id} {hint_id}"),
                        (true, true) => format!("{part}-target {counter_id} {hint_id} {error_id}"),
                    },
                    oninput: move |event: FormEvent| {
                        draft.set(event.value());
                        error.set(None);
                    },
                    // A pasted picture is added like a chosen one; pasted text is left to the box.
                    onpaste: move |event: ClipboardEvent| {
                        let files = event
                            .data()
                            .try_as_web_event()
                            .map(|web| pasted_files(&web))
                            .unwrap_or_default();
                        if !files.is_empty() {
                            event.prevent_default();
                            spawn(add_images(files, images, preparing, error));
                        }
                    },
                    onkeydown: move |event: KeyboardEvent| {
                        let modifiers = event.modifiers();
                        if event.key() == Key::Enter && (modifiers.ctrl() || modifiers.meta()) {
                            event.prevent_default();
                            submit.call(());
                        }
                    },
                }
                if !suggestions.is_empty() {
                    div {
                        class: "mention-suggestions",
                        role: "group",
                        aria_label: "Mention suggestions",
                        for (key , name) in suggestions {
                            button {
                                key: "{key}",
                                r#type: "button",
                                class: "link mention-suggestion",
                                onclick: move |_| {
                                    let completed = mentions::complete(&draft.peek(), &name);
                                    draft.set(completed);
                                    chosen.write().push((key, name.clone()));
                                    focus_later(text_id);
                                },
                                PersonName { public_key: key, people }
                            }
                        }
                    }
                }
                if !images.read().is_empty() {
                    ul { class: "draft-images", aria_label: "Pictures to post",
                        for (n, image) in images.read().iter().cloned().enumerate() {
                            li { class: "draft-image", key: "{n}-{image.url.len()}",
                                img {
                                    src: "{image.url}",
                                    alt: "Picture {n + 1} to post",
                                    width: "64",
                                    height: "64",
                                }
                                input {
                                    r#type: "text",
                                    aria_label: "Image description",
                                    placeholder: "Describe it for people who cannot see it",
                                    maxlength: "{MAX_ALT_CHARS}",
                                    value: "{image.alt}",
                                    readonly: posting(),
                                    oninput: move |event: FormEvent| {
                                        if let Some(image) = images.write().get_mut(n) {
                                            image.alt = event.value();
                                        }
                                    },
                                }
                                button {
                                    r#type: "button",
                                    class: "button ghost",
                                    aria_label: "Remove picture {n + 1}",
                                    disabled: posting(),
                                    onclick: move |_| {
                                        images.write().remove(n);
                                    },
                                    "Remove"
                                }
                            }
                        }
                    }
                }
                if preparing() {
                    Status { message: "Preparing the picture…".to_string(), busy: true }
                }
                if let Some(message) = progress() {
                    Status { message, busy: true }
                }
                WorkShown { id: "{part}-work", progress: work(), cancel: cancel.clone() }
                div { class: "compose-footer",
                    label { class: "button secondary file-button",
                        r#for: "{image_input}",
                        "Add image"
                    }
                    input {
                        id: "{image_input}",
                        class: "visually-hidden",
                        r#type: "file",
                        multiple: true,
                        accept: "image/png,image/jpeg,image/webp,image/gif",
                        disabled: posting() || preparing() || images.read().len() >= MAX_IMAGES_PER_POST,
                        onchange: move |_| {
                            let files = chosen_files(&image_input);
                            if !files.is_empty() {
                                spawn(add_images(files, images, preparing, error));
                            }
                        },
                    }
                    span { id: "{hint_id}", class: "hint", "{shortcut_hint()}" }
                    span { id: "{counter_id}", class: counter_class, "{count.text}" }
                    button {
                        r#type: "submit",
                        class: "button primary",
                        disabled: posting() || preparing(),
                        aria_busy: posting(),
                        if reply.is_some() { "Post reply" } else { "Post" }
                    }
                }
                Alert { message: error(), id: error_id.clone() }
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
