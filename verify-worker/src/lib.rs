//! The signature-check Web Worker. Its one job: validate a batch of events exactly as the
//! background does, off the background's thread, and answer with the (id, signature) pairs that
//! verified (`phemossa_core::event::check_batch` says both messages and why a worker can make
//! validation cheaper but never change a verdict).
//!
//! `static/verify_worker.js` receives `{id, batch, now}` (`batch` a `Uint8Array` as
//! `check_batch::pack_batch` makes it, `now` the background's clock in milliseconds) and
//! answers `{id, pairs, memory}` or `{id, error}`; `memory` is this worker's wasm memory in
//! bytes, so the background can count what its pool holds.

use wasm_bindgen::prelude::*;

/// Validates each event of `batch` against `now_ms` and returns the pairs of those that passed;
/// throws for a batch that does not decode.
#[wasm_bindgen]
pub fn check(batch: &[u8], now_ms: f64) -> Result<Vec<u8>, JsError> {
    // A clock before 1970 or past 2^64 ms is no clock: the background's own check refuses what
    // this one would let through, so saturating costs nothing but a wasted check.
    let now = if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    };
    phemossa_core::event::check_batch::check_batch(batch, now)
        .map_err(|error| JsError::new(&error.to_string()))
}
