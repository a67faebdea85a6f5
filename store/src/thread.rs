//! Conversations and what a peer asks of them, through the `events_replies` index (each post's
//! `reply_to`, then (timestamp, id)): how many replies each post has, a whole thread from its
//! root down, read a level at a time, and a page of replies for a peer (protocol.md §8.10).
//! Also the `addressed` table, whom each event addresses, and a page of it for a peer's inbox
//! catch-up (§8.9). The queries of `background/src/storage/thread.rs` over IndexedDB.
//!
//! A post's ancestors are climbed through `reply_to` as far as the store holds them; what it
//! does not hold (a parent never synced, or pruned) ends the climb there.

use std::collections::HashSet;

use phemossa_core::notices::addressees;
use phemossa_core::{Event, EventId, PublicKey};
use phemossa_sync::Cursor;
use rusqlite::{params, Statement, Transaction};

use crate::feed::{feed_post, read_post_by_id, row_limit, Columns, Keys, POST_COLUMNS};
use crate::rows::StoredRow;
use crate::rows::{from_sql_timestamp, to_sql_timestamp};
use crate::{PeerPage, Store, StoreError, StoredPost, StoredThread};

const COUNT_OP: &str = "counting replies";
const THREAD_OP: &str = "reading a thread";
const SERVE_OP: &str = "reading replies for a peer";
const INBOX_OP: &str = "reading a person's inbox for a peer";
const WRITE_OP: &str = "storing whom events address";

/// Deepest climb from a post to its thread's root: deeper chains are shown from this far up.
pub const MAX_THREAD_CLIMB: usize = 64;

/// The replies index: a post's replies in (timestamp, id) order, for counts, threads and
/// peers' replies-requests. Partial: most posts reply to nothing and other events never do, so
/// only replies pay for an entry.
///
/// `addressed`: whom each event addresses (`core::notices::addressees`: a post's mentions, a
/// reaction's or a repost's original author, a follow's followee), one row per person, for a
/// peer's inbox catch-up. Keyed by the event's row (`seq`) so that its removal finds its rows
/// without an index of its own; `addressed_by_person` holds each person's in (timestamp, id)
/// order, and with the key, the `seq` to read the event by.
pub(crate) const SCHEMA: &str = "
CREATE INDEX events_replies ON events (reply_to, timestamp, id) WHERE reply_to IS NOT NULL;
CREATE TABLE addressed (
    seq INTEGER NOT NULL,
    person BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    id BLOB NOT NULL,
    PRIMARY KEY (seq, person)
) WITHOUT ROWID;
CREATE INDEX addressed_by_person ON addressed (person, timestamp, id);
";

impl Store {
    /// How many stored replies each of `ids` has, in the order given.
    pub fn reply_counts(&self, ids: &[EventId]) -> Result<Vec<u32>, StoreError> {
        let mut count = self
            .connection
            .prepare_cached(COUNT_SQL)
            .map_err(StoreError::sqlite(COUNT_OP))?;
        ids.iter()
            .map(|id| {
                let n: i64 = count
                    .query_row([id.as_bytes().as_slice()], |row| row.get(0))
                    .map_err(StoreError::sqlite(COUNT_OP))?;
                // Four billion replies cannot be stored; a count past u32 saturates, never fails.
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect()
    }

    /// The stored replies to any of `parents` strictly after `after` in (timestamp, id) order:
    /// what a peer's replies-request is answered from (§8.10). Each parent's first `limit + 1`
    /// after `after` (all a page can use, and one to know more follow), in no particular order
    /// across parents; `more` when some parent has more than that.
    ///
    /// The IndexedDB store, whose index has no id after the timestamp, read each parent from the
    /// cursor's millisecond with as many more as share it, and dropped those not after the
    /// cursor: it could give a few more events, and `more` only when the millisecond's ties were
    /// not the reason for a full read. `phemossa_sync::replies::response_from`, which keeps the
    /// first `limit` (`MAX_EVENTS_PER_MESSAGE`, what the background passes) in order, answers the
    /// same from both.
    pub fn replies_after(
        &self,
        parents: &[EventId],
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<PeerPage, StoreError> {
        let Some((from, after_id)) = lower_bound(after) else {
            return Ok(PeerPage {
                events: Vec::new(),
                more: false,
            });
        };
        let mut statement = self
            .connection
            .prepare_cached(REPLIES_AFTER_SQL)
            .map_err(StoreError::sqlite(SERVE_OP))?;
        let mut page = PeerPage {
            events: Vec::new(),
            more: false,
        };
        // A parent named twice is read once: its replies would only be dropped as repeats.
        let mut seen = HashSet::new();
        for parent in parents.iter().filter(|p| seen.insert(**p)) {
            read_page(
                &mut statement,
                params![
                    parent.as_bytes().as_slice(),
                    from,
                    after_id,
                    row_limit(limit)
                ],
                limit,
                &mut page,
                SERVE_OP,
            )?;
        }
        Ok(page)
    }

    /// The stored events addressed to `person` strictly after `after`, in (timestamp, id)
    /// order, `limit + 1` at most (one to know more follow): what a peer's inbox catch-up is
    /// answered from (§8.9). Read exactly from the cursor, as [`Store::replies_after`] is, with
    /// the same answer from `phemossa_sync::replies::inbox_response_from`.
    pub fn addressed_after(
        &self,
        person: &PublicKey,
        after: Cursor,
        limit: usize,
    ) -> Result<PeerPage, StoreError> {
        let mut page = PeerPage {
            events: Vec::new(),
            more: false,
        };
        let Some((from, after_id)) = lower_bound(Some(after)) else {
            return Ok(page);
        };
        let mut statement = self
            .connection
            .prepare_cached(ADDRESSED_AFTER_SQL)
            .map_err(StoreError::sqlite(INBOX_OP))?;
        read_page(
            &mut statement,
            params![
                person.as_bytes().as_slice(),
                from,
                after_id,
                row_limit(limit)
            ],
            limit,
            &mut page,
            INBOX_OP,
        )?;
        Ok(page)
    }

    /// The thread `id` is part of, with at most `limit` replies; `None` if `id` is not a stored
    /// post or repost.
    pub fn thread(&self, id: &EventId, limit: usize) -> Result<Option<StoredThread>, StoreError> {
        let mut keys = Keys::default();
        let Some(mut root) = read_post_by_id(self, id, &mut keys, THREAD_OP)? else {
            return Ok(None);
        };
        let mut root_is_reply = false;
        let mut climbed = HashSet::from([root.id]);
        while let Some(parent) = root.reply_to {
            // A cycle cannot be signed (an id covers its parent's), but a bound costs nothing.
            if climbed.len() > MAX_THREAD_CLIMB || !climbed.insert(parent) {
                root_is_reply = true;
                break;
            }
            match read_post_by_id(self, &parent, &mut keys, THREAD_OP)? {
                Some(post) => root = post,
                None => {
                    root_is_reply = true;
                    break;
                }
            }
        }
        let mut statement = self
            .connection
            .prepare_cached(&level_sql())
            .map_err(StoreError::sqlite(THREAD_OP))?;
        let mut replies: Vec<StoredPost> = Vec::new();
        let mut seen = HashSet::from([root.id]);
        let mut level = vec![root.id];
        let mut cut_short = false;
        while !level.is_empty() && !cut_short {
            // No parent's read is longer than could still be shown, and one more to know the
            // thread goes on: a large thread's first page costs what a small thread's does.
            let wanted = row_limit(limit - replies.len());
            let mut next = Vec::new();
            for parent in &level {
                let mut rows = statement
                    .query(params![parent.as_bytes().as_slice(), wanted])
                    .map_err(StoreError::sqlite(THREAD_OP))?;
                while let Some(row) = rows.next().map_err(StoreError::sqlite(THREAD_OP))? {
                    let post = feed_post(row, &mut keys, THREAD_OP)?;
                    if seen.insert(post.id) {
                        next.push(post);
                    }
                }
            }
            if replies.len() + next.len() > limit {
                next.truncate(limit - replies.len());
                cut_short = true;
            }
            level = next.iter().map(|post| post.id).collect();
            replies.extend(next);
        }
        Ok(Some(StoredThread {
            root,
            root_is_reply,
            replies,
            cut_short,
        }))
    }
}

/// How many replies event ?1 has.
pub(crate) const COUNT_SQL: &str =
    "SELECT count(*) FROM events INDEXED BY events_replies WHERE reply_to = ?1";

/// The replies to ?1 strictly after (?2, ?3), ?4 at most.
pub(crate) const REPLIES_AFTER_SQL: &str = "
    SELECT timestamp, id, json FROM events INDEXED BY events_replies
    WHERE reply_to = ?1 AND timestamp >= ?2 AND (timestamp > ?2 OR id > ?3)
    ORDER BY timestamp, id LIMIT ?4";

/// The events addressing ?1 strictly after (?2, ?3), ?4 at most.
pub(crate) const ADDRESSED_AFTER_SQL: &str = "
    SELECT a.timestamp, a.id, e.json
    FROM addressed a INDEXED BY addressed_by_person
    JOIN events e ON e.seq = a.seq
    WHERE a.person = ?1 AND a.timestamp >= ?2 AND (a.timestamp > ?2 OR a.id > ?3)
    ORDER BY a.timestamp, a.id LIMIT ?4";

/// The first ?2 replies to ?1, as posts.
pub(crate) fn level_sql() -> String {
    format!(
        "SELECT {POST_COLUMNS} FROM events e INDEXED BY events_replies
         WHERE e.reply_to = ?1 ORDER BY e.timestamp, e.id LIMIT ?2"
    )
}

/// Whom the event of row ?1 addressed.
pub(crate) const REMOVE_ADDRESSED_SQL: &str = "DELETE FROM addressed WHERE seq = ?1";

/// The (timestamp, id) a peer's page starts strictly after: with no cursor, before every event
/// (timestamp -1 and the empty id). `None` for a cursor past the largest timestamp the store can
/// hold, after which nothing is stored.
fn lower_bound(after: Option<Cursor>) -> Option<(i64, Vec<u8>)> {
    match after {
        Some(cursor) => to_sql_timestamp(cursor.timestamp)
            .ok()
            .map(|timestamp| (timestamp, cursor.id.as_bytes().to_vec())),
        None => Some((-1, Vec::new())),
    }
}

/// Adds the (timestamp, id, json) rows `statement` gives for `params` to `page`; a read of
/// `limit + 1` says more follow.
fn read_page(
    statement: &mut Statement<'_>,
    params: impl rusqlite::Params,
    limit: usize,
    page: &mut PeerPage,
    op: &'static str,
) -> Result<(), StoreError> {
    let mut rows = statement.query(params).map_err(StoreError::sqlite(op))?;
    let mut read = 0;
    while let Some(row) = rows.next().map_err(StoreError::sqlite(op))? {
        let columns = Columns { row, op };
        let at = Cursor {
            timestamp: from_sql_timestamp(columns.integer(0)?, "events")?,
            id: columns.id(1)?,
        };
        page.events.push((at, columns.text(2)?.into_bytes()));
        read += 1;
    }
    page.more |= read > limit;
    Ok(())
}

/// `event`, stored as row `seq`: the people it addresses, each a row of `addressed`.
pub(crate) fn added(
    transaction: &Transaction<'_>,
    event: &Event,
    seq: i64,
) -> Result<(), StoreError> {
    let people = addressees(event);
    if people.is_empty() {
        return Ok(());
    }
    let timestamp = to_sql_timestamp(event.timestamp)?;
    let mut add = transaction
        .prepare_cached(
            "INSERT INTO addressed (seq, person, timestamp, id) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(StoreError::sqlite(WRITE_OP))?;
    for person in people {
        add.execute(params![
            seq,
            person.as_bytes().as_slice(),
            timestamp,
            event.id.as_bytes().as_slice()
        ])
        .map_err(StoreError::sqlite(WRITE_OP))?;
    }
    Ok(())
}

/// `row` was taken off `events`: so are whom it addressed. Only the kinds that address anyone
/// are looked for (a replaced profile or a removed delete never did).
pub(crate) fn removed(transaction: &Transaction<'_>, row: &StoredRow) -> Result<(), StoreError> {
    if !matches!(
        row.kind.as_str(),
        "post" | "image_post" | "reaction" | "repost" | "follow"
    ) {
        return Ok(());
    }
    transaction
        .prepare_cached(REMOVE_ADDRESSED_SQL)
        .and_then(|mut delete| delete.execute([row.seq]))
        .map_err(StoreError::sqlite("removing whom events address"))?;
    Ok(())
}
