//! GetThread: the conversation a post is part of, from the highest ancestor this browser holds
//! down through every stored reply, as a tree in time order. Replies by people the user muted or
//! blocked are left out with everything under them, and counted. Opening it also asks connected
//! peers for replies not held (§8.10): those arriving are pushed as `Replies`, and the page
//! loads the thread again.

use std::collections::{HashMap, HashSet};

use phemossa_api::{ApiError, FeedItem, Response, ThreadPage, ThreadReply, MAX_THREAD_REPLIES};
use phemossa_core::EventId;

use crate::feed_items::feed_item;
use crate::network::handle::{Command, NodeLink};
use crate::reaction_counts::with_reactions;
use crate::storage::{Storage, StoredPost};
use crate::user::User;

pub async fn thread(
    user: &User,
    storage: &Storage,
    node: &NodeLink,
    id_text: &str,
    limit: Option<u32>,
) -> Result<Response, ApiError> {
    let limit = limit.map_or(MAX_THREAD_REPLIES, |limit| {
        (limit as usize).clamp(1, MAX_THREAD_REPLIES)
    });
    let id =
        EventId::from_hex(id_text.trim(), "post id").map_err(|error| ApiError::InvalidRequest {
            reason: error.to_string(),
        })?;
    let stored = storage
        .thread(&id, limit)
        .await?
        .ok_or(ApiError::PostNotFound)?;
    // Every post held is asked about, even those a keep-out hides: what they hide is the
    // user's choice of what to see, not of what peers may hold.
    node.send(Command::OpenThread {
        root: stored.root.id,
        held: stored.replies.iter().map(|reply| reply.id).collect(),
    });
    let me = user.public_key();
    let root_is_reply = stored.root_is_reply;
    let cut_short = stored.cut_short;
    // Read in a block of its own: the borrow is not held across the read below (a page's
    // keep-out change may borrow it meanwhile).
    let (root, mut replies, hidden) = {
        let keep_out = user.keep_out().borrow();
        // Levels come parent before child, so one pass keeps a reply only under a kept parent.
        let mut kept = HashSet::from([stored.root.id]);
        let mut children: HashMap<EventId, Vec<StoredPost>> = HashMap::new();
        let mut hidden = 0;
        for reply in stored.replies {
            let parent = reply.reply_to.unwrap_or(stored.root.id);
            if kept.contains(&parent) && !keep_out.hides(&reply.author) {
                kept.insert(reply.id);
                children.entry(parent).or_default().push(reply);
            } else {
                hidden += 1;
            }
        }
        let item = |post: StoredPost, children: &HashMap<EventId, Vec<StoredPost>>| FeedItem {
            replies: children.get(&post.id).map_or(0, |c| c.len() as u32),
            ..feed_item(post, &me, &keep_out)
        };
        // Depth first, siblings oldest first (each level was read in that order).
        let mut replies = Vec::with_capacity(kept.len() - 1);
        let mut stack: Vec<(StoredPost, u32)> = children
            .get(&stored.root.id)
            .map(|c| c.iter().rev().map(|post| (post.clone(), 1)).collect())
            .unwrap_or_default();
        while let Some((post, depth)) = stack.pop() {
            if let Some(under) = children.get(&post.id) {
                stack.extend(under.iter().rev().map(|child| (child.clone(), depth + 1)));
            }
            replies.push(ThreadReply {
                item: item(post, &children),
                depth,
            });
        }
        (item(stored.root, &children), replies, hidden)
    };
    // The root and every reply, counted in one transaction.
    let mut items: Vec<FeedItem> = std::iter::once(root)
        .chain(replies.iter().map(|reply| reply.item.clone()))
        .collect();
    with_reactions(user, storage, &mut items).await?;
    storage
        .mark_reposted(&user.public_key(), &mut items)
        .await?;
    // Never empty: it starts with the root.
    let root = items.remove(0);
    for (reply, item) in replies.iter_mut().zip(items) {
        reply.item = item;
    }
    Ok(Response::Thread(ThreadPage {
        root,
        root_is_reply,
        replies,
        hidden,
        cut_short,
    }))
}
