//! The store's schema and its migrations, by SQLite's `user_version`: each version's statements
//! run once, in order, in one transaction, so a store is always at exactly one version.

use rusqlite::Connection;

use crate::StoreError;

/// The schema version this build writes.
pub const VERSION: i64 = 1;

/// Version 1's events, with the ids of profiles a newer one superseded (§5.1) and the
/// tombstones deletes left (§5.2). Ids and keys are their 32 bytes, not text: every index entry
/// holds them, and as hex and base64 text they were most of an IndexedDB index entry's bytes
/// (docs/benchmarks.md, "binary keys").
///
/// Besides the wire JSON, a row keeps the few fields that queries select or order by, decoded
/// once at insert (`insert::EventColumns`): `seq` is the order stored in, AUTOINCREMENT so a
/// removed row's number is never given again (side tables keyed by it, and a batch's first
/// `seq`, rely on that; it costs one update of `sqlite_sequence` a row); `type` is the wire type ("image_post" and "repost"
/// included); `size` is the JSON's bytes, which totals count; `in_feed` is 1 for what shows in
/// its author's feed (posts, with or without images, and reposts); `reply_to`,
/// `reaction_target` and `repost_of` are the ids a post replies to, a reaction reacts to and a
/// repost repeats, NULL otherwise. The indexes over them belong to the modules that read them.
const EVENTS: &str = "
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    author BLOB NOT NULL,
    type TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    json TEXT NOT NULL,
    size INTEGER NOT NULL,
    in_feed INTEGER NOT NULL,
    reply_to BLOB,
    reaction_target BLOB,
    repost_of BLOB
);
-- A sync's listing of a scope: each author's ids in (timestamp, id) order, read from the index
-- alone (it covers the query).
CREATE INDEX events_by_author ON events (author, timestamp, id);
-- An unscoped sync's listing: every id in (timestamp, id) order.
CREATE INDEX events_by_time ON events (timestamp, id);
-- Each author's current profile (the only profile of theirs stored), found without reading
-- their other events.
CREATE INDEX events_profile ON events (author) WHERE type = 'profile';
-- Ids of profiles that a newer profile of their author superseded: held, never stored, never
-- fetched again.
CREATE TABLE superseded (
    id BLOB PRIMARY KEY,
    author BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX superseded_by_author ON superseded (author);
-- What deletes named: the target, the delete's author and id, and whether the target was seen
-- to be that author's (only then does it count as withdrawn for anyone who asks). One row per
-- delete, so another author's delete of the same id neither replaces nor undoes it.
CREATE TABLE deleted (
    id BLOB NOT NULL,
    author BLOB NOT NULL,
    by BLOB NOT NULL,
    confirmed INTEGER NOT NULL,
    PRIMARY KEY (id, author, by)
) WITHOUT ROWID;
CREATE INDEX deleted_by ON deleted (by);
";

/// Version 1, each part owned by the module whose queries use it: its tables, and its indexes
/// over `events`. Run in this order, in one transaction.
const V1: &[&str] = &[
    EVENTS,
    crate::people::SCHEMA,
    crate::totals::SCHEMA,
    crate::search::SCHEMA,
    crate::feed::SCHEMA,
    crate::thread::SCHEMA,
    crate::reactions::SCHEMA,
    crate::notifications::SCHEMA,
    crate::blobs::SCHEMA,
    crate::meta::SCHEMA,
];

/// Each version's statements; `MIGRATIONS[n]` takes a store from version `n` to `n + 1`.
const MIGRATIONS: [&[&str]; VERSION as usize] = [V1];

/// Brings the store at `connection` up to [`VERSION`]; refuses a newer one.
pub(crate) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(StoreError::sqlite("reading the store's schema version"))?;
    if found < 0 {
        return Err(StoreError::CorruptRow {
            table: "user_version",
            reason: format!("schema version {found}"),
        });
    }
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    if found == VERSION {
        return Ok(());
    }
    let transaction = connection
        .transaction()
        .map_err(StoreError::sqlite("upgrading the store's schema"))?;
    // `found` is 0 ..= VERSION here, so the conversion cannot fail.
    for statements in MIGRATIONS
        .iter()
        .skip(usize::try_from(found).unwrap_or(0))
        .flat_map(|parts| parts.iter())
    {
        transaction
            .execute_batch(statements)
            .map_err(StoreError::sqlite("upgrading the store's schema"))?;
    }
    transaction
        .pragma_update(None, "user_version", VERSION)
        .map_err(StoreError::sqlite("upgrading the store's schema"))?;
    transaction
        .commit()
        .map_err(StoreError::sqlite("upgrading the store's schema"))
}
