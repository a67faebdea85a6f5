//! Storing validated events, a batch in one transaction, with what profiles (protocol.md §5.1)
//! and deletes (§5.2) mean for the stored set. The rules are `background/src/storage/write.rs`'s:
//! - an id already stored, or repeated within the batch after its first copy, is not new;
//! - an event that a delete of its own author withdrew is not stored, whatever the order the two
//!   came in, and that delete's tombstone is then confirmed;
//! - a delete removes its author's stored targets (with what was derived from them) and leaves a
//!   tombstone for every target, confirmed once the target is seen to be the delete's author's;
//! - a profile is stored only if it supersedes its author's current one, which it replaces; the
//!   replaced one's id, or the older newcomer's, is remembered as superseded.

use std::collections::{HashMap, HashSet};

use phemossa_core::profile::supersedes;
use phemossa_core::{Event, EventId};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::rows::{event_id, from_sql_timestamp, to_sql_timestamp};
use crate::{Store, StoreError};

const OP: &str = "storing events";

/// A tombstone as the `deleted` table holds it.
struct Tombstone {
    author: [u8; 32],
    by: EventId,
    confirmed: bool,
}

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
    let mut new = vec![false; events.len()];
    // Unconfirmed tombstones whose target arrived as its deleter's: confirmed below.
    let mut confirmed = Vec::new();
    {
        let mut stored = transaction
            .prepare_cached("SELECT 1 FROM events WHERE id = ?1")
            .map_err(sql)?;
        let mut tombstone = transaction
            .prepare_cached("SELECT author, by, confirmed FROM deleted WHERE id = ?1")
            .map_err(sql)?;
        let mut seen = HashSet::new();
        for (event, new) in events.iter().zip(new.iter_mut()) {
            // A repeated id within the batch is stored once, as the first copy.
            if !seen.insert(event.id) {
                continue;
            }
            let id = event.id.as_bytes().as_slice();
            let is_stored = stored.exists([id]).map_err(sql)?;
            let withdrawn = match tombstone
                .query_row([id], |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, Vec<u8>>(1)?,
                        row.get::<_, bool>(2)?,
                    ))
                })
                .optional()
                .map_err(sql)?
            {
                Some((author, by, was_confirmed)) if author == event.author.as_bytes() => {
                    if !was_confirmed {
                        confirmed.push((
                            event.id,
                            Tombstone {
                                author: *event.author.as_bytes(),
                                by: event_id(by, "deleted")?,
                                confirmed: true,
                            },
                        ));
                    }
                    true
                }
                _ => false,
            };
            *new = !is_stored && !withdrawn;
        }
    }
    // The batch's own deletes: each target's tombstone, the last delete naming it winning.
    let mut tombstones: HashMap<EventId, Tombstone> = HashMap::new();
    for (event, _) in events.iter().zip(&new).filter(|(_, new)| **new) {
        for target in event.deleted() {
            tombstones.insert(
                *target,
                Tombstone {
                    author: *event.author.as_bytes(),
                    by: event.id,
                    confirmed: false,
                },
            );
        }
    }
    // An event of the batch that a delete of its author in the batch withdraws is not stored.
    for (event, new) in events.iter().zip(new.iter_mut()) {
        if let Some(tombstone) = tombstones.get_mut(&event.id) {
            if tombstone.author == *event.author.as_bytes() {
                *new = false;
                tombstone.confirmed = true;
            }
        }
    }
    // Stored targets of those deletes that are their deleter's: removed.
    let mut removed = Vec::new();
    {
        let mut stored = transaction
            .prepare_cached("SELECT author, type FROM events WHERE id = ?1")
            .map_err(sql)?;
        for (target, tombstone) in tombstones.iter_mut() {
            let row = stored
                .query_row([target.as_bytes().as_slice()], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
                })
                .optional()
                .map_err(sql)?;
            if let Some((author, kind)) = row {
                if author == tombstone.author {
                    tombstone.confirmed = true;
                    removed.push((*target, author, kind));
                }
            }
        }
    }
    for (id, author, kind) in &removed {
        remove(transaction, id, author, kind)?;
    }
    // Written whole, after the removals, as `write.rs` puts them: one whose delete was just
    // removed is written again, so what it withdrew stays withdrawn.
    let mut written = Vec::new();
    for (id, tombstone) in confirmed {
        match tombstones.get_mut(&id) {
            // Named again by a delete of the batch: that one is written, confirmed.
            Some(again) => again.confirmed = true,
            None => written.push((id, tombstone)),
        }
    }
    for (target, tombstone) in written.iter().map(|(id, t)| (id, t)).chain(&tombstones) {
        transaction
            .execute(
                "INSERT OR REPLACE INTO deleted (id, author, by, confirmed) VALUES (?1, ?2, ?3, ?4)",
                params![
                    target.as_bytes().as_slice(),
                    tombstone.author.as_slice(),
                    tombstone.by.as_bytes().as_slice(),
                    tombstone.confirmed
                ],
            )
            .map_err(sql)?;
    }
    let mut add = transaction
        .prepare_cached(
            "INSERT INTO events (id, author, type, timestamp, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(sql)?;
    let mut current_profile = transaction
        .prepare_cached("SELECT id, timestamp FROM events WHERE author = ?1 AND type = 'profile'")
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
    Ok(new)
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
