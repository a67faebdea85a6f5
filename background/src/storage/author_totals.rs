//! Each author's stored events and bytes (the `author_totals` store), kept exact by the
//! transactions that store and delete events (`write.rs`, `prune.rs`): what the stored limit
//! per author (`core::keep_out`) checks at the cost of one read per author, where summing an
//! author's records would read every one of them. Counted once from the events themselves when
//! a database from before the store is opened.

use std::collections::HashMap;

use idb::{ObjectStore, Query};
use phemossa_core::PublicKey;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{AuthorTotalsRecord, EventRecord};
use super::schema::{AUTHOR_TOTALS, EVENTS, META};
use crate::db;
use crate::error::BackgroundError;

const READ_OP: &str = "reading what authors have stored";
const COUNT_OP: &str = "counting what each author has stored";

/// The `meta` record saying `author_totals` was counted from the events (or began empty).
const COUNTED_KEY: &str = "author_totals_counted";

/// The totals of `authors` as `store` holds them in a transaction (absent: nothing stored). Every
/// read is queued before the first is awaited, and nothing else may be awaited in between.
pub(super) async fn read_totals(
    store: &ObjectStore,
    authors: impl IntoIterator<Item = PublicKey>,
    op: &'static str,
) -> Result<HashMap<PublicKey, AuthorTotalsRecord>, BackgroundError> {
    let mut reads = Vec::new();
    for author in authors {
        let key = JsValue::from_str(&author.to_base64());
        reads.push((author, store.get(key).map_err(db::failed(op))?));
    }
    let mut totals = HashMap::with_capacity(reads.len());
    for (author, read) in reads {
        if let Some(value) = read.await.map_err(db::failed(op))? {
            // Read without the record's own `author`, the key just asked for: decoding it again
            // checked the key's point on the curve for every author of every batch stored,
            // 0.56 s of a 30,000-event first sync's document thread (docs/benchmarks.md).
            let Counts { events, bytes } = db::from_js(&value, AUTHOR_TOTALS)?;
            totals.insert(
                author,
                AuthorTotalsRecord {
                    author,
                    events,
                    bytes,
                },
            );
        }
    }
    Ok(totals)
}

/// An `author_totals` record's counts, read apart from its author.
#[derive(serde::Deserialize)]
struct Counts {
    events: u64,
    bytes: u64,
}

/// Writes `totals` back (not awaited: a failure aborts the transaction, which its commit
/// reports); an author left with no events loses their record.
pub(super) fn write_totals(
    store: &ObjectStore,
    totals: &HashMap<PublicKey, AuthorTotalsRecord>,
    op: &'static str,
) -> Result<(), BackgroundError> {
    for (author, record) in totals {
        if record.events == 0 {
            let key = JsValue::from_str(&author.to_base64());
            store.delete(Query::Key(key)).map_err(db::failed(op))?;
        } else {
            store
                .put(&db::to_js(record, AUTHOR_TOTALS)?, None)
                .map_err(db::failed(op))?;
        }
    }
    Ok(())
}

impl Storage {
    /// Bytes of event JSON the store holds of each of `authors`, in the order given.
    pub async fn stored_bytes_of(
        &self,
        authors: &[PublicKey],
    ) -> Result<Vec<u64>, BackgroundError> {
        let store = self.read_only(AUTHOR_TOTALS, READ_OP)?;
        let totals = read_totals(&store, authors.iter().copied(), READ_OP).await?;
        Ok(authors
            .iter()
            .map(|author| totals.get(author).map_or(0, |t| t.bytes))
            .collect())
    }

    /// Every author's (events, bytes) as kept: their sums are the store's totals, which tests
    /// check against a recount.
    pub async fn author_totals(&self) -> Result<Vec<(PublicKey, u64, u64)>, BackgroundError> {
        let values = self
            .read_only(AUTHOR_TOTALS, READ_OP)?
            .get_all(None, None)
            .map_err(db::failed(READ_OP))?
            .await
            .map_err(db::failed(READ_OP))?;
        values
            .iter()
            .map(|value| {
                let record: AuthorTotalsRecord = db::from_js(value, AUTHOR_TOTALS)?;
                Ok((record.author, record.events, record.bytes))
            })
            .collect()
    }

    /// Counts every author's totals from the stored events, once per database: those opened
    /// from before `author_totals` existed. One transaction, so no insert or delete interleaves
    /// with the count; a fresh database has nothing to count.
    pub(super) async fn count_author_totals(&self) -> Result<(), BackgroundError> {
        let done = self
            .read_only(META, COUNT_OP)?
            .get(JsValue::from_str(COUNTED_KEY))
            .map_err(db::failed(COUNT_OP))?
            .await
            .map_err(db::failed(COUNT_OP))?;
        if done.is_some() {
            return Ok(());
        }
        let transaction = self.writing(&[EVENTS, AUTHOR_TOTALS, META], COUNT_OP)?;
        let events = transaction
            .object_store(EVENTS)
            .map_err(db::failed(COUNT_OP))?;
        let mut totals: HashMap<PublicKey, AuthorTotalsRecord> = HashMap::new();
        let opened = events
            .open_cursor(None, None)
            .map_err(db::failed(COUNT_OP))?
            .await
            .map_err(db::failed(COUNT_OP))?;
        if let Some(cursor) = opened {
            let mut cursor = cursor.into_managed();
            while let Some(value) = cursor.value().map_err(db::failed(COUNT_OP))? {
                let record: EventRecord = db::from_js(&value, EVENTS)?;
                totals
                    .entry(record.author)
                    .or_insert_with(|| AuthorTotalsRecord::empty(record.author))
                    .add(record.size);
                cursor.next(None).await.map_err(db::failed(COUNT_OP))?;
            }
        }
        let store = transaction
            .object_store(AUTHOR_TOTALS)
            .map_err(db::failed(COUNT_OP))?;
        write_totals(&store, &totals, COUNT_OP)?;
        #[derive(serde::Serialize)]
        struct Marker {
            key: &'static str,
        }
        let marker = db::to_js(&Marker { key: COUNTED_KEY }, META)?;
        transaction
            .object_store(META)
            .map_err(db::failed(COUNT_OP))?
            .put(&marker, None)
            .map_err(db::failed(COUNT_OP))?;
        db::commit(transaction, COUNT_OP).await
    }
}
