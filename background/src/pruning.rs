//! Pruning others' events to the retention limits at start, every hour, and whenever the limits
//! change (docs/protocol.md §10), and the pictures nothing names any more with them (§12.1). The requests that read and save the limits are
//! `handlers/retention.rs`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use phemossa_core::retention::{plan_prune, StoredEvent};
use phemossa_core::EventId;
use web_sys::console;

use crate::clock;
use crate::error::BackgroundError;
use crate::storage::Storage;
use crate::user::User;

/// Time between pruning passes; events age out slowly, so an hour is precise enough.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Blobs stored this recently are never swept: the avatar a profile being saved or fetched
/// names is stored first, and a minute covers the gap many times over.
const BLOB_GRACE_MS: u64 = 60_000;
/// Records read per step of the scan.
const SCAN_PAGE: u32 = 1_000;
/// Events deleted per transaction, so a long prune never holds the database for long.
const DELETE_BATCH: usize = 500;

/// Runs pruning passes, one at a time.
pub struct Pruner {
    storage: Rc<Storage>,
    user: Rc<User>,
    /// A pass is running; another waits for the next turn.
    running: Cell<bool>,
}

impl Pruner {
    pub fn new(storage: Rc<Storage>, user: Rc<User>) -> Self {
        Self {
            storage,
            user,
            running: Cell::new(false),
        }
    }

    /// One pruning pass: scans every stored event, keeps the user's own and followed authors',
    /// and deletes the rest that are too old or beyond the size limit. Returns how many went.
    /// A pass already running makes this one return 0 at once.
    pub async fn prune(&self) -> Result<u64, BackgroundError> {
        if self.running.replace(true) {
            return Ok(0);
        }
        let result = self.prune_pass().await;
        self.running.set(false);
        result
    }

    async fn prune_pass(&self) -> Result<u64, BackgroundError> {
        let settings = self.storage.retention_settings().await?;
        let mut others = Vec::new();
        let mut after: Option<EventId> = None;
        loop {
            let page = self.storage.events_after(after.as_ref(), SCAN_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let full = page.len() as u32 == SCAN_PAGE;
            others.extend(
                page.iter()
                    .filter(|record| !self.user.keeps(&record.author))
                    .map(|record| StoredEvent {
                        id: record.id,
                        author: record.author,
                        timestamp: record.timestamp,
                        size: record.size,
                    }),
            );
            if !full {
                break;
            }
        }
        // Judged again now, after the awaits: a follow made during the scan keeps its author.
        let plan = plan_prune(
            &others,
            |author| self.user.keeps(author),
            &settings,
            clock::now_ms(),
        );
        let mut removed = 0;
        for batch in plan.remove.chunks(DELETE_BATCH) {
            removed += self.storage.delete_events(batch).await?;
        }
        // Pictures only pruned or superseded profiles named go too (protocol.md §12.1).
        let swept = self
            .storage
            .sweep_blobs(clock::now_ms().saturating_sub(BLOB_GRACE_MS))
            .await?;
        if swept > 0 {
            console::info_1(&format!("phemossa: removed {swept} pictures nothing names").into());
        }
        Ok(removed)
    }

    /// Prunes now and then every [`PRUNE_INTERVAL`], for as long as the background runs.
    pub fn start(self: &Rc<Self>) {
        let pruner = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                match pruner.prune().await {
                    Ok(0) => {}
                    Ok(n) => console::info_1(&format!("phemossa: pruned {n} events").into()),
                    Err(error) => {
                        console::error_1(&format!("phemossa: pruning failed: {error}").into())
                    }
                }
                futures_timer::Delay::new(PRUNE_INTERVAL).await;
            }
        });
    }
}
