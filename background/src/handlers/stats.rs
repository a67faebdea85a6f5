//! GetStats: what this browser holds (from the storage totals), how much memory the background's
//! WebAssembly and its signature-check workers use, and how many posts wait for their search
//! terms.

use phemossa_api::{ApiError, Response};
use wasm_bindgen::JsCast as _;

use crate::storage::Storage;
use crate::verify_pool::VerifyPool;

/// The storage totals, with the memory in use and the posts waiting for search filled in.
pub async fn stats(storage: &Storage, pool: &VerifyPool) -> Result<Response, ApiError> {
    let mut stats = storage.stats_with_deferred_terms().await?;
    stats.wasm_memory_bytes = wasm_memory_bytes();
    stats.worker_memory_bytes = pool.memory_bytes();
    stats.worker_checked = pool.verified();
    Ok(Response::Stats(stats))
}

/// Bytes of this module's WebAssembly memory (it only grows).
pub fn wasm_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|memory| {
            memory
                .buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map(|buffer| u64::from(buffer.byte_length()))
                .unwrap_or(0)
        })
        .unwrap_or(0)
}
