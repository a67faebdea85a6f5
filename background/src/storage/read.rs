//! Reads other than the feed: one event's JSON, a key's follow records, the totals.

use idb::Query;
use phemossa_api::StorageStats;
use phemossa_core::{EventId, FollowRecord, PublicKey};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{EventRecord, StatsRecord, STATS_KEY};
use super::schema::{BY_FOLLOWER, EVENTS, FOLLOWS, META};
use crate::db;
use crate::error::BackgroundError;

impl Storage {
    /// The stored wire JSON of event `id`, if it is stored.
    pub async fn event_json(&self, id: &EventId) -> Result<Option<String>, BackgroundError> {
        const OP: &str = "reading an event";
        let value = self
            .read_only(EVENTS, OP)?
            .get(JsValue::from_str(&id.to_hex()))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        match value {
            Some(value) => Ok(Some(db::from_js::<EventRecord>(&value, EVENTS)?.json)),
            None => Ok(None),
        }
    }

    /// Every follow and unfollow record `follower` wrote, in no particular order.
    pub async fn follow_records(
        &self,
        follower: &PublicKey,
    ) -> Result<Vec<FollowRecord>, BackgroundError> {
        const OP: &str = "reading follow records";
        let values = self
            .read_only(FOLLOWS, OP)?
            .index(BY_FOLLOWER)
            .map_err(db::failed(OP))?
            .get_all(
                Some(Query::Key(JsValue::from_str(&follower.to_base64()))),
                None,
            )
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        values
            .iter()
            .map(|value| db::from_js(value, FOLLOWS))
            .collect()
    }

    /// Totals over the stored events, from the running counters (no scan).
    pub async fn stats(&self) -> Result<StorageStats, BackgroundError> {
        const OP: &str = "reading storage statistics";
        let value = self
            .read_only(META, OP)?
            .get(JsValue::from_str(STATS_KEY))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        match value {
            Some(value) => Ok(db::from_js::<StatsRecord>(&value, META)?.stats()),
            None => Ok(StorageStats::default()),
        }
    }

    /// How many events are stored, counted by the browser (a check on the running totals).
    pub async fn count_events(&self) -> Result<u64, BackgroundError> {
        const OP: &str = "counting events";
        let count = self
            .read_only(EVENTS, OP)?
            .count(None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        Ok(u64::from(count))
    }
}
