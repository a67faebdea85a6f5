//! Inserting validated events: each event, its follow record (if it is a follow or unfollow) and
//! the updated totals, a whole batch in one transaction whose every await is one of its own
//! requests. One commit per batch rather than per event is what makes a sync's ingest fast; the
//! batch is all or nothing, so a quota error loses nothing stored before it.

use idb::{Query, TransactionMode};
use phemossa_core::{Event, FollowRecord};
use wasm_bindgen::JsValue;

use super::records::{EventRecord, StatsRecord, STATS_KEY};
use super::schema::{BY_AUTHOR, EVENTS, FOLLOWS, META};
use super::Storage;
use crate::{db, BackgroundError};

const OP: &str = "storing events";

impl Storage {
    /// Stores `event`; returns `false` (and changes nothing) when its id is already stored.
    /// Only a `core::Event`, which exists only after validation or signing, can be stored.
    pub async fn insert(&self, event: &Event) -> Result<bool, BackgroundError> {
        let stored = self.insert_all(std::slice::from_ref(event)).await?;
        Ok(stored.first().copied().unwrap_or(false))
    }

    /// Stores every event of `events` not stored yet, in one transaction; says for each whether
    /// it was new. A repeated id within the batch is stored once.
    pub async fn insert_all(&self, events: &[Event]) -> Result<Vec<bool>, BackgroundError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let transaction = self
            .db
            .transaction(&[EVENTS, FOLLOWS, META], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
        let store = transaction.object_store(EVENTS).map_err(db::failed(OP))?;
        let follows = transaction.object_store(FOLLOWS).map_err(db::failed(OP))?;
        let meta = transaction.object_store(META).map_err(db::failed(OP))?;
        let stored_stats = meta
            .get(JsValue::from_str(STATS_KEY))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        let mut stats: StatsRecord = match stored_stats {
            Some(value) => db::from_js(&value, META)?,
            None => StatsRecord::default(),
        };
        let by_author = store.index(BY_AUTHOR).map_err(db::failed(OP))?;
        let mut new = Vec::with_capacity(events.len());
        for event in events {
            // Read-write transactions on a store run one at a time, and reads see this
            // transaction's own writes, so neither check can race or miss a batch-mate.
            let existing = store
                .get_key(JsValue::from_str(&event.id.to_hex()))
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
            if existing.is_some() {
                new.push(false);
                continue;
            }
            let author = JsValue::from_str(&event.author.to_base64());
            let earlier_by_author = by_author
                .count(Some(Query::Key(author)))
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
            let record = EventRecord::from_event(event);
            store
                .add(&db::to_js(&record, EVENTS)?, None)
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
            if let Some(follow) = FollowRecord::from_event(event) {
                follows
                    .add(&db::to_js(&follow, FOLLOWS)?, None)
                    .map_err(db::failed(OP))?
                    .await
                    .map_err(db::failed(OP))?;
            }
            stats.add(&record, earlier_by_author == 0);
            new.push(true);
        }
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok(new)
    }
}
