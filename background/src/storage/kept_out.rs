//! What keeping people out needs of the events store: how many events an author has stored on a
//! day (the daily limit, `core::keep_out::admit_daily`) and every id of an author (dropped when
//! they are blocked). Both read the `author_timestamp` index, so neither scans other authors.

use idb::{CursorDirection, KeyRange, Query};
use js_sys::Array;
use phemossa_core::{EventId, PublicKey};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::schema::{AUTHOR_TIMESTAMP, EVENTS};
use super::sync::id_of;
use crate::db;
use crate::error::BackgroundError;

const COUNT_OP: &str = "counting an author's events of a day";
const IDS_OP: &str = "listing an author's events";

impl Storage {
    /// For each `(author, day_start)`, how many of the author's events with timestamps in
    /// `[day_start, day_start + 1 day)` are stored, in the order given.
    pub async fn counts_by_author_day(
        &self,
        days: &[(PublicKey, u64)],
    ) -> Result<Vec<u64>, BackgroundError> {
        let index = self
            .read_only(EVENTS, COUNT_OP)?
            .index(AUTHOR_TIMESTAMP)
            .map_err(db::failed(COUNT_OP))?;
        let mut requests = Vec::with_capacity(days.len());
        for (author, start) in days {
            let end = phemossa_core::keep_out::day_of(*start).1;
            let range = range_of(author, *start, end as f64, true, COUNT_OP)?;
            requests.push(
                index
                    .count(Some(Query::KeyRange(range)))
                    .map_err(db::failed(COUNT_OP))?,
            );
        }
        let mut counts = Vec::with_capacity(requests.len());
        for request in requests {
            counts.push(u64::from(request.await.map_err(db::failed(COUNT_OP))?));
        }
        Ok(counts)
    }

    /// Every stored event id of `author`.
    pub async fn ids_of_author(&self, author: &PublicKey) -> Result<Vec<EventId>, BackgroundError> {
        let range = range_of(author, 0, f64::INFINITY, false, IDS_OP)?;
        let opened = self
            .read_only(EVENTS, IDS_OP)?
            .index(AUTHOR_TIMESTAMP)
            .map_err(db::failed(IDS_OP))?
            .open_key_cursor(Some(Query::KeyRange(range)), Some(CursorDirection::Next))
            .map_err(db::failed(IDS_OP))?
            .await
            .map_err(db::failed(IDS_OP))?;
        let mut ids = Vec::new();
        let Some(cursor) = opened else {
            return Ok(ids);
        };
        let mut cursor = cursor.into_managed();
        while let Some(primary) = cursor.primary_key().map_err(db::failed(IDS_OP))? {
            ids.push(id_of(&primary)?);
            cursor.next(None).await.map_err(db::failed(IDS_OP))?;
        }
        Ok(ids)
    }
}

/// `[author, from] .. [author, to]`, the upper bound excluded when `upper_open`. Timestamps
/// are at most 2^53 - 1, so the f64s are exact.
fn range_of(
    author: &PublicKey,
    from: u64,
    to: f64,
    upper_open: bool,
    op: &'static str,
) -> Result<KeyRange, BackgroundError> {
    let author = JsValue::from_str(&author.to_base64());
    let lower = Array::of2(&author, &JsValue::from_f64(from as f64));
    let upper = Array::of2(&author, &JsValue::from_f64(to));
    KeyRange::bound(&lower, &upper, Some(false), Some(upper_open)).map_err(db::failed(op))
}
