//! Retention and room: which stored events of people the user does not keep a pruning pass
//! removes (`phemossa_core::retention`), removing them counted as pruned, and whether storage
//! has room for more (`phemossa_core::room`). The queries of the background's
//! `storage/prune.rs` (with the scan `pruning.rs` makes through `pages.rs`) and `storage/room.rs`.

use std::collections::HashMap;

use phemossa_core::retention::{plan_prune, PrunePlan, RetentionSettings, StoredEvent};
use phemossa_core::room::Room;
use phemossa_core::{EventId, PublicKey};
use rusqlite::Transaction;

use crate::derived::Batch;
use crate::insert::{remove, stored_row};
use crate::rows::{author_key, event_id, from_sql_timestamp, Author};
use crate::{Store, StoreError};

const SCAN_OP: &str = "reading stored events for retention";
const PRUNE_OP: &str = "pruning events";

/// Events removed per transaction by [`Store::prune`], as the background's pruner deletes them
/// (`pruning.rs`' `DELETE_BATCH`): a long prune never holds the store for long.
pub const PRUNE_BATCH: usize = 500;

/// Removes those of `ids` still stored, each with what was derived from it (`insert::remove`);
/// returns how many were stored. Shared by retention and blocks, which differ only in what the
/// totals count.
pub(crate) fn remove_events(
    transaction: &Transaction<'_>,
    ids: &[EventId],
) -> Result<u64, StoreError> {
    let mut removed = 0;
    let mut batch = Batch::default();
    for id in ids {
        // An id named twice, or removed since it was chosen, is found once or not at all.
        if let Some(row) = stored_row(transaction, id)? {
            remove(transaction, &mut batch, &row)?;
            removed += 1;
        }
    }
    batch.finish(transaction)?;
    Ok(removed)
}

impl Store {
    /// What a pruning pass at `now_ms` removes under `settings`: every stored event of the
    /// authors `kept` says no to, oldest first past the cutoff and then past the size limit
    /// (`phemossa_core::retention::plan_prune`, on every stored event as the background scans
    /// them). `kept` is asked once per distinct author, not per event.
    pub fn plan_prune(
        &self,
        kept: impl Fn(&PublicKey) -> bool,
        settings: &RetentionSettings,
        now_ms: u64,
    ) -> Result<PrunePlan, StoreError> {
        let sql = |e| StoreError::sqlite(SCAN_OP)(e);
        let mut statement = self
            .connection
            .prepare_cached("SELECT id, author, timestamp, size FROM events")
            .map_err(sql)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .map_err(sql)?;
        // Each author's key, checked once (a key is a curve point to decompress, about 10 µs),
        // `None` for those kept, whose events are never pruned.
        let mut others: HashMap<Author, Option<PublicKey>> = HashMap::new();
        let mut candidates = Vec::new();
        for row in rows {
            let (id, author, timestamp, size) = row.map_err(sql)?;
            let author = author_key(author, "events")?;
            let other = match others.get(&author) {
                Some(other) => *other,
                None => {
                    let key = PublicKey::from_bytes(author, "stored key").map_err(|error| {
                        StoreError::CorruptRow {
                            table: "events",
                            reason: error.to_string(),
                        }
                    })?;
                    let other = (!kept(&key)).then_some(key);
                    others.insert(author, other);
                    other
                }
            };
            let Some(author) = other else { continue };
            candidates.push(StoredEvent {
                id: event_id(id, "events")?,
                author,
                timestamp: from_sql_timestamp(timestamp, "events")?,
                size: u64::try_from(size).map_err(|_| StoreError::CorruptRow {
                    table: "events",
                    reason: format!("size {size}"),
                })?,
            });
        }
        Ok(plan_prune(&candidates, kept, settings, now_ms))
    }

    /// Removes those of `ids` still stored, each with what was derived from it, in one
    /// transaction, counted as pruned (`Storage::delete_events`); returns how many were stored.
    pub fn prune_events(&mut self, ids: &[EventId]) -> Result<u64, StoreError> {
        let transaction = self
            .connection
            .transaction()
            .map_err(StoreError::sqlite(PRUNE_OP))?;
        let removed = remove_events(&transaction, ids)?;
        crate::totals::count_pruned(&transaction, removed)?;
        transaction.commit().map_err(StoreError::sqlite(PRUNE_OP))?;
        Ok(removed)
    }

    /// One pruning pass (`Pruner::prune_pass` less the blob sweep, which is the blobs'):
    /// [`Store::plan_prune`], then its events removed [`PRUNE_BATCH`] a transaction. Returns
    /// how many went. A failure keeps what earlier transactions removed, as the background's
    /// batches do; the next pass plans again.
    pub fn prune(
        &mut self,
        kept: impl Fn(&PublicKey) -> bool,
        settings: &RetentionSettings,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        let plan = self.plan_prune(kept, settings, now_ms)?;
        let mut removed = 0;
        for batch in plan.remove.chunks(PRUNE_BATCH) {
            removed += self.prune_events(batch)?;
        }
        Ok(removed)
    }

    /// Whether there is room to store more (`Storage::check_room`): `phemossa_core::room`'s
    /// rule over the free space the browser reports (`navigator.storage.estimate()`'s `quota`
    /// less its `usage`, which counts the store's files in the origin private file system) and
    /// the bytes of event JSON stored now, from the running totals. `room` is the rule's
    /// memory between checks, which the caller keeps (the background keeps it beside its
    /// store). Where the browser does not say, the caller skips the check, as today.
    pub fn has_room(&self, room: &mut Room, usage: u64, quota: u64) -> Result<bool, StoreError> {
        let stored = self.totals()?.bytes;
        Ok(room.has_room(quota.saturating_sub(usage), stored))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use phemossa_core::{Content, Event, Identity, Post};

    use crate::derived::Batch;
    use crate::insert::{remove, stored_row};
    use crate::totals::count_pruned;
    use crate::{AuthorTotals, Store, Totals};

    fn post(author: &Identity, timestamp: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("at {timestamp}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(author, timestamp, content).unwrap()
    }

    /// Retention and blocks take an author's last events off, which a
    /// delete never does (the delete itself stays): the author then no longer counts, and
    /// retention's removals count as pruned.
    #[test]
    fn removing_an_authors_last_events_takes_them_off_the_authors() {
        let (alice, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
        let alices = [post(&alice, 1), post(&alice, 2)];
        let bobs = post(&bob, 3);
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&alices).unwrap();
        store.insert_batch(std::slice::from_ref(&bobs)).unwrap();
        assert_eq!(store.totals().unwrap().authors, 2);
        let transaction = store.connection.transaction().unwrap();
        let mut batch = Batch::default();
        for event in &alices {
            let row = stored_row(&transaction, &event.id).unwrap().unwrap();
            remove(&transaction, &mut batch, &row).unwrap();
        }
        batch.finish(&transaction).unwrap();
        count_pruned(&transaction, 2).unwrap();
        transaction.commit().unwrap();
        let size = bobs.to_json().len() as u64;
        assert_eq!(
            store.totals().unwrap(),
            Totals {
                events: 1,
                posts: 1,
                authors: 1,
                bytes: size,
                pruned: 2,
            }
        );
        assert_eq!(
            store.author_totals().unwrap(),
            [AuthorTotals {
                author: bob.public_key(),
                events: 1,
                bytes: size,
            }]
        );
        assert_eq!(
            store
                .stored_bytes_of(&[alice.public_key(), bob.public_key()])
                .unwrap(),
            [0, size]
        );
        // Alice back: counted as a new author again.
        store.insert_batch(&[post(&alice, 4)]).unwrap();
        assert_eq!(store.totals().unwrap().authors, 2);
    }
}
