//! Feed items as pages see them, made from a stored post or from an event just signed or
//! received: one shape for feed pages, the answer to a post, and feed pushes.

use phemossa_api::{FeedImage, FeedItem};
use phemossa_core::{Event, PublicKey};

use crate::storage::StoredPost;

/// The feed item for a stored post, as seen by `me`.
pub fn feed_item(post: StoredPost, me: &PublicKey) -> FeedItem {
    FeedItem {
        id: post.id,
        author_short: post.author.short(),
        own: post.author == *me,
        author: post.author,
        timestamp: post.timestamp,
        text: post.text,
        mentions: post.mentions,
        reply_to: post.reply_to,
        images: post.images,
    }
}

/// The feed item for `event` if it is a post.
pub fn item_of_event(event: &Event, me: &PublicKey) -> Option<FeedItem> {
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
    ))
}
