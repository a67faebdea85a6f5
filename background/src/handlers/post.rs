//! Post: signs the text the person typed (and the pictures they added, stored first with
//! StoreImage) as a post of theirs, stores it, gossips it and shows it in every open feed; and
//! Repost, which does the same with a repost embedding a stored post (protocol.md §5.4).

use phemossa_api::{ApiError, FeedImage, FoundWork, Push, Response};
use phemossa_core::blob::BlobKind;
use phemossa_core::limits::MAX_MENTIONS;
use phemossa_core::{
    Content, Error, Event, EventId, ImagePost, Post, PostImage, PublicKey, Repost,
};

use crate::changes::Changes;
use crate::clock;
use crate::feed_items::item_of_event;
use crate::handlers::blobs::store_own_picture;
use crate::handlers::work;
use crate::storage::Storage;
use crate::user::User;

/// A post as the page sends it: ids and keys as text, checked here.
pub struct Draft {
    pub text: String,
    pub reply_to: Option<String>,
    pub images: Vec<FeedImage>,
    pub mentions: Vec<String>,
}

/// Signs, stores and announces a post by the user; or, for one addressing someone not known to
/// follow the user without `work`, answers `WorkNeeded` (`handlers/work.rs`).
pub async fn publish(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    draft: Draft,
    work: Option<FoundWork>,
) -> Result<Response, ApiError> {
    let Draft {
        text,
        reply_to,
        images,
        mentions: mentioned,
    } = draft;
    let reply_to = reply_to
        .map(|id| EventId::from_hex(id.trim(), "reply_to"))
        .transpose()?;
    let mut mentions: Vec<PublicKey> = Vec::with_capacity(mentioned.len());
    for key in &mentioned {
        let key = PublicKey::from_base64(key.trim(), "mention").map_err(|error| {
            ApiError::InvalidRequest {
                reason: format!("a mention is not a public key: {error}"),
            }
        })?;
        if !mentions.contains(&key) {
            mentions.push(key);
        }
    }
    // A reply mentions the author of the post it answers (protocol.md §8.9), so it reaches
    // them by their inbox even when they do not follow the user; never the user themselves.
    if let Some(parent) = reply_to {
        let author = storage.authors_of(&[parent]).await?.remove(&parent);
        if let Some(author) = author {
            if author != user.public_key() && !mentions.contains(&author) {
                if mentions.len() >= MAX_MENTIONS {
                    return Err(ApiError::InvalidRequest {
                        reason: format!("a reply names the author it answers, so it can mention at most {} others", MAX_MENTIONS - 1),
                    });
                }
                mentions.insert(0, author);
            }
        }
    }
    let post = Post {
        text,
        mentions,
        reply_to,
    };
    let content = if images.is_empty() {
        Content::Post(post)
    } else {
        // Every picture must be here: a post naming a blob nobody holds would show nothing.
        let names: Vec<_> = images.iter().map(|image| image.blob).collect();
        if storage.held_blobs(&names).await?.contains(&false) {
            return Err(ApiError::InvalidPicture {
                reason: "a picture of this post is no longer stored; add it again".into(),
            });
        }
        Content::ImagePost(ImagePost {
            post,
            images: images
                .into_iter()
                .map(|image| PostImage {
                    blob: image.blob,
                    alt: image.alt.trim().to_owned(),
                })
                .collect(),
        })
    };
    let signed = work::sign(
        user,
        storage,
        content,
        clock::now_ms(),
        work,
        ApiError::from,
    )
    .await?;
    match signed {
        Ok(event) => shown(user, storage, changes, &event).await,
        Err(work_needed) => Ok(work_needed),
    }
}

/// Stores and gossips the user's new post or repost `event`, and shows it in every open feed.
async fn shown(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    event: &Event,
) -> Result<Response, ApiError> {
    storage.insert(event).await?;
    changes.announce(event);
    let item =
        item_of_event(event, &user.public_key(), &user.keep_out().borrow()).ok_or_else(|| {
            ApiError::Internal {
                reason: "a signed post is not a post".into(),
            }
        })?;
    changes.push(Push::FeedAdded(vec![item.clone()]));
    Ok(Response::Posted(item))
}

/// Signs, stores and announces the user's repost of the stored post `id_text` (hex), or of the
/// original of a stored repost; or answers `WorkNeeded`, as a post does.
pub async fn repost(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    id_text: &str,
    work: Option<FoundWork>,
) -> Result<Response, ApiError> {
    let id =
        EventId::from_hex(id_text.trim(), "post id").map_err(|error| ApiError::InvalidRequest {
            reason: error.to_string(),
        })?;
    let Some((_, json)) = storage.load_json(&[id]).await?.pop() else {
        return Err(ApiError::PostNotFound);
    };
    // Stored events were validated when they came; checked again, as anything read back is.
    let stored = Event::from_json(&json, u64::MAX).map_err(|error| ApiError::Internal {
        reason: format!("stored event {id} does not read back: {error}"),
    })?;
    let original = match stored.as_repost() {
        Some(original) => original.clone(),
        None if stored.as_post().is_some() => stored,
        None => {
            return Err(ApiError::InvalidRequest {
                reason: "only posts can be reposted".into(),
            })
        }
    };
    // Once per post: the page shows "Repost" pressed, but a page that had not looked (a push)
    // could ask again.
    if let Some(Some(_)) = storage
        .reposts_of(&user.public_key(), &[original.id])
        .await?
        .pop()
    {
        return Err(ApiError::InvalidRequest {
            reason: "you already reposted this post; press Repost again to undo it".into(),
        });
    }
    // Never older than the original, whose author's clock may run ahead of this one.
    let timestamp = clock::now_ms().max(original.timestamp);
    let content = Content::Repost(Repost {
        original: Box::new(original),
    });
    let too_large = |error| {
        match error {
        Error::EventTooLarge { .. } => ApiError::InvalidRequest {
            reason: "this post is too long to repost: with it, the repost would be over the 8 KiB every event must fit".into(),
        },
        other => other.into(),
    }
    };
    // A repost addresses the original's author (protocol.md §8.9): work when they are a stranger.
    match work::sign(user, storage, content, timestamp, work, too_large).await? {
        Ok(event) => shown(user, storage, changes, &event).await,
        Err(work_needed) => Ok(work_needed),
    }
}

/// Withdraws posts of the user's: signs a delete naming `ids` (1 to 100, each a stored event
/// of the user's), stores it (which drops the posts, `storage/write.rs`), gossips it and has
/// every page load its feed again.
pub async fn delete(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    ids: &[String],
) -> Result<Response, ApiError> {
    let ids = ids
        .iter()
        .map(|id| EventId::from_hex(id.trim(), "post id"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::InvalidRequest {
            reason: error.to_string(),
        })?;
    let me = user.public_key();
    let authors = storage.authors_of(&ids).await?;
    if let Some(id) = ids.iter().find(|id| authors.get(*id) != Some(&me)) {
        return Err(ApiError::InvalidRequest {
            reason: format!("post {id} is not one of yours stored here"),
        });
    }
    let event = Event::create(
        &user.identity(),
        clock::now_ms(),
        Content::Delete { targets: ids },
    )
    .map_err(|error| ApiError::InvalidRequest {
        reason: error.to_string(),
    })?;
    storage.insert(&event).await?;
    changes.announce(&event);
    changes.stored();
    changes.push(Push::FeedReset);
    Ok(Response::Deleted(event.deleted().to_vec()))
}

/// Stores a picture for a post the page re-encoded: a PNG, JPEG, WebP or GIF of at most 1 MiB.
/// It is kept while a post names it; one no post names goes with the next retention sweep.
pub async fn store_image(storage: &Storage, base64: &str) -> Result<Response, ApiError> {
    let hash = store_own_picture(storage, BlobKind::Image, base64).await?;
    Ok(Response::ImageStored(hash))
}
