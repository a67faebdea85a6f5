//! The reactions every post a page is given carries, counted by `core::reactions::tally` from
//! the stored reactions as the user sees them (people they hide left out): for feed, search and
//! thread pages, and for the pushes that follow new reactions.

use phemossa_api::{FeedItem, PostReactions, ReactionCount};
use phemossa_core::reactions::{tally, StoredReaction};
use phemossa_core::EventId;

use crate::error::BackgroundError;
use crate::storage::Storage;
use crate::user::User;

/// The counts of each stored list of reactions, as the user sees them (people they hide left
/// out).
fn counts(user: &User, lists: Vec<Vec<StoredReaction>>) -> Vec<Vec<ReactionCount>> {
    let me = user.public_key();
    let keep_out = user.keep_out().borrow();
    lists
        .into_iter()
        .map(|list| {
            tally(&list, &me, |person| keep_out.hides(person))
                .into_iter()
                .map(ReactionCount::from)
                .collect()
        })
        .collect()
}

/// Fills in each item's reactions: one index read per post, in one transaction.
pub async fn with_reactions(
    user: &User,
    storage: &Storage,
    items: &mut [FeedItem],
) -> Result<(), BackgroundError> {
    let ids: Vec<EventId> = items.iter().map(|item| item.id).collect();
    let lists = storage.reactions_to(&ids).await?;
    for (item, reactions) in items.iter_mut().zip(counts(user, lists)) {
        item.reactions = reactions;
    }
    Ok(())
}

/// The reactions of each of `posts`, for a push.
pub async fn of_posts(
    user: &User,
    storage: &Storage,
    posts: &[EventId],
) -> Result<Vec<PostReactions>, BackgroundError> {
    let lists = storage.reactions_to(posts).await?;
    Ok(posts
        .iter()
        .zip(counts(user, lists))
        .map(|(post, reactions)| PostReactions {
            post: *post,
            reactions,
        })
        .collect())
}
