//! React: the user's tap on an emoji under a post, toggled: a reaction signed, or the user's
//! reactions with that emoji withdrawn by a delete (protocol.md §5.3).

use phemossa_api::{ApiError, PostReactions, Push, Response};
use phemossa_core::reactions::{toggle, Toggle};
use phemossa_core::{Content, Event, EventId, Reaction};

use crate::changes::Changes;
use crate::clock;
use crate::reaction_counts::of_posts;
use crate::storage::Storage;
use crate::user::User;

/// Toggles the user's `emoji` on the stored post `id_text` (hex), then answers its reactions and
/// pushes them to every page.
pub async fn react(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    id_text: &str,
    emoji: &str,
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
    // The emoji is checked here, by the same grammar every node applies (protocol.md §5.3).
    let event = Event::create(&user.identity(), clock::now_ms(), content)
        .map_err(|e| invalid(e.to_string()))?;
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
