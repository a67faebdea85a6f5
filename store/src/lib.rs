//! Phemossa's event store on SQLite: the schema (`schema`), storing validated events with what
//! profiles and deletes mean for the stored set (`insert`), what each stored or removed event
//! writes besides its row (`derived`), and every query the background asks of its store: a
//! sync's (`sync_queries`), the feed and the pages of every event (`feed`, `pages`), threads
//! and the inbox (`thread`), reactions and reposts (`reactions`), follows, profiles and
//! nicknames (`people`), running totals (`totals`), notifications (`notifications`), pictures
//! (`blobs`), settings and peers (`meta`), search on FTS5 (`search`), keeping people out
//! (`keep_out`) and retention (`retention`). Pure Rust over `rusqlite`, so every rule is tested
//! natively; in the browser the same code runs in the store worker over SQLite in the origin
//! private file system (`phemossa-store-worker`; `docs/design/storage-engine.md`, whose first
//! two steps this crate is).
//!
//! The background still stores events in IndexedDB (`background/src/storage/`): moving it here
//! is the design record's third step.

mod blobs;
mod derived;
mod error;
mod feed;
mod insert;
mod keep_out;
mod meta;
mod notifications;
#[cfg(target_arch = "wasm32")]
mod opfs;
mod pages;
mod people;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod query_plans;
mod reactions;
mod retention;
mod rows;
mod schema;
mod search;
mod sync_queries;
mod thread;
mod totals;

pub use error::StoreError;
pub use notifications::{MAX_NOTIFICATIONS, SNIPPET_CHARS};
pub use retention::PRUNE_BATCH;
pub use schema::VERSION;
pub use thread::MAX_THREAD_CLIMB;
// The plain records the queries answer with are defined once, in `phemossa-store-protocol`,
// so that the background reads them from the store worker's answers without linking SQLite.
pub use phemossa_store_protocol::{
    AuthorTotals, BackupRecord, Nickname, Notification, NotificationKind, PagedEvent, PeerPage,
    PeerRecord, Setting, StoredPost, StoredProfile, StoredThread, Totals,
};

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
