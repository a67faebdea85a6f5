//! Reads other than the feed: one event's JSON, the follow records a key wrote or is named in,
//! the totals, whose stored events are.

use std::collections::HashMap;

use idb::Query;
use phemossa_api::StorageStats;
use phemossa_core::{EventId, FollowRecord, PublicKey};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{EventRecord, StatsRecord, JSON_FIELD, STATS_KEY};
use super::schema::{BY_FOLLOWEE, BY_FOLLOWER, EVENTS, FOLLOWS, META};
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
            Some(value) => Ok(Some(db::text_field(&value, JSON_FIELD, EVENTS)?)),
            None => Ok(None),
        }
    }

    /// Every follow and unfollow record `follower` wrote, in no particular order.
    pub async fn follow_records(
        &self,
        follower: &PublicKey,
    ) -> Result<Vec<FollowRecord>, BackgroundError> {
        self.follow_records_by(BY_FOLLOWER, follower, "reading follow records")
            .await
    }

    /// Every follow and unfollow record naming `followee`, by anyone, in no particular order.
    pub async fn records_following(
        &self,
        followee: &PublicKey,
    ) -> Result<Vec<FollowRecord>, BackgroundError> {
        self.follow_records_by(BY_FOLLOWEE, followee, "reading who follows a key")
            .await
    }

    /// The follow records whose `index` key is `key`.
    async fn follow_records_by(
        &self,
        index: &str,
        key: &PublicKey,
        op: &'static str,
    ) -> Result<Vec<FollowRecord>, BackgroundError> {
        let values = self
            .read_only(FOLLOWS, op)?
            .index(index)
            .map_err(db::failed(op))?
            .get_all(Some(Query::Key(JsValue::from_str(&key.to_base64()))), None)
            .map_err(db::failed(op))?
            .await
            .map_err(db::failed(op))?;
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

    /// The author of each of `ids` that is stored: what a delete or a reaction naming them is
    /// checked against (protocol.md §5.2, §5.3).
    pub async fn authors_of(
        &self,
        ids: &[EventId],
    ) -> Result<HashMap<EventId, PublicKey>, BackgroundError> {
        const OP: &str = "reading whose events are named";
        // Ingest asks for every batch (notifications.rs): most name nothing, and open nothing.
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let store = self.read_only(EVENTS, OP)?;
        let mut reads = Vec::with_capacity(ids.len());
        for id in ids {
            reads.push(
                store
                    .get(JsValue::from_str(&id.to_hex()))
                    .map_err(db::failed(OP))?,
            );
        }
        let mut authors = HashMap::new();
        for read in reads {
            if let Some(value) = read.await.map_err(db::failed(OP))? {
                let record: EventRecord = db::from_js(&value, EVENTS)?;
                authors.insert(record.id, record.author);
            }
        }
        Ok(authors)
    }
}
