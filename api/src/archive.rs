//! The port API's event archive: exporting stored events a page at a time, importing them
//! back (from a file the person chose), and timing this device's signature checks.
//!
//! An archive is JSON Lines: one event's wire JSON (docs/protocol.md §2) per line. Imported
//! events are validated exactly like events from peers; nothing unverified is stored.

use serde::{Deserialize, Serialize};

use phemossa_core::keys::EventId;

/// Most events one `import_events` request may carry; with the port's request size limit this
/// keeps a chunk well under a second of work, so the page can show progress.
pub const MAX_IMPORT_EVENTS: usize = 500;
/// Most events one `export_events` page may ask for.
pub const MAX_EXPORT_PAGE: u32 = 1_000;
/// An export page stops adding events past this many bytes of JSON, under the port's
/// server-message limit.
pub const MAX_EXPORT_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// How many refusal reasons an import report lists (the count covers all of them).
pub const MAX_IMPORT_REASONS: usize = 5;

/// What became of one `import_events` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Valid and new: stored now.
    pub stored: u64,
    /// Valid but already stored.
    pub duplicates: u64,
    /// Refused by validation; never stored.
    pub rejected: u64,
    /// Valid, but kept out: their author is blocked or had reached the daily limit.
    #[serde(default)]
    pub kept_out: u64,
    /// Why, for the first few refused lines: "line N: reason".
    pub reasons: Vec<String>,
    /// Microseconds the background spent on the request, validation and storing included.
    #[serde(default)]
    pub micros: u64,
}

/// One page of an export, in event id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsPage {
    /// Each event's wire JSON.
    pub events: Vec<String>,
    /// Pass as `after` for the next page; `None` on the last one.
    pub next: Option<EventId>,
}

/// How long this device took to check the signatures of the events it was given (parsing and
/// hashing not counted): the raw rate an ingest is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationTiming {
    pub events: u64,
    /// Microseconds spent in signature verification alone.
    pub micros: u64,
    /// How many of the signatures verified.
    pub valid: u64,
}
