//! Small named records, and the peers the node has met: the network, retention and keep-out
//! settings, the device's libp2p key, whether the identity is backed up, and one row per peer
//! seen with when it was last seen. The queries of `background/src/storage/meta.rs`.
//!
//! The settings are kept as the JSON text the caller gives (serde's, of `phemossa_core`'s
//! `NetworkSettings`, `RetentionSettings` and `KeepOut`): their shape and defaults are core's,
//! and the store does not read them. The rest are records defined in `phemossa-store-protocol`
//! (so the document reads them from the worker's answers), stored a column per field.

use rusqlite::{params, OptionalExtension, Row};

use crate::rows::{from_sql_timestamp, public_key, to_sql_timestamp};
use crate::{BackupRecord, PeerRecord, Setting, Store, StoreError};

const READ_OP: &str = "reading a setting";
const SAVE_OP: &str = "saving a setting";
const BACKUP_OP: &str = "reading the backup record";
const SAVE_BACKUP_OP: &str = "saving the backup record";
const PEERS_OP: &str = "reading known peers";
const SAVE_PEER_OP: &str = "saving a peer";
const FORGET_OP: &str = "forgetting peers";

/// The key of the device's libp2p key in `meta`.
const DEVICE_KEY: &str = "device_key";

/// Version 1's named records, backup record and peers, appended to `schema::V1`. None has an
/// index besides its key: every read is by key, or of the whole (small) table.
///
/// - `meta`: named values (the settings' JSON text, the device key's bytes).
/// - `backup`: one row, the backup record.
/// - `peers`: by peer id. IndexedDB's `lastSeen` index had no reader (aging reads every record,
///   `network::start`), so it is not kept.
pub(crate) const SCHEMA: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE backup (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    public_key BLOB NOT NULL,
    exported_at INTEGER,
    snoozed_until INTEGER NOT NULL
);
CREATE TABLE peers (
    peer_id TEXT PRIMARY KEY,
    address TEXT,
    events_received INTEGER NOT NULL,
    invalid_messages INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    banned_until INTEGER,
    owner BLOB
) WITHOUT ROWID;
";

/// A setting's key in `meta` (the background's keys).
fn key(setting: Setting) -> &'static str {
    match setting {
        Setting::Network => "network",
        Setting::Retention => "retention",
        Setting::KeepOut => "keep_out",
    }
}

impl Store {
    /// The JSON text saved for `setting`, if it was ever saved (the caller then uses its
    /// defaults, as the background does).
    pub fn setting(&self, setting: Setting) -> Result<Option<String>, StoreError> {
        let value = self.named(key(setting))?;
        value
            .map(|bytes| {
                String::from_utf8(bytes).map_err(|_| StoreError::CorruptRow {
                    table: "meta",
                    reason: format!("setting {:?} is not text", key(setting)),
                })
            })
            .transpose()
    }

    /// Saves `json` as `setting`, in place of what was saved. The caller serialises and
    /// validates it (core's `validated`), as before IndexedDB.
    pub fn save_setting(&mut self, setting: Setting, json: &str) -> Result<(), StoreError> {
        self.put_named(key(setting), json.as_bytes())
    }

    /// The device's libp2p key, protobuf-encoded, if one was made.
    pub fn device_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.named(DEVICE_KEY)
    }

    pub fn save_device_key(&mut self, protobuf: &[u8]) -> Result<(), StoreError> {
        self.put_named(DEVICE_KEY, protobuf)
    }

    /// The backup record, if one was saved.
    pub fn backup_record(&self) -> Result<Option<BackupRecord>, StoreError> {
        let sql = |e| StoreError::sqlite(BACKUP_OP)(e);
        let row = self
            .connection
            .prepare_cached(
                "SELECT public_key, exported_at, snoozed_until FROM backup WHERE one = 1",
            )
            .and_then(|mut statement| {
                statement
                    .query_row([], |row| {
                        Ok((
                            row.get::<_, Vec<u8>>(0)?,
                            row.get::<_, Option<i64>>(1)?,
                            row.get::<_, i64>(2)?,
                        ))
                    })
                    .optional()
            })
            .map_err(sql)?;
        let Some((key, exported_at, snoozed_until)) = row else {
            return Ok(None);
        };
        Ok(Some(BackupRecord {
            public_key: public_key(key, "backup")?,
            exported_at: exported_at
                .map(|at| from_sql_timestamp(at, "backup"))
                .transpose()?,
            snoozed_until: from_sql_timestamp(snoozed_until, "backup")?,
        }))
    }

    pub fn save_backup_record(&mut self, record: &BackupRecord) -> Result<(), StoreError> {
        let exported_at = record.exported_at.map(to_sql_timestamp).transpose()?;
        let snoozed_until = to_sql_timestamp(record.snoozed_until)?;
        self.connection
            .execute(
                "INSERT INTO backup (one, public_key, exported_at, snoozed_until)
                 VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (one) DO UPDATE SET public_key = excluded.public_key,
                     exported_at = excluded.exported_at, snoozed_until = excluded.snoozed_until",
                params![
                    record.public_key.as_bytes().as_slice(),
                    exported_at,
                    snoozed_until
                ],
            )
            .map_err(StoreError::sqlite(SAVE_BACKUP_OP))?;
        Ok(())
    }

    /// Every peer remembered from earlier runs, by peer id (the order of IndexedDB's key; peer
    /// ids are ASCII, so SQLite's byte order is JavaScript's).
    pub fn peer_records(&self) -> Result<Vec<PeerRecord>, StoreError> {
        let sql = |e| StoreError::sqlite(PEERS_OP)(e);
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT peer_id, address, events_received, invalid_messages, last_seen,
                        banned_until, owner
                 FROM peers ORDER BY peer_id",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map([], |row| Ok(peer_of(row)))
            .map_err(sql)?;
        rows.map(|row| row.map_err(sql)?).collect()
    }

    /// Saves `record` in place of what was remembered of its peer.
    pub fn save_peer(&mut self, record: &PeerRecord) -> Result<(), StoreError> {
        let last_seen = to_sql_timestamp(record.last_seen)?;
        let banned_until = record.banned_until.map(to_sql_timestamp).transpose()?;
        self.connection
            .prepare_cached(
                "INSERT OR REPLACE INTO peers (peer_id, address, events_received,
                     invalid_messages, last_seen, banned_until, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    record.peer_id,
                    record.address,
                    count(record.events_received),
                    count(record.invalid_messages),
                    last_seen,
                    banned_until,
                    record.owner.as_ref().map(|key| key.as_bytes().as_slice()),
                ])
            })
            .map_err(StoreError::sqlite(SAVE_PEER_OP))?;
        Ok(())
    }

    /// Forgets the peers `peer_ids` (their records aged out), in one transaction.
    pub fn forget_peers(&mut self, peer_ids: &[String]) -> Result<(), StoreError> {
        if peer_ids.is_empty() {
            return Ok(());
        }
        let sql = |e| StoreError::sqlite(FORGET_OP)(e);
        let transaction = self.connection.transaction().map_err(sql)?;
        {
            let mut forget = transaction
                .prepare_cached("DELETE FROM peers WHERE peer_id = ?1")
                .map_err(sql)?;
            for peer_id in peer_ids {
                forget.execute([peer_id]).map_err(sql)?;
            }
        }
        transaction.commit().map_err(sql)
    }

    fn named(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.connection
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut statement| statement.query_row([key], |row| row.get(0)).optional())
            .map_err(StoreError::sqlite(READ_OP))
    }

    fn put_named(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.connection
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut statement| statement.execute(params![key, value]))
            .map_err(StoreError::sqlite(SAVE_OP))?;
        Ok(())
    }
}

/// A counter as SQLite's signed integer: a peer cannot send 2^63 messages, so the largest is
/// kept rather than refused (IndexedDB held them as doubles, exact only to 2^53).
fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A stored counter; a negative one is a damaged row.
fn stored_count(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::CorruptRow {
        table: "peers",
        reason: format!("a count of {value}"),
    })
}

fn peer_of(row: &Row<'_>) -> Result<PeerRecord, StoreError> {
    let sql = |e| StoreError::sqlite(PEERS_OP)(e);
    let banned_until: Option<i64> = row.get(5).map_err(sql)?;
    let owner: Option<Vec<u8>> = row.get(6).map_err(sql)?;
    Ok(PeerRecord {
        peer_id: row.get(0).map_err(sql)?,
        address: row.get(1).map_err(sql)?,
        events_received: stored_count(row.get(2).map_err(sql)?)?,
        invalid_messages: stored_count(row.get(3).map_err(sql)?)?,
        last_seen: from_sql_timestamp(row.get(4).map_err(sql)?, "peers")?,
        banned_until: banned_until
            .map(|at| from_sql_timestamp(at, "peers"))
            .transpose()?,
        owner: owner.map(|key| public_key(key, "peers")).transpose()?,
    })
}
