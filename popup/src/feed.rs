//! The feed as the popup holds it, and loading its newest page.

use dioxus::prelude::*;
use phemossa_api::{FeedItem, Request, Response};
use phemossa_core::FeedCursor;
use phemossa_ui::failure_text;
use phemossa_ui::feed::merge_feed;
use phemossa_webext::PortClient;

/// Posts per feed page.
pub const PAGE: u32 = 30;

/// The feed as shown: newest first, plus where older posts continue.
#[derive(Clone, Default, PartialEq)]
pub struct FeedState {
    pub items: Vec<FeedItem>,
    pub next: Option<FeedCursor>,
    /// The first page has arrived.
    pub loaded: bool,
    pub error: Option<String>,
    /// Bumped on every reload from the top, so an older page asked for before it is dropped.
    pub generation: u64,
}

/// Loads the newest page. `replace` drops what is shown (after a reset); otherwise the page is
/// merged with posts pushed meanwhile.
pub async fn load_first_page(client: PortClient, mut feed: Signal<FeedState>, replace: bool) {
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
        other => f.error = Some(failure_text(other)),
    });
}
