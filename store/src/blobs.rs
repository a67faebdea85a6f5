//! The pictures events name by SHA-256 (docs/protocol.md §12): stored by hash only after the
//! hash checked (`phemossa_core::blob::check`), read back whole to serve a peer or show a page,
//! and swept once nothing stored names them. The queries of `background/src/storage/blobs.rs`,
//! with which events name which blob (IndexedDB's multi-entry `blobs` index of `events`).
//!
//! What names a blob: a post's images, a repost's original's images (the repost shows them),
//! and a profile's avatar. Only an author's current profile is stored, so an avatar named here is
//! one the background's `profiles` store names: the sweep asks one table, not two.

use phemossa_core::blob::{self, BlobKind};
use phemossa_core::keys::BlobHash;
use phemossa_core::Event;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::rows::to_sql_timestamp;
use crate::rows::StoredRow;
use crate::{Store, StoreError};

const PUT_OP: &str = "storing a picture";
const READ_OP: &str = "reading a picture";
const HELD_OP: &str = "looking for pictures";
const SWEEP_OP: &str = "removing pictures nothing names";
const NAME_OP: &str = "storing which pictures events name";

/// Version 1's blobs and the blobs events name, appended to `schema::V1`.
///
/// - `blobs`: each blob's bytes under its hash, with when it was stored (ms since the epoch).
///   A rowid table, not WITHOUT ROWID: a row holds up to an image's bytes, far past the small
///   rows WITHOUT ROWID suits, and `bytes` is last so that reading the hash or time never reads
///   the picture's overflow pages. `blobs_by_stored` gives the sweep the old ones only.
/// - `event_blobs`: which stored event (by `seq`) names which blob. Only events that name one
///   write rows (an image post, a repost of one, a profile with an avatar: a small share of a
///   sync), so posts, reactions and follows cost no statement. Keyed (hash, seq), so the sweep's
///   "does anything name it" is one probe; `event_blobs_by_seq` finds a removed event's rows.
pub(crate) const SCHEMA: &str = "
CREATE TABLE blobs (
    hash BLOB NOT NULL UNIQUE,
    stored INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX blobs_by_stored ON blobs (stored);
CREATE TABLE event_blobs (
    hash BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (hash, seq)
) WITHOUT ROWID;
CREATE INDEX event_blobs_by_seq ON event_blobs (seq);
";

impl Store {
    /// Stores `bytes` as blob `hash` of `kind` at `stored_ms` (ms since the epoch), after
    /// checking that they are it: whoever fetched them, nothing unchecked is stored
    /// ([`StoreError::BlobRefused`] otherwise). Storing a held blob again refreshes its time, as
    /// IndexedDB's `put` did, so the sweep spares it as newly stored. Whether there is room is
    /// the caller's to ask first (`check_room`, over the browser's quota).
    pub fn put_blob(
        &mut self,
        hash: &BlobHash,
        kind: BlobKind,
        bytes: &[u8],
        stored_ms: u64,
    ) -> Result<(), StoreError> {
        blob::check(hash, kind, bytes).map_err(StoreError::BlobRefused)?;
        let stored = to_sql_timestamp(stored_ms)?;
        self.connection
            .prepare_cached(
                "INSERT INTO blobs (hash, stored, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO UPDATE SET stored = excluded.stored, bytes = excluded.bytes",
            )
            .and_then(|mut statement| {
                statement.execute(params![hash.as_bytes().as_slice(), stored, bytes])
            })
            .map_err(StoreError::sqlite(PUT_OP))?;
        Ok(())
    }

    /// The bytes of blob `hash`, if held.
    pub fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        self.connection
            .prepare_cached("SELECT bytes FROM blobs WHERE hash = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([hash.as_bytes().as_slice()], |row| row.get(0))
                    .optional()
            })
            .map_err(StoreError::sqlite(READ_OP))
    }

    /// Which of `hashes` are held, in the order given (by the hash's index alone, not their
    /// bytes).
    pub fn held_blobs(&self, hashes: &[BlobHash]) -> Result<Vec<bool>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1")
            .map_err(StoreError::sqlite(HELD_OP))?;
        hashes
            .iter()
            .map(|hash| {
                statement
                    .exists([hash.as_bytes().as_slice()])
                    .map_err(StoreError::sqlite(HELD_OP))
            })
            .collect()
    }

    /// Removes the blobs stored before `stored_before` (ms) that no stored event names: the
    /// avatars of profiles superseded or removed since, and the images of posts (and of the
    /// originals of reposts) removed since (docs/protocol.md §12.4). Blobs stored since are
    /// spared, since an event is stored after the blob it names. One statement, so nothing
    /// stored meanwhile can name a blob as it goes. Returns how many went.
    pub fn sweep_blobs(&mut self, stored_before: u64) -> Result<u64, StoreError> {
        // A time past the largest the store can hold is after every blob stored.
        let before = to_sql_timestamp(stored_before).unwrap_or(i64::MAX);
        let removed = self
            .connection
            .prepare_cached(
                "DELETE FROM blobs WHERE stored < ?1
                 AND NOT EXISTS (SELECT 1 FROM event_blobs WHERE event_blobs.hash = blobs.hash)",
            )
            .and_then(|mut statement| statement.execute([before]))
            .map_err(StoreError::sqlite(SWEEP_OP))?;
        Ok(removed as u64)
    }
}

/// The blobs `event` names: a post's images, a repost's original's, a profile's avatar.
fn named(event: &Event) -> Vec<&BlobHash> {
    // The original's pictures are the repost's too: the sweep keeps them while it is stored.
    let shown = event.as_repost().unwrap_or(event);
    let mut hashes: Vec<&BlobHash> = shown.images().iter().map(|image| &image.blob).collect();
    if let Some(avatar) = event
        .as_profile()
        .and_then(|profile| profile.avatar.as_ref())
    {
        hashes.push(avatar);
    }
    hashes
}

/// `event` was stored as row `seq`: the blobs it names are named while it is stored.
pub(crate) fn added(
    transaction: &Transaction<'_>,
    event: &Event,
    seq: i64,
) -> Result<(), StoreError> {
    let hashes = named(event);
    if hashes.is_empty() {
        return Ok(());
    }
    let mut add = transaction
        .prepare_cached("INSERT OR IGNORE INTO event_blobs (hash, seq) VALUES (?1, ?2)")
        .map_err(StoreError::sqlite(NAME_OP))?;
    for hash in hashes {
        // OR IGNORE: a post may name one picture twice.
        add.execute(params![hash.as_bytes().as_slice(), seq])
            .map_err(StoreError::sqlite(NAME_OP))?;
    }
    Ok(())
}

/// `row` was taken off `events`: what it named is no longer named by it. Only the kinds that
/// can name a blob are looked for.
pub(crate) fn removed(transaction: &Transaction<'_>, row: &StoredRow) -> Result<(), StoreError> {
    if !matches!(row.kind.as_str(), "image_post" | "repost" | "profile") {
        return Ok(());
    }
    transaction
        .prepare_cached("DELETE FROM event_blobs WHERE seq = ?1")
        .and_then(|mut delete| delete.execute([row.seq]))
        .map_err(StoreError::sqlite("removing which pictures events named"))?;
    Ok(())
}
