//! Inserting validated events: each event, its follow record (if it is a follow or unfollow) and
//! the updated totals (the store's and its author's), a whole batch in one transaction whose every await is one of its own
//! requests. One commit per batch rather than per event is what makes a sync's ingest fast; the
//! batch is all or nothing, so a quota error loses nothing stored before it.

use std::collections::{HashMap, HashSet};

use idb::{ObjectStore, Query, TransactionMode};
use phemossa_core::profile::supersedes;
use phemossa_core::{Event, FollowRecord, PublicKey};
use wasm_bindgen::JsValue;

use super::author_totals::{read_totals, write_totals};
use super::connection::Storage;
use super::records::{
    AuthorTotalsRecord, EventRecord, ProfileRecord, StatsRecord, SupersededRecord, Terms, STATS_KEY,
};
use super::schema::{AUTHOR_TOTALS, EVENTS, FOLLOWS, META, PROFILES, SUPERSEDED};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "storing events";

impl StatsRecord {
    /// The totals as `meta` holds them in a write transaction (zero before the first event).
    pub(super) async fn read(
        meta: &ObjectStore,
        op: &'static str,
    ) -> Result<StatsRecord, BackgroundError> {
        let stored = meta
            .get(JsValue::from_str(STATS_KEY))
            .map_err(db::failed(op))?
            .await
            .map_err(db::failed(op))?;
        match stored {
            Some(value) => db::from_js(&value, META),
            None => Ok(StatsRecord::default()),
        }
    }
}

impl Storage {
    /// Stores `event`; returns `false` (and changes nothing) when its id is already stored.
    /// Only a `core::Event`, which exists only after validation or signing, can be stored.
    pub async fn insert(&self, event: &Event) -> Result<bool, BackgroundError> {
        let stored = self.insert_all(std::slice::from_ref(event)).await?;
        Ok(stored.first().copied().unwrap_or(false))
    }

    /// As [`Storage::insert_all`], with the search terms of posts written now ([`Terms::Now`]) or
    /// left to the search indexer ([`Terms::Later`]).
    pub async fn insert_all_with(
        &self,
        events: &[Event],
        terms: Terms,
    ) -> Result<Vec<bool>, BackgroundError> {
        self.insert_batch(events, terms).await
    }

    /// Stores every event of `events` not stored yet, in one transaction; says for each whether
    /// it was new. A repeated id within the batch is stored once. A profile is stored only if it
    /// supersedes its author's current one, which it then replaces (protocol.md §5.1); one that
    /// does not is not new, and its id is remembered as superseded.
    pub async fn insert_all(&self, events: &[Event]) -> Result<Vec<bool>, BackgroundError> {
        self.insert_batch(events, Terms::Now).await
    }

    async fn insert_batch(
        &self,
        events: &[Event],
        terms: Terms,
    ) -> Result<Vec<bool>, BackgroundError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let transaction = self
            .db
            .transaction(
                &[EVENTS, FOLLOWS, META, PROFILES, SUPERSEDED, AUTHOR_TOTALS],
                TransactionMode::ReadWrite,
            )
            .map_err(db::failed(OP))?;
        let store = transaction.object_store(EVENTS).map_err(db::failed(OP))?;
        let author_totals = transaction
            .object_store(AUTHOR_TOTALS)
            .map_err(db::failed(OP))?;
        let follows = transaction.object_store(FOLLOWS).map_err(db::failed(OP))?;
        let meta = transaction.object_store(META).map_err(db::failed(OP))?;
        let profiles = transaction.object_store(PROFILES).map_err(db::failed(OP))?;
        let superseded = transaction
            .object_store(SUPERSEDED)
            .map_err(db::failed(OP))?;
        let mut stats = StatsRecord::read(&meta, OP).await?;
        // Every request of a step is queued before the first is awaited: the transaction runs
        // them in order anyway, and awaiting each alone costs a trip through the event loop.
        let mut seen = HashSet::new();
        let mut lookups = Vec::with_capacity(events.len());
        for event in events {
            // A repeated id within the batch is stored once, as the first copy.
            let lookup = if seen.insert(event.id) {
                Some(
                    store
                        .get_key(JsValue::from_str(&event.id.to_hex()))
                        .map_err(db::failed(OP))?,
                )
            } else {
                None
            };
            lookups.push(lookup);
        }
        let mut new = Vec::with_capacity(events.len());
        for lookup in lookups {
            new.push(match lookup {
                Some(request) => request.await.map_err(db::failed(OP))?.is_none(),
                None => false,
            });
        }
        let mut current = current_profiles(&profiles, events, &new).await?;
        // Each new event's author's totals; an author with none has no event stored yet, which
        // the store's count of authors takes.
        let authors: HashSet<PublicKey> = events
            .iter()
            .zip(&new)
            .filter(|(_, new)| **new)
            .map(|(event, _)| event.author)
            .collect();
        let mut totals = read_totals(&author_totals, authors, OP).await?;
        // The writes are not awaited one by one: a failed one aborts the transaction with its
        // error, which the commit reports; awaiting each would cost a wake-up per event.
        for (event, new) in events.iter().zip(new.iter_mut()).filter(|(_, new)| **new) {
            let record = EventRecord::from_event(event, terms);
            // Asked before a replaced profile is taken off: its author keeps an event.
            let new_author = totals
                .get(&event.author)
                .is_none_or(|author| author.events == 0);
            if let Some(profile) = event.as_profile() {
                let candidate = (event.timestamp, event.id);
                let replaced = match current.get(&event.author) {
                    Some(held) if !supersedes(candidate, (held.timestamp, held.id)) => {
                        // Valid but older than what is held: remembered, never stored.
                        put_superseded(&superseded, event.id, event.author)?;
                        *new = false;
                        continue;
                    }
                    held => held.cloned(),
                };
                if let Some(held) = replaced {
                    store
                        .delete(Query::Key(JsValue::from_str(&held.id.to_hex())))
                        .map_err(db::failed(OP))?;
                    put_superseded(&superseded, held.id, held.author)?;
                    stats.replace(held.size);
                    if let Some(author) = totals.get_mut(&held.author) {
                        author.remove(held.size);
                    }
                }
                let profile = ProfileRecord::from_event(event, profile, record.size);
                profiles
                    .put(&db::to_js(&profile, PROFILES)?, None)
                    .map_err(db::failed(OP))?;
                current.insert(event.author, profile);
            }
            store
                .add(&db::to_js(&record, EVENTS)?, None)
                .map_err(db::failed(OP))?;
            if let Some(follow) = FollowRecord::from_event(event) {
                follows
                    .add(&db::to_js(&follow, FOLLOWS)?, None)
                    .map_err(db::failed(OP))?;
            }
            let author = totals
                .entry(event.author)
                .or_insert_with(|| AuthorTotalsRecord::empty(event.author));
            stats.add(&record, new_author);
            author.add(record.size);
        }
        write_totals(&author_totals, &totals, OP)?;
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok(new)
    }
}

/// The stored current profile of each author with a new profile event among `events`.
async fn current_profiles(
    profiles: &ObjectStore,
    events: &[Event],
    new: &[bool],
) -> Result<HashMap<PublicKey, ProfileRecord>, BackgroundError> {
    let mut lookups = Vec::new();
    let mut authors = HashSet::new();
    for (event, _) in events.iter().zip(new).filter(|(_, new)| **new) {
        if event.as_profile().is_some() && authors.insert(event.author) {
            let key = JsValue::from_str(&event.author.to_base64());
            lookups.push(profiles.get(key).map_err(db::failed(OP))?);
        }
    }
    let mut current = HashMap::new();
    for lookup in lookups {
        if let Some(value) = lookup.await.map_err(db::failed(OP))? {
            let record: ProfileRecord = db::from_js(&value, PROFILES)?;
            current.insert(record.author, record);
        }
    }
    Ok(current)
}

/// Remembers `id` as a superseded profile of `author` (not awaited: see the writes above).
fn put_superseded(
    superseded: &ObjectStore,
    id: phemossa_core::EventId,
    author: PublicKey,
) -> Result<(), BackgroundError> {
    let record = SupersededRecord { id, author };
    superseded
        .put(&db::to_js(&record, SUPERSEDED)?, None)
        .map_err(db::failed(OP))?;
    Ok(())
}
