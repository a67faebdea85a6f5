//! What keeping people out needs of the events store: how many events an author has stored on a
//! day (the daily limit, `core::keep_out::admit_daily`) and every id of an author (dropped when
//! they are blocked). Both read the `author_timestamp` index through the sync listing's range
//! (`sync.rs`), so neither touches other authors.

use idb::Query;
use phemossa_core::keep_out::day_of;
use phemossa_core::{EventId, PublicKey};

use super::connection::Storage;
use super::schema::{AUTHOR_TIMESTAMP, EVENTS};
use super::sync::{author_range, id_of};
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
            let range = author_range(author, *start, Some(day_of(*start).1), COUNT_OP)?;
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

    /// Every stored event id of `author`: the primary keys of the author's range of the
    /// `author_timestamp` index, in one request.
    pub async fn ids_of_author(&self, author: &PublicKey) -> Result<Vec<EventId>, BackgroundError> {
        let range = author_range(author, 0, None, IDS_OP)?;
        let keys = self
            .read_only(EVENTS, IDS_OP)?
            .index(AUTHOR_TIMESTAMP)
            .map_err(db::failed(IDS_OP))?
            .get_all_keys(Some(Query::KeyRange(range)), None)
            .map_err(db::failed(IDS_OP))?
            .await
            .map_err(db::failed(IDS_OP))?;
        keys.iter().map(id_of).collect()
    }
}
