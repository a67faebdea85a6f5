//! Deleting the events a retention pass chose, with their follow records, their notifications,
//! the profile they were (and the ids it superseded) and the running totals (the store's and
//! each author's), in one transaction: a failure leaves everything as it was.

use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::author_totals::{read_totals, write_totals};
use super::connection::Storage;
use super::records::{EventRecord, StatsRecord};
use super::removal::{RemovalStores, WRITING_STORES};
use super::schema::{
    AUTHOR_TOTALS, DELETED, EVENTS, FOLLOWS, META, NOTIFICATIONS, PROFILES, SUPERSEDED,
};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "pruning events";

impl Storage {
    /// Deletes the events `ids` that are still stored, counted as pruned by retention; returns
    /// how many were.
    pub async fn delete_events(&self, ids: &[EventId]) -> Result<u64, BackgroundError> {
        self.delete(ids, true).await
    }

    /// Deletes the events `ids` of a person the user blocked: as [`Storage::delete_events`], but
    /// not counted as pruned (the Storage section's "Pruned" counts retention's work).
    pub async fn delete_blocked(&self, ids: &[EventId]) -> Result<u64, BackgroundError> {
        self.delete(ids, false).await
    }

    async fn delete(&self, ids: &[EventId], pruned: bool) -> Result<u64, BackgroundError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let transaction = self.writing(&WRITING_STORES, OP)?;
        let store = |name| transaction.object_store(name).map_err(db::failed(OP));
        let stores = RemovalStores {
            events: store(EVENTS)?,
            follows: store(FOLLOWS)?,
            notifications: store(NOTIFICATIONS)?,
            profiles: store(PROFILES)?,
            superseded: store(SUPERSEDED)?,
            deleted: store(DELETED)?,
        };
        let meta = store(META)?;
        let author_totals = transaction
            .object_store(AUTHOR_TOTALS)
            .map_err(db::failed(OP))?;
        let mut stats = StatsRecord::read(&meta, OP).await?;
        let mut reads = Vec::with_capacity(ids.len());
        for id in ids {
            let key = JsValue::from_str(&id.to_hex());
            reads.push(stores.events.get(key).map_err(db::failed(OP))?);
        }
        let mut records = Vec::new();
        for read in reads {
            if let Some(value) = read.await.map_err(db::failed(OP))? {
                records.push(db::from_js::<EventRecord>(&value, EVENTS)?);
            }
        }
        // Read in this transaction, so they stay exact even if an author's new event was stored
        // since the events to delete were chosen.
        let authors = records.iter().map(|record| record.author);
        let mut totals = read_totals(&author_totals, authors, OP).await?;
        let forgotten = stores.forgotten(&records, OP).await?;
        let deletes = stores.queue(&records, forgotten, OP)?;
        for delete in deletes {
            delete.await.map_err(db::failed(OP))?;
        }
        for record in &records {
            let emptied = totals.get_mut(&record.author).is_some_and(|author| {
                author.remove(record.size);
                // An emptied author is taken off the count once, with its last record.
                author.events == 0
            });
            stats.remove(record, emptied, pruned);
        }
        write_totals(&author_totals, &totals, OP)?;
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok(records.len() as u64)
    }
}
