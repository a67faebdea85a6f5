//! Inserting one validated event: the event, its follow record (if it is a follow or unfollow)
//! and the updated totals, in one transaction whose every await is one of its own requests.

use idb::{Query, TransactionMode};
use phemossa_core::{Event, FollowRecord};
use wasm_bindgen::JsValue;

use super::records::{EventRecord, StatsRecord, STATS_KEY};
use super::schema::{BY_AUTHOR, EVENTS, FOLLOWS, META};
use super::Storage;
use crate::{db, BackgroundError};

const OP: &str = "storing an event";

impl Storage {
    /// Stores `event`; returns `false` (and changes nothing) when its id is already stored.
    /// Only a `core::Event`, which exists only after validation or signing, can be stored.
    pub async fn insert(&self, event: &Event) -> Result<bool, BackgroundError> {
        let record = EventRecord::from_event(event);
        let follow = FollowRecord::from_event(event);
        let transaction = self
            .db
            .transaction(&[EVENTS, FOLLOWS, META], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
        let events = transaction.object_store(EVENTS).map_err(db::failed(OP))?;
        // Read-write transactions on a store run one at a time, so this check cannot race.
        let existing = events
            .get_key(JsValue::from_str(&event.id.to_hex()))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        if existing.is_some() {
            return Ok(false);
        }
        let author = JsValue::from_str(&event.author.to_base64());
        let by_author = events
            .index(BY_AUTHOR)
            .map_err(db::failed(OP))?
            .count(Some(Query::Key(author)))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
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
        events
            .add(&db::to_js(&record, EVENTS)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        if let Some(follow) = follow {
            transaction
                .object_store(FOLLOWS)
                .map_err(db::failed(OP))?
                .add(&db::to_js(&follow, FOLLOWS)?, None)
                .map_err(db::failed(OP))?
                .await
                .map_err(db::failed(OP))?;
        }
        stats.add(&record, by_author == 0);
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok(true)
    }
}
