//! Retention in the running background: keeps the limits, and prunes others' events to them at
//! start, every hour, and whenever the limits change (docs/protocol.md §10).

use std::rc::Rc;
use std::time::Duration;

use phemossa_api::{ApiError, Response};
use phemossa_core::retention::{plan_prune, RetentionSettings, StoredEvent};
use phemossa_core::EventId;
use web_sys::console;

use crate::clock;
use crate::error::BackgroundError;
use crate::system::Background;

/// Time between pruning passes; events age out slowly, so an hour is precise enough.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Records read per step of the scan.
const SCAN_PAGE: u32 = 1_000;
/// Events deleted per transaction, so a long prune never holds the database for long.
const DELETE_BATCH: usize = 500;

impl Background {
    pub(crate) async fn retention(&self) -> Result<Response, ApiError> {
        Ok(Response::Retention(
            self.storage.retention_settings().await?,
        ))
    }

    /// Saves `settings` after checking them again, then prunes to them.
    pub(crate) async fn set_retention(
        &self,
        settings: RetentionSettings,
    ) -> Result<Response, ApiError> {
        let settings = settings.validated().map_err(ApiError::from)?;
        self.storage.save_retention_settings(&settings).await?;
        self.prune().await?;
        Ok(Response::Retention(settings))
    }

    /// One pruning pass: scans every stored event, keeps the user's own and followed authors',
    /// and deletes the rest that are too old or beyond the size limit. Returns how many went.
    /// A pass already running makes this one return 0 at once.
    pub async fn prune(&self) -> Result<u64, BackgroundError> {
        if self.pruning.replace(true) {
            return Ok(0);
        }
        let result = self.prune_pass().await;
        self.pruning.set(false);
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
                    .filter(|record| !self.keeps(&record.author))
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
            |author| self.keeps(author),
            &settings,
            clock::now_ms(),
        );
        let mut removed = 0;
        for batch in plan.remove.chunks(DELETE_BATCH) {
            removed += self.storage.delete_events(batch).await?;
        }
        Ok(removed)
    }

    /// Whose events are never pruned: the user's own and those of whom they follow.
    fn keeps(&self, author: &phemossa_core::PublicKey) -> bool {
        let me = self.public_key();
        *author == me || self.follows.borrow().is_following(&me, author)
    }

    /// Prunes now and then every [`PRUNE_INTERVAL`], for as long as the background runs.
    pub fn start_pruning(self: &Rc<Self>) {
        let background = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                match background.prune().await {
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
