//! Running totals over the stored events: the store's (events, posts, authors, bytes, and
//! events pruned ever) and each author's (events, bytes). They are kept exact in the
//! transaction that stores or removes each event (`derived`), gathered as it goes and written
//! once at its end ([`Delta`]), so the Storage section, the room
//! check and the stored limit per author (`core::keep_out`) read a row, not every event. The
//! background keeps them in `meta`'s `stats` record and `author_totals`
//! (`background/src/storage/author_totals.rs`, `records.rs`'s `StatsRecord`).

use std::collections::HashMap;

use phemossa_core::{Event, PublicKey};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::rows::Author;
use crate::rows::StoredRow;
use crate::{AuthorTotals, Store, StoreError, Totals};

/// Version 1's totals (appended to `schema::V1`).
///
/// - `totals` is one row, written with the schema, so each event costs one `UPDATE` of one
///   page, never an upsert. Counting instead would read every entry of an index of `events`
///   at each ask (100,000 at a first sync's end), and the room check asks before every write.
/// - `author_totals` has a row per author with events stored, none once their last goes: the
///   stored limit per author reads one row per author of a batch, where summing would read
///   every event of theirs. Its keys are the authors, so how many rows it has is the store's
///   `authors`, kept in `totals` too so that reading it is not a count.
pub(crate) const SCHEMA: &str = "
CREATE TABLE totals (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    events INTEGER NOT NULL,
    posts INTEGER NOT NULL,
    authors INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    pruned INTEGER NOT NULL
);
INSERT INTO totals (one, events, posts, authors, bytes, pruned) VALUES (1, 0, 0, 0, 0, 0);
CREATE TABLE author_totals (
    author BLOB PRIMARY KEY,
    events INTEGER NOT NULL,
    bytes INTEGER NOT NULL
) WITHOUT ROWID;
";

const READ_OP: &str = "reading storage totals";
const WRITE_OP: &str = "updating storage totals";

impl Store {
    /// The running totals, from their one row (`Storage::stats`, less `wasm_memory_bytes` and
    /// the worker's figures, which are measured when asked, and `search_pending`, which is
    /// search's).
    pub fn totals(&self) -> Result<Totals, StoreError> {
        let (events, posts, authors, bytes, pruned) = self
            .connection
            .query_row(
                "SELECT events, posts, authors, bytes, pruned FROM totals WHERE one = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(StoreError::sqlite(READ_OP))?
            .ok_or_else(|| StoreError::CorruptRow {
                table: "totals",
                reason: "its one row is missing".into(),
            })?;
        Ok(Totals {
            events: count(events, "totals")?,
            posts: count(posts, "totals")?,
            authors: count(authors, "totals")?,
            bytes: count(bytes, "totals")?,
            pruned: count(pruned, "totals")?,
        })
    }

    /// Bytes of event JSON the store holds of each of `authors`, in the order given, 0 for
    /// one with nothing stored (`Storage::stored_bytes_of`): what the stored limit per author
    /// checks a batch against.
    pub fn stored_bytes_of(&self, authors: &[PublicKey]) -> Result<Vec<u64>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT bytes FROM author_totals WHERE author = ?1")
            .map_err(StoreError::sqlite(READ_OP))?;
        let mut out = Vec::with_capacity(authors.len());
        for author in authors {
            let bytes: Option<i64> = statement
                .query_row([author.as_bytes().as_slice()], |row| row.get(0))
                .optional()
                .map_err(StoreError::sqlite(READ_OP))?;
            out.push(match bytes {
                Some(bytes) => count(bytes, "author_totals")?,
                None => 0,
            });
        }
        Ok(out)
    }

    /// Every author's totals as kept, in key order (`Storage::author_totals`): their sums are
    /// the store's totals, which tests check against a recount.
    pub fn author_totals(&self) -> Result<Vec<AuthorTotals>, StoreError> {
        let sql = |e| StoreError::sqlite(READ_OP)(e);
        let mut statement = self
            .connection
            .prepare_cached("SELECT author, events, bytes FROM author_totals ORDER BY author")
            .map_err(sql)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        for row in rows {
            let (author, events, bytes) = row.map_err(sql)?;
            let author = crate::rows::author_key(author, "author_totals")?;
            out.push(AuthorTotals {
                author: PublicKey::from_bytes(author, "stored key").map_err(|error| {
                    StoreError::CorruptRow {
                        table: "author_totals",
                        reason: error.to_string(),
                    }
                })?,
                events: count(events, "author_totals")?,
                bytes: count(bytes, "author_totals")?,
            });
        }
        Ok(out)
    }
}

/// What a transaction's stores and removals change in the totals, gathered as they happen and
/// written once when it ends ([`flush`]): one write per author of a batch and one of `totals`,
/// where writing both per event cost a third of a plain post's insert (17 µs an event natively
/// with them, 12 µs without; `cargo run --release -p phemossa-store-worker --example
/// serve_cost`).
#[derive(Debug, Default)]
pub(crate) struct Delta {
    /// Per author: events and bytes added (negative: removed).
    authors: HashMap<Author, (i64, i64)>,
    events: i64,
    posts: i64,
    bytes: i64,
}

/// `event`, its JSON `size` bytes, was stored.
pub(crate) fn added(delta: &mut Delta, event: &Event, size: i64) {
    let author = delta.authors.entry(*event.author.as_bytes()).or_default();
    author.0 += 1;
    author.1 = author.1.saturating_add(size);
    delta.events += 1;
    delta.posts += i64::from(event.as_post().is_some());
    delta.bytes = delta.bytes.saturating_add(size);
}

/// `row` was taken off `events`.
pub(crate) fn removed(delta: &mut Delta, row: &StoredRow) {
    let size = i64::try_from(row.size).unwrap_or(i64::MAX);
    let author = delta.authors.entry(row.author).or_default();
    author.0 -= 1;
    author.1 = author.1.saturating_sub(size);
    delta.events -= 1;
    delta.posts -= i64::from(matches!(row.kind.as_str(), "post" | "image_post"));
    delta.bytes = delta.bytes.saturating_sub(size);
}

/// Writes what `delta` gathered: each author's row (gone once their last event is; an author
/// with none before and some after counts as new), then `totals`. Counts never go below zero,
/// so a damaged count cannot make the next ones fail.
pub(crate) fn flush(transaction: &Transaction<'_>, delta: Delta) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(WRITE_OP)(e);
    let mut authors = 0i64;
    for (author, (events, bytes)) in &delta.authors {
        if (*events, *bytes) == (0, 0) {
            continue;
        }
        let held: Option<(i64, i64)> = transaction
            .prepare_cached("SELECT events, bytes FROM author_totals WHERE author = ?1")
            .map_err(sql)?
            .query_row([author.as_slice()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .map_err(sql)?;
        let (held_events, held_bytes) = held.unwrap_or((0, 0));
        let now_events = held_events.saturating_add(*events).max(0);
        let now_bytes = held_bytes.saturating_add(*bytes).max(0);
        authors += i64::from(now_events > 0) - i64::from(held_events > 0);
        if now_events == 0 {
            transaction
                .prepare_cached("DELETE FROM author_totals WHERE author = ?1")
                .map_err(sql)?
                .execute([author.as_slice()])
                .map_err(sql)?;
        } else {
            transaction
                .prepare_cached(
                    "INSERT INTO author_totals (author, events, bytes) VALUES (?1, ?2, ?3)
                     ON CONFLICT (author) DO UPDATE
                     SET events = excluded.events, bytes = excluded.bytes",
                )
                .map_err(sql)?
                .execute(params![author.as_slice(), now_events, now_bytes])
                .map_err(sql)?;
        }
    }
    if (delta.events, delta.posts, delta.bytes, authors) == (0, 0, 0, 0) {
        return Ok(());
    }
    transaction
        .prepare_cached(
            "UPDATE totals SET events = max(events + ?1, 0), posts = max(posts + ?2, 0),
                               authors = max(authors + ?3, 0), bytes = max(bytes + ?4, 0)
             WHERE one = 1",
        )
        .map_err(sql)?
        .execute(params![delta.events, delta.posts, authors, delta.bytes])
        .map_err(sql)?;
    Ok(())
}

/// `removed` events that retention chose were taken off (each through `derived::removed`):
/// what the Storage section's "Pruned" counts (`retention.rs` calls it in the same
/// transaction). A block's or a delete's removals are not counted.
pub(crate) fn count_pruned(transaction: &Transaction<'_>, removed: u64) -> Result<(), StoreError> {
    transaction
        .prepare_cached("UPDATE totals SET pruned = pruned + ?1 WHERE one = 1")
        .map_err(StoreError::sqlite(WRITE_OP))?
        .execute([i64::try_from(removed).unwrap_or(i64::MAX)])
        .map_err(StoreError::sqlite(WRITE_OP))?;
    Ok(())
}

/// A stored count; a negative one is a damaged row.
fn count(value: i64, table: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::CorruptRow {
        table,
        reason: format!("a count of {value}"),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use phemossa_core::{Content, Identity, Post};

    use super::*;

    fn post(author: &Identity, timestamp: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("at {timestamp}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(author, timestamp, content).unwrap()
    }

    #[test]
    fn damaged_totals_are_a_corrupt_row() {
        let alice = Identity::from_seed([1; 32]);
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&[post(&alice, 1)]).unwrap();
        let corrupt =
            |result: Result<_, StoreError>| matches!(result, Err(StoreError::CorruptRow { .. }));
        store
            .connection
            .execute("UPDATE author_totals SET bytes = -5", [])
            .unwrap();
        assert!(corrupt(
            store.stored_bytes_of(&[alice.public_key()]).map(|_| ())
        ));
        assert!(corrupt(store.author_totals().map(|_| ())));
        store
            .connection
            .execute("UPDATE totals SET posts = -1", [])
            .unwrap();
        assert!(corrupt(store.totals().map(|_| ())));
        store.connection.execute("DELETE FROM totals", []).unwrap();
        assert!(corrupt(store.totals().map(|_| ())));
    }

    #[test]
    fn an_authors_totals_are_one_search_of_their_key() {
        let store = Store::open_in_memory().unwrap();
        let plan: String = store
            .connection
            .query_row(
                "EXPLAIN QUERY PLAN SELECT bytes FROM author_totals WHERE author = ?1",
                [vec![0u8; 32]],
                |row| row.get(3),
            )
            .unwrap();
        assert_eq!(plan, "SEARCH author_totals USING PRIMARY KEY (author=?)");
    }
}
