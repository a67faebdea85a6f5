//! The feed engine: feed pages for the user, and publishing the user's posts.

use phemossa_api::{ApiError, FeedItem, FeedPage, Push, Response, MAX_FEED_PAGE};
use phemossa_core::feed::feed_authors;
use phemossa_core::{Content, Event, EventId, FeedCursor, Post, PublicKey};

use crate::clock;
use crate::storage::StoredPost;
use crate::system::Background;

impl Background {
    /// The page of the feed strictly older than `before`; `limit` is clamped to 1..=100.
    pub(crate) async fn feed_page(
        &self,
        before: Option<FeedCursor>,
        limit: u32,
    ) -> Result<Response, ApiError> {
        let limit = limit.clamp(1, MAX_FEED_PAGE) as usize;
        let me = self.public_key();
        let authors = feed_authors(&me, self.follows.borrow().graph());
        let page = self.storage.feed_page(&authors, before, limit).await?;
        Ok(Response::FeedPage(FeedPage {
            items: page
                .items
                .into_iter()
                .map(|post| feed_item(post, &me))
                .collect(),
            next: page.next,
        }))
    }

    /// Signs, stores and announces a post by the user.
    pub(crate) async fn post(
        &self,
        text: String,
        reply_to: Option<&str>,
    ) -> Result<Response, ApiError> {
        let reply_to = reply_to
            .map(|id| EventId::from_hex(id.trim(), "reply_to"))
            .transpose()?;
        let identity = self.identity.borrow().clone();
        let content = Content::Post(Post {
            text,
            mentions: Vec::new(),
            reply_to,
        });
        let event = Event::create(&identity, clock::now_ms(), content)?;
        self.storage.insert(&event).await?;
        self.announce(&event);
        let item = item_of_event(&event, &self.public_key()).ok_or_else(|| ApiError::Internal {
            reason: "a signed post is not a post".into(),
        })?;
        self.subscribers.push(Push::FeedAdded(vec![item.clone()]));
        Ok(Response::Posted(item))
    }
}

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
        },
        me,
    ))
}
