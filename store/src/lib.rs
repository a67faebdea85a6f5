//! Phemossa's event store on SQLite: the schema (`schema`), storing validated events with what
//! profiles and deletes mean for the stored set (`insert`), and the three queries a sync session
//! asks of the store (`sync_queries`). Pure Rust over `rusqlite`, so every rule is tested
//! natively; in the browser the same code would run in a worker over SQLite in the origin
//! private file system (`docs/design/storage-engine.md`, whose first step this crate is).
//!
//! The background still stores events in IndexedDB (`background/src/storage/`); nothing links
//! this crate yet. What it holds now is the events with their superseded profiles and
//! tombstones, which is what a sync's questions depend on. Follow records, profiles decoded for
//! display, running totals and the rest are the design record's second step.

mod error;
mod insert;
#[cfg(target_arch = "wasm32")]
mod opfs;
mod rows;
mod schema;
mod sync_queries;

pub use error::StoreError;
pub use schema::VERSION;

use std::path::Path;

use rusqlite::Connection;

/// One connection to the event store. SQLite serialises writers, and the store has one user (the
/// background's store worker, or a test), so each call that writes is one transaction.
pub struct Store {
    connection: Connection,
}

impl Store {
    /// Opens (creating if need be) the store at `path`, bringing its schema up to [`VERSION`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(StoreError::sqlite("opening the store"))?;
        Self::with(connection)
    }

    /// A store in memory, gone when dropped: for tests and tools.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let connection =
            Connection::open_in_memory().map_err(StoreError::sqlite("opening the store"))?;
        Self::with(connection)
    }

    fn with(mut connection: Connection) -> Result<Self, StoreError> {
        // NORMAL: a commit is durable once the journal is synced, not each page write. It is what
        // docs/benchmarks.md measured ("What the storage engine costs"), and IndexedDB's
        // transactions in Chromium are no stricter (relaxed durability).
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::sqlite("setting the store's durability"))?;
        schema::migrate(&mut connection)?;
        Ok(Self { connection })
    }

    /// How many events are stored.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .map_err(StoreError::sqlite("counting events"))?;
        u64::try_from(count).map_err(|_| StoreError::CorruptRow {
            table: "events",
            reason: format!("a count of {count}"),
        })
    }
}
