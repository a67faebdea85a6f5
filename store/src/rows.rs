//! Converting between the store's columns and core's types: timestamps as SQLite's signed
//! integers, ids as their 32 bytes. A stored value that does not convert back is a damaged row.

use phemossa_core::{EventId, PublicKey};

use crate::StoreError;

/// A timestamp as SQLite's signed integer.
pub(crate) fn to_sql_timestamp(timestamp: u64) -> Result<i64, StoreError> {
    i64::try_from(timestamp).map_err(|_| StoreError::TimestampOutOfRange(timestamp))
}

/// A stored timestamp; a negative one is a damaged row.
pub(crate) fn from_sql_timestamp(timestamp: i64, table: &'static str) -> Result<u64, StoreError> {
    u64::try_from(timestamp).map_err(|_| StoreError::CorruptRow {
        table,
        reason: format!("timestamp {timestamp}"),
    })
}

/// A stored id; anything but 32 bytes is a damaged row.
pub(crate) fn event_id(bytes: Vec<u8>, table: &'static str) -> Result<EventId, StoreError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| StoreError::CorruptRow {
            table,
            reason: format!("an id of {} bytes", bytes.len()),
        })?;
    Ok(EventId::from_bytes(bytes))
}

/// An author's 32 key bytes, as the tables hold them.
pub(crate) type Author = [u8; 32];

/// A stored author key; anything but 32 bytes is a damaged row.
pub(crate) fn author_key(bytes: Vec<u8>, table: &'static str) -> Result<Author, StoreError> {
    bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| StoreError::CorruptRow {
            table,
            reason: format!("a key of {} bytes", bytes.len()),
        })
}

/// A stored key, checked (a point on the curve); anything else is a damaged row.
pub(crate) fn public_key(bytes: Vec<u8>, table: &'static str) -> Result<PublicKey, StoreError> {
    PublicKey::from_bytes(author_key(bytes, table)?, "stored key").map_err(|error| {
        StoreError::CorruptRow {
            table,
            reason: error.to_string(),
        }
    })
}

/// A stored event's row, as a removal sees it.
#[derive(Debug, Clone)]
pub(crate) struct StoredRow {
    /// The row's `events.seq`.
    pub seq: i64,
    pub id: EventId,
    pub author: Author,
    /// The wire type.
    pub kind: String,
    pub timestamp: u64,
    /// Bytes of its wire JSON.
    pub size: u64,
}
