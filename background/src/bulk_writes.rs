//! When the store last took a bulk write (a batch of a sync or an import large enough to leave
//! its posts' search terms for later): work that can wait, and would otherwise take the
//! machine's cores from storing, waits until bulk writes have paused for [`QUIET_MS`]. The search
//! indexer's terms and the proof-of-work searches of follow announcements both do.

use std::cell::Cell;
use std::time::Duration;

use crate::clock;

/// How long bulk writes must pause before waiting work starts: longer than the gap between two
/// batches of a running sync (a batch stores in 130–200 ms here), short enough that search
/// catches up, and a follow is announced, about a second after a sync ends.
pub const QUIET_MS: u64 = 1_000;

#[derive(Default)]
pub struct BulkWrites {
    /// When the last bulk write was noted, ms since the epoch (0: never).
    last: Cell<u64>,
}

impl BulkWrites {
    /// A bulk write was just made.
    pub fn noted(&self) {
        self.last.set(clock::now_ms());
    }

    /// When the last bulk write was noted, ms since the epoch (0: never).
    pub fn last(&self) -> u64 {
        self.last.get()
    }

    /// Resolves once no bulk write has been noted for [`QUIET_MS`]: at once if none was.
    pub async fn paused(&self) {
        loop {
            let quiet_for = clock::now_ms().saturating_sub(self.last.get());
            if quiet_for >= QUIET_MS {
                return;
            }
            futures_timer::Delay::new(Duration::from_millis(QUIET_MS - quiet_for)).await;
        }
    }
}
