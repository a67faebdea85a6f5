//! Deleting the events a retention pass chose, with their follow records, the profile they were
//! (and the ids it superseded) and the running totals (the store's and each author's), in one
//! transaction: a failure leaves
//! everything as it was.

use idb::{Query, TransactionMode};
use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::author_totals::{read_totals, write_totals};
use super::connection::Storage;
use super::records::{EventRecord, StatsRecord};
use super::schema::{
    AUTHOR_TOTALS, EVENTS, FOLLOWS, META, PROFILES, SUPERSEDED, SUPERSEDED_BY_AUTHOR,
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
        let transaction = self
            .db
            .transaction(
                &[EVENTS, FOLLOWS, META, PROFILES, SUPERSEDED, AUTHOR_TOTALS],
                TransactionMode::ReadWrite,
            )
            .map_err(db::failed(OP))?;
        let events = transaction.object_store(EVENTS).map_err(db::failed(OP))?;
        let follows = transaction.object_store(FOLLOWS).map_err(db::failed(OP))?;
        let meta = transaction.object_store(META).map_err(db::failed(OP))?;
        let profiles = transaction.object_store(PROFILES).map_err(db::failed(OP))?;
        let superseded = transaction
            .object_store(SUPERSEDED)
            .map_err(db::failed(OP))?;
        let author_totals = transaction
            .object_store(AUTHOR_TOTALS)
            .map_err(db::failed(OP))?;
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
        // Read in this transaction, so they stay exact even if an author's new event was stored
        // since the events to delete were chosen.
        let authors = records.iter().map(|record| record.author);
        let mut totals = read_totals(&author_totals, authors, OP).await?;
        // Only an author's current profile is stored, so a stored profile event is it: its author
        // has no profile now, and the ids it superseded are forgotten (§5.1). Their keys are read
        // before any delete is queued: idb listens to a request only once it is awaited, so every
        // request queued must be awaited in order with no other await between.
        let mut forgotten = Vec::new();
        for record in records.iter().filter(|record| record.kind == "profile") {
            let author = JsValue::from_str(&record.author.to_base64());
            let replaced = superseded
                .index(SUPERSEDED_BY_AUTHOR)
                .map_err(db::failed(OP))?
                .get_all_keys(Some(Query::Key(author.clone())), None)
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
            forgotten.push((author, replaced));
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
        for (author, replaced) in forgotten {
            deletes.push(
                profiles
                    .delete(Query::Key(author))
                    .map_err(db::failed(OP))?,
            );
            for id in replaced {
                deletes.push(superseded.delete(Query::Key(id)).map_err(db::failed(OP))?);
            }
        }
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
