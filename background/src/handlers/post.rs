//! Post: signs the text the person typed as a post of theirs, stores it, gossips it and shows it
//! in every open feed.

use phemossa_api::{ApiError, Push, Response};
use phemossa_core::{Content, Event, EventId, Post};

use crate::changes::Changes;
use crate::clock;
use crate::feed_items::item_of_event;
use crate::storage::Storage;
use crate::user::User;

/// Signs, stores and announces a post by the user.
pub async fn publish(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    text: String,
    reply_to: Option<&str>,
) -> Result<Response, ApiError> {
    let reply_to = reply_to
        .map(|id| EventId::from_hex(id.trim(), "reply_to"))
        .transpose()?;
    let identity = user.identity();
    let content = Content::Post(Post {
        text,
        mentions: Vec::new(),
        reply_to,
    });
    let event = Event::create(&identity, clock::now_ms(), content)?;
    storage.insert(&event).await?;
    changes.announce(&event);
    let item = item_of_event(&event, &user.public_key()).ok_or_else(|| ApiError::Internal {
        reason: "a signed post is not a post".into(),
    })?;
    changes.push(Push::FeedAdded(vec![item.clone()]));
    Ok(Response::Posted(item))
}
