//! The toolbar popup: a line saying how the network stands, your public key, a box to post, the
//! feed, who you follow and who follows you, a search for people, and a person's own view.
//!
//! Everything goes through the background's port ([`phemossa_webext::PortClient`]); the popup
//! keeps only what it shows. It subscribes to feed, following, identity and network pushes, so
//! posts that arrive while it is open appear without a reload, and loads everything again after
//! the background restarts (pushes sent meanwhile are lost).
//!
//! This file starts the popup and lays it out; each part of it has a module of its own.

mod backup_reminder;
mod composer;
mod feed;
mod feed_view;
mod following_view;
mod network_line;
mod notifications_view;
mod options_page;
mod people_view;
mod reaction_bar;
mod thread_view;

use dioxus::prelude::*;
use phemossa_api::{FollowerEntry, FollowingEntry, PopupResponse, Push, ServerMessage, Topic};
use phemossa_core::PublicKey;
use phemossa_ui::feed::{count_replies, merge_feed};
use phemossa_ui::notifications::{button_label, unread_badge};
use phemossa_ui::people::Directory;
use phemossa_ui::reactions::ReactionOverlay;
use phemossa_ui::{
    picture_stored, use_client_provider, use_connection, use_network_watch, use_pushes, PersonName,
    PublicKeyField, RestartNotice,
};
use wasm_bindgen::prelude::*;

use crate::backup_reminder::{load_backup_status, BackupReminder};
use crate::composer::Composer;
use crate::feed::{load_first_page, FeedState};
use crate::feed_view::{FeedView, ThreadOpen};
use crate::following_view::{load_following, FollowingView};
use crate::network_line::NetworkLine;
use crate::notifications_view::NotificationsView;
use crate::options_page::open_options_page;
use crate::people_view::{
    load_followers, load_keep_out, load_people, FollowersView, PersonView, SearchView,
};
use crate::thread_view::ThreadView;

/// The pushes the popup shows as they come.
const TOPICS: &[Topic] = &[
    Topic::Feed,
    Topic::Following,
    Topic::Identity,
    Topic::Network,
    Topic::People,
];

// Starts as the options page does (`phemossa_ui::launch`, the port client, the shared clock):
// three calls each page must make, already shared in phemossa-ui; the pages differ after them.
#[wasm_bindgen(start)]
fn start() {
    phemossa_ui::launch(App)
}

#[component]
fn App() -> Element {
    // The popup reads only the answers to the requests it sends (api/src/pages.rs).
    let client = use_client_provider(ServerMessage::from_json_as::<PopupResponse, Push>);
    phemossa_ui::use_clock_provider();
    let mut feed = use_signal(FeedState::default);
    let mut following = use_signal(|| None::<Vec<FollowingEntry>>);
    let mut followers = use_signal(|| None::<Vec<FollowerEntry>>);
    let mut people = use_signal(Directory::default);
    // The person whose view is open, in place of the feed.
    let mut person = use_signal(|| None::<PublicKey>);
    // The conversation open in place of the feed, and a tick for posts that may belong to it.
    let mut thread = use_signal(|| None::<ThreadOpen>);
    let mut arrived = use_signal(|| 0u64);
    // The newest reaction counts, over every view's posts (`reaction_bar.rs`).
    let mut reactions = use_context_provider(|| Signal::new(ReactionOverlay::default()));
    // The Notifications view, open in place of the feed, and the unread count its button shows.
    let mut notifications_open = use_signal(|| false);
    let mut unread = use_signal(|| 0u32);
    let backup = use_signal(|| None::<phemossa_api::BackupStatus>);
    let network = use_network_watch();

    // Also after the background restarted: then what is shown may be stale, so it is replaced.
    let connection = use_connection(&client, TOPICS, move |client| {
        let reload = feed.peek().loaded;
        // The feed first; the Following and Followers lists below it load once it is shown. Asked
        // at once, a long list's answer came first, and drawing it (about 400 ms for 100 people
        // followed, tests/bench/popup.bench.mjs) held up the feed's answer behind it. The people
        // directory is asked beside the feed: its names are the feed's.
        let lists = client.clone();
        spawn(async move {
            load_first_page(lists.clone(), feed, reload).await;
            load_following(lists.clone(), following).await;
            load_followers(lists, followers).await;
        });
        spawn(load_people(client.clone(), people));
        spawn(load_keep_out(client.clone(), people));
        spawn(load_backup_status(client.clone(), backup));
        spawn(load_unread(client.clone(), unread));
        spawn(network.load(client));
    });
    let mut identity = connection.identity;

    let push_client = client.clone();
    use_pushes(&client, move |push| {
        let client = push_client.clone();
        async move {
            match push {
                Push::FeedAdded(items) => {
                    // A reply may belong to the open thread; the user's own repost marks a post
                    // of it as reposted.
                    let touches_thread = |item: &phemossa_api::FeedItem| {
                        item.reply_to.is_some() || (item.own && item.original.is_some())
                    };
                    if thread.peek().is_some() && items.iter().any(touches_thread) {
                        arrived += 1;
                    }
                    feed.with_mut(|f| merge_feed(&mut f.items, items))
                }
                Push::FeedReset => {
                    // Sent when whom the user keeps out changed: an open thread follows too.
                    arrived += 1;
                    // What loads now is counted afresh.
                    reactions.with_mut(|overlay| overlay.clear());
                    load_first_page(client, feed, true).await
                }
                Push::Following(entries) => {
                    following.set(Some(entries));
                    // Someone newly followed may have a profile already stored.
                    load_people(client, people).await;
                }
                Push::People(list) => people.with_mut(|d| d.merge(list)),
                Push::KeepOut(status) => people.with_mut(|d| d.keep_out(&status)),
                Push::Followers(list) => followers.set(Some(list)),
                Push::Identity(info) => {
                    phemossa_ui::popup_snapshot::forget();
                    identity.set(Some(info));
                    // A restored identity was restored from a backup: the reminder goes.
                    load_backup_status(client, backup).await;
                }
                Push::Network(status) => network.pushed(status),
                Push::BlobStored(hash) => picture_stored(client, people, hash),
                Push::Reactions(posts) => reactions.with_mut(|overlay| overlay.apply(posts)),
                Push::Unread(count) => unread.set(count),
                // Replies by people not followed (a thread's fetch, the inbox): an open thread
                // may hold their parent.
                Push::Replies(parents) => {
                    if thread.peek().is_some() {
                        arrived += 1;
                    }
                    feed.with_mut(|f| count_replies(&mut f.items, &parents))
                }
            }
        }
    });

    rsx! {
        div { class: "app popup-app",
            header { class: "topbar",
                h1 { class: "brand", "Phemossa" }
                button {
                    r#type: "button",
                    class: "button ghost notifications-button",
                    aria_label: button_label(unread()),
                    aria_pressed: if notifications_open() { "true" } else { "false" },
                    onclick: move |_| {
                        thread.set(None);
                        person.set(None);
                        notifications_open.toggle();
                    },
                    "Notifications"
                    if let Some(count) = unread_badge(unread()) {
                        span { class: "count-badge", aria_hidden: "true", "{count}" }
                    }
                }
                button {
                    r#type: "button",
                    class: "button ghost",
                    onclick: move |_| open_options_page(),
                    "Settings"
                }
            }
            NetworkLine { network }
            RestartNotice {}
            main { class: "popup",
                {connection.gate(|info| rsx! {
                    if notifications_open() {
                        NotificationsView {
                            people,
                            on_open: move |key| {
                                notifications_open.set(false);
                                person.set(Some(key));
                            },
                            on_thread: move |open| {
                                notifications_open.set(false);
                                thread.set(Some(open));
                            },
                            on_close: move |()| notifications_open.set(false),
                        }
                    } else if let Some(open) = thread() {
                        ThreadView {
                            key: "{open.id}-{open.reply}",
                            open,
                            feed,
                            people,
                            changed: arrived,
                            on_open: move |key| {
                                thread.set(None);
                                person.set(Some(key));
                            },
                            on_close: move |()| thread.set(None),
                        }
                    } else if let Some(key) = person() {
                        PersonView {
                            public_key: key,
                            me: info.public_key,
                            people,
                            following,
                            on_close: move |()| person.set(None),
                        }
                    } else {
                        BackupReminder { status: backup }
                        section { class: "card", aria_label: "Your identity",
                            PersonName { public_key: info.public_key, people }
                            PublicKeyField { public_key: info.public_key.to_string(), compact: true }
                        }
                        Composer { feed, people }
                        // Reading comes first: the feed sits right under the composer.
                        FeedView {
                            feed,
                            people,
                            on_open: move |key| person.set(Some(key)),
                            on_thread: move |open| thread.set(Some(open)),
                        }
                        SearchView { people, on_open: move |key| person.set(Some(key)) }
                        FollowingView { following, people, on_open: move |key| person.set(Some(key)) }
                        FollowersView {
                            followers,
                            people,
                            following,
                            on_open: move |key| person.set(Some(key)),
                        }
                    }
                })}
            }
        }
    }
}

/// The unread count for the Notifications button (the badge's, on the toolbar).
async fn load_unread(client: phemossa_webext::PortClient, mut unread: Signal<u32>) {
    match client
        .request(phemossa_api::Request::GetNotifications { limit: 1 })
        .await
    {
        Ok(phemossa_api::Response::Notifications(page)) => unread.set(page.unread),
        // Pushes keep it current; a failed first read only leaves 0 until the next.
        other => web_sys::console::warn_1(
            &format!(
                "phemossa: cannot read the unread notifications: {}",
                phemossa_ui::failure_text(other)
            )
            .into(),
        ),
    }
}
