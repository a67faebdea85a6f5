//! Conversations through the `replies` index (each post's `reply_to`, then its timestamp): how
//! many replies each post has, and a whole thread, from its root down, read a level at a time.
//! A post's ancestors are climbed through `reply_to` as far as the store holds them; what it
//! does not hold (a parent never synced, or pruned) ends the climb there.

use std::collections::HashSet;

use idb::{KeyRange, Query};
use js_sys::Array;
use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::feed::StoredPost;
use super::schema::{EVENTS, REPLIES};
use crate::db;
use crate::error::BackgroundError;

const COUNT_OP: &str = "counting replies";
const THREAD_OP: &str = "reading a thread";

/// Deepest climb from a post to its thread's root: deeper chains are shown from this far up.
pub const MAX_THREAD_CLIMB: usize = 64;

/// A thread as stored: its root (the highest ancestor held) and its replies, each with its
/// parent, in levels (every reply of the root, then theirs, ...), each level in (timestamp, id)
/// order.
pub struct StoredThread {
    pub root: StoredPost,
    /// The root replies to a post this store does not hold.
    pub root_is_reply: bool,
    pub replies: Vec<StoredPost>,
    /// More replies are stored than `limit` allowed.
    pub cut_short: bool,
}

/// The `replies` index's keys of the replies to `id`: `[id] ..= [id, []]` (an array sorts after
/// every number, so this spans every timestamp).
fn replies_range(id: &EventId, op: &'static str) -> Result<KeyRange, BackgroundError> {
    let id = JsValue::from_str(&id.to_hex());
    let lower = Array::of1(&id);
    let upper = Array::of2(&id, &Array::new());
    KeyRange::bound(&lower, &upper, Some(false), Some(false)).map_err(db::failed(op))
}

impl Storage {
    /// How many stored replies each of `ids` has, in the order given.
    pub async fn reply_counts(&self, ids: &[EventId]) -> Result<Vec<u32>, BackgroundError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let index = self
            .read_only(EVENTS, COUNT_OP)?
            .index(REPLIES)
            .map_err(db::failed(COUNT_OP))?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            let range = replies_range(id, COUNT_OP)?;
            requests.push(
                index
                    .count(Some(Query::KeyRange(range)))
                    .map_err(db::failed(COUNT_OP))?,
            );
        }
        let mut counts = Vec::with_capacity(requests.len());
        for request in requests {
            counts.push(request.await.map_err(db::failed(COUNT_OP))?);
        }
        Ok(counts)
    }

    /// The thread `id` is part of, with at most `limit` replies; `None` if `id` is not a stored
    /// post.
    pub async fn thread(
        &self,
        id: &EventId,
        limit: usize,
    ) -> Result<Option<StoredThread>, BackgroundError> {
        let store = self.read_only(EVENTS, THREAD_OP)?;
        let read = |id: EventId| {
            let store = store.clone();
            async move {
                let value = store
                    .get(JsValue::from_str(&id.to_hex()))
                    .map_err(db::failed(THREAD_OP))?
                    .await
                    .map_err(db::failed(THREAD_OP))?;
                match value {
                    Some(value) => StoredPost::of_record(&value),
                    None => Ok(None),
                }
            }
        };
        let Some(mut root) = read(*id).await? else {
            return Ok(None);
        };
        let mut root_is_reply = false;
        let mut climbed = HashSet::from([root.id]);
        while let Some(parent) = root.reply_to {
            // A cycle cannot be signed (an id covers its parent's), but a bound costs nothing.
            if climbed.len() > MAX_THREAD_CLIMB || !climbed.insert(parent) {
                root_is_reply = true;
                break;
            }
            match read(parent).await? {
                Some(post) => root = post,
                None => {
                    root_is_reply = true;
                    break;
                }
            }
        }
        let index = store.index(REPLIES).map_err(db::failed(THREAD_OP))?;
        let mut replies = Vec::new();
        let mut seen = HashSet::from([root.id]);
        let mut level = vec![root.id];
        let mut cut_short = false;
        while !level.is_empty() && !cut_short {
            // Every request of a level is made before the first is awaited. None reads more
            // than could still be shown (and one more, to know the thread goes on): a large
            // thread's first page costs what a small thread does.
            let wanted = u32::try_from(limit - replies.len() + 1).unwrap_or(u32::MAX);
            let mut requests = Vec::with_capacity(level.len());
            for parent in &level {
                let range = replies_range(parent, THREAD_OP)?;
                requests.push(
                    index
                        .get_all(Some(Query::KeyRange(range)), Some(wanted))
                        .map_err(db::failed(THREAD_OP))?,
                );
            }
            let mut next = Vec::new();
            for request in requests {
                let mut children = Vec::new();
                for value in request.await.map_err(db::failed(THREAD_OP))? {
                    let post = StoredPost::from_value(&value)?;
                    if seen.insert(post.id) {
                        children.push(post);
                    }
                }
                children.sort_by_key(|post| (post.timestamp, post.id));
                next.extend(children);
            }
            if replies.len() + next.len() > limit {
                next.truncate(limit - replies.len());
                cut_short = true;
            }
            level = next.iter().map(|post| post.id).collect();
            replies.extend(next);
        }
        Ok(Some(StoredThread {
            root,
            root_is_reply,
            replies,
            cut_short,
        }))
    }
}
