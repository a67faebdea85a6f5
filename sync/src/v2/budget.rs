//! A node-wide cap on the items responders hold for peers' reconciliations. Each peer's open
//! reconciliation keeps its item set (40 bytes an item) for up to `held_idle_ms` after its last
//! round; without a cap, many peers reconciling over large stores at once would grow the
//! browser's wasm memory, which never shrinks, far past what the store itself needs.

use std::sync::{Arc, Mutex};

/// Items held for peers at once unless told otherwise: 16 MB, four peers over 100,000 events.
/// A peer beyond it is refused without blame and retries later (§9.6); a set alone is always
/// held, so a large scope is served when nothing else is.
pub const DEFAULT_HELD_ITEMS: usize = 400_000;

/// A handle on one node's budget; clones share it.
#[derive(Debug, Clone)]
pub struct HeldBudget {
    in_use: Arc<Mutex<usize>>,
    cap: usize,
}

/// Items taken from a [`HeldBudget`], given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    in_use: Arc<Mutex<usize>>,
    items: usize,
}

impl Default for HeldBudget {
    fn default() -> Self {
        Self::with_cap(DEFAULT_HELD_ITEMS)
    }
}

impl HeldBudget {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            in_use: Arc::new(Mutex::new(0)),
            cap,
        }
    }

    /// Takes `items` if they fit under the cap, or if nothing else is held: one set of any size
    /// a reconciliation may hold (`MAX_RECONCILE_ITEMS`) can always be served, one at a time.
    pub fn reserve(&self, items: usize) -> Option<Reservation> {
        let mut in_use = lock(&self.in_use);
        let after = in_use
            .checked_add(items)
            .filter(|n| *n <= self.cap || *in_use == 0)?;
        *in_use = after;
        Some(Reservation {
            in_use: Arc::clone(&self.in_use),
            items,
        })
    }

    /// Items held now.
    pub fn in_use(&self) -> usize {
        *lock(&self.in_use)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut in_use = lock(&self.in_use);
        *in_use = in_use.saturating_sub(self.items);
    }
}

/// Nothing panics while the lock is held, so a poisoned lock still holds a true count.
fn lock(count: &Mutex<usize>) -> std::sync::MutexGuard<'_, usize> {
    count
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_fit_under_the_cap_and_come_back_when_dropped() {
        let budget = HeldBudget::with_cap(10);
        let first = budget.reserve(6).expect("fits");
        assert!(budget.reserve(5).is_none(), "6 + 5 is over 10");
        let shared = budget.clone();
        let second = shared.reserve(4).expect("6 + 4 fits");
        assert_eq!(budget.in_use(), 10);
        drop(first);
        assert_eq!(budget.in_use(), 4);
        drop(second);
        assert_eq!(budget.in_use(), 0);
        let alone = budget
            .reserve(25)
            .expect("over the cap, but nothing else is held");
        assert!(budget.reserve(1).is_none(), "beyond the cap, nothing more");
        drop(alone);
        let _one = budget.reserve(1).expect("fits");
        assert!(budget.reserve(usize::MAX).is_none(), "no overflow");
    }
}
