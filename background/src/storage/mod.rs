//! Event storage in IndexedDB: validated events, the follow records derived from them, and
//! running totals, written together in one transaction per event; feed pages are read through
//! the `feed` index, a bounded number of records per author, never by loading every event.

mod feed;
mod meta;
mod pages;
mod prune;
mod read;
mod records;
mod schema;
mod sync;
mod write;

use idb::{Database, ObjectStore, TransactionMode};

pub use feed::StoredPost;
pub use meta::PeerRecord;
pub use records::EventRecord;
pub use schema::{DATABASE, STORES, VERSION};

use crate::{db, BackgroundError};

/// An open connection to the event database.
pub struct Storage {
    db: Database,
}

impl Storage {
    /// Opens (creating or upgrading) the event database named `name`.
    pub async fn open(name: &str) -> Result<Self, BackgroundError> {
        Ok(Self {
            db: db::open(name, VERSION, &STORES).await?,
        })
    }

    /// Closes the connection once its running transactions have finished.
    pub fn close(&self) {
        self.db.close();
    }

    /// The names of the object stores, as the browser reports them (sorted).
    pub fn store_names(&self) -> Vec<String> {
        self.db.store_names()
    }
}

impl Storage {
    /// `store` in a new read-only transaction. Dropping idb's transaction wrapper aborts nothing:
    /// the browser keeps the transaction open while requests are made on the store it returns.
    fn read_only(&self, store: &str, op: &'static str) -> Result<ObjectStore, BackgroundError> {
        self.db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(db::failed(op))?
            .object_store(store)
            .map_err(db::failed(op))
    }
}
