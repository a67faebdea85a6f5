//! Feed items as pages see them, made from a stored post or from an event just signed or
//! received: one shape for feed pages, the answer to a post, and feed pushes.

use phemossa_api::FeedItem;
use phemossa_core::keep_out::KeepOut;
use phemossa_core::{Event, PublicKey};

use crate::storage::StoredPost;

/// The feed item for a stored post, as seen by `me`, who keeps out what `keep_out` says.
pub fn feed_item(post: StoredPost, me: &PublicKey, keep_out: &KeepOut) -> FeedItem {
    let own = post.author == *me;
    // The user's own posts are never hidden from them.
    let muted_word = (!own)
        .then(|| keep_out.muted_word_in(&post.text).map(str::to_owned))
        .flatten();
    FeedItem {
        muted_word,
        id: post.id,
        author_short: post.author.short(),
        own,
        author: post.author,
        timestamp: post.timestamp,
        text: post.text,
        mentions: post.mentions,
        reply_to: post.reply_to,
        images: post.images,
        replies: 0,
        reactions: Vec::new(),
        original: post
            .original
            .map(|original| Box::new(feed_item(*original, me, keep_out))),
        reposted: None,
    }
}

/// Whether the user keeps `post` out of their feed: a repost of someone they muted or blocked
/// (the reposter's own posts they chose to see).
pub fn hidden(post: &StoredPost, me: &PublicKey, keep_out: &KeepOut) -> bool {
    post.original
        .as_ref()
        .is_some_and(|original| original.author != *me && keep_out.hides(&original.author))
}

/// The feed item for `event` if it is a post or a repost the user does not keep out.
pub fn item_of_event(event: &Event, me: &PublicKey, keep_out: &KeepOut) -> Option<FeedItem> {
    let post = StoredPost::of_event(event)?;
    (!hidden(&post, me, keep_out)).then(|| feed_item(post, me, keep_out))
}
