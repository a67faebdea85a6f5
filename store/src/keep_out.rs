//! What keeping people out (`phemossa_core::keep_out`) needs of the store: how many events an
//! author has stored on a day (the daily limit's `Held::day`), every id of an author, and
//! removing a blocked person's events. The queries of `background/src/storage/kept_out.rs`,
//! and `prune.rs`'s `delete_blocked`.
//!
//! Blocking someone refuses their new events before they reach the store, where ingest sifts
//! them (`KeepOut::blocks`), as today: the store does not hold the person's settings. Their
//! removed events are not remembered as deleted, so `missing_ids` asks for them again; ingest's
//! sifting is what keeps them out.

use phemossa_core::keep_out::day_of;
use phemossa_core::{EventId, PublicKey};

use crate::retention::remove_events;
use crate::rows::{event_id, to_sql_timestamp};
use crate::{Store, StoreError};

const COUNT_OP: &str = "counting an author's events of a day";
const IDS_OP: &str = "listing an author's events";
const BLOCK_OP: &str = "removing a blocked person's events";

impl Store {
    /// For each `(author, day_start)`, how many of the author's events with timestamps in
    /// `[day_start, end of that UTC day)` are stored, in the order given
    /// (`Storage::counts_by_author_day`). Each is a count over the `events_by_author` index's
    /// range, which holds the answer without reading the events: a busy author's day of 1,000
    /// events is 1,000 index entries, not 1,000 rows.
    pub fn counts_by_author_day(&self, days: &[(PublicKey, u64)]) -> Result<Vec<u64>, StoreError> {
        let sql = |e| StoreError::sqlite(COUNT_OP)(e);
        let mut count = self
            .connection
            .prepare_cached(
                "SELECT count(*) FROM events INDEXED BY events_by_author
                 WHERE author = ?1 AND timestamp >= ?2 AND timestamp < ?3",
            )
            .map_err(sql)?;
        let mut counts = Vec::with_capacity(days.len());
        for (author, start) in days {
            // A day past the largest timestamp the store holds has nothing stored in it.
            let Ok(from) = to_sql_timestamp(*start) else {
                counts.push(0);
                continue;
            };
            let to = to_sql_timestamp(day_of(*start).1).unwrap_or(i64::MAX);
            let n: i64 = count
                .query_row(
                    rusqlite::params![author.as_bytes().as_slice(), from, to],
                    |row| row.get(0),
                )
                .map_err(sql)?;
            counts.push(u64::try_from(n).map_err(|_| StoreError::CorruptRow {
                table: "events",
                reason: format!("a count of {n}"),
            })?);
        }
        Ok(counts)
    }

    /// Every stored event id of `author`, in (timestamp, id) order (`Storage::ids_of_author`),
    /// from the author's range of the `events_by_author` index alone.
    pub fn ids_of_author(&self, author: &PublicKey) -> Result<Vec<EventId>, StoreError> {
        let sql = |e| StoreError::sqlite(IDS_OP)(e);
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT id FROM events INDEXED BY events_by_author
                 WHERE author = ?1 ORDER BY timestamp, id",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map([author.as_bytes().as_slice()], |row| {
                row.get::<_, Vec<u8>>(0)
            })
            .map_err(sql)?;
        let mut ids = Vec::new();
        for id in rows {
            ids.push(event_id(id.map_err(sql)?, "events")?);
        }
        Ok(ids)
    }

    /// Removes those of `ids` still stored, each with what was derived from it, in one
    /// transaction, as a block does (`Storage::delete_blocked`): not counted as pruned, since
    /// the Storage section's "Pruned" counts retention's work. Returns how many were stored.
    /// The background passes 500 ids a call, so one block never holds the store for long.
    pub fn remove_blocked(&mut self, ids: &[EventId]) -> Result<u64, StoreError> {
        let transaction = self
            .connection
            .transaction()
            .map_err(StoreError::sqlite(BLOCK_OP))?;
        let removed = remove_events(&transaction, ids)?;
        transaction.commit().map_err(StoreError::sqlite(BLOCK_OP))?;
        Ok(removed)
    }
}
