//! The documented limits of sync v2, set reconciliation (docs/protocol.md §9.4).
//!
//! The message size limit and the per-message id and event limits are v1's
//! ([`crate::limits`]); these are the ones reconciliation adds.

/// Most (timestamp, id) items one reconciliation holds in memory, on either side: 40 bytes
/// each, so 40 MB at the limit. Ten times the 100,000-event stores the project targets. A scope
/// holding more ends with `reconcile_set_too_large` (narrow it with `since`, or use v1).
pub const MAX_RECONCILE_ITEMS: usize = 1_000_000;

/// Largest negentropy message this implementation writes (negentropy's `frameSizeLimit`). With
/// the CBOR framing, and a reconcile-open's scope of at most 1,000 authors (34,020 bytes) around
/// an initial message that is never frame-limited but at most about 1,100 bytes, every message
/// stays under the 65,536-byte limit.
pub const NEGENTROPY_FRAME_LIMIT: u64 = 60_000;

/// Most reconcile round trips one reconciliation makes. An honest reconciliation takes about
/// log16(n / 32) + 1 rounds, plus one per 60,000 bytes of ids the peer lists when whole ranges
/// differ: 500,000 missing ids take about 270. Past it the reconciliation stops without blame,
/// fetches what it found, and ends with `pull_too_long`; the next one goes on from there.
pub const MAX_ROUNDS_PER_RECONCILE: u32 = 512;

/// Items asked of the store in one page while loading a reconciliation's item set.
pub const ITEM_PAGE: usize = 10_000;

/// Item sets a responder loads for one peer per minute. Loading costs a scan of the store, so a
/// peer opening reconciliations over and over is refused (without blame) past this.
pub const MAX_LOADS_PER_MINUTE: usize = 6;
