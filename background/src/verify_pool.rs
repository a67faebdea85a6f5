//! The signature-check worker pool: checks the signatures of batches of events from elsewhere
//! (imports, sync event-responses) in dedicated Web Workers, one per core, so the offscreen
//! document's thread only orders, de-duplicates and writes (issue 16).
//!
//! The workers run the same validation (`verify-worker`, `phemossa_core::event::check_batch`)
//! and answer with the (id, signature) pairs that verified; they go into the shared
//! [`VerifiedIds`], and the caller then validates as before, skipping the signatures the memory
//! holds. So the pool can only make validation cheaper, never change a verdict. A pool that
//! cannot start its workers, a worker that fails or answers nonsense, or one that takes longer
//! than 10 s costs that batch its head start and nothing else: the caller's own thread checks
//! what was not remembered.
//!
//! What to send, and in how many shares, is decided here; `static/verify_pool.js` keeps the
//! workers and posts each share to the least loaded one. The workers' bookkeeping (ids,
//! timers, `onmessage`) is in JavaScript because in Rust it cost the background 10.6 KB of
//! wasm (`web_sys::Worker`, closures, the join and the timeout), against a 2.5 MiB budget
//! with about 4 KB to spare.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Uint8Array};
use phemossa_core::event::check_batch::{pack_batch, remember_pairs};
use phemossa_core::event::VerifiedIds;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::clock;

#[wasm_bindgen(module = "/static/verify_pool.js")]
extern "C" {
    #[wasm_bindgen(js_name = checkShare)]
    fn check_share(batch: Uint8Array, size: u32, now: f64) -> Promise;
    #[wasm_bindgen(js_name = poolSize)]
    fn pool_size() -> u32;
    #[wasm_bindgen(js_name = poolMemory)]
    fn pool_memory() -> f64;
}

/// Batches smaller than this are checked on the caller's thread: a round trip to a worker
/// (two copies and two tasks, about 0.2–1 ms) costs more than a few checks (70 µs each here).
pub const MIN_POOLED: usize = 16;

/// Fewest events sent to one worker: below this, splitting a batch further costs more in
/// messages than the parallel checks save.
const MIN_PER_WORKER: usize = 32;

/// The pool, as the document sees it: how many signatures its workers found valid. The
/// workers start at the first batch large enough, not before, so a document that never ingests
/// in bulk never pays for them.
#[derive(Clone, Default)]
pub struct VerifyPool {
    verified: Rc<Cell<u64>>,
}

impl VerifyPool {
    /// Sends `events` to the workers at once and returns the wait for their pairs, which it
    /// puts in `verified`. Sent before it is awaited, so a caller can have the workers check
    /// the next batch while it stores this one. Never inlined: its two callers (imports and the
    /// driver's sync responses) share one copy in the background's wasm.
    #[inline(never)]
    pub fn check(
        &self,
        events: &[Vec<u8>],
        verified: &VerifiedIds,
    ) -> impl std::future::Future<Output = ()> + 'static {
        let workers = pool_size() as usize;
        let mut answers = Vec::new();
        if events.len() >= MIN_POOLED && workers > 0 {
            let shares = (events.len() / MIN_PER_WORKER).clamp(1, workers);
            let now = clock::now_ms() as f64;
            for share in events.chunks(events.len().div_ceil(shares)) {
                let batch = pack_batch(share.iter().map(Vec::as_slice));
                let batch = Uint8Array::from(&batch[..]);
                answers.push(JsFuture::from(check_share(batch, share.len() as u32, now)));
            }
        }
        let verified = verified.clone();
        let checked = Rc::clone(&self.verified);
        async move {
            for answer in answers {
                // A share that failed, timed out or came back malformed is left to the
                // caller's own thread: nothing of it is remembered.
                let Ok(Ok(pairs)) = answer.await.map(|pairs| pairs.dyn_into::<Uint8Array>()) else {
                    continue;
                };
                if let Ok(count) = remember_pairs(&pairs.to_vec(), &verified) {
                    checked.set(checked.get() + count as u64);
                }
            }
        }
    }

    /// Signatures the workers found valid since start.
    pub fn verified(&self) -> u64 {
        self.verified.get()
    }

    /// The workers' wasm memory in bytes, as each last said.
    pub fn memory_bytes(&self) -> u64 {
        pool_memory() as u64
    }
}
