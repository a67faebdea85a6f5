//! Feed pages: for each author, the newest `limit + 1` posts strictly older than the cursor,
//! read backwards through the `events_feed` index and merged by `core::feed::merge_page`, so a
//! page costs at most `limit + 1` rows per author, never the author's whole history. Also a
//! stored post as pages show it ([`StoredPost`]), decoded from its stored wire JSON, which
//! `thread`, `search` and the rest read through [`POST_COLUMNS`] and [`read_post`].
//!
//! The same queries as `background/src/storage/feed.rs` over IndexedDB: the feed holds posts,
//! with or without images, and reposts (`events.in_feed`, as that store files them all as
//! "post" for its `feed` index), in (timestamp, id) order newest first.

use std::collections::{HashMap, HashSet};

use phemossa_core::feed::{merge_page, Page};
use phemossa_core::{BlobHash, EventId, FeedCursor, PostImage, PublicKey};
use rusqlite::types::ValueRef;
use rusqlite::{params, Row};

use crate::rows::{from_sql_timestamp, to_sql_timestamp};
use crate::{Store, StoreError, StoredPost};

const OP: &str = "reading a feed page";
const WITHDRAWN_OP: &str = "reading which reposted posts were deleted";
const POST_OP: &str = "reading a post";

/// The feed's index: each author's posts, image posts and reposts in (timestamp, id) order. A
/// page reads it backwards from the cursor, `limit + 1` entries per author. Partial, so an
/// author's reactions, follows and profiles neither cost an entry nor lie in a page's way (read
/// through `events_by_author`, an author with 10,000 reactions would be read through on every
/// page).
pub(crate) const SCHEMA: &str = "
CREATE INDEX events_feed ON events (author, timestamp, id) WHERE in_feed = 1;
";

impl Store {
    /// The page of posts by `authors` strictly older than `before`, newest first, at most
    /// `limit` of them; `next` is set when older ones remain (`core::feed::merge_page`).
    ///
    /// Unlike the IndexedDB store's, it takes no `wanted` callback to stop between reads: a
    /// call is one synchronous run of the store worker, which nothing can interrupt anyway,
    /// and a page costs `limit + 1` index entries per author.
    pub fn feed_page(
        &self,
        authors: &[PublicKey],
        before: Option<FeedCursor>,
        limit: usize,
    ) -> Result<Page<StoredPost>, StoreError> {
        let sql = |e| StoreError::sqlite(OP)(e);
        // Strictly older than (timestamp, id). With no cursor, or one past the largest
        // timestamp the store can hold, every stored post is older: the largest timestamp with
        // an "id" above every 32-byte id (a longer blob of 0xff sorts after each).
        let (until, below) = match before.map(|c| (to_sql_timestamp(c.timestamp), c.id)) {
            Some((Ok(timestamp), id)) => (timestamp, id.as_bytes().to_vec()),
            _ => (i64::MAX, vec![0xff; 33]),
        };
        let mut statement = self.connection.prepare_cached(&feed_sql()).map_err(sql)?;
        let mut keys = Keys::default();
        // An author named twice is read once: the page is the same (`merge_page` drops repeats).
        let mut seen = HashSet::new();
        let mut sources = Vec::with_capacity(authors.len());
        for author in authors.iter().filter(|a| seen.insert(**a)) {
            let mut rows = statement
                .query(params![
                    author.as_bytes().as_slice(),
                    until,
                    below,
                    row_limit(limit)
                ])
                .map_err(sql)?;
            let mut posts = Vec::new();
            while let Some(row) = rows.next().map_err(sql)? {
                posts.push(feed_post(row, &mut keys, OP)?);
            }
            sources.push(posts);
        }
        Ok(merge_page(sources, before, limit))
    }

    /// `posts` but the reposts whose original its author deleted (protocol.md §5.4): the
    /// original is gone from the store, and the tombstone says the repost must go too. Kept
    /// apart from [`Store::feed_page`], as the IndexedDB store keeps it: the page's cursor is
    /// where it ended before these were taken out, so a page short of one still pages on.
    pub fn without_withdrawn(&self, posts: Vec<StoredPost>) -> Result<Vec<StoredPost>, StoreError> {
        if posts.iter().all(|post| post.original.is_none()) {
            return Ok(posts);
        }
        // A tombstone of the original's own author: only their delete withdraws it.
        let mut withdrawn = self
            .connection
            .prepare_cached(WITHDRAWN_SQL)
            .map_err(StoreError::sqlite(WITHDRAWN_OP))?;
        let mut kept = Vec::with_capacity(posts.len());
        for post in posts {
            if let Some(original) = &post.original {
                let gone = withdrawn
                    .exists(params![
                        original.id.as_bytes().as_slice(),
                        original.author.as_bytes().as_slice()
                    ])
                    .map_err(StoreError::sqlite(WITHDRAWN_OP))?;
                if gone {
                    continue;
                }
            }
            kept.push(post);
        }
        Ok(kept)
    }

    /// The stored post (with or without images) or repost `id`; `None` if no such event is
    /// stored, or it is another kind of event.
    pub fn post(&self, id: &EventId) -> Result<Option<StoredPost>, StoreError> {
        read_post_by_id(self, id, &mut Keys::default(), POST_OP)
    }
}

/// The stored post or repost `id`, as [`Store::post`]; `keys` remembers keys already checked.
pub(crate) fn read_post_by_id(
    store: &Store,
    id: &EventId,
    keys: &mut Keys,
    op: &'static str,
) -> Result<Option<StoredPost>, StoreError> {
    let mut statement = store
        .connection
        .prepare_cached(&post_sql())
        .map_err(StoreError::sqlite(op))?;
    let mut rows = statement
        .query([id.as_bytes().as_slice()])
        .map_err(StoreError::sqlite(op))?;
    match rows.next().map_err(StoreError::sqlite(op))? {
        Some(row) => read_post(row, keys, op),
        None => Ok(None),
    }
}

/// One author's posts strictly older than (?2, ?3), newest first, ?4 at most.
pub(crate) fn feed_sql() -> String {
    format!(
        "SELECT {POST_COLUMNS} FROM events e INDEXED BY events_feed
         WHERE e.author = ?1 AND e.in_feed = 1
           AND e.timestamp <= ?2 AND (e.timestamp < ?2 OR e.id < ?3)
         ORDER BY e.timestamp DESC, e.id DESC LIMIT ?4"
    )
}

/// Whether a delete of its author withdrew event ?1 of author ?2: the `deleted` table's key
/// begins with (id, author).
pub(crate) const WITHDRAWN_SQL: &str = "SELECT 1 FROM deleted WHERE id = ?1 AND author = ?2";

/// The event ?1, as a post.
pub(crate) fn post_sql() -> String {
    format!("SELECT {POST_COLUMNS} FROM events e WHERE e.id = ?1")
}

/// `limit + 1` rows, so a full read says that more follow; SQLite's LIMIT is an i64.
pub(crate) fn row_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

/// What a query selects from `events e` to make a [`StoredPost`] of a row ([`read_post`]): the
/// row's id, author, timestamp, type and `reply_to`, and the fields decoded from its wire JSON
/// by SQLite's JSON functions. The JSON is trusted: only validated events are stored, so
/// reading it back checks no signature (the IndexedDB store kept decoded copies of these fields
/// in each record for the same reason, since `Event::from_json` verifies every signature).
///
/// A post's content is `{text, mentions, reply_to[, images]}`; a repost's content is its
/// original event whole, whose own content is then a post's. Mentions are joined with ',',
/// which base64 never holds; each image is its blob's 64 hex digits then its description's
/// UTF-8 bytes in hex, joined with ',' too, so no description can break the list.
pub(crate) const POST_COLUMNS: &str = "
    e.id, e.author, e.timestamp, e.type, e.reply_to,
    CASE WHEN e.type <> 'repost' THEN json_extract(e.json, '$.content.text') END,
    CASE WHEN e.type <> 'repost' THEN
        (SELECT group_concat(value, ',' ORDER BY key)
         FROM json_each(e.json, '$.content.mentions')) END,
    CASE WHEN e.type = 'image_post' THEN
        (SELECT group_concat(json_extract(value, '$.blob') || hex(json_extract(value, '$.alt')),
                             ',' ORDER BY key)
         FROM json_each(e.json, '$.content.images')) END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.id') END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.author') END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.timestamp') END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.type') END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.content.reply_to') END,
    CASE WHEN e.type = 'repost' THEN json_extract(e.json, '$.content.content.text') END,
    CASE WHEN e.type = 'repost' THEN
        (SELECT group_concat(value, ',' ORDER BY key)
         FROM json_each(e.json, '$.content.content.mentions')) END,
    CASE WHEN e.type = 'repost' THEN
        (SELECT group_concat(json_extract(value, '$.blob') || hex(json_extract(value, '$.alt')),
                             ',' ORDER BY key)
         FROM json_each(e.json, '$.content.content.images')) END
";

/// The post of a row selected with [`POST_COLUMNS`] first; `None` if the row is neither a post
/// (with or without images) nor a repost.
pub(crate) fn read_post(
    row: &Row<'_>,
    keys: &mut Keys,
    op: &'static str,
) -> Result<Option<StoredPost>, StoreError> {
    let columns = Columns { row, op };
    let id = columns.id(0)?;
    let author = keys.of_bytes(columns.blob(1)?)?;
    let timestamp = from_sql_timestamp(columns.integer(2)?, "events")?;
    let kind = columns.text(3)?;
    match kind.as_str() {
        "post" | "image_post" => {
            let reply_to = columns.optional_blob(4)?.map(event_id).transpose()?;
            Ok(Some(StoredPost {
                id,
                author,
                timestamp,
                text: columns.text(5)?,
                mentions: mentions(columns.optional_text(6)?, keys)?,
                reply_to,
                images: images(columns.optional_text(7)?)?,
                original: None,
            }))
        }
        "repost" => {
            let original_type = columns.text(11)?;
            if original_type != "post" && original_type != "image_post" {
                return Err(corrupt(format!(
                    "repost {id} passes on a {original_type}, not a post"
                )));
            }
            let reply_to = columns
                .optional_text(12)?
                .map(|hex| EventId::from_hex(&hex, "reply_to").map_err(|e| corrupt(e.to_string())))
                .transpose()?;
            let original = StoredPost {
                id: EventId::from_hex(&columns.text(8)?, "id")
                    .map_err(|e| corrupt(e.to_string()))?,
                author: keys.of_text(&columns.text(9)?)?,
                timestamp: from_sql_timestamp(columns.integer(10)?, "events")?,
                text: columns.text(13)?,
                mentions: mentions(columns.optional_text(14)?, keys)?,
                reply_to,
                images: images(columns.optional_text(15)?)?,
                original: None,
            };
            Ok(Some(StoredPost::repost(id, author, timestamp, original)))
        }
        _ => Ok(None),
    }
}

/// As [`read_post`], for a row read from an index of posts, which must be one.
pub(crate) fn feed_post(
    row: &Row<'_>,
    keys: &mut Keys,
    op: &'static str,
) -> Result<StoredPost, StoreError> {
    read_post(row, keys, op)?.ok_or_else(|| corrupt("a row of a post index is not a post".into()))
}

fn corrupt(reason: String) -> StoreError {
    StoreError::CorruptRow {
        table: "events",
        reason,
    }
}

fn event_id(bytes: Vec<u8>) -> Result<EventId, StoreError> {
    crate::rows::event_id(bytes, "events")
}

/// A mentions column: base64 keys joined with ','.
fn mentions(joined: Option<String>, keys: &mut Keys) -> Result<Vec<PublicKey>, StoreError> {
    match joined {
        Some(joined) => joined.split(',').map(|text| keys.of_text(text)).collect(),
        None => Ok(Vec::new()),
    }
}

/// An images column: each image's blob hex then its description's UTF-8 in hex, joined with ','.
fn images(joined: Option<String>) -> Result<Vec<PostImage>, StoreError> {
    let Some(joined) = joined else {
        return Ok(Vec::new());
    };
    joined
        .split(',')
        .map(|image| {
            let (blob, alt) = image
                .split_at_checked(64)
                .ok_or_else(|| corrupt(format!("an image of {} characters", image.len())))?;
            let blob = BlobHash::from_hex(blob, "blob").map_err(|e| corrupt(e.to_string()))?;
            let alt = String::from_utf8(from_hex(alt)?)
                .map_err(|_| corrupt("an image description that is not UTF-8".into()))?;
            Ok(PostImage { blob, alt })
        })
        .collect()
}

/// The bytes of SQLite's `hex()`: uppercase digits, two per byte.
fn from_hex(hex: &str) -> Result<Vec<u8>, StoreError> {
    let digit = |d: u8| match d {
        b'0'..=b'9' => Ok(d - b'0'),
        b'A'..=b'F' => Ok(d - b'A' + 10),
        b'a'..=b'f' => Ok(d - b'a' + 10),
        _ => Err(corrupt("a hex digit that is not one".into())),
    };
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(corrupt("hex of odd length".into()));
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// Keys read back in one call, each checked once: a `PublicKey` is only made by checking that
/// its bytes are a valid point (about 20 µs in the browser's wasm), and a page names the same
/// few authors over and over.
#[derive(Default)]
pub(crate) struct Keys {
    by_bytes: HashMap<Vec<u8>, PublicKey>,
    by_text: HashMap<String, PublicKey>,
}

impl Keys {
    /// The key of 32 stored bytes (a row's `author`).
    pub(crate) fn of_bytes(&mut self, bytes: Vec<u8>) -> Result<PublicKey, StoreError> {
        if let Some(key) = self.by_bytes.get(&bytes) {
            return Ok(*key);
        }
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| corrupt(format!("a key of {} bytes", bytes.len())))?;
        let key = PublicKey::from_bytes(array, "author").map_err(|e| corrupt(e.to_string()))?;
        self.by_bytes.insert(bytes, key);
        Ok(key)
    }

    /// The key of base64 text read from stored JSON.
    pub(crate) fn of_text(&mut self, text: &str) -> Result<PublicKey, StoreError> {
        if let Some(key) = self.by_text.get(text) {
            return Ok(*key);
        }
        let key = PublicKey::from_base64(text, "key").map_err(|e| corrupt(e.to_string()))?;
        self.by_text.insert(text.to_owned(), key);
        Ok(key)
    }
}

/// A row's columns, each of one SQLite type; any other is a damaged row.
pub(crate) struct Columns<'r, 's> {
    pub row: &'r Row<'s>,
    pub op: &'static str,
}

impl Columns<'_, '_> {
    fn value(&self, at: usize) -> Result<ValueRef<'_>, StoreError> {
        self.row.get_ref(at).map_err(StoreError::sqlite(self.op))
    }

    fn unexpected(&self, at: usize, value: ValueRef<'_>) -> StoreError {
        corrupt(format!("column {at} holds a {}", value.data_type()))
    }

    pub fn optional_text(&self, at: usize) -> Result<Option<String>, StoreError> {
        match self.value(at)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(text) => String::from_utf8(text.to_vec())
                .map(Some)
                .map_err(|_| corrupt(format!("column {at} is not UTF-8"))),
            other => Err(self.unexpected(at, other)),
        }
    }

    pub fn text(&self, at: usize) -> Result<String, StoreError> {
        self.optional_text(at)?
            .ok_or_else(|| corrupt(format!("column {at} is empty")))
    }

    pub fn optional_blob(&self, at: usize) -> Result<Option<Vec<u8>>, StoreError> {
        match self.value(at)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(bytes) => Ok(Some(bytes.to_vec())),
            other => Err(self.unexpected(at, other)),
        }
    }

    pub fn blob(&self, at: usize) -> Result<Vec<u8>, StoreError> {
        self.optional_blob(at)?
            .ok_or_else(|| corrupt(format!("column {at} is empty")))
    }

    pub fn integer(&self, at: usize) -> Result<i64, StoreError> {
        match self.value(at)? {
            ValueRef::Integer(value) => Ok(value),
            other => Err(self.unexpected(at, other)),
        }
    }

    pub fn id(&self, at: usize) -> Result<EventId, StoreError> {
        event_id(self.blob(at)?)
    }
}

#[cfg(test)]
mod damaged {
    //! A row that does not read back as a post is a damaged row, never a panic.

    use phemossa_core::feed::FeedOrdered;
    use phemossa_core::{Content, Event, Identity, Post, Repost};

    use crate::{Store, StoreError};

    fn post(author: &Identity) -> Event {
        let content = Content::Post(Post {
            text: "hello".into(),
            mentions: vec![author.public_key()],
            reply_to: None,
        });
        Event::create(author, 1, content).expect("a valid post")
    }

    #[test]
    fn damaged_posts_read_as_corrupt_rows() {
        let author = Identity::from_seed([1; 32]);
        let original = post(&author);
        let repost = Event::create(
            &author,
            2,
            Content::Repost(Repost {
                original: Box::new(original.clone()),
            }),
        )
        .expect("a valid repost");
        let damage = [
            // No text.
            (
                "UPDATE events SET json = '{}' WHERE type = 'post'",
                original.id,
            ),
            // A mention that is not a key.
            (
                "UPDATE events SET json = json_set(json, '$.content.mentions[0]', 'AAAA')
                 WHERE type = 'post'",
                original.id,
            ),
            // An author of 3 bytes.
            (
                "UPDATE events SET author = x'010203' WHERE type = 'post'",
                original.id,
            ),
            // A timestamp below zero.
            (
                "UPDATE events SET timestamp = -1 WHERE type = 'post'",
                original.id,
            ),
            // A repost of something that is not a post.
            (
                "UPDATE events SET json = json_set(json, '$.content.type', 'follow')
                 WHERE type = 'repost'",
                repost.id,
            ),
            // A repost whose original's id is not hex.
            (
                "UPDATE events SET json = json_set(json, '$.content.id', 'xyz')
                 WHERE type = 'repost'",
                repost.id,
            ),
        ];
        for (sql, id) in damage {
            let mut store = Store::open_in_memory().expect("a store");
            store
                .insert_batch(&[original.clone(), repost.clone()])
                .expect("stored");
            assert_eq!(
                store.post(&id).expect("read").map(|p| p.feed_key()),
                Some((if id == repost.id { 2 } else { 1 }, id))
            );
            store.connection.execute(sql, []).expect("damaged");
            assert!(
                matches!(store.post(&id), Err(StoreError::CorruptRow { .. })),
                "{sql}: {:?}",
                store.post(&id)
            );
        }
    }
}
