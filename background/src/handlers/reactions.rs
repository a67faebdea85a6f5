//! React: the user's tap on an emoji under a post, toggled: a reaction signed, or the user's
//! reactions with that emoji withdrawn by a delete (protocol.md §5.3).

use phemossa_api::{ApiError, FoundWork, PostReactions, Push, Response};
use phemossa_core::reactions::{toggle, Toggle};
use phemossa_core::{Content, Error, EventId, Reaction};

use crate::changes::Changes;
use crate::clock;
use crate::handlers::work::sign;
use crate::reaction_counts::of_posts;
use crate::storage::Storage;
use crate::user::User;

/// Toggles the user's `emoji` on the stored post `id_text` (hex), then answers its reactions and
/// pushes them to every page; or answers `WorkNeeded`, as a post does.
pub async fn react(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    id_text: &str,
    emoji: &str,
    work: Option<FoundWork>,
) -> Result<Response, ApiError> {
    let invalid = |reason: String| ApiError::InvalidRequest { reason };
    let id = EventId::from_hex(id_text.trim(), "post id").map_err(|e| invalid(e.to_string()))?;
    let Some(&target_author) = storage.authors_of(&[id]).await?.get(&id) else {
        return Err(ApiError::PostNotFound);
    };
    let me = user.public_key();
    let stored = storage.reactions_to(&[id]).await?.pop().unwrap_or_default();
    let content = match toggle(&stored, &me, emoji) {
        Toggle::Add => Content::Reaction(Reaction {
            target: id,
            target_author,
            emoji: emoji.to_owned(),
        }),
        Toggle::Remove(mine) => Content::Delete { targets: mine },
    };
    // The emoji is checked here, by the same grammar every node applies (protocol.md §5.3). A
    // reaction addresses the post's author (§8.9): it needs work when they are a stranger; a
    // withdrawal (a delete) addresses nobody.
    let refused = |e: Error| ApiError::InvalidRequest {
        reason: e.to_string(),
    };
    let signed = sign(user, storage, content, clock::now_ms(), work, refused).await?;
    let event = match signed {
        Ok(event) => event,
        Err(work_needed) => return Ok(work_needed),
    };
    storage.insert(&event).await?;
    changes.announce(&event);
    changes.stored();
    let reactions = of_posts(user, storage, &[id])
        .await?
        .pop()
        .unwrap_or(PostReactions {
            post: id,
            reactions: Vec::new(),
        });
    changes.push(Push::Reactions(vec![reactions.clone()]));
    Ok(Response::Reactions(reactions))
}
