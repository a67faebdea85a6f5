//! Deleting the events a retention pass chose, with their follow records and the running
//! totals, in one transaction: a failure leaves everything as it was.

use std::collections::HashSet;

use idb::{Query, TransactionMode};
use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{EventRecord, StatsRecord};
use super::schema::{BY_AUTHOR, EVENTS, FOLLOWS, META};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "pruning events";

impl Storage {
    /// Deletes the events `ids` that are still stored; returns how many were.
    pub async fn delete_events(&self, ids: &[EventId]) -> Result<u64, BackgroundError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let transaction = self
            .db
            .transaction(&[EVENTS, FOLLOWS, META], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
        let events = transaction.object_store(EVENTS).map_err(db::failed(OP))?;
        let follows = transaction.object_store(FOLLOWS).map_err(db::failed(OP))?;
        let meta = transaction.object_store(META).map_err(db::failed(OP))?;
        let mut stats = StatsRecord::read(&meta, OP).await?;
        let mut reads = Vec::with_capacity(ids.len());
        for id in ids {
            let key = JsValue::from_str(&id.to_hex());
            reads.push(events.get(key).map_err(db::failed(OP))?);
        }
        let mut records = Vec::new();
        for read in reads {
            if let Some(value) = read.await.map_err(db::failed(OP))? {
                records.push(db::from_js::<EventRecord>(&value, EVENTS)?);
            }
        }
        let mut deletes = Vec::with_capacity(records.len() * 2);
        for record in &records {
            let key = JsValue::from_str(&record.id.to_hex());
            deletes.push(
                events
                    .delete(Query::Key(key.clone()))
                    .map_err(db::failed(OP))?,
            );
            // A follow or unfollow event's record carries the event's id; for a post this
            // deletes nothing.
            deletes.push(follows.delete(Query::Key(key)).map_err(db::failed(OP))?);
        }
        for delete in deletes {
            delete.await.map_err(db::failed(OP))?;
        }
        // Looked up after the deletes, in the same transaction, so the totals stay exact even
        // if an author's new event was stored since the scan.
        let by_author = events.index(BY_AUTHOR).map_err(db::failed(OP))?;
        let authors: HashSet<_> = records.iter().map(|r| r.author).collect();
        let mut lookups = Vec::with_capacity(authors.len());
        for author in authors {
            let key = JsValue::from_str(&author.to_base64());
            let first = by_author.get_key(Query::Key(key)).map_err(db::failed(OP))?;
            lookups.push((author, first));
        }
        let mut emptied = HashSet::new();
        for (author, first) in lookups {
            if first.await.map_err(db::failed(OP))?.is_none() {
                emptied.insert(author);
            }
        }
        for record in &records {
            // An emptied author is taken off the count once, with its last record.
            stats.remove(record, emptied.remove(&record.author));
        }
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok(records.len() as u64)
    }
}
