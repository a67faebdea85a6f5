//! Whether there is room to store more, by the rule of `core::room`: storing stops with
//! `QuotaExceeded` (pages say "storage is full") while the browser still has
//! `core::room::RESERVE_BYTES` to spare, and resumes on what retention pruned while it was tight.

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::connection::Storage;
use crate::error::BackgroundError;

impl Storage {
    /// `Err(QuotaExceeded)` when `core::room::room` says the browser's quota for this extension
    /// (the free disk, with `unlimitedStorage`) has no room. Where the browser does not say,
    /// there is room: a real quota error still stops the write.
    pub async fn check_room(&self, operation: &'static str) -> Result<(), BackgroundError> {
        let Some((usage, quota)) = estimate().await else {
            return Ok(());
        };
        let stored = self.stats().await?.bytes;
        let mut room = self.room.get();
        let ok = room.has_room(quota.saturating_sub(usage), stored);
        self.room.set(room);
        if ok {
            Ok(())
        } else {
            Err(BackgroundError::QuotaExceeded { operation })
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
