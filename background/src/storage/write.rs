//! Inserting validated events: each event, its follow record (if it is a follow or unfollow) and
//! the updated totals (the store's and its author's), a whole batch in one transaction whose
//! every await is one of its own requests. A delete (protocol.md §5.2) writes its tombstones
//! and removes its author's stored targets in the same transaction; an event a delete of its
//! author withdrew is not stored. One commit per batch rather than per event is what makes a sync's ingest fast; the
//! batch is all or nothing, so a quota error loses nothing stored before it.

use std::collections::{HashMap, HashSet};

use idb::{ObjectStore, Query};
use phemossa_core::deletes::acting_deletes;
use phemossa_core::profile::supersedes;
use phemossa_core::{Event, EventId, FollowRecord, PublicKey};
use wasm_bindgen::JsValue;

use super::author_totals::{read_totals, write_totals};
use super::connection::Storage;
use super::records::{
    AuthorTotalsRecord, DeletedRecord, EventRecord, ProfileRecord, StatsRecord, SupersededRecord,
    Terms, TermsPendingRecord, STATS_KEY,
};
use super::removal::{RemovalStores, WRITING_STORES};
use super::schema::{
    AUTHOR_TOTALS, DELETED, EVENTS, FOLLOWS, META, NOTIFICATIONS, PROFILES, SUPERSEDED,
    TERMS_PENDING,
};
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

    /// Writes the batch first as if no id of it were stored, without looking any up, while
    /// batches have held none (imports of new events, a first sync): the lookups were 17 µs of
    /// the document's time per event, and a round trip per batch. An id that was stored after
    /// all makes its `add` fail, which aborts the whole transaction, so nothing of that try is
    /// written; the batch is then written again looking every id up, and so are the next ones
    /// until a batch holds nothing stored. A batch with a profile is always looked up: a stored
    /// current profile taken as new would not be added (it does not supersede itself) but
    /// remembered as superseded, and no failed `add` would undo that.
    async fn insert_batch(
        &self,
        events: &[Event],
        terms: Terms,
    ) -> Result<Vec<bool>, BackgroundError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut look_up =
            !self.assume_new.get() || events.iter().any(|event| event.as_profile().is_some());
        // One call site, so the write's future is compiled once.
        loop {
            match self.write_batch(events, terms, look_up).await {
                Err(error) if !look_up && db::is_key_already_stored(&error) => {
                    self.assume_new.set(false);
                    look_up = true;
                }
                written => {
                    let (new, already_stored) = written?;
                    if look_up {
                        self.assume_new.set(already_stored == 0);
                    }
                    return Ok(new);
                }
            }
        }
    }

    /// One try at writing the batch, looking each id up among stored events first if
    /// `look_up` (otherwise taking none as stored); says for each event whether it was new, and
    /// how many were found stored.
    async fn write_batch(
        &self,
        events: &[Event],
        terms: Terms,
        look_up: bool,
    ) -> Result<(Vec<bool>, usize), BackgroundError> {
        let transaction = self.writing(&WRITING_STORES, OP)?;
        let open = |name| transaction.object_store(name).map_err(db::failed(OP));
        let stores = RemovalStores {
            events: open(EVENTS)?,
            follows: open(FOLLOWS)?,
            notifications: open(NOTIFICATIONS)?,
            profiles: open(PROFILES)?,
            superseded: open(SUPERSEDED)?,
            deleted: open(DELETED)?,
        };
        let (author_totals, meta) = (open(AUTHOR_TOTALS)?, open(META)?);
        // Whether any tombstone is stored at all (one key read, whatever their number): with
        // none, as in most stores and every first sync, no id of the batch is looked up among
        // them, which halves the batch's reads (two per event: 27 µs of its ~100 µs here).
        let mut stats = StatsRecord::read(&meta, OP).await?;
        let tombstones_stored = !stores
            .deleted
            .get_all_keys(None, Some(1))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?
            .is_empty();
        // Every request of a step is queued before the first is awaited: the transaction runs
        // them in order anyway, and awaiting each alone costs a trip through the event loop.
        // Each id: whether it is stored, and whether a delete withdrew it.
        let mut seen = HashSet::new();
        let mut lookups = Vec::with_capacity(events.len());
        for event in events {
            // A repeated id within the batch is stored once, as the first copy.
            let lookup = if seen.insert(event.id) {
                let key = JsValue::from_str(&event.id.to_hex());
                // Made in the order they are awaited below: idb listens for a request's
                // success only once it is awaited, so one that finished before an earlier
                // one was awaited would never be heard of, and the batch would wait for good.
                let stored = if look_up {
                    Some(stores.events.get_key(key.clone()).map_err(db::failed(OP))?)
                } else {
                    None
                };
                let withdrawn = if tombstones_stored {
                    Some(stores.deleted.get(key).map_err(db::failed(OP))?)
                } else {
                    None
                };
                Some((stored, withdrawn))
            } else {
                None
            };
            lookups.push(lookup);
        }
        let mut new = Vec::with_capacity(events.len());
        let mut already_stored = 0;
        // The tombstones of targets (§5.2) as this batch leaves them, by id. First the stored ones
        // whose claim withdraws an arriving event, with the places of those events: whether the
        // event is withdrawn is decided below, once the claims of the stored deletes this batch
        // removes are off them.
        let mut tombstones: HashMap<EventId, DeletedRecord> = HashMap::new();
        let mut claimed = Vec::new();
        for (at, (event, lookup)) in events.iter().zip(lookups).enumerate() {
            let Some((stored, deleted)) = lookup else {
                new.push(false);
                continue;
            };
            let stored = match stored {
                Some(stored) => stored.await.map_err(db::failed(OP))?.is_some(),
                None => false,
            };
            already_stored += usize::from(stored);
            let tombstone = match deleted {
                Some(deleted) => deleted.await.map_err(db::failed(OP))?,
                None => None,
            };
            let mut withdrawn = false;
            if let Some(value) = tombstone {
                let record: DeletedRecord = db::from_js(&value, DELETED)?;
                withdrawn = record.claimed_by(&event.author);
                if withdrawn && !stored {
                    claimed.push(at);
                    tombstones.insert(event.id, record);
                }
            }
            new.push(!stored && !withdrawn);
        }
        // The batch's deletes that act (`phemossa_core::deletes`: one that another delete of
        // its author in the batch withdraws does nothing, as in separate batches): what they
        // withdraw, and by whom. An event of the batch they withdraw is not stored, whatever
        // the order.
        let acting = acting_deletes(events, &new);
        // Then the tombstone of each of their targets, as stored if one is, which these deletes
        // add their claims to.
        // A node that does not hold an id cannot tell whose it is, so every author's claim on
        // it is kept until an event under it shows whose it is (`DeletedRecord::claim`): were
        // one replaced, anyone could undo a delete by naming its target too (the real author's
        // delete first, a forger's after: the deleted event would be stored when it came,
        // though a delete is never taken back, §5.2). A confirmed tombstone of another author
        // stays as it is: its target is known to be that author's. `phemossa-store` keeps one
        // tombstone per delete.
        let mut held = Vec::new();
        if tombstones_stored {
            for (event, _) in events.iter().zip(&acting).filter(|(_, acts)| **acts) {
                for target in event.deleted() {
                    let key = JsValue::from_str(&target.to_hex());
                    held.push(stores.deleted.get(key).map_err(db::failed(OP))?);
                }
            }
        }
        // Read in the order made: one per target, as the loop below meets them.
        let mut held = held.into_iter();
        for (event, _) in events.iter().zip(&acting).filter(|(_, acts)| **acts) {
            for target in event.deleted() {
                let stored = match held.next() {
                    Some(read) => read.await.map_err(db::failed(OP))?,
                    None => None,
                };
                if let Some(record) = tombstones.get_mut(target) {
                    record.claim(event.author, event.id);
                    continue;
                }
                let mut record = DeletedRecord {
                    id: *target,
                    author: event.author,
                    by: event.id,
                    confirmed: false,
                    claimants: Vec::new(),
                    claims: Vec::new(),
                };
                if let Some(value) = stored {
                    record = db::from_js(&value, DELETED)?;
                    record.claim(event.author, event.id);
                }
                tombstones.insert(*target, record);
            }
        }
        // Stored targets of those deletes, and which of them are their author's to remove.
        let mut reads = Vec::new();
        for target in tombstones.keys() {
            let key = JsValue::from_str(&target.to_hex());
            reads.push(stores.events.get(key).map_err(db::failed(OP))?);
        }
        let mut removed = Vec::new();
        for read in reads {
            if let Some(value) = read.await.map_err(db::failed(OP))? {
                let record: EventRecord = db::from_js(&value, EVENTS)?;
                if let Some(tombstone) = tombstones.get_mut(&record.id) {
                    if tombstone.confirm(&record.author) {
                        removed.push(record);
                    }
                }
            }
        }
        // What the removed deletes withdrew is forgotten (§5.2): their claims come off these
        // tombstones (as `forgotten` below takes them off the stored ones, which these overwrite)
        // before any withdraws an event, so that an event coming with the delete of the delete
        // that withdrew it is stored, as in separate batches. One with no claim left is not
        // written back. (Only a delete's id is a claim's.)
        tombstones.retain(|_, record| removed.iter().all(|gone| record.forget(&gone.id)));
        for at in claimed {
            // A delete so freed is left to the next sync: its claims were not made above.
            new[at] = events[at].deleted().is_empty();
        }
        if !tombstones.is_empty() {
            for (event, new) in events.iter().zip(new.iter_mut()) {
                if let Some(tombstone) = tombstones.get_mut(&event.id) {
                    if tombstone.confirm(&event.author) {
                        *new = false;
                    }
                }
            }
        }
        let mut current = current_profiles(&stores.profiles, events, &new).await?;
        for record in removed.iter().filter(|record| record.kind == "profile") {
            // Removed below: a new profile of the batch is the author's first again.
            current.remove(&record.author);
        }
        // Each author's totals; an author with none has no event stored yet, which the store's
        // count of authors takes.
        let authors: HashSet<PublicKey> = events
            .iter()
            .zip(&new)
            .filter(|(_, new)| **new)
            .map(|(event, _)| event.author)
            .chain(removed.iter().map(|record| record.author))
            .collect();
        let mut totals = read_totals(&author_totals, authors, OP).await?;
        // The writes are not awaited one by one: a failed one aborts the transaction with its
        // error, which the commit reports; awaiting each would cost a wake-up per event.
        // Removals first, so nothing the batch adds is removed after it; what they forget is
        // read here, after every other read, as `RemovalStores::forgotten` writes as it reads.
        let forgotten = stores.forgotten(&removed, OP).await?;
        stores.queue(&removed, forgotten, OP)?;
        for record in &removed {
            let emptied = totals.get_mut(&record.author).is_some_and(|author| {
                author.remove(record.size);
                author.events == 0
            });
            stats.remove(record, emptied, false);
        }
        for record in tombstones.values() {
            stores
                .deleted
                .put(&db::to_js(record, DELETED)?, None)
                .map_err(db::failed(OP))?;
        }
        // Posts whose terms wait for the search indexer (`Terms::Later`): one record lists them.
        let mut terms_pending = Vec::new();
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
                        put_superseded(&stores.superseded, event.id, event.author)?;
                        *new = false;
                        continue;
                    }
                    held => held.cloned(),
                };
                if let Some(held) = replaced {
                    stores
                        .events
                        .delete(Query::Key(JsValue::from_str(&held.id.to_hex())))
                        .map_err(db::failed(OP))?;
                    put_superseded(&stores.superseded, held.id, held.author)?;
                    stats.replace(held.size);
                    if let Some(author) = totals.get_mut(&held.author) {
                        author.remove(held.size);
                    }
                }
                let profile = ProfileRecord::from_event(event, profile, record.size);
                stores
                    .profiles
                    .put(&db::to_js(&profile, PROFILES)?, None)
                    .map_err(db::failed(OP))?;
                current.insert(event.author, profile);
            }
            stores
                .events
                .add(&db::to_js(&record, EVENTS)?, None)
                .map_err(db::failed(OP))?;
            if let Some(follow) = FollowRecord::from_event(event) {
                stores
                    .follows
                    .add(&db::to_js(&follow, FOLLOWS)?, None)
                    .map_err(db::failed(OP))?;
            }
            let author = totals
                .entry(event.author)
                .or_insert_with(|| AuthorTotalsRecord::empty(event.author));
            stats.add(&record, new_author);
            author.add(record.size);
            if terms == Terms::Later && record.post.is_some() {
                terms_pending.push(event.id);
            }
        }
        if !terms_pending.is_empty() {
            stats.terms_batches += 1;
            stats.terms_pending += terms_pending.len() as u64;
            let pending = TermsPendingRecord {
                seq: stats.terms_batches,
                ids: terms_pending,
            };
            open(TERMS_PENDING)?
                .put(&db::to_js(&pending, TERMS_PENDING)?, None)
                .map_err(db::failed(OP))?;
        }
        write_totals(&author_totals, &totals, OP)?;
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await?;
        Ok((new, already_stored))
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
