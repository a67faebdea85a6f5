//! GetFeed: the page of the user's feed (the user and whom they follow) older than a cursor; and
//! SearchPosts: the newest stored posts holding every word of a query.

use phemossa_api::{ApiError, FeedPage, Response, SearchPage, MAX_FEED_PAGE};
use phemossa_core::{search, FeedCursor};

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
    let keep_out = user.keep_out().borrow();
    Ok(Response::FeedPage(FeedPage {
        items: page
            .items
            .into_iter()
            .map(|post| feed_item(post, &me, &keep_out))
            .collect(),
        next: page.next,
    }))
}

/// The newest `limit` (clamped to 1..=100) stored posts, by anyone, holding every word of `query`.
pub async fn search_posts(
    user: &User,
    storage: &Storage,
    query: &str,
    limit: u32,
) -> Result<Response, ApiError> {
    let limit = limit.clamp(1, MAX_FEED_PAGE) as usize;
    let me = user.public_key();
    let found = storage.search_posts(&search::words(query), limit).await?;
    let keep_out = user.keep_out().borrow();
    Ok(Response::Found(SearchPage {
        // People the user muted or blocked are not found either.
        items: found
            .posts
            .into_iter()
            .filter(|post| !keep_out.hides(&post.author))
            .map(|post| feed_item(post, &me, &keep_out))
            .collect(),
        cut_short: found.cut_short,
    }))
}
