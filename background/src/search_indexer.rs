//! The search indexer: writes the search terms of posts a bulk write left for later
//! (`storage::Terms::Later`), once bulk writes have paused (`bulk_writes.rs`) and while storage
//! has room (`storage/room.rs`), 500 posts a transaction. A sync's or an import's writes then
//! cost one `terms_pending` record per batch instead of an index entry per word (a quarter to
//! 40 % of the ingest rate, docs/benchmarks.md), and search catches up right after.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use web_sys::console;

use crate::bulk_writes::BulkWrites;
use crate::clock;
use crate::storage::{Storage, INDEX_OP};

/// Posts whose terms one transaction writes.
const BATCH: usize = 500;

/// How often room is asked for again while storage is full: one `estimate()` call, cheap.
const ROOM_RETRY_MS: u64 = 30_000;

pub struct SearchIndexer {
    storage: Rc<Storage>,
    /// When a bulk write last deferred terms.
    bulk: Rc<BulkWrites>,
    running: Cell<bool>,
    /// Storage had no room at the last look: said in the console once, not every retry.
    waiting_for_room: Cell<bool>,
}

impl SearchIndexer {
    pub fn new(storage: Rc<Storage>, bulk: Rc<BulkWrites>) -> Rc<Self> {
        Rc::new(Self {
            storage,
            bulk,
            running: Cell::new(false),
            waiting_for_room: Cell::new(false),
        })
    }

    /// A write left terms for later (or the node just started, with some perhaps left by the
    /// last run): write them once storing pauses.
    pub fn deferred(self: &Rc<Self>) {
        self.bulk.noted();
        if !self.running.replace(true) {
            wasm_bindgen_futures::spawn_local(Rc::clone(self).run());
        }
    }

    async fn run(self: Rc<Self>) {
        loop {
            self.bulk.paused().await;
            // Terms are an index entry per word, several times a post's size on disk: written
            // into the room storing keeps free, they would fill the disk that storing stopped
            // short of (tests/e2e/storage-full.test.mjs saw the browser abort the database
            // then). They wait for room, which retention or the person's deletions make.
            if self.storage.check_room(INDEX_OP).await.is_err() {
                if !self.waiting_for_room.replace(true) {
                    console::warn_1(
                        &"phemossa: search terms wait until storage has room again".into(),
                    );
                }
                futures_timer::Delay::new(Duration::from_millis(ROOM_RETRY_MS)).await;
                continue;
            }
            self.waiting_for_room.set(false);
            let checked_at = clock::now_ms();
            match self.storage.index_deferred(BATCH).await {
                Ok(0) => {
                    self.running.set(false);
                    // A write that deferred terms after the last batch was read, while this
                    // task still counted as running, would otherwise wait for the next one.
                    if self.bulk.last() >= checked_at {
                        self.deferred();
                    }
                    return;
                }
                Ok(_) => {}
                Err(error) => {
                    // The posts keep their marker: the next deferred write, or the next start,
                    // tries again. Search misses them meanwhile; nothing is lost.
                    console::warn_1(
                        &format!("phemossa: writing search terms failed: {error}").into(),
                    );
                    self.running.set(false);
                    return;
                }
            }
        }
    }
}
