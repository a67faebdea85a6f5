//! The three store queries a sync session asks for: a page of ids in (timestamp, id) order
//! within a scope, which of some ids are missing, and the wire JSON of some events. Ids are read
//! from the `author_timestamp` and `timestamp` indexes, one `getAll` per author and page (see
//! `scan_in`); a page over many authors reads a share of its limit per author
//! ([`phemossa_sync::listing`]), so listing a scope reads each entry about once.

use std::collections::HashSet;

use idb::{Index, KeyRange, Query};
use js_sys::Array;
use phemossa_core::{EventId, PublicKey};
use phemossa_sync::listing::{merge_author_reads, per_author_cap};
use phemossa_sync::{Cursor, Scope};
use wasm_bindgen::{JsCast as _, JsValue};

use super::connection::Storage;
use super::records::{DeletedRecord, JSON_FIELD};
use super::schema::{AUTHOR_TIMESTAMP, DELETED, EVENTS, SUPERSEDED, TIMESTAMP};
use crate::db;
use crate::error::BackgroundError;

const LIST_OP: &str = "listing event ids for a sync";
const FIND_OP: &str = "looking up event ids for a sync";
const LOAD_OP: &str = "loading events for a sync";

/// [`Storage::missing_ids`] reads the `superseded` and `deleted` stores whole when they hold at
/// most this many entries per id asked, and looks each id up in them otherwise. Reading an
/// entry whole costs far less than a request of its own; past this, a store much larger than
/// the question would cost more read whole than asked per id.
pub const READ_WHOLE_PER_ID: usize = 4;

impl Storage {
    /// Up to `limit` ids in `scope` strictly after `after`, in (timestamp, id) order, and
    /// whether more follow.
    pub async fn list_ids(
        &self,
        scope: &Scope,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<(Vec<Cursor>, bool), BackgroundError> {
        let from = scope
            .since
            .unwrap_or(0)
            .max(after.map_or(0, |c| c.timestamp));
        match &scope.authors {
            Some(authors) => {
                // A share of the page per author, merged up to what is known complete
                // (`phemossa_sync::listing`): reading `limit` of every author made each page
                // read the whole scope.
                // All in one transaction: each read in a transaction of its own waited behind
                // every write queued meanwhile (the search indexer's after an import), and a
                // page over 100 authors took 11 s to start answering.
                let cap = per_author_cap(limit, authors.len());
                let index = self.listing_index(AUTHOR_TIMESTAMP)?;
                let mut reads = Vec::with_capacity(authors.len());
                for author in authors {
                    let range = author_range(author, from, None, LIST_OP)?;
                    reads.push(scan_in(&index, range, after, cap).await?);
                }
                Ok(merge_author_reads(reads, cap, limit))
            }
            None => {
                let range = KeyRange::lower_bound(&JsValue::from_f64(from as f64), Some(false))
                    .map_err(db::failed(LIST_OP))?;
                let mut found = self.scan(TIMESTAMP, range, after, limit).await?;
                let more = found.len() > limit;
                found.truncate(limit);
                Ok((found, more))
            }
        }
    }

    /// Up to `limit + 1` entries of `index` in `range` that come strictly after `after`.
    pub(super) async fn scan(
        &self,
        index: &str,
        range: KeyRange,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Vec<Cursor>, BackgroundError> {
        scan_in(&self.listing_index(index)?, range, after, limit).await
    }

    /// The events store's `index`, in a read-only transaction of its own.
    fn listing_index(&self, index: &str) -> Result<Index, BackgroundError> {
        self.read_only(EVENTS, LIST_OP)?
            .index(index)
            .map_err(db::failed(LIST_OP))
    }
}

/// As [`Storage::scan`], in a transaction the caller holds (so several reads wait once for
/// the writes queued before them, not once each).
///
/// One `getAll` of `limit + 1` records rather than a key cursor: a cursor of ~100 entries cost
/// about seven round trips to IndexedDB's backend (its prefetch ramps up again for every new
/// cursor, and overshoots at the end), so a responder's listing of 100,000 ids was ~7,700
/// round trips and ~10 s (docs/benchmarks.md). IndexedDB has no key-only read that also gives
/// the index key, so each record's `timestamp` and `id` are read from its value. Entries up to
/// `after` (ties at its timestamp) are skipped; if that leaves too few from a full read, the
/// read is made again with room for them.
async fn scan_in(
    index: &Index,
    range: KeyRange,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Vec<Cursor>, BackgroundError> {
    let wanted = limit.saturating_add(1);
    let mut count = wanted;
    loop {
        let asked = u32::try_from(count).unwrap_or(u32::MAX);
        let records = index
            .get_all(Some(Query::KeyRange(range.clone())), Some(asked))
            .map_err(db::failed(LIST_OP))?
            .await
            .map_err(db::failed(LIST_OP))?;
        let full = records.len() >= count;
        let mut out = Vec::with_capacity(wanted.min(records.len()));
        let mut skipped = 0;
        for record in &records {
            let entry = Cursor {
                timestamp: timestamp_of(&db::field(record, "timestamp", EVENTS)?)?,
                id: id_of(&db::field(record, "id", EVENTS)?)?,
            };
            if after.is_some_and(|after| entry <= after) {
                skipped += 1;
                continue;
            }
            out.push(entry);
            if out.len() >= wanted {
                return Ok(out);
            }
        }
        if !full || skipped == 0 || count == usize::MAX {
            return Ok(out);
        }
        count = count.saturating_add(skipped);
    }
}

impl Storage {
    /// Those of `ids` that are neither stored, superseded profiles nor withdrawn by their
    /// author, in the order given. A superseded profile or a deleted event counts as held, so a
    /// peer that still lists it never gets it fetched again (protocol.md §5.1, §5.2).
    ///
    /// Each id is looked up among stored events. The `superseded` and `deleted` stores are
    /// read whole instead when they hold at most [`READ_WHOLE_PER_ID`] entries per id asked, as
    /// they do in most stores and every first sync: one request each, not one per id. Three
    /// requests per id made a first sync's lookups 7 % of the syncing document's thread and
    /// 300,000 requests of IndexedDB's backend for 100,000 events (docs/benchmarks.md).
    pub async fn missing_ids(&self, ids: &[EventId]) -> Result<Vec<EventId>, BackgroundError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let transaction = self
            .db
            .transaction(
                &[EVENTS, SUPERSEDED, DELETED],
                idb::TransactionMode::ReadOnly,
            )
            .map_err(db::failed(FIND_OP))?;
        let open = |name| transaction.object_store(name).map_err(db::failed(FIND_OP));
        let (events, superseded, deleted) = (open(EVENTS)?, open(SUPERSEDED)?, open(DELETED)?);
        // One more than would be read whole: a store that returns that many is looked up per
        // id. Made in the order they are awaited (see `write_batch`).
        let whole =
            u32::try_from(ids.len().saturating_mul(READ_WHOLE_PER_ID)).unwrap_or(u32::MAX - 1);
        let superseded_keys = superseded
            .get_all_keys(None, Some(whole + 1))
            .map_err(db::failed(FIND_OP))?;
        let tombstones = deleted
            .get_all(None, Some(whole + 1))
            .map_err(db::failed(FIND_OP))?;
        let superseded_keys = superseded_keys.await.map_err(db::failed(FIND_OP))?;
        let tombstones = tombstones.await.map_err(db::failed(FIND_OP))?;
        let whole = whole as usize;
        let replaced: Option<HashSet<EventId>> = if superseded_keys.len() <= whole {
            Some(
                superseded_keys
                    .iter()
                    .map(id_of)
                    .collect::<Result<_, _>>()?,
            )
        } else {
            None
        };
        let withdrawn: Option<HashSet<EventId>> = if tombstones.len() <= whole {
            let mut confirmed = HashSet::new();
            for value in &tombstones {
                let record = db::from_js::<DeletedRecord>(value, DELETED)?;
                // Only a confirmed tombstone counts (§5.2): a delete naming another author's
                // id must not stop that event from being fetched.
                if record.confirmed {
                    confirmed.insert(record.id);
                }
            }
            Some(confirmed)
        } else {
            None
        };
        // Every request is made before the first is awaited, so the transaction serves them in
        // one go instead of one event-loop turn each.
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            let key = JsValue::from_str(&id.to_hex());
            let stored = events.get_key(key.clone()).map_err(db::failed(FIND_OP))?;
            let replaced_request = match replaced {
                Some(_) => None,
                None => Some(
                    superseded
                        .get_key(key.clone())
                        .map_err(db::failed(FIND_OP))?,
                ),
            };
            let withdrawn_request = match withdrawn {
                Some(_) => None,
                None => Some(deleted.get(key).map_err(db::failed(FIND_OP))?),
            };
            requests.push((*id, stored, replaced_request, withdrawn_request));
        }
        let mut missing = Vec::new();
        for (id, stored, replaced_request, withdrawn_request) in requests {
            let stored = stored.await.map_err(db::failed(FIND_OP))?.is_some();
            // A request was made exactly where the store was not read whole.
            let is_replaced = match replaced_request {
                Some(request) => request.await.map_err(db::failed(FIND_OP))?.is_some(),
                None => replaced.as_ref().is_some_and(|set| set.contains(&id)),
            };
            let is_withdrawn = match withdrawn_request {
                Some(request) => match request.await.map_err(db::failed(FIND_OP))? {
                    Some(value) => db::from_js::<DeletedRecord>(&value, DELETED)?.confirmed,
                    None => false,
                },
                None => withdrawn.as_ref().is_some_and(|set| set.contains(&id)),
            };
            if !stored && !is_replaced && !is_withdrawn {
                missing.push(id);
            }
        }
        Ok(missing)
    }

    /// The wire JSON of those of `ids` that are stored.
    pub async fn load_json(
        &self,
        ids: &[EventId],
    ) -> Result<Vec<(EventId, Vec<u8>)>, BackgroundError> {
        let store = self.read_only(EVENTS, LOAD_OP)?;
        let mut requests = Vec::with_capacity(ids.len());
        for id in ids {
            let request = store
                .get(JsValue::from_str(&id.to_hex()))
                .map_err(db::failed(LOAD_OP))?;
            requests.push((*id, request));
        }
        let mut found = Vec::new();
        for (id, request) in requests {
            if let Some(value) = request.await.map_err(db::failed(LOAD_OP))? {
                found.push((id, db::text_field(&value, JSON_FIELD, EVENTS)?.into_bytes()));
            }
        }
        Ok(found)
    }
}

/// `[author, from] ..= [author, +∞]`, or `.. [author, until)` (upper bound excluded): an
/// author's entries of the `author_timestamp` index from a timestamp on. Timestamps are at most
/// 2^53 - 1, so the f64s are exact.
pub(super) fn author_range(
    author: &PublicKey,
    from: u64,
    until: Option<u64>,
    op: &'static str,
) -> Result<KeyRange, BackgroundError> {
    let author = JsValue::from_str(&author.to_base64());
    let lower = Array::of2(&author, &JsValue::from_f64(from as f64));
    let upper = Array::of2(
        &author,
        &JsValue::from_f64(until.map_or(f64::INFINITY, |t| t as f64)),
    );
    KeyRange::bound(&lower, &upper, Some(false), Some(until.is_some())).map_err(db::failed(op))
}

/// The timestamp in an index key: the key itself (`timestamp` index) or its last item
/// (`author_timestamp`).
fn timestamp_of(key: &JsValue) -> Result<u64, BackgroundError> {
    let value = match key.dyn_ref::<Array>() {
        Some(array) => array.get(array.length().saturating_sub(1)),
        None => key.clone(),
    };
    value
        .as_f64()
        .filter(|t| t.fract() == 0.0 && *t >= 0.0)
        .map(|t| t as u64)
        .ok_or_else(|| corrupt(format!("index key {key:?} has no timestamp")))
}

pub(super) fn id_of(primary: &JsValue) -> Result<EventId, BackgroundError> {
    let text = primary
        .as_string()
        .ok_or_else(|| corrupt(format!("event key {primary:?} is not text")))?;
    EventId::from_hex(&text, "stored event id").map_err(|e| corrupt(e.to_string()))
}

fn corrupt(reason: String) -> BackgroundError {
    BackgroundError::CorruptRecord {
        store: EVENTS,
        reason,
    }
}
