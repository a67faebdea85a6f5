//! The store's one error type: what went wrong, and in which operation.

/// What a store operation could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed `operation` (a full disk, a locked or damaged file).
    #[error("{operation}: {source}")]
    Sqlite {
        operation: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A row this version cannot read: written by something else, or damaged.
    #[error("the {table} table holds a row this version cannot read: {reason}")]
    CorruptRow { table: &'static str, reason: String },
    /// An event's timestamp is past SQLite's largest integer, 2^63 - 1. Validation bounds
    /// timestamps far below that, so only a caller that skipped it can meet this.
    #[error("timestamp {0} is past the largest the store can hold (2^63 - 1)")]
    TimestampOutOfRange(u64),
    /// The origin private file system could not be opened for the store (not in a dedicated
    /// worker, no room, or its files held by another worker still).
    #[error("the store's files in the origin private file system could not be opened: {0}")]
    Opfs(String),
    /// The file was written by a newer version, whose schema this one does not know.
    #[error("the store is at schema version {found}, newer than this version's {supported}")]
    NewerSchema { found: i64, supported: i64 },
    /// A blob whose bytes are not what its name says (`phemossa_core::blob::check`: too large
    /// for its kind, or not hashing to its name) was refused, and nothing was stored.
    #[error("a picture was refused: {0}")]
    BlobRefused(#[source] phemossa_core::Error),
}

impl StoreError {
    /// Wraps a SQLite error as the failure of `operation`, for `map_err`.
    pub(crate) fn sqlite(operation: &'static str) -> impl Fn(rusqlite::Error) -> Self {
        move |source| StoreError::Sqlite { operation, source }
    }
}
