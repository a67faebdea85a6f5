//! GetFeed: the page of the user's feed (the user and whom they follow) older than a cursor; and
//! SearchPosts: the newest stored posts holding every word of a query. Each post says how many
//! replies to it are stored, and its reactions.

use phemossa_api::{ApiError, FeedItem, FeedPage, Response, SearchPage, MAX_FEED_PAGE};
use phemossa_core::{search, FeedCursor};

use crate::feed_items::{feed_item, hidden};
use crate::reaction_counts::with_reactions;
use crate::storage::Storage;
use crate::user::User;

/// The page of the feed strictly older than `before`; `limit` is clamped to 1..=100. Stops once
/// `wanted` says nobody waits for it any more (`Storage::feed_page`).
pub async fn page(
    user: &User,
    storage: &Storage,
    before: Option<FeedCursor>,
    limit: u32,
    wanted: &dyn Fn() -> bool,
) -> Result<FeedPage, ApiError> {
    let limit = limit.clamp(1, MAX_FEED_PAGE) as usize;
    let me = user.public_key();
    let authors = user.feed_authors();
    let page = storage.feed_page(&authors, before, limit, wanted).await?;
    // A page short of a repost or two that is kept out still pages on from its cursor.
    let posts = storage.without_withdrawn(page.items).await?;
    let items = {
        let keep_out = user.keep_out().borrow();
        posts
            .into_iter()
            .filter(|post| !hidden(post, &me, &keep_out))
            .map(|post| feed_item(post, &me, &keep_out))
            .collect()
    };
    Ok(FeedPage {
        items: with_counts(user, storage, items).await?,
        next: page.next,
    })
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
    let items = {
        let keep_out = user.keep_out().borrow();
        // People the user muted or blocked are not found either.
        found
            .posts
            .into_iter()
            .filter(|post| !keep_out.hides(&post.author))
            .map(|post| feed_item(post, &me, &keep_out))
            .collect()
    };
    Ok(Response::Found(SearchPage {
        items: with_counts(user, storage, items).await?,
        cut_short: found.cut_short,
    }))
}

/// `items` with how many replies each has stored and its reactions, a repost's on its
/// original (what replies and reactions name): one count per post, each in one transaction.
async fn with_counts(
    user: &User,
    storage: &Storage,
    mut items: Vec<FeedItem>,
) -> Result<Vec<FeedItem>, ApiError> {
    // Counted in one list: the items, then the reposts' originals, put back after.
    let mut reposts = Vec::new();
    let mut originals = Vec::new();
    for (index, item) in items.iter_mut().enumerate() {
        if let Some(original) = item.original.take() {
            reposts.push(index);
            originals.push(*original);
        }
    }
    let shown = items.len();
    items.extend(originals);
    let ids: Vec<_> = items.iter().map(|item| item.id).collect();
    for (item, count) in items.iter_mut().zip(storage.reply_counts(&ids).await?) {
        item.replies = count;
    }
    with_reactions(user, storage, &mut items).await?;
    storage
        .mark_reposted(&user.public_key(), &mut items)
        .await?;
    let originals = items.split_off(shown);
    for (index, original) in reposts.into_iter().zip(originals) {
        items[index].original = Some(Box::new(original));
    }
    Ok(items)
}
