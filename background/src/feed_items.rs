//! Feed items as pages see them, made from a stored post or from an event just signed or
//! received: one shape for feed pages, the answer to a post, and feed pushes.

use phemossa_api::{FeedImage, FeedItem};
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
    }
}

/// The feed item for `event` if it is a post.
pub fn item_of_event(event: &Event, me: &PublicKey, keep_out: &KeepOut) -> Option<FeedItem> {
    let post = event.as_post()?;
    Some(feed_item(
        StoredPost {
            id: event.id,
            author: event.author,
            timestamp: event.timestamp,
            text: post.text.clone(),
            mentions: post.mentions.clone(),
            reply_to: post.reply_to,
            images: FeedImage::of_event(event),
        },
        me,
        keep_out,
    ))
}
