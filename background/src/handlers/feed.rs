//! GetFeed: the page of the user's feed (the user and whom they follow) older than a cursor.

use phemossa_api::{ApiError, FeedPage, Response, MAX_FEED_PAGE};
use phemossa_core::FeedCursor;

use crate::feed_items::feed_item;
use crate::storage::Storage;
use crate::user::User;

/// The page of the feed strictly older than `before`; `limit` is clamped to 1..=100.
pub async fn page(
    user: &User,
    storage: &Storage,
    before: Option<FeedCursor>,
    limit: u32,
) -> Result<Response, ApiError> {
    let limit = limit.clamp(1, MAX_FEED_PAGE) as usize;
    let me = user.public_key();
    let authors = user.feed_authors();
    let page = storage.feed_page(&authors, before, limit).await?;
    Ok(Response::FeedPage(FeedPage {
        items: page
            .items
            .into_iter()
            .map(|post| feed_item(post, &me))
            .collect(),
        next: page.next,
    }))
}
