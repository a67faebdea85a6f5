//! Reading every stored event a page at a time, in id order: for exports and for the retention
//! scan, which must see every event without holding them all at once.

use idb::{KeyRange, Query};
use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::EventRecord;
use super::schema::EVENTS;
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "reading stored events";

impl Storage {
    /// Up to `limit` event records with ids strictly after `after` (from the first when `None`),
    /// in id order.
    pub async fn events_after(
        &self,
        after: Option<&EventId>,
        limit: u32,
    ) -> Result<Vec<EventRecord>, BackgroundError> {
        let query = match after {
            Some(id) => Some(Query::KeyRange(
                KeyRange::lower_bound(&JsValue::from_str(&id.to_hex()), Some(true))
                    .map_err(db::failed(OP))?,
            )),
            None => None,
        };
        let values = self
            .read_only(EVENTS, OP)?
            .get_all(query, Some(limit.max(1)))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        values
            .iter()
            .map(|value| db::from_js(value, EVENTS))
            .collect()
    }
}
