//! What is news for the user: a reply to their post, a mention of them, a reaction to or a
//! repost of their event, or someone starting to follow them (`phemossa_core::notices`, whose
//! rules these are). Written as events are stored (`derived::added`), taken back with them
//! (`derived::removed`), read newest first, marked read, and kept to the newest
//! [`MAX_NOTIFICATIONS`]. The queries of `background/src/storage/notifications.rs`, with what
//! `background/src/notifications.rs` (`record`) decides before writing them.
//!
//! Whose news it is: the store is told the user's key ([`Store::set_user`]), as the background
//! holds it (`User::public_key`, read from its identity database at start and swapped by a
//! restore). It is kept in the file, so a store opened again knows it; until it is told, nothing
//! is news.
//!
//! The background decides a batch's notices after the whole batch is stored; here each event is
//! decided as it is stored, so what depends on the rest of its batch is asked of the batch:
//! - a reply is to the user's post if that post is stored by the end of the batch, so when a
//!   post of the user's is stored, the replies to it that came earlier in the batch are decided
//!   again;
//! - a follow is news if its author did not follow the user before the batch (their follow
//!   records stored by earlier batches decide it), and only their first in the batch.
//!
//! What is a batch: `insert.rs` tells the hooks when a batch's new events start to be stored
//! (`derived::storing`); [`batch_starting`] notes the first `seq` the batch can have in
//! `notice_batch` (`events.seq` is AUTOINCREMENT, so every row stored before has a smaller one)
//! and forgets the last batch's `notice_told`.

use phemossa_core::notices::{addressees, notice_of, parent_needed, Notice};
use phemossa_core::{Content, Event, EventId, FollowRecord, PublicKey};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use crate::rows::StoredRow;
use crate::rows::{event_id, from_sql_timestamp, public_key, to_sql_timestamp};
use crate::{Notification, NotificationKind, Store, StoreError};

const ADD_OP: &str = "storing notifications";
const READ_OP: &str = "reading notifications";
const MARK_OP: &str = "marking notifications read";
const REMOVE_OP: &str = "removing notifications";
const USER_OP: &str = "saving whose store this is";

/// Most notifications kept: the oldest go past it. A year of a busy person's news.
pub const MAX_NOTIFICATIONS: u32 = 1_000;

/// Most unread notifications read to count them (the badge says "99+" well before).
const MAX_UNREAD_READ: u32 = MAX_NOTIFICATIONS;

/// Characters of a reply's or mention's text a notification carries.
pub const SNIPPET_CHARS: usize = 140;

/// Version 1's notifications, appended to `schema::V1`.
///
/// - `notifications`, by the event that is the news (its id), at most [`MAX_NOTIFICATIONS`]
///   rows: `notifications_by_time` reads them newest first and finds the oldest past the cap;
///   the partial `notifications_unread` lists the unread ones in id order, as IndexedDB's sparse
///   `unread` index did, so counting them reads no read ones. The table is that small, so its
///   indexes cost little; what keeps the insert path cheap is that an event writes a row only
///   when it is news for the user.
/// - `store_user`: whose store this is (one row).
/// - `notice_batch` (one row) and `notice_told`: the batch being stored, for the rules that ask
///   it (see the module's doc). Written once per batch that needs them, and per follow notice.
pub(crate) const SCHEMA: &str = "
CREATE TABLE notifications (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    sender BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    post BLOB,
    text TEXT,
    emoji TEXT,
    unread INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX notifications_by_time ON notifications (timestamp, id);
CREATE INDEX notifications_unread ON notifications (id) WHERE unread = 1;
CREATE TABLE store_user (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    key BLOB NOT NULL
);
CREATE TABLE notice_batch (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    first_seq INTEGER NOT NULL
);
CREATE TABLE notice_told (
    author BLOB PRIMARY KEY
) WITHOUT ROWID;
";

/// The notification `notice` about `event` makes, unread (`background/src/notifications.rs`'
/// `record_of`).
fn notification_of(event: &Event, notice: Notice) -> Notification {
    let snippet = || {
        event
            .as_post()
            .map(|post| post.text.chars().take(SNIPPET_CHARS).collect::<String>())
    };
    let (kind, post, text, emoji) = match notice {
        Notice::Reply { .. } => (NotificationKind::Reply, Some(event.id), snippet(), None),
        Notice::Mention => (NotificationKind::Mention, Some(event.id), snippet(), None),
        Notice::Reaction { to, emoji } => (NotificationKind::Reaction, Some(to), None, Some(emoji)),
        Notice::Repost { of } => (NotificationKind::Repost, Some(of), None, None),
        Notice::Follow => (NotificationKind::Follow, None, None, None),
    };
    Notification {
        id: event.id,
        kind,
        from: event.author,
        timestamp: event.timestamp,
        post,
        text,
        emoji,
        unread: true,
    }
}

/// The columns a notification is read back from, in this order.
const COLUMNS: &str = "id, kind, sender, timestamp, post, text, emoji, unread";

impl Store {
    /// Tells the store whose it is: events stored from now on are news, or not, for `user`.
    /// The background calls it at every start and after a restore swaps the identity;
    /// notifications already stored stay, as they do in IndexedDB.
    pub fn set_user(&mut self, user: &PublicKey) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO store_user (one, key) VALUES (1, ?1)
                 ON CONFLICT (one) DO UPDATE SET key = excluded.key",
                [user.as_bytes().as_slice()],
            )
            .map_err(StoreError::sqlite(USER_OP))?;
        Ok(())
    }

    /// Whose store this is, if it was told ([`Store::set_user`]).
    pub fn user(&self) -> Result<Option<PublicKey>, StoreError> {
        let key = stored_user(&self.connection)?;
        key.map(|key| public_key(key.to_vec(), "store_user"))
            .transpose()
    }

    /// The newest `limit` notifications, newest first: by timestamp, then by id, both
    /// descending (the order of IndexedDB's `timestamp` index read backwards).
    pub fn notifications(&self, limit: usize) -> Result<Vec<Notification>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM notifications INDEXED BY notifications_by_time
                 ORDER BY timestamp DESC, id DESC LIMIT ?1"
            ))
            .map_err(StoreError::sqlite(READ_OP))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement
            .query_map([limit], |row| Ok(read_row(row)))
            .map_err(StoreError::sqlite(READ_OP))?;
        rows.map(|row| row.map_err(StoreError::sqlite(READ_OP))?)
            .collect()
    }

    /// Every unread notification (at most 1,000), in id order, for the count.
    pub fn unread_notifications(&self) -> Result<Vec<Notification>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM notifications INDEXED BY notifications_unread
                 WHERE unread = 1 ORDER BY id LIMIT ?1"
            ))
            .map_err(StoreError::sqlite(READ_OP))?;
        let rows = statement
            .query_map([MAX_UNREAD_READ], |row| Ok(read_row(row)))
            .map_err(StoreError::sqlite(READ_OP))?;
        rows.map(|row| row.map_err(StoreError::sqlite(READ_OP))?)
            .collect()
    }

    /// Marks every notification read.
    pub fn mark_notifications_read(&mut self) -> Result<(), StoreError> {
        self.connection
            .execute("UPDATE notifications SET unread = 0 WHERE unread = 1", [])
            .map_err(StoreError::sqlite(MARK_OP))?;
        Ok(())
    }

    /// Drops the notifications of `ids`. Those of removed events already went with them
    /// (`derived::removed`), so the background's clean-up at each page read finds none; kept
    /// for what else a caller may want gone.
    pub fn remove_notifications(&mut self, ids: &[EventId]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let transaction = self
            .connection
            .transaction()
            .map_err(StoreError::sqlite(REMOVE_OP))?;
        for id in ids {
            remove(&transaction, id)?;
        }
        transaction.commit().map_err(StoreError::sqlite(REMOVE_OP))
    }
}

/// A notification row, or why it is damaged.
fn read_row(row: &Row<'_>) -> Result<Notification, StoreError> {
    let sql = |e| StoreError::sqlite(READ_OP)(e);
    let kind: String = row.get(1).map_err(sql)?;
    let timestamp: i64 = row.get(3).map_err(sql)?;
    let post: Option<Vec<u8>> = row.get(4).map_err(sql)?;
    Ok(Notification {
        id: event_id(row.get(0).map_err(sql)?, "notifications")?,
        kind: NotificationKind::of_name(&kind).ok_or_else(|| StoreError::CorruptRow {
            table: "notifications",
            reason: format!("kind {kind:?}"),
        })?,
        from: public_key(row.get(2).map_err(sql)?, "notifications")?,
        timestamp: from_sql_timestamp(timestamp, "notifications")?,
        post: post.map(|id| event_id(id, "notifications")).transpose()?,
        text: row.get(5).map_err(sql)?,
        emoji: row.get(6).map_err(sql)?,
        unread: row.get::<_, i64>(7).map_err(sql)? == 1,
    })
}

/// The user's key as stored, unchecked: compared with authors' bytes on the insert path, where
/// decoding it for every event would cost more than the comparison.
fn stored_user(connection: &rusqlite::Connection) -> Result<Option<[u8; 32]>, StoreError> {
    let key: Option<Vec<u8>> = connection
        .prepare_cached("SELECT key FROM store_user WHERE one = 1")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map_err(StoreError::sqlite(READ_OP))?;
    key.map(|key| {
        key.try_into()
            .map_err(|key: Vec<u8>| StoreError::CorruptRow {
                table: "store_user",
                reason: format!("a key of {} bytes", key.len()),
            })
    })
    .transpose()
}

/// `event` was stored as row `seq`: writes its notification if it is news for the user.
/// Profiles and deletes are never news and cost nothing; other events read whose store this is,
/// and only those that concern the user (a reply, or one addressing or following them) or are
/// the user's own posts cost more.
pub(crate) fn added(
    transaction: &Transaction<'_>,
    event: &Event,
    seq: i64,
) -> Result<(), StoreError> {
    if matches!(event.content, Content::Profile(_) | Content::Delete { .. }) {
        return Ok(());
    }
    let Some(me) = stored_user(transaction)? else {
        return Ok(());
    };
    if *event.author.as_bytes() == me {
        // The user's own events are never news; but a post of theirs makes the replies to it
        // earlier in the batch replies to the user.
        if event.as_post().is_some() {
            replies_before(transaction, event, seq, &me)?;
        }
        return Ok(());
    }
    let names_me = |key: &PublicKey| *key.as_bytes() == me;
    let follows_me = FollowRecord::from_event(event).is_some_and(|r| names_me(&r.followee));
    let addresses_me = addressees(event).iter().any(names_me);
    // A reply concerns the user if its parent is theirs by the end of the batch: known now if
    // the parent is stored; otherwise it may still come later in this batch
    // (`replies_before`).
    let parent_is_mine = match parent_needed(event) {
        Some(parent) => match author_of(transaction, &parent)? {
            Some(author) => author == me,
            None => false,
        },
        None => false,
    };
    if !parent_is_mine && !addresses_me && !follows_me {
        return Ok(());
    }
    // Decoded only for an event that concerns the user: checking a key costs more than the
    // rest of this hook.
    let me = public_key(me.to_vec(), "store_user")?;
    if follows_me {
        let first = batch_first(transaction)?;
        if let Some(Notice::Follow) = notice_of(event, &me, None) {
            // A new follower is news once: not a follow of someone who already followed the
            // user before the batch (the same edge signed again, as a follow announced with
            // proof of work is, §8.9), and only their first of the batch.
            if followed_before(transaction, &event.author, &me, first)?
                || !first_told(transaction, &event.author)?
            {
                return Ok(());
            }
            return put(transaction, &notification_of(event, Notice::Follow));
        }
        return Ok(());
    }
    // A parent stored but not the user's decides nothing `None` does not.
    match notice_of(event, &me, parent_is_mine.then_some(&me)) {
        Some(notice) => put(transaction, &notification_of(event, notice)),
        None => Ok(()),
    }
}

/// `row` was taken off `events`: its notification, if it was news, goes with it (the
/// background drops it only when a page read finds its event gone).
pub(crate) fn removed(transaction: &Transaction<'_>, row: &StoredRow) -> Result<(), StoreError> {
    if !matches!(
        row.kind.as_str(),
        "post" | "image_post" | "reaction" | "repost" | "follow"
    ) {
        return Ok(());
    }
    remove(transaction, &row.id)
}

fn remove(transaction: &Transaction<'_>, id: &EventId) -> Result<(), StoreError> {
    transaction
        .prepare_cached("DELETE FROM notifications WHERE id = ?1")
        .and_then(|mut delete| delete.execute([id.as_bytes().as_slice()]))
        .map_err(StoreError::sqlite(REMOVE_OP))?;
    Ok(())
}

/// Stores `notification` (in place of one of the same event); the oldest past
/// [`MAX_NOTIFICATIONS`] go when the transaction ends ([`cap`]).
fn put(transaction: &Transaction<'_>, notification: &Notification) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(ADD_OP)(e);
    transaction
        .prepare_cached(
            "INSERT OR REPLACE INTO notifications
                 (id, kind, sender, timestamp, post, text, emoji, unread)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(sql)?
        .execute(params![
            notification.id.as_bytes().as_slice(),
            notification.kind.name(),
            notification.from.as_bytes().as_slice(),
            to_sql_timestamp(notification.timestamp)?,
            notification
                .post
                .as_ref()
                .map(|id| id.as_bytes().as_slice()),
            notification.text,
            notification.emoji,
            i64::from(notification.unread),
        ])
        .map_err(sql)?;
    Ok(())
}

/// Drops the oldest notifications past [`MAX_NOTIFICATIONS`], by (timestamp, id), once per
/// transaction that stores or removes events (`derived::Batch::finish`), as the background caps
/// after each batch: once per notification counted the table each time, about 20 us each
/// (8,000 reactions to the user took 270 ms to store, against 108 ms for a store with no user).
pub(crate) fn cap(transaction: &Transaction<'_>) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(ADD_OP)(e);
    // The count of a small table (1,000 rows and a batch's notices), then the oldest if over.
    transaction
        .prepare_cached(
            "DELETE FROM notifications WHERE id IN (
                 SELECT id FROM notifications INDEXED BY notifications_by_time
                 ORDER BY timestamp, id
                 LIMIT max(0, (SELECT count(*) FROM notifications) - ?1))",
        )
        .map_err(sql)?
        .execute([MAX_NOTIFICATIONS])
        .map_err(sql)?;
    Ok(())
}

/// The key bytes of the stored event `id`'s author, if stored (unchecked: only compared).
fn author_of(transaction: &Transaction<'_>, id: &EventId) -> Result<Option<[u8; 32]>, StoreError> {
    let author: Option<Vec<u8>> = transaction
        .prepare_cached("SELECT author FROM events WHERE id = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([id.as_bytes().as_slice()], |row| row.get(0))
                .optional()
        })
        .map_err(StoreError::sqlite(ADD_OP))?;
    author
        .map(|author| {
            author
                .try_into()
                .map_err(|author: Vec<u8>| StoreError::CorruptRow {
                    table: "events",
                    reason: format!("a key of {} bytes", author.len()),
                })
        })
        .transpose()
}

/// A batch's new events start to be stored: the first `seq` they can have is noted, and the
/// last batch's follow notices forgotten. Nothing is written while the store does not know
/// whose it is (nothing is news then).
pub(crate) fn batch_starting(transaction: &Transaction<'_>) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(ADD_OP)(e);
    if stored_user(transaction)?.is_none() {
        return Ok(());
    }
    // AUTOINCREMENT keeps the largest `seq` ever given in `sqlite_sequence` (absent before the
    // first insert), and gives every new row a larger one.
    transaction
        .prepare_cached(
            "INSERT INTO notice_batch (one, first_seq)
             VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1)
             ON CONFLICT (one) DO UPDATE SET first_seq = excluded.first_seq",
        )
        .and_then(|mut statement| statement.execute([]))
        .map_err(sql)?;
    transaction
        .prepare_cached("DELETE FROM notice_told")
        .and_then(|mut statement| statement.execute([]))
        .map_err(sql)?;
    Ok(())
}

/// The first `seq` of the batch being stored ([`batch_starting`]).
fn batch_first(transaction: &Transaction<'_>) -> Result<i64, StoreError> {
    let first: Option<i64> = transaction
        .prepare_cached("SELECT first_seq FROM notice_batch WHERE one = 1")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map_err(StoreError::sqlite(ADD_OP))?;
    first.ok_or_else(|| StoreError::CorruptRow {
        table: "notice_batch",
        reason: "a batch stored with no start noted".into(),
    })
}

/// Whether `follower` followed `me` by the follow records of events stored before this batch
/// (rows before `first`): the deciding record of the edge is its last by (timestamp, id)
/// (`core::follow_graph`). The records are `people`'s `follows` table.
/// The deciding record of one edge among those stored before the batch: a seek of
/// `follows_by_followee` to (followee, follower), newest first, so it reads that edge's few
/// records, not every follow of the user (a first sync of a user with n followers would be
/// quadratic in n: 2.2-3.5 s for 8,000 natively, against 0.6 s).
const FOLLOWED_BEFORE_SQL: &str =
    "SELECT f.follows FROM follows AS f JOIN events AS e ON e.id = f.id
     WHERE f.followee = ?2 AND f.follower = ?1 AND e.seq < ?3
     ORDER BY f.timestamp DESC, f.id DESC LIMIT 1";

fn followed_before(
    transaction: &Transaction<'_>,
    follower: &PublicKey,
    me: &PublicKey,
    first: i64,
) -> Result<bool, StoreError> {
    let follows: Option<bool> = transaction
        .prepare_cached(FOLLOWED_BEFORE_SQL)
        .and_then(|mut statement| {
            statement
                .query_row(
                    params![
                        follower.as_bytes().as_slice(),
                        me.as_bytes().as_slice(),
                        first
                    ],
                    |row| row.get(0),
                )
                .optional()
        })
        .map_err(StoreError::sqlite(ADD_OP))?;
    Ok(follows.unwrap_or(false))
}

/// Whether this is the first follow notice of `author` in this batch (and notes it).
fn first_told(transaction: &Transaction<'_>, author: &PublicKey) -> Result<bool, StoreError> {
    let added = transaction
        .prepare_cached("INSERT OR IGNORE INTO notice_told (author) VALUES (?1)")
        .and_then(|mut statement| statement.execute([author.as_bytes().as_slice()]))
        .map_err(StoreError::sqlite(ADD_OP))?;
    Ok(added == 1)
}

/// The user's post `post`, stored as row `seq`: the replies to it stored earlier in this batch
/// by others are now replies to the user, as the background, deciding after the batch, finds
/// them.
fn replies_before(
    transaction: &Transaction<'_>,
    post: &Event,
    seq: i64,
    me: &[u8; 32],
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(ADD_OP)(e);
    let first = batch_first(transaction)?;
    let mut statement = transaction
        .prepare_cached(
            "SELECT json FROM events WHERE reply_to = ?1 AND seq >= ?2 AND seq < ?3
             AND author != ?4",
        )
        .map_err(sql)?;
    let rows = statement
        .query_map(
            params![post.id.as_bytes().as_slice(), first, seq, me.as_slice()],
            |row| row.get::<_, String>(0),
        )
        .map_err(sql)?;
    let mut replies = Vec::new();
    for json in rows {
        let json = json.map_err(sql)?;
        // Stored events were validated; one that no longer parses (a damaged row, or a rule a
        // later version made stricter) costs its notification, never the batch being stored, as
        // in the background, where a failure costs the notifications and not the events. Dated
        // by no clock: any timestamp the store holds passes.
        if let Ok(reply) = Event::from_json(json.as_bytes(), u64::MAX) {
            replies.push(reply);
        }
    }
    if replies.is_empty() {
        return Ok(());
    }
    let me = public_key(me.to_vec(), "store_user")?;
    for reply in replies {
        if let Some(notice) = notice_of(&reply, &me, Some(&me)) {
            put(transaction, &notification_of(&reply, notice))?;
        }
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Whether a follow's author followed the user before: one seek to the edge, never a read
    /// of every follow naming the user (the review that found it measured 2.2–3.5 s for a first
    /// sync's 8,000 follows of the user).
    #[test]
    fn a_follow_of_the_user_seeks_its_edge_alone() {
        let store = Store::open_in_memory().unwrap();
        let mut statement = store
            .connection
            .prepare(&format!("EXPLAIN QUERY PLAN {FOLLOWED_BEFORE_SQL}"))
            .unwrap();
        let steps: Vec<String> = statement
            .query_map(params![vec![0u8; 32], vec![1u8; 32], 0], |row| row.get(3))
            .unwrap()
            .map(|step| step.unwrap())
            .collect();
        assert!(
            steps
                .iter()
                .any(|s| s.contains("follows_by_followee (followee=? AND follower=?)")),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|s| s.starts_with("SCAN")), "{steps:?}");
    }
}
