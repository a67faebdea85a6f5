//! What the document asks the store worker ([`Request`]) and what it answers ([`Answer`]).
//! Each request is one transaction or one read in the worker, so a sync's page listing, an
//! insert batch and a `missing_ids` call each cost one message each way.

use phemossa_core::{EventId, PublicKey};
use phemossa_sync::{Cursor, Scope};
use serde::{Deserialize, Serialize};

use crate::{ByteString, Bytes32};

/// One question or batch for the store worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Store these events, as one batch in one transaction (`Store::insert_batch`): each
    /// event's wire JSON, already validated by the document at `now_ms`, and the (id,
    /// signature) pairs whose signatures it checked (`check_batch::PAIR_BYTES` each). The
    /// worker builds each `Event` again through `Event::from_json_remembering` with those
    /// pairs, so it re-checks everything but the signatures it was told of: the store only
    /// holds what core validated, for about 5 µs an event rather than a signature's 70 µs.
    Insert {
        events: Vec<ByteString>,
        verified: ByteString,
        now_ms: u64,
    },
    /// Up to `limit` ids in the scope (`authors`, `since`) strictly after `after`, in
    /// (timestamp, id) order (`Store::list_ids`).
    ListIds {
        authors: Option<Vec<Bytes32>>,
        since: Option<u64>,
        after: Option<(u64, Bytes32)>,
        limit: u32,
    },
    /// Which of these ids are neither stored, superseded nor withdrawn (`Store::missing_ids`).
    MissingIds { ids: Vec<Bytes32> },
    /// The stored wire JSON of these ids, those held only (`Store::load_json`).
    LoadJson { ids: Vec<Bytes32> },
    /// How many events are stored.
    EventCount,
}

impl Request {
    /// A listing of `scope` after `after`, as [`Request::ListIds`]. A limit past `u32::MAX` is
    /// sent as `u32::MAX`: no page is that long anyway.
    pub fn list_ids(scope: &Scope, after: Option<Cursor>, limit: usize) -> Self {
        Request::ListIds {
            authors: scope
                .authors
                .as_ref()
                .map(|authors| authors.iter().map(|key| Bytes32::from(*key)).collect()),
            since: scope.since,
            after: after.map(|cursor| (cursor.timestamp, cursor.id.into())),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        }
    }

    /// As [`Request::MissingIds`].
    pub fn missing_ids(ids: &[EventId]) -> Self {
        Request::MissingIds {
            ids: ids.iter().map(|id| Bytes32::from(*id)).collect(),
        }
    }

    /// As [`Request::LoadJson`].
    pub fn load_json(ids: &[EventId]) -> Self {
        Request::LoadJson {
            ids: ids.iter().map(|id| Bytes32::from(*id)).collect(),
        }
    }
}

/// A listing's scope back in sync's types, or a [`Failure`] naming the key that is not one.
pub fn scope_of(authors: &Option<Vec<Bytes32>>, since: Option<u64>) -> Result<Scope, Failure> {
    let authors = match authors {
        Some(keys) => Some(
            keys.iter()
                .map(|key| {
                    PublicKey::from_bytes(key.0, "author").map_err(|error| Failure {
                        kind: FailureKind::BadRequest,
                        message: error.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    Ok(Scope { authors, since })
}

/// The store worker's answer to one [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// For an [`Request::Insert`]: for each event, whether it was new.
    Inserted { new: Vec<bool> },
    /// For a [`Request::ListIds`]: the page's (timestamp, id) in order, and whether more follow.
    Ids {
        page: Vec<(u64, Bytes32)>,
        more: bool,
    },
    /// For a [`Request::MissingIds`].
    Missing { ids: Vec<Bytes32> },
    /// For a [`Request::LoadJson`]: each held id with its wire JSON.
    Loaded { events: Vec<(Bytes32, ByteString)> },
    /// For a [`Request::EventCount`].
    Count { events: u64 },
    /// The request did nothing: why, in words for the Storage section, and of which kind.
    Failed(Failure),
}

impl Answer {
    /// A listing's page in sync's types.
    pub fn cursors(page: &[(u64, Bytes32)]) -> Vec<Cursor> {
        page.iter()
            .map(|(timestamp, id)| Cursor {
                timestamp: *timestamp,
                id: EventId::from(*id),
            })
            .collect()
    }
}

/// Why a request did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    /// What went wrong, in words.
    pub message: String,
}

/// What kind of failure: what the document does next depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// The message did not decode, or named something that is not an id or key: a bug in the
    /// document, never retried.
    BadRequest,
    /// An event of an insert batch did not validate in the worker as it had in the document.
    /// Nothing of the batch was stored.
    Refused,
    /// The store could not be opened or is in use by another worker (a previous document's,
    /// not yet released): retried with backoff.
    Unavailable,
    /// The store was written by a newer version of Phemossa.
    NewerSchema,
    /// SQLite or the file system failed (the disk full, a damaged row): said in the Storage
    /// section.
    Storage,
}
