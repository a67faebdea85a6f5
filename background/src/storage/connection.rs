//! The `Storage` handle itself: an open connection to the event database, opened with the
//! declared schema, and the read-only transaction every reader starts from. Its operations live
//! in the sibling files, one concern each.

use std::cell::Cell;

use idb::{Database, ObjectStore, Transaction, TransactionMode};
use phemossa_core::room::Room;

use super::schema::{STORES, VERSION};
use crate::db;
use crate::error::BackgroundError;

/// An open connection to the event database.
pub struct Storage {
    pub(super) db: Database,
    /// What the rule of room (`core::room`, asked in `room.rs`) remembers between writes.
    pub(super) room: Cell<Room>,
    /// Read-write transactions opened so far: what lets a reader kept in memory (the feed's
    /// ready first page, `first_page.rs`) tell that what it read may have changed.
    writes: Cell<u64>,
    /// Whether the next batch of events is written without first looking each id up
    /// (`write.rs`): true while batches have held nothing stored already.
    pub(super) assume_new: Cell<bool>,
}

impl Storage {
    /// Opens (creating or upgrading) the event database named `name`.
    /// Posts stored before search existed are indexed here, once, and the totals of each author
    /// of a database from before they were kept are counted.
    pub async fn open(name: &str) -> Result<Self, BackgroundError> {
        let storage = Self {
            db: db::open(name, VERSION, &STORES).await?,
            room: Cell::new(Room::default()),
            writes: Cell::new(0),
            assume_new: Cell::new(true),
        };
        storage.index_old_posts().await?;
        storage.count_author_totals().await?;
        Ok(storage)
    }

    /// Closes the connection once its running transactions have finished.
    pub fn close(&self) {
        self.db.close();
    }

    /// How many read-write transactions were opened so far. Unchanged between two reads, it
    /// means nothing stored changed in between.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// The names of the object stores, as the browser reports them (sorted).
    pub fn store_names(&self) -> Vec<String> {
        self.db.store_names()
    }
}

impl Storage {
    /// A new read-write transaction on `stores`, counted (see [`Storage::writes`]). Every write
    /// to the database starts here.
    pub(super) fn writing(
        &self,
        stores: &[&str],
        op: &'static str,
    ) -> Result<Transaction, BackgroundError> {
        self.writes.set(self.writes.get() + 1);
        self.db
            .transaction(stores, TransactionMode::ReadWrite)
            .map_err(db::failed(op))
    }

    /// `store` in a new read-only transaction. Dropping idb's transaction wrapper aborts nothing:
    /// the browser keeps the transaction open while requests are made on the store it returns.
    pub(super) fn read_only(
        &self,
        store: &str,
        op: &'static str,
    ) -> Result<ObjectStore, BackgroundError> {
        self.db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(db::failed(op))?
            .object_store(store)
            .map_err(db::failed(op))
    }
}
