//! Conversations through the `replies` index (each post's `reply_to`, then its timestamp): how
//! many replies each post has, and a whole thread, from its root down, read a level at a time.
//! A post's ancestors are climbed through `reply_to` as far as the store holds them; what it
//! does not hold (a parent never synced, or pruned) ends the climb there.

use std::collections::HashSet;

use idb::{Index, KeyRange, Query};
use js_sys::Array;
use phemossa_core::{EventId, PublicKey};
use phemossa_sync::Cursor;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::feed::StoredPost;
use super::records::{addressed_key, EventRecord};
use super::schema::{ADDRESSED, EVENTS, REPLIES};
use crate::db;
use crate::error::BackgroundError;

const COUNT_OP: &str = "counting replies";
const THREAD_OP: &str = "reading a thread";
const SERVE_OP: &str = "reading replies for a peer";
const INBOX_OP: &str = "reading a person's inbox for a peer";

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
    replies_from(id, None, op)
}

/// The `replies` index's keys of the replies to `id` from timestamp `from` on (all if `None`):
/// `[id, from] ..= [id, []]`. Timestamps are at most 2^53 - 1, so the f64 is exact.
fn replies_from(
    id: &EventId,
    from: Option<u64>,
    op: &'static str,
) -> Result<KeyRange, BackgroundError> {
    let id = JsValue::from_str(&id.to_hex());
    let lower = match from {
        Some(from) => Array::of2(&id, &JsValue::from_f64(from as f64)),
        None => Array::of1(&id),
    };
    let upper = Array::of2(&id, &Array::new());
    KeyRange::bound(&lower, &upper, Some(false), Some(false)).map_err(db::failed(op))
}

/// A page of stored events for a peer's sync 2.1 request: the replies to some posts
/// (docs/protocol.md §8.10), or what addresses someone (§8.9).
pub struct PeerPage {
    /// Each event's place in (timestamp, id) order and its wire JSON.
    pub events: Vec<(Cursor, Vec<u8>)>,
    /// More are stored after the page.
    pub more: bool,
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

    /// The stored replies to any of `parents` strictly after `after` in (timestamp, id) order,
    /// in no particular order: what a peer's replies-request is answered from (§8.10). Each
    /// parent's replies are read from `after` on, `limit + 1` at most (all a page can use, and
    /// one to know more follow), all parents at once. The `limit` smallest of them are the page's, whichever parents
    /// they answer: a parent whose read was cut holds nothing before its last one read, so
    /// nothing before the page's end.
    pub async fn replies_after(
        &self,
        parents: &[EventId],
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<PeerPage, BackgroundError> {
        let index = self
            .read_only(EVENTS, SERVE_OP)?
            .index(REPLIES)
            .map_err(db::failed(SERVE_OP))?;
        let mut reads = Vec::with_capacity(parents.len());
        for parent in parents {
            let at = after.map(|after| {
                let parent = JsValue::from_str(&parent.to_hex());
                Array::of2(&parent, &JsValue::from_f64(after.timestamp as f64)).into()
            });
            let range = replies_from(parent, after.map(|c| c.timestamp), SERVE_OP)?;
            reads.push((range, at));
        }
        // Left unsorted and uncut: `phemossa_sync::replies::response_from` orders them and keeps
        // what fits, one copy of that rule for every responder.
        read_pages(&index, reads, after, limit, SERVE_OP).await
    }

    /// The stored events addressed to `person` strictly after `after`, read in (timestamp, id)
    /// order, `limit + 1` at most (one to know more follow): what a peer's inbox catch-up is
    /// answered from (§8.9).
    pub async fn addressed_after(
        &self,
        person: &PublicKey,
        after: Cursor,
        limit: usize,
    ) -> Result<PeerPage, BackgroundError> {
        let index = self
            .read_only(EVENTS, INBOX_OP)?
            .index(ADDRESSED)
            .map_err(db::failed(INBOX_OP))?;
        let at = JsValue::from_str(&addressed_key(person, after.timestamp));
        // The separator is \u{1}: \u{2} after the key sorts above every entry of it.
        let upper = JsValue::from_str(&format!("{}\u{2}", person.to_base64()));
        let range =
            KeyRange::bound(&at, &upper, Some(false), Some(false)).map_err(db::failed(INBOX_OP))?;
        read_pages(
            &index,
            vec![(range, Some(at))],
            Some(after),
            limit,
            INBOX_OP,
        )
        .await
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

/// Reads pages for a peer, from `after`'s timestamp on, several ranges at once: first how many
/// entries of each share that timestamp (those before `after` are read and dropped, so each
/// read asks for that many more: however many events share a millisecond, a page never comes
/// out empty while more follow), then the entries. Every request of a phase is made before the
/// first is awaited, so the transaction stays active between them.
async fn read_pages(
    index: &Index,
    reads: Vec<(KeyRange, Option<JsValue>)>,
    after: Option<Cursor>,
    limit: usize,
    op: &'static str,
) -> Result<PeerPage, BackgroundError> {
    let mut counts = Vec::with_capacity(reads.len());
    for (_, at) in &reads {
        counts.push(match at {
            Some(at) => {
                let only = KeyRange::only(at).map_err(db::failed(op))?;
                Some(
                    index
                        .count(Some(Query::KeyRange(only)))
                        .map_err(db::failed(op))?,
                )
            }
            None => None,
        });
    }
    let mut wanted = Vec::with_capacity(counts.len());
    for count in counts {
        let ties = match count {
            Some(count) => count.await.map_err(db::failed(op))? as usize,
            None => 0,
        };
        wanted.push(u32::try_from(limit + 1 + ties).unwrap_or(u32::MAX));
    }
    let mut requests = Vec::with_capacity(reads.len());
    for ((range, _), wanted) in reads.into_iter().zip(&wanted) {
        requests.push(
            index
                .get_all(Some(Query::KeyRange(range)), Some(*wanted))
                .map_err(db::failed(op))?,
        );
    }
    let mut page = PeerPage {
        events: Vec::new(),
        more: false,
    };
    for (request, wanted) in requests.into_iter().zip(wanted) {
        let values = request.await.map_err(db::failed(op))?;
        page.more |= values.len() >= wanted as usize;
        for value in values {
            let record: EventRecord = db::from_js(&value, EVENTS)?;
            let at = Cursor {
                timestamp: record.timestamp,
                id: record.id,
            };
            if after.is_none_or(|after| at > after) {
                page.events.push((at, record.json.into_bytes()));
            }
        }
    }
    Ok(page)
}
