//! The three questions a sync session asks of the store (`phemossa_sync::Output`): a page of
//! ids in (timestamp, id) order within a scope, which of some ids are missing, and the wire JSON
//! of some events. Answers are the same as `background/src/storage/sync.rs`'s and the reference
//! store's (`phemossa_sync::testing::v1::MemoryStore`), which the tests check.

use std::collections::HashSet;

use phemossa_core::EventId;
use phemossa_sync::listing::{merge_author_reads, per_author_cap};
use phemossa_sync::{Cursor, Scope};
use rusqlite::{params, OptionalExtension, Statement};

use crate::rows::{event_id, from_sql_timestamp, to_sql_timestamp};
use crate::{Store, StoreError};

const LIST_OP: &str = "listing event ids for a sync";
const FIND_OP: &str = "looking up event ids for a sync";
const LOAD_OP: &str = "loading events for a sync";

impl Store {
    /// Up to `limit` ids in `scope` strictly after `after`, in (timestamp, id) order, and
    /// whether more follow.
    ///
    /// A scope of authors reads a share of the page per author from the `events_by_author`
    /// index and merges them up to what is known complete (`phemossa_sync::listing`), as the
    /// IndexedDB store does: one query over all of them would sort every entry of the scope on
    /// every page.
    pub fn list_ids(
        &self,
        scope: &Scope,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<(Vec<Cursor>, bool), StoreError> {
        let sql = |e| StoreError::sqlite(LIST_OP)(e);
        // A scope or cursor past the largest timestamp the store can hold (a peer's request can
        // name any) admits nothing stored.
        let (Ok(since), Ok(after)) = (
            to_sql_timestamp(scope.since.unwrap_or(0)),
            after
                .map(|cursor| to_sql_timestamp(cursor.timestamp).map(|t| (t, cursor.id)))
                .transpose(),
        ) else {
            return Ok((Vec::new(), false));
        };
        // Strictly after (timestamp, id): with no cursor, after an empty id at -1.
        let (after_time, after_id) = match after {
            Some((timestamp, id)) => (timestamp, id.as_bytes().to_vec()),
            None => (-1, Vec::new()),
        };
        // One lower bound on the timestamp, the larger of the scope's and the cursor's: given
        // both, SQLite seeks to whichever its statistics favour, and seeking to `since` would
        // read an author's whole history again on every page.
        let from = since.max(after_time);
        match &scope.authors {
            Some(authors) => {
                // An author named twice is read once, and the page shared among distinct
                // authors (the IndexedDB store reads such an author twice and shares the page
                // among every name; the ids listed are the same, only where pages end differs).
                let mut seen = HashSet::new();
                let authors: Vec<_> = authors.iter().filter(|a| seen.insert(**a)).collect();
                let cap = per_author_cap(limit, authors.len());
                let mut statement = self
                    .connection
                    .prepare_cached(
                        "SELECT timestamp, id FROM events INDEXED BY events_by_author
                         WHERE author = ?1 AND timestamp >= ?2
                           AND (timestamp > ?3 OR (timestamp = ?3 AND id > ?4))
                         ORDER BY timestamp, id LIMIT ?5",
                    )
                    .map_err(sql)?;
                let mut reads = Vec::with_capacity(authors.len());
                for author in authors {
                    reads.push(cursors(
                        &mut statement,
                        params![
                            author.as_bytes().as_slice(),
                            from,
                            after_time,
                            after_id,
                            row_limit(cap)
                        ],
                    )?);
                }
                Ok(merge_author_reads(reads, cap, limit))
            }
            None => {
                let mut statement = self
                    .connection
                    .prepare_cached(
                        "SELECT timestamp, id FROM events INDEXED BY events_by_time
                         WHERE timestamp >= ?1
                           AND (timestamp > ?2 OR (timestamp = ?2 AND id > ?3))
                         ORDER BY timestamp, id LIMIT ?4",
                    )
                    .map_err(sql)?;
                let mut found = cursors(
                    &mut statement,
                    params![from, after_time, after_id, row_limit(limit)],
                )?;
                let more = found.len() > limit;
                found.truncate(limit);
                Ok((found, more))
            }
        }
    }

    /// Those of `ids` that are neither stored, superseded profiles nor withdrawn by their
    /// author, in the order given. A superseded profile or a deleted event counts as held, so a
    /// peer that still lists it never gets it fetched again (protocol.md §5.1, §5.2); only a
    /// confirmed tombstone counts, so a delete naming another author's id does not stop that
    /// event from being fetched.
    pub fn missing_ids(&self, ids: &[EventId]) -> Result<Vec<EventId>, StoreError> {
        let mut held = self
            .connection
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)
                     OR EXISTS (SELECT 1 FROM superseded WHERE id = ?1)
                     OR EXISTS (SELECT 1 FROM deleted WHERE id = ?1 AND confirmed)",
            )
            .map_err(StoreError::sqlite(FIND_OP))?;
        let mut missing = Vec::new();
        for id in ids {
            let is_held: bool = held
                .query_row([id.as_bytes().as_slice()], |row| row.get(0))
                .map_err(StoreError::sqlite(FIND_OP))?;
            if !is_held {
                missing.push(*id);
            }
        }
        Ok(missing)
    }

    /// The wire JSON of those of `ids` that are stored, in the order given.
    pub fn load_json(&self, ids: &[EventId]) -> Result<Vec<(EventId, Vec<u8>)>, StoreError> {
        let mut load = self
            .connection
            .prepare_cached("SELECT json FROM events WHERE id = ?1")
            .map_err(StoreError::sqlite(LOAD_OP))?;
        let mut found = Vec::new();
        for id in ids {
            let json: Option<String> = load
                .query_row([id.as_bytes().as_slice()], |row| row.get(0))
                .optional()
                .map_err(StoreError::sqlite(LOAD_OP))?;
            if let Some(json) = json {
                found.push((*id, json.into_bytes()));
            }
        }
        Ok(found)
    }
}

/// `limit + 1` rows, so a full read says that more follow; SQLite's LIMIT is an i64.
fn row_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

/// The (timestamp, id) rows `statement` gives for `params`.
fn cursors(
    statement: &mut Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<Cursor>, StoreError> {
    let rows = statement
        .query_map(params, |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(StoreError::sqlite(LIST_OP))?;
    let mut out = Vec::new();
    for row in rows {
        let (timestamp, id) = row.map_err(StoreError::sqlite(LIST_OP))?;
        out.push(Cursor {
            timestamp: from_sql_timestamp(timestamp, "events")?,
            id: event_id(id, "events")?,
        });
    }
    Ok(out)
}
