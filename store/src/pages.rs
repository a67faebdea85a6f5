//! Reading every stored event a page at a time, in id order: for exports and for the retention
//! scan, which must see every event without holding them all at once. The query of
//! `background/src/storage/pages.rs`, through the `events.id` column's unique index (no index
//! of its own).

use phemossa_core::EventId;
use rusqlite::params;

use crate::feed::{Columns, Keys};
use crate::rows::from_sql_timestamp;
use crate::{PagedEvent, Store, StoreError};

const OP: &str = "reading stored events";

/// Events with ids strictly after ?1, in id order, ?2 at most.
pub(crate) const EVENTS_AFTER_SQL: &str = "
    SELECT id, author, type, timestamp, size, json FROM events
    WHERE id > ?1 ORDER BY id LIMIT ?2";

impl Store {
    /// Up to `limit` stored events with ids strictly after `after` (from the first when `None`),
    /// in id order. A `limit` of 0 reads one, as the IndexedDB store's does.
    pub fn events_after(
        &self,
        after: Option<&EventId>,
        limit: u32,
    ) -> Result<Vec<PagedEvent>, StoreError> {
        let sql = |e| StoreError::sqlite(OP)(e);
        // With no id to start after, after the empty blob, which sorts below every id.
        let after = after.map_or_else(Vec::new, |id| id.as_bytes().to_vec());
        let mut statement = self
            .connection
            .prepare_cached(EVENTS_AFTER_SQL)
            .map_err(sql)?;
        let mut rows = statement
            .query(params![after, i64::from(limit.max(1))])
            .map_err(sql)?;
        let mut keys = Keys::default();
        let mut page = Vec::new();
        while let Some(row) = rows.next().map_err(sql)? {
            let columns = Columns { row, op: OP };
            let size = columns.integer(4)?;
            page.push(PagedEvent {
                id: columns.id(0)?,
                author: keys.of_bytes(columns.blob(1)?)?,
                kind: columns.text(2)?,
                timestamp: from_sql_timestamp(columns.integer(3)?, "events")?,
                size: u64::try_from(size).map_err(|_| StoreError::CorruptRow {
                    table: "events",
                    reason: format!("size {size}"),
                })?,
                json: columns.text(5)?,
            });
        }
        Ok(page)
    }
}
