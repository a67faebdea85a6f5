//! Whether there is room to store more: storing stops with `QuotaExceeded` (pages say "storage is
//! full") while the browser still has [`RESERVE_BYTES`] to spare, instead of at the last byte.
//!
//! Why stop early: the extension holds `unlimitedStorage`, so its real limit is the disk, and
//! Chromium's IndexedDB (LevelDB) that fills a disk closes its connections with an IO error
//! ("FILE_ERROR_NO_SPACE"), and may find the database corrupt when it opens it next, which it
//! then deletes, identity included. Measured in tests/e2e/storage-full.test.mjs: writing until
//! the disk was full lost everything in one run of three. LevelDB also needs free space to
//! compact, the only way deletions (retention, blocks) give space back.

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::connection::Storage;
use crate::error::BackgroundError;

/// Kept free: a few LevelDB compactions' worth (tables of 2–4 MB, merged a level at a time) and
/// the identity's small writes.
pub const RESERVE_BYTES: u64 = 32 * 1024 * 1024;

impl Storage {
    /// `Err(QuotaExceeded)` when less than [`RESERVE_BYTES`] of the browser's quota for this
    /// extension (the free disk, with `unlimitedStorage`) is left. Where the browser does not
    /// say, there is room: a real quota error still stops the write.
    pub async fn check_room(&self, operation: &'static str) -> Result<(), BackgroundError> {
        match estimate().await {
            Some((usage, quota)) if quota.saturating_sub(usage) < RESERVE_BYTES => {
                Err(BackgroundError::QuotaExceeded { operation })
            }
            _ => Ok(()),
        }
    }
}

/// `navigator.storage.estimate()`'s usage and quota, in bytes.
async fn estimate() -> Option<(u64, u64)> {
    let storage = web_sys::window()?.navigator().storage();
    let promise: Promise = storage.estimate().ok()?.dyn_into().ok()?;
    let answer = JsFuture::from(promise).await.ok()?;
    let number = |name: &str| Reflect::get(&answer, &name.into()).ok()?.as_f64();
    Some((number("usage")? as u64, number("quota")? as u64))
}
