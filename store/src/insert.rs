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
//! One thing differs from `write.rs`, which keeps one tombstone record per target with every
//! author's claim on it (the delete of each that came last): here a tombstone is kept per target,
//! author *and delete*, so another author's delete naming the same id can neither replace nor
//! undo it (as in `write.rs`), and removing one of an author's two deletes of a target keeps
//! the other's (`write.rs` forgets the target when that author's latest delete goes). Which of
//! a batch's deletes act is `phemossa_core::deletes::acting_deletes`, in both.
//!
//! One order effect is left: an event withdrawn by a stored delete that the same batch removes
//! is not stored by that batch, though it would be if the removal had come first. Nothing
//! withdraws it any more, so the next sync fetches and stores it.

use std::collections::{HashMap, HashSet};

use phemossa_core::deletes::acting_deletes;
use phemossa_core::profile::supersedes;
use phemossa_core::{Content, Event, EventId};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::derived::{self, Batch};
use crate::rows::StoredRow;
use crate::rows::{author_key, event_id, from_sql_timestamp, to_sql_timestamp, Author};
use crate::{Store, StoreError};

const OP: &str = "storing events";

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
    for ((target, author), keys) in &named {
        if let Some(row) = stored_row(transaction, target)? {
            if row.author == *author {
                for key in keys {
                    tombstones.insert(*key, true);
                }
                removed.push(row);
            }
        }
    }
    let mut batch = Batch::default();
    for row in &removed {
        remove(transaction, &mut batch, row)?;
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
    store_new(transaction, &mut batch, events, &mut new)?;
    batch.finish(transaction)?;
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
    batch: &mut Batch,
    events: &[Event],
    new: &mut [bool],
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(OP)(e);
    derived::storing(transaction)?;
    let mut add = transaction
        .prepare_cached(
            "INSERT INTO events (id, author, type, timestamp, json, size, in_feed, reply_to,
                                 reaction_target, repost_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(sql)?;
    // Through the partial index of profiles: one entry per author, not every event of theirs.
    let mut current_profile = transaction
        .prepare_cached(
            "SELECT id FROM events INDEXED BY events_profile
             WHERE author = ?1 AND type = 'profile'",
        )
        .map_err(sql)?;
    for (event, new) in events.iter().zip(new.iter_mut()).filter(|(_, new)| **new) {
        let author = event.author.as_bytes().as_slice();
        if event.as_profile().is_some() {
            // Only an author's current profile is stored, so at most one row answers. Asked per
            // event: an earlier profile of the batch may be it.
            let held = current_profile
                .query_row([author], |row| row.get::<_, Vec<u8>>(0))
                .optional()
                .map_err(sql)?;
            let held = match held {
                Some(id) => stored_row(transaction, &event_id(id, "events")?)?,
                None => None,
            };
            if let Some(held) = held {
                if !supersedes((event.timestamp, event.id), (held.timestamp, held.id)) {
                    // Valid but older than what is held: remembered, never stored.
                    put_superseded(transaction, &event.id, author)?;
                    *new = false;
                    continue;
                }
                // Replaced, not removed: the ids its author's profiles superseded stay held.
                transaction
                    .execute("DELETE FROM events WHERE seq = ?1", [held.seq])
                    .map_err(sql)?;
                derived::removed(transaction, batch, &held)?;
                put_superseded(transaction, &held.id, author)?;
            }
        }
        let columns = EventColumns::of(event)?;
        add.execute(params![
            event.id.as_bytes().as_slice(),
            author,
            event.content.type_name(),
            columns.timestamp,
            columns.json,
            columns.size,
            columns.in_feed,
            columns.reply_to.as_ref().map(|id| id.as_bytes().as_slice()),
            columns
                .reaction_target
                .as_ref()
                .map(|id| id.as_bytes().as_slice()),
            columns
                .repost_of
                .as_ref()
                .map(|id| id.as_bytes().as_slice()),
        ])
        .map_err(sql)?;
        let seq = transaction.last_insert_rowid();
        derived::added(transaction, batch, event, seq, columns.size)?;
    }
    Ok(())
}

/// The fields of an event's row besides its id, author and type (see `schema::EVENTS`).
struct EventColumns {
    timestamp: i64,
    json: String,
    size: i64,
    in_feed: bool,
    reply_to: Option<EventId>,
    reaction_target: Option<EventId>,
    repost_of: Option<EventId>,
}

impl EventColumns {
    fn of(event: &Event) -> Result<Self, StoreError> {
        let json = event.to_json();
        // A validated event's JSON is at most 64 KiB (core's limits), far inside an i64.
        let size = i64::try_from(json.len()).unwrap_or(i64::MAX);
        Ok(Self {
            timestamp: to_sql_timestamp(event.timestamp)?,
            json,
            size,
            in_feed: matches!(
                event.content,
                Content::Post(_) | Content::ImagePost(_) | Content::Repost(_)
            ),
            reply_to: event.as_post().and_then(|post| post.reply_to),
            reaction_target: event.as_reaction().map(|reaction| reaction.target),
            repost_of: event.as_repost().map(|original| original.id),
        })
    }
}

/// The stored row of `id`, as removals need it.
pub(crate) fn stored_row(
    transaction: &Transaction<'_>,
    id: &EventId,
) -> Result<Option<StoredRow>, StoreError> {
    let mut read = transaction
        .prepare_cached("SELECT seq, author, type, timestamp, size FROM events WHERE id = ?1")
        .map_err(StoreError::sqlite(OP))?;
    let row = read
        .query_row([id.as_bytes().as_slice()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .map_err(StoreError::sqlite(OP))?;
    let Some((seq, author, kind, timestamp, size)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredRow {
        seq,
        id: *id,
        author: author_key(author, "events")?,
        kind,
        timestamp: from_sql_timestamp(timestamp, "events")?,
        size: u64::try_from(size).map_err(|_| StoreError::CorruptRow {
            table: "events",
            reason: format!("size {size}"),
        })?,
    }))
}

/// Removes the stored event `row` with what was derived from it: the ids its author's profiles
/// superseded if it is the current profile (§5.1), the tombstones it wrote if it is a delete
/// (§5.2), and each concern's rows (`derived::removed`). Shared by deletes now, and by retention
/// and blocks when they move here.
pub(crate) fn remove(
    transaction: &Transaction<'_>,
    batch: &mut Batch,
    row: &StoredRow,
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite("removing events")(e);
    transaction
        .execute("DELETE FROM events WHERE seq = ?1", [row.seq])
        .map_err(sql)?;
    match row.kind.as_str() {
        "profile" => {
            transaction
                .execute(
                    "DELETE FROM superseded WHERE author = ?1",
                    [row.author.as_slice()],
                )
                .map_err(sql)?;
        }
        "delete" => {
            transaction
                .execute(
                    "DELETE FROM deleted WHERE by = ?1",
                    [row.id.as_bytes().as_slice()],
                )
                .map_err(sql)?;
        }
        _ => {}
    }
    derived::removed(transaction, batch, row)
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
