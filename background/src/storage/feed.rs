//! Feed pages through the `feed` index (author, type, timestamp, id): for each author, the newest
//! `limit + 1` posts strictly older than the cursor, read backwards from the cursor, then merged
//! by `core::feed::merge_page`. A page costs at most `limit + 1` records per author.

use idb::{CursorDirection, KeyRange, Query};
use js_sys::Array;
use phemossa_api::FeedImage;
use phemossa_core::feed::{merge_page, FeedOrdered, Page};
use phemossa_core::{Event, EventId, FeedCursor, PublicKey};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{DeletedRecord, EventRecord, PostFields};
use super::schema::{DELETED, EVENTS, FEED};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "reading a feed page";
const POST: &str = "post";

/// A stored post, as the feed needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPost {
    pub id: EventId,
    pub author: PublicKey,
    pub timestamp: u64,
    pub text: String,
    pub mentions: Vec<PublicKey>,
    pub reply_to: Option<EventId>,
    pub images: Vec<FeedImage>,
    /// On a repost (whose own text and fields are empty): the post it passes on.
    pub original: Option<Box<StoredPost>>,
}

impl FeedOrdered for StoredPost {
    fn feed_key(&self) -> (u64, EventId) {
        (self.timestamp, self.id)
    }
}

impl Storage {
    /// The page of posts by `authors` strictly older than `before`, newest first. Stops with
    /// `Abandoned` once `wanted` says nobody waits for it: with 100 authors a page is thousands
    /// of cursor steps, and reads for popups already closed would otherwise run on and hold back
    /// every write that needs `events`. It stops between requests, never with one pending, so
    /// the transaction ends as usual.
    pub async fn feed_page(
        &self,
        authors: &[PublicKey],
        before: Option<FeedCursor>,
        limit: usize,
        wanted: &dyn Fn() -> bool,
    ) -> Result<Page<StoredPost>, BackgroundError> {
        let abandoned = || BackgroundError::Abandoned { operation: OP };
        let index = self
            .read_only(EVENTS, OP)?
            .index(FEED)
            .map_err(db::failed(OP))?;
        let mut sources = Vec::with_capacity(authors.len());
        for author in authors {
            if !wanted() {
                return Err(abandoned());
            }
            let range = author_range(author, before)?;
            let opened = index
                .open_cursor(Some(Query::KeyRange(range)), Some(CursorDirection::Prev))
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
            let mut posts = Vec::new();
            if let Some(cursor) = opened {
                let mut cursor = cursor.into_managed();
                while let Some(value) = cursor.value().map_err(db::failed(OP))? {
                    posts.push(StoredPost::from_value(&value)?);
                    if posts.len() > limit {
                        break;
                    }
                    if !wanted() {
                        return Err(abandoned());
                    }
                    cursor.next(None).await.map_err(db::failed(OP))?;
                }
            }
            sources.push(posts);
        }
        Ok(merge_page(sources, before, limit))
    }

    /// `posts` but the reposts whose original its author deleted (protocol.md §5.4): the
    /// original is gone from the store, and the tombstone says the repost must go too.
    pub async fn without_withdrawn(
        &self,
        posts: Vec<StoredPost>,
    ) -> Result<Vec<StoredPost>, BackgroundError> {
        const OP: &str = "reading which reposted posts were deleted";
        if posts.iter().all(|post| post.original.is_none()) {
            return Ok(posts);
        }
        let deleted = self.read_only(DELETED, OP)?;
        // Each repost's tombstone lookup, with the author whose delete withdraws its original.
        let mut lookups = Vec::with_capacity(posts.len());
        for post in &posts {
            let lookup = match &post.original {
                Some(original) => Some((
                    original.author,
                    deleted
                        .get(JsValue::from_str(&original.id.to_hex()))
                        .map_err(db::failed(OP))?,
                )),
                None => None,
            };
            lookups.push(lookup);
        }
        let mut kept = Vec::with_capacity(posts.len());
        for (post, lookup) in posts.into_iter().zip(lookups) {
            if let Some((author, lookup)) = lookup {
                if let Some(value) = lookup.await.map_err(db::failed(OP))? {
                    // Any claim of the author's: every delete naming the id is kept (write.rs).
                    if db::from_js::<DeletedRecord>(&value, DELETED)?.claimed_by(&author) {
                        continue;
                    }
                }
            }
            kept.push(post);
        }
        Ok(kept)
    }
}

/// `[author, "post"] ..= [author, "post", +∞]`, or `.. [author, "post", cursor.timestamp,
/// cursor.id)` (upper bound excluded) after a cursor. Ids are lowercase hex, whose string order
/// is their byte order, so the index orders ties on timestamp exactly as the feed does.
fn author_range(
    author: &PublicKey,
    before: Option<FeedCursor>,
) -> Result<KeyRange, BackgroundError> {
    let author = JsValue::from_str(&author.to_base64());
    let post = JsValue::from_str(POST);
    let lower = Array::of2(&author, &post);
    let (upper, upper_open) = match before {
        // Timestamps are at most 2^53 - 1, so the f64 is exact.
        Some(cursor) => (
            Array::of4(
                &author,
                &post,
                &JsValue::from_f64(cursor.timestamp as f64),
                &JsValue::from_str(&cursor.id.to_hex()),
            ),
            true,
        ),
        None => (
            Array::of3(&author, &post, &JsValue::from_f64(f64::INFINITY)),
            false,
        ),
    };
    KeyRange::bound(&lower, &upper, Some(false), Some(upper_open)).map_err(db::failed(OP))
}

impl StoredPost {
    /// The post of an `events` record read from an index of posts.
    pub(super) fn from_value(value: &JsValue) -> Result<StoredPost, BackgroundError> {
        let record: EventRecord = db::from_js(value, EVENTS)?;
        let id = record.id;
        Self::of(record).ok_or_else(|| BackgroundError::CorruptRecord {
            store: EVENTS,
            reason: format!("post {id} has no post fields"),
        })
    }

    /// The post of any `events` record; `None` if it is another kind of event.
    pub(super) fn of_record(value: &JsValue) -> Result<Option<StoredPost>, BackgroundError> {
        Ok(Self::of(db::from_js(value, EVENTS)?))
    }

    fn of(record: EventRecord) -> Option<StoredPost> {
        if let Some(repost) = record.repost {
            let original = Self::of_fields(repost.id, repost.author, repost.timestamp, repost.post);
            return Some(Self::repost(
                record.id,
                record.author,
                record.timestamp,
                original,
            ));
        }
        let post = record.post?;
        Some(Self::of_fields(
            record.id,
            record.author,
            record.timestamp,
            post,
        ))
    }

    /// The post `event` is or reposts, as stored; `None` for every other kind of event.
    pub fn of_event(event: &Event) -> Option<StoredPost> {
        if let Some(original) = event.as_repost() {
            let original = Self::of_event(original)?;
            return Some(Self::repost(
                event.id,
                event.author,
                event.timestamp,
                original,
            ));
        }
        let post = PostFields::of_event(event)?;
        Some(Self::of_fields(
            event.id,
            event.author,
            event.timestamp,
            post,
        ))
    }

    fn of_fields(id: EventId, author: PublicKey, timestamp: u64, post: PostFields) -> StoredPost {
        StoredPost {
            id,
            author,
            timestamp,
            text: post.text,
            mentions: post.mentions,
            reply_to: post.reply_to,
            images: post.images,
            original: None,
        }
    }

    fn repost(id: EventId, author: PublicKey, timestamp: u64, original: StoredPost) -> StoredPost {
        StoredPost {
            id,
            author,
            timestamp,
            text: String::new(),
            mentions: Vec::new(),
            reply_to: None,
            images: Vec::new(),
            original: Some(Box::new(original)),
        }
    }
}
