//! Posts by words, on SQLite's FTS5: what a post is found by, kept exact with `events` as posts
//! are stored and removed, and the newest posts holding every word of a query. It replaces the
//! background's `terms` index and its search indexer (`background/src/storage/search.rs`).
//!
//! A post is found by exactly the words `phemossa_core::search::words` gives for its text
//! (whole words of letters and digits, lower-cased, its first 64 distinct ones), as today: FTS5
//! is fed those words joined by spaces, through its `ascii` tokenizer, which splits only on
//! ASCII characters that are not letters or digits. A word holds none of those (they are letters
//! and digits, lower-cased), so each word is one token and every token is one word; FTS5's own
//! `unicode61` would fold "ça" into "ca" and split words where Rust's `char::is_alphanumeric`
//! does not. A query matches a post holding all its words, each as a whole word: no prefixes.
//!
//! Results are newest first, (timestamp, id) descending, as the IndexedDB index read backwards
//! gave them. FTS5 reads its rowids in either order and stops at a LIMIT, so each post's FTS5
//! rowid is a key in that order ([`base_key`]); `search_keys` maps it back to the post's row.
//! A search then reads about as many entries as it returns, however common its words, where
//! ordering by `events.timestamp` would read every match (half the store for a word like
//! "the"). FTS5 intersects the words itself, so there is no scan to cut short: the IndexedDB
//! store's `MAX_SEARCH_SCAN` (5,000 posts) and its `cut_short` have nothing left to say.
//!
//! A post's words are written after it is stored, not with it, as the background's
//! `terms_pending` defers them: its insert writes nothing for search at all, since the posts
//! waiting are those stored after `search_indexed`'s mark (`events.seq` is AUTOINCREMENT, so
//! every post stored later has a larger one), and [`Store::index_pending`] writes the waiting
//! posts' words, in key order, and moves the mark. (A row per waiting post, as a first cut had,
//! was one more table write in every post's insert.) Natively, for 30,000 posts of 30 words stored 512 a transaction at 17–19 µs a
//! post (`tests/search.rs`'s `insert_cost`, three rounds): written in the order a sync stores
//! them they would make each post cost 2.3–2.6 times as much (49–51 µs), since FTS5 flushes its
//! buffered rows to a new segment at every rowid that steps back; sorted, right after each
//! batch, 1.7–1.8 times (34–37 µs); deferred, 17–19 µs a post once storing pauses. So a sync's
//! and an import's posts wait, and the person's own small batches are indexed right after
//! (today's `Terms::Now`). A post is found once its words are written.

use phemossa_core::search::words;
use phemossa_core::EventId;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::feed::{read_post_by_id, Keys};
use crate::rows::StoredRow;
use crate::rows::{event_id, from_sql_timestamp};
use crate::{Store, StoreError, StoredPost};

/// Version 1's search tables (appended to `schema::V1`).
///
/// - `search` is contentless (`content=''`): the words are in the events' JSON already, so FTS5
///   keeps only its index; `contentless_delete=1` lets a row go by its rowid alone (SQLite
///   3.43 or later: the bundled 3.50.2 and sqlite-wasm-rs 0.4.8's 3.51.1), since a removal
///   runs after the event's row, and its text, are gone. `detail=none` keeps only which rows
///   hold each word, not where: a query is single words, never a phrase or NEAR, so positions
///   would be bytes written for nothing.
/// - `search_keys` maps a post's FTS5 rowid, its key in newest-first order, to its `events.seq`.
/// - `search_indexed` (one row) holds the mark: every post with an `events.seq` up to it has
///   had its words written (or was removed first); those after it wait.
pub(crate) const SCHEMA: &str = "
CREATE VIRTUAL TABLE search USING fts5(
    words, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii'
);
CREATE TABLE search_keys (
    key INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
CREATE TABLE search_indexed (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    up_to INTEGER NOT NULL
);
INSERT INTO search_indexed (one, up_to) VALUES (1, 0);
";

const SEARCH_OP: &str = "searching posts";
const INDEX_OP: &str = "indexing posts for search";

/// Low bits of a search key that hold the first bits of the post's id: posts of the same
/// millisecond then sort by id, as IndexedDB's index sorts entries of one key by primary key.
const TIE_BITS: u32 = 21;
/// The largest timestamp a key tells apart: 2^42 - 1 ms, in the year 2109. Later ones (only a
/// caller that skipped validation, which allows 10 minutes ahead, can store them) sort as it.
const MAX_KEY_TIME: u64 = (1 << (63 - TIE_BITS)) - 1;
/// How far past its base key a post's key may lie. Keys collide only for posts of the same
/// millisecond whose ids share their first 21 bits (one pair in 2 million among posts of one
/// millisecond), so the next key is nearly always free; 64 takes a crafted flood of such ids
/// to fill, and a post past it is stored but not found by search.
const PROBE: i64 = 64;

/// A post's place in newest-first order before collisions: its timestamp, then the first
/// [`TIE_BITS`] bits of its id. At most `i64::MAX`.
fn base_key(timestamp: u64, id: &EventId) -> i64 {
    let bytes = id.as_bytes();
    let tie = (u64::from(bytes[0]) << 13) | (u64::from(bytes[1]) << 5) | (u64::from(bytes[2]) >> 3);
    let key = (timestamp.min(MAX_KEY_TIME) << TIE_BITS) | tie;
    // MAX_KEY_TIME << TIE_BITS | (2^21 - 1) is 2^63 - 1: always an i64.
    i64::try_from(key).unwrap_or(i64::MAX)
}

/// The keys a post of `base` may hold, `base` first.
fn probe_keys(base: i64) -> impl Iterator<Item = i64> {
    (0..PROBE).map_while(move |step| base.checked_add(step))
}

/// The text FTS5 indexes for a post: its search words, space-separated.
fn indexed_text(text: &str) -> String {
    words(text).join(" ")
}

/// Writes the words of the post stored as row `seq`, whose base key is `base`: claims the first
/// free key from `base` (by inserting, not by asking first: one write, and a second only on a
/// collision), and indexes `text` under it. A post with no free key in reach is not indexed.
fn index_post(
    transaction: &Transaction<'_>,
    seq: i64,
    base: i64,
    text: &str,
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(INDEX_OP)(e);
    let mut claim = transaction
        .prepare_cached("INSERT OR IGNORE INTO search_keys (key, seq) VALUES (?1, ?2)")
        .map_err(sql)?;
    let mut key = None;
    for candidate in probe_keys(base) {
        if claim.execute(params![candidate, seq]).map_err(sql)? == 1 {
            key = Some(candidate);
            break;
        }
    }
    let Some(key) = key else {
        return Ok(());
    };
    transaction
        .prepare_cached("INSERT INTO search (rowid, words) VALUES (?1, ?2)")
        .map_err(sql)?
        .execute(params![key, text])
        .map_err(sql)?;
    Ok(())
}

/// `row` was taken off `events`: a post of it is no longer found.
pub(crate) fn removed(transaction: &Transaction<'_>, row: &StoredRow) -> Result<(), StoreError> {
    if !matches!(row.kind.as_str(), "post" | "image_post") {
        return Ok(());
    }
    let sql = |e| StoreError::sqlite(INDEX_OP)(e);
    // Removed before its words were written, it simply no longer waits: nothing to take back.
    let base = base_key(row.timestamp, &row.id);
    let last = base.saturating_add(PROBE - 1);
    let key: Option<i64> = transaction
        .prepare_cached(
            "DELETE FROM search_keys WHERE key BETWEEN ?1 AND ?2 AND seq = ?3 RETURNING key",
        )
        .map_err(sql)?
        .query_row(params![base, last, row.seq], |row| row.get(0))
        .optional()
        .map_err(sql)?;
    if let Some(key) = key {
        transaction
            .prepare_cached("DELETE FROM search WHERE rowid = ?1")
            .map_err(sql)?
            .execute([key])
            .map_err(sql)?;
    }
    Ok(())
}

/// The mark: the `events.seq` up to which every post's words are written.
fn indexed_up_to(connection: &rusqlite::Connection) -> Result<i64, StoreError> {
    connection
        .query_row(
            "SELECT up_to FROM search_indexed WHERE one = 1",
            [],
            |row| row.get(0),
        )
        .map_err(StoreError::sqlite(INDEX_OP))
}

/// The FTS5 query for `query_words`: each a quoted string, so that whatever it holds, it is
/// one word to FTS5 and never syntax (`OR`, `NEAR`, `*`, `-`, a column filter); side by side,
/// which FTS5 reads as AND. The caller has checked that each is a search word.
fn fts_query(query_words: &[String]) -> String {
    query_words
        .iter()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Store {
    /// Writes the words of up to `limit` posts waiting (stored after the mark), the longest
    /// waiting first, in one transaction (`Storage::index_deferred`), and moves the mark past
    /// them; says how many it took (some perhaps with no word in them), 0 when none wait. They
    /// are written in key order, since FTS5 keeps a transaction's rows buffered only while their
    /// rowids ascend (module doc). For the person's own small batches right after storing them,
    /// and for the search indexer once a sync's or an import's storing pauses, 500 a call
    /// (`search_indexer.rs`).
    pub fn index_pending(&mut self, limit: usize) -> Result<usize, StoreError> {
        let sql = |e| StoreError::sqlite(INDEX_OP)(e);
        let transaction = self.connection.transaction().map_err(sql)?;
        let mark = indexed_up_to(&transaction)?;
        let mut waiting = Vec::new();
        {
            // Along the table's own order from the mark: the events between the posts (a sync's
            // reactions, follows) are stepped over, not sorted.
            let mut statement = transaction
                .prepare_cached(
                    "SELECT seq, id, timestamp, json_extract(json, '$.content.text')
                     FROM events WHERE seq > ?1 AND type IN ('post', 'image_post')
                     ORDER BY seq LIMIT ?2",
                )
                .map_err(sql)?;
            let rows = statement
                .query_map(
                    params![mark, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, Vec<u8>>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, Option<String>>(3)?,
                        ))
                    },
                )
                .map_err(sql)?;
            for row in rows {
                let (seq, id, timestamp, text) = row.map_err(sql)?;
                let id = event_id(id, "events")?;
                let timestamp = from_sql_timestamp(timestamp, "events")?;
                let text = text.ok_or_else(|| StoreError::CorruptRow {
                    table: "events",
                    reason: format!("post {} has no text", id.to_hex()),
                })?;
                waiting.push((base_key(timestamp, &id), seq, indexed_text(&text)));
            }
        }
        // Fewer than asked: none waits after them, so the mark goes to the last row stored and
        // the next call does not step over these rows' followers again.
        let taken = waiting.len();
        let next = if taken < limit {
            transaction
                .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |row| {
                    row.get::<_, i64>(0)
                })
                .map_err(sql)?
                .max(mark)
        } else {
            waiting.iter().map(|(_, seq, _)| *seq).max().unwrap_or(mark)
        };
        waiting.sort_unstable();
        for (base, seq, text) in &waiting {
            // Nothing in it anyone can search for ("🌿!"): no row, as IndexedDB kept no terms.
            if !text.is_empty() {
                index_post(&transaction, *seq, *base, text)?;
            }
        }
        if next != mark {
            transaction
                .prepare_cached("UPDATE search_indexed SET up_to = ?1 WHERE one = 1")
                .map_err(sql)?
                .execute([next])
                .map_err(sql)?;
        }
        transaction.commit().map_err(sql)?;
        Ok(taken)
    }

    /// How many stored posts wait for their words to be written (`StorageStats::search_pending`):
    /// a count along `events` from the mark, so it reads every event stored since the indexer
    /// last ran (100,000 after a first sync, about as long as a page of the sync's listing).
    pub fn search_pending(&self) -> Result<u64, StoreError> {
        let mark = indexed_up_to(&self.connection)?;
        let count: i64 = self
            .connection
            .query_row(
                "SELECT count(*) FROM events WHERE seq > ?1 AND type IN ('post', 'image_post')",
                [mark],
                |row| row.get(0),
            )
            .map_err(StoreError::sqlite(INDEX_OP))?;
        u64::try_from(count).map_err(|_| StoreError::CorruptRow {
            table: "events",
            reason: format!("a count of {count}"),
        })
    }

    /// The newest `limit` stored posts (with or without images; not reposts) holding every one
    /// of `query_words`, newest first (`Storage::search_posts`), as the feed reads them.
    pub fn search_posts(
        &self,
        query_words: &[String],
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        let mut keys = Keys::default();
        let mut posts = Vec::new();
        for id in self.search_post_ids(query_words, limit)? {
            // Found in this call's reads, so stored: `None` only for a damaged row's kind.
            if let Some(post) = read_post_by_id(self, &id, &mut keys, SEARCH_OP)? {
                posts.push(post);
            }
        }
        Ok(posts)
    }

    /// The ids of the posts [`Store::search_posts`] finds, in its order. The words are
    /// `phemossa_core::search::words` of what the person typed, as the background passes them;
    /// a word that function would never give ("Moss", "moss*", "a", one of 33 letters) is held
    /// by no post, so it finds nothing, as `search::matches` would say.
    pub fn search_post_ids(
        &self,
        query_words: &[String],
        limit: usize,
    ) -> Result<Vec<EventId>, StoreError> {
        if query_words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // A word FTS5's `ascii` tokenizer would split or read as syntax (an ASCII character
        // that is not a lower-case letter or a digit: "Moss", "moss*", a quote) is held by no
        // post, so it finds nothing. Not `words(word) == [word]`: a word `words` gives need not
        // give itself again ("İstanbul" gives "i̇stanbul", whose U+0307 is not alphanumeric),
        // and such words are indexed whole, as the posts' own.
        if query_words.iter().any(|word| {
            word.is_empty()
                || !word
                    .bytes()
                    .all(|b| !b.is_ascii() || b.is_ascii_lowercase() || b.is_ascii_digit())
        }) {
            return Ok(Vec::new());
        }
        let sql = |e| StoreError::sqlite(SEARCH_OP)(e);
        // FTS5 is the outer loop, read by rowid descending: it stops once enough rows are
        // found. The query is bound, never spliced into the SQL. A key moved up by a collision
        // passes at most PROBE - 1 others, so the true newest `limit` are among the first
        // `limit + PROBE - 1` keys, which are put in exact (timestamp, id) order here.
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT events.timestamp, events.id FROM search
                 JOIN search_keys ON search_keys.key = search.rowid
                 JOIN events ON events.seq = search_keys.seq
                 WHERE search MATCH ?1
                 ORDER BY search.rowid DESC LIMIT ?2",
            )
            .map_err(sql)?;
        let read = limit.saturating_add(PROBE as usize - 1);
        let rows = statement
            .query_map(
                params![
                    fts_query(query_words),
                    i64::try_from(read).unwrap_or(i64::MAX)
                ],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
            )
            .map_err(sql)?;
        let mut found = Vec::new();
        for row in rows {
            let (timestamp, id) = row.map_err(sql)?;
            found.push((
                from_sql_timestamp(timestamp, "events")?,
                event_id(id, "events")?,
            ));
        }
        found.sort_unstable_by(|a, b| b.cmp(a));
        found.truncate(limit);
        Ok(found.into_iter().map(|(_, id)| id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Event;

    #[test]
    fn fts5_is_compiled_in() {
        let store = Store::open_in_memory().unwrap();
        let used: bool = store
            .connection
            .query_row(
                "SELECT sqlite_compileoption_used('ENABLE_FTS5')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(used);
    }

    #[test]
    fn a_search_reads_fts5_newest_first_and_sorts_nothing_else() {
        let store = Store::open_in_memory().unwrap();
        let plan: Vec<String> = store
            .connection
            .prepare(
                "EXPLAIN QUERY PLAN SELECT events.timestamp, events.id FROM search
                 JOIN search_keys ON search_keys.key = search.rowid
                 JOIN events ON events.seq = search_keys.seq
                 WHERE search MATCH ?1
                 ORDER BY search.rowid DESC LIMIT ?2",
            )
            .unwrap()
            .query_map(params!["\"moss\"", 20], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan[0].contains("VIRTUAL TABLE INDEX"), "{plan:?}");
        assert!(
            plan.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }

    #[test]
    fn keys_order_by_time_then_id_and_stay_inside_an_i64() {
        let id = |first: u8| EventId::from_bytes([first; 32]);
        assert!(base_key(5, &id(0xff)) < base_key(6, &id(0)));
        assert!(base_key(5, &id(1)) < base_key(5, &id(2)));
        assert_eq!(base_key(u64::MAX, &id(0xff)), i64::MAX);
        assert_eq!(probe_keys(i64::MAX).count(), 1);
        assert_eq!(probe_keys(0).count(), PROBE as usize);
    }

    #[test]
    fn a_removed_post_leaves_no_fts5_row_and_no_key() {
        let alice = phemossa_core::Identity::from_seed([1; 32]);
        let post = |timestamp, text: &str| {
            let content = phemossa_core::Content::Post(phemossa_core::Post {
                text: text.into(),
                mentions: vec![],
                reply_to: None,
            });
            Event::create(&alice, timestamp, content).unwrap()
        };
        let (kept, gone) = (post(10, "moss kept"), post(20, "moss gone"));
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&[kept, gone.clone()]).unwrap();
        store.index_pending(10).unwrap();
        let rows = |store: &Store| -> (i64, i64) {
            let fts = store
                .connection
                .query_row(
                    "SELECT count(*) FROM search WHERE search MATCH 'moss'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let keys = store
                .connection
                .query_row("SELECT count(*) FROM search_keys", [], |r| r.get(0))
                .unwrap();
            (fts, keys)
        };
        assert_eq!(rows(&store), (2, 2));
        let content = phemossa_core::Content::Delete {
            targets: vec![gone.id],
        };
        let delete = Event::create(&alice, 30, content).unwrap();
        store.insert_batch(&[delete]).unwrap();
        assert_eq!(rows(&store), (1, 1));
    }

    #[test]
    fn fts_queries_quote_every_word() {
        let query = fts_query(&["moss".into(), "a\"b".into()]);
        assert_eq!(query, "\"moss\" \"a\"\"b\"");
    }
}
