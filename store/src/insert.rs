//! Storing validated events, a batch in one transaction, with what profiles (protocol.md §5.1)
//! and deletes (§5.2) mean for the stored set. The rules are `background/src/storage/write.rs`'s:
//! - an id already stored, or repeated within the batch after its first copy, is not new;
//! - an event that a delete of its own author withdrew is not stored, whatever the order the two
//!   came in, and that delete's tombstone is then confirmed;
//! - a delete removes its author's stored targets (with what was derived from them) and leaves a
//!   tombstone for every target, confirmed once the target is seen to be the delete's author's;
//! - a profile is stored only if it supersedes its author's current one, which it replaces; the
//!   replaced one's id, or the older newcomer's, is remembered as superseded.
//!
//! One thing differs from `write.rs`, which keeps one tombstone per target: here a tombstone
//! is kept per target, author *and delete*, so another author's delete naming the same id can
//! neither replace nor undo it, and removing one of two deletes of a target keeps the other's.
//! (`write.rs` leaves a confirmed tombstone of another author alone, but two unconfirmed ones of
//! different authors still replace each other there.) Which of a batch's deletes act is
//! `phemossa_core::deletes::acting_deletes`, in both.
//!
//! One order effect is left: an event withdrawn by a stored delete that the same batch removes
//! is not stored by that batch, though it would be if the removal had come first. Nothing
//! withdraws it any more, so the next sync fetches and stores it.

use std::collections::{HashMap, HashSet};

use phemossa_core::deletes::acting_deletes;
use phemossa_core::profile::supersedes;
use phemossa_core::{Event, EventId};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::rows::{event_id, from_sql_timestamp, to_sql_timestamp};
use crate::{Store, StoreError};

const OP: &str = "storing events";

/// An author's 32 key bytes, as the tables hold them.
type Author = [u8; 32];

/// A tombstone's key: its target, the delete's author and the delete.
type TombstoneKey = (EventId, Author, EventId);

impl Store {
    /// Stores every event of `events` not stored yet, in one transaction, and says for each
    /// whether it was new. Only a `core::Event`, which exists only after validation or signing,
    /// can be stored. On an error nothing of the batch is stored.
    pub fn insert_batch(&mut self, events: &[Event]) -> Result<Vec<bool>, StoreError> {
        let transaction = self
            .connection
            .transaction()
            .map_err(StoreError::sqlite(OP))?;
        let new = write_batch(&transaction, events)?;
        transaction.commit().map_err(StoreError::sqlite(OP))?;
        Ok(new)
    }
}

fn write_batch(transaction: &Transaction<'_>, events: &[Event]) -> Result<Vec<bool>, StoreError> {
    let sql = |e| StoreError::sqlite(OP)(e);
    // Arriving events that stored tombstones of their author withdraw: those are confirmed.
    let (mut new, confirmed) = new_and_withdrawn(transaction, events)?;
    // The batch's acting deletes' tombstones, and whether each target was seen to be theirs.
    let acting = acting_deletes(events, &new);
    let mut tombstones: HashMap<TombstoneKey, bool> = HashMap::new();
    // Each target and author the batch's tombstones name, with their keys.
    let mut named: HashMap<(EventId, Author), Vec<TombstoneKey>> = HashMap::new();
    for event in events
        .iter()
        .zip(&acting)
        .filter_map(|(e, a)| a.then_some(e))
    {
        let author = *event.author.as_bytes();
        for target in event.deleted() {
            let key = (*target, author, event.id);
            if tombstones.insert(key, false).is_none() {
                named.entry((*target, author)).or_default().push(key);
            }
        }
    }
    // An event of the batch that a delete of its author in the batch withdraws is not stored.
    for (event, new) in events.iter().zip(new.iter_mut()) {
        if let Some(keys) = named.get(&(event.id, *event.author.as_bytes())) {
            *new = false;
            for key in keys {
                tombstones.insert(*key, true);
            }
        }
    }
    // Stored targets of those deletes that are their deleter's: removed.
    let mut removed = Vec::new();
    {
        let mut stored = transaction
            .prepare_cached("SELECT author, type FROM events WHERE id = ?1")
            .map_err(sql)?;
        for ((target, author), keys) in &named {
            let row = stored
                .query_row([target.as_bytes().as_slice()], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
                })
                .optional()
                .map_err(sql)?;
            if let Some((stored_author, kind)) = row {
                if stored_author == author {
                    for key in keys {
                        tombstones.insert(*key, true);
                    }
                    removed.push((*target, stored_author, kind));
                }
            }
        }
    }
    for (id, author, kind) in &removed {
        remove(transaction, id, author, kind)?;
    }
    for (target, author) in confirmed {
        transaction
            .execute(
                "UPDATE deleted SET confirmed = 1 WHERE id = ?1 AND author = ?2",
                params![target.as_bytes().as_slice(), author.as_slice()],
            )
            .map_err(sql)?;
    }
    for ((target, author, by), confirmed) in &tombstones {
        // A confirmation is never taken back by the same delete arriving again.
        transaction
            .execute(
                "INSERT INTO deleted (id, author, by, confirmed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id, author, by) DO UPDATE
                 SET confirmed = max(confirmed, excluded.confirmed)",
                params![
                    target.as_bytes().as_slice(),
                    author.as_slice(),
                    by.as_bytes().as_slice(),
                    confirmed
                ],
            )
            .map_err(sql)?;
    }
    store_new(transaction, events, &mut new)?;
    Ok(new)
}

/// For each event, whether it is new: not stored, not a repeat within the batch, and not
/// withdrawn by a stored tombstone of its author. Also the (target, author) of each such
/// withdrawal, whose tombstones the arrival confirms.
#[allow(clippy::type_complexity)]
fn new_and_withdrawn(
    transaction: &Transaction<'_>,
    events: &[Event],
) -> Result<(Vec<bool>, Vec<(EventId, Author)>), StoreError> {
    let sql = |e| StoreError::sqlite(OP)(e);
    let mut new = vec![false; events.len()];
    let mut confirmed = Vec::new();
    let mut stored = transaction
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
        .map_err(sql)?;
    let mut withdrawn = transaction
        .prepare_cached("SELECT 1 FROM deleted WHERE id = ?1 AND author = ?2")
        .map_err(sql)?;
    let mut seen = HashSet::new();
    for (event, new) in events.iter().zip(new.iter_mut()) {
        // A repeated id within the batch is stored once, as the first copy.
        if !seen.insert(event.id) {
            continue;
        }
        let id = event.id.as_bytes().as_slice();
        let author = event.author.as_bytes();
        let is_stored = stored.exists([id]).map_err(sql)?;
        let is_withdrawn = withdrawn
            .exists(params![id, author.as_slice()])
            .map_err(sql)?;
        if is_withdrawn {
            confirmed.push((event.id, *author));
        }
        *new = !is_stored && !is_withdrawn;
    }
    Ok((new, confirmed))
}

/// Adds the batch's new events, in order; a profile only if it supersedes its author's current
/// one, which it then replaces (§5.1).
fn store_new(
    transaction: &Transaction<'_>,
    events: &[Event],
    new: &mut [bool],
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(OP)(e);
    let mut add = transaction
        .prepare_cached(
            "INSERT INTO events (id, author, type, timestamp, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(sql)?;
    // Through the partial index of profiles: one entry per author, not every event of theirs.
    let mut current_profile = transaction
        .prepare_cached(
            "SELECT id, timestamp FROM events INDEXED BY events_profile
             WHERE author = ?1 AND type = 'profile'",
        )
        .map_err(sql)?;
    for (event, new) in events.iter().zip(new.iter_mut()).filter(|(_, new)| **new) {
        let timestamp = to_sql_timestamp(event.timestamp)?;
        let author = event.author.as_bytes().as_slice();
        if event.as_profile().is_some() {
            // Only an author's current profile is stored, so at most one row answers. Asked per
            // event: an earlier profile of the batch may be it.
            let held = current_profile
                .query_row([author], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()
                .map_err(sql)?;
            if let Some((held_id, held_timestamp)) = held {
                let held_id = event_id(held_id, "events")?;
                let held_timestamp = from_sql_timestamp(held_timestamp, "events")?;
                if !supersedes((event.timestamp, event.id), (held_timestamp, held_id)) {
                    // Valid but older than what is held: remembered, never stored.
                    put_superseded(transaction, &event.id, author)?;
                    *new = false;
                    continue;
                }
                transaction
                    .execute(
                        "DELETE FROM events WHERE id = ?1",
                        [held_id.as_bytes().as_slice()],
                    )
                    .map_err(sql)?;
                put_superseded(transaction, &held_id, author)?;
            }
        }
        add.execute(params![
            event.id.as_bytes().as_slice(),
            author,
            event.content.type_name(),
            timestamp,
            event.to_json()
        ])
        .map_err(sql)?;
    }
    Ok(())
}

/// Removes the stored event `id` with what was derived from it: the ids its author's profiles
/// superseded if it is the current profile (§5.1), the tombstones it wrote if it is a delete
/// (§5.2). Shared by deletes now, and by retention and blocks when they move here.
fn remove(
    transaction: &Transaction<'_>,
    id: &EventId,
    author: &[u8],
    kind: &str,
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite("removing events")(e);
    transaction
        .execute(
            "DELETE FROM events WHERE id = ?1",
            [id.as_bytes().as_slice()],
        )
        .map_err(sql)?;
    match kind {
        "profile" => {
            transaction
                .execute("DELETE FROM superseded WHERE author = ?1", [author])
                .map_err(sql)?;
        }
        "delete" => {
            transaction
                .execute(
                    "DELETE FROM deleted WHERE by = ?1",
                    [id.as_bytes().as_slice()],
                )
                .map_err(sql)?;
        }
        _ => {}
    }
    Ok(())
}

fn put_superseded(
    transaction: &Transaction<'_>,
    id: &EventId,
    author: &[u8],
) -> Result<(), StoreError> {
    transaction
        .execute(
            "INSERT OR REPLACE INTO superseded (id, author) VALUES (?1, ?2)",
            params![id.as_bytes().as_slice(), author],
        )
        .map_err(StoreError::sqlite(OP))?;
    Ok(())
}
