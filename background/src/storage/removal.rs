//! Removing stored events with what was derived from them, inside a caller's read-write
//! transaction: each event's record, follow record and notification, the profile it was (and
//! the ids that profile superseded), and the claims a removed delete made on tombstones. Shared
//! by retention and blocks (`prune.rs`) and by deletes (`write.rs`), so an event leaves the same
//! way whoever removes it. The running totals are the caller's, who knows why the events go.

use idb::request::DeleteStoreRequest;
use idb::{ObjectStore, Query};
use phemossa_core::Event;
use wasm_bindgen::JsValue;

use super::records::{DeletedRecord, EventRecord};
use super::schema::{
    AUTHOR_TOTALS, DELETED, EVENTS, FOLLOWS, META, NOTIFICATIONS, PROFILES, SUPERSEDED,
    SUPERSEDED_BY_AUTHOR, TERMS_PENDING,
};
use crate::db;
use crate::error::BackgroundError;

/// The stores of a transaction that stores or removes events (`write.rs`, `prune.rs`): what a
/// removal touches, the running totals beside them, and the posts a bulk write leaves for the
/// search indexer.
pub(super) const WRITING_STORES: [&str; 9] = [
    EVENTS,
    FOLLOWS,
    NOTIFICATIONS,
    META,
    PROFILES,
    SUPERSEDED,
    AUTHOR_TOTALS,
    DELETED,
    TERMS_PENDING,
];

/// The stores a removal touches, from one read-write transaction.
pub(super) struct RemovalStores {
    pub events: ObjectStore,
    pub follows: ObjectStore,
    pub notifications: ObjectStore,
    pub profiles: ObjectStore,
    pub superseded: ObjectStore,
    pub deleted: ObjectStore,
}

/// Keys to forget with the removed records, read before any removal is queued.
pub(super) struct Forgotten {
    /// Each removed current profile's author, with the ids that profile superseded.
    profiles: Vec<(JsValue, Vec<JsValue>)>,
}

impl RemovalStores {
    /// What removing `records` must also forget. Read first: idb listens to a request only once
    /// it is awaited, so the removals queued after must be awaited in order with no other
    /// await between (or not at all).
    ///
    /// A removed delete's claims are taken off here (the ids it withdrew are remembered as
    /// long as it is stored, §5.2): each tombstone it names is read, loses its claim, and is
    /// written back, or removed with no claim left. One at a time, each read after the writes
    /// before it, as deletes of several authors may claim one id; the writes are not awaited
    /// (a failed one aborts the transaction, whose commit reports it), so call this after the
    /// caller's last read that may fail. The targets are read from the delete, not the `by`
    /// index, which lists a tombstone's first claim only. A stored delete reads as an event
    /// (it was valid when stored; were a rule made stricter since, its claims would stay,
    /// erring towards the delete).
    pub async fn forgotten(
        &self,
        records: &[EventRecord],
        op: &'static str,
    ) -> Result<Forgotten, BackgroundError> {
        let mut forgotten = Forgotten {
            profiles: Vec::new(),
        };
        for record in records {
            match record.kind.as_str() {
                // Only an author's current profile is stored, so a stored profile event is it:
                // its author has no profile now, and what it superseded is forgotten (§5.1).
                "profile" => {
                    let author = JsValue::from_str(&record.author.to_base64());
                    let replaced = self
                        .superseded
                        .index(SUPERSEDED_BY_AUTHOR)
                        .map_err(db::failed(op))?
                        .get_all_keys(Some(Query::Key(author.clone())), None)
                        .map_err(db::failed(op))?
                        .await
                        .map_err(db::failed(op))?;
                    forgotten.profiles.push((author, replaced));
                }
                "delete" => {
                    let Ok(event) = Event::from_json(record.json.as_bytes(), u64::MAX) else {
                        continue;
                    };
                    for target in event.deleted() {
                        let key = JsValue::from_str(&target.to_hex());
                        let read = self.deleted.get(key.clone()).map_err(db::failed(op))?;
                        let Some(value) = read.await.map_err(db::failed(op))? else {
                            continue;
                        };
                        let mut held: DeletedRecord = db::from_js(&value, DELETED)?;
                        if held.forget(&record.id) {
                            self.deleted
                                .put(&db::to_js(&held, DELETED)?, None)
                                .map_err(db::failed(op))?;
                        } else {
                            self.deleted
                                .delete(Query::Key(key))
                                .map_err(db::failed(op))?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(forgotten)
    }

    /// Queues the removal of `records` and of what `forgotten` lists; the caller awaits the
    /// requests in order, or leaves them to the transaction's commit.
    pub fn queue(
        &self,
        records: &[EventRecord],
        forgotten: Forgotten,
        op: &'static str,
    ) -> Result<Vec<DeleteStoreRequest>, BackgroundError> {
        let mut deletes = Vec::with_capacity(records.len() * 2);
        for record in records {
            let key = JsValue::from_str(&record.id.to_hex());
            deletes.push(
                self.events
                    .delete(Query::Key(key.clone()))
                    .map_err(db::failed(op))?,
            );
            // A follow or unfollow event's record carries the event's id; for a post this
            // deletes nothing.
            deletes.push(
                self.follows
                    .delete(Query::Key(key.clone()))
                    .map_err(db::failed(op))?,
            );
            // So does the notification it made, if any: one whose event is gone would be
            // counted unread, and keep a place among those kept, for good. Left to the commit.
            self.notifications
                .delete(Query::Key(key))
                .map_err(db::failed(op))?;
        }
        for (author, replaced) in forgotten.profiles {
            deletes.push(
                self.profiles
                    .delete(Query::Key(author))
                    .map_err(db::failed(op))?,
            );
            for id in replaced {
                deletes.push(
                    self.superseded
                        .delete(Query::Key(id))
                        .map_err(db::failed(op))?,
                );
            }
        }
        Ok(deletes)
    }
}
