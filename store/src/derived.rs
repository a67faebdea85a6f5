//! What a stored event writes besides its own row, and what its removal takes back, in the same
//! transaction: each concern's tables (follow records, running totals, notifications, search
//! terms and the like) stay exact with `events` because every insert and removal passes here.
//! `insert` calls [`storing`] once a batch's removals are done and before its new events are
//! written, [`added`] after each event's row is written and [`removed`] after one is taken off
//! (removed by a delete, retention or a block, or replaced by a newer profile of its author);
//! each concern's module says what it does with them. Side tables keyed by `events.seq` can
//! trust it: it is AUTOINCREMENT, never given twice.

use phemossa_core::Event;
use rusqlite::Transaction;

use crate::rows::StoredRow;
use crate::StoreError;

/// What a transaction's hooks gather to write once, when it has stored and removed all it will
/// (see [`Batch::finish`]), rather than once per event.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    totals: crate::totals::Delta,
}

impl Batch {
    /// Writes what the transaction's stores and removals gathered. Every transaction that stores
    /// or removes events ends with it, before its commit.
    pub(crate) fn finish(self, transaction: &Transaction<'_>) -> Result<(), StoreError> {
        crate::totals::flush(transaction, self.totals)?;
        crate::notifications::cap(transaction)
    }
}

/// A batch's new events are about to be stored (its removals are done): for what is decided
/// per batch rather than per event (notifications' batch rules).
pub(crate) fn storing(transaction: &Transaction<'_>) -> Result<(), StoreError> {
    crate::notifications::batch_starting(transaction)
}

/// `event` was stored as row `seq`, its JSON `size` bytes.
pub(crate) fn added(
    transaction: &Transaction<'_>,
    batch: &mut Batch,
    event: &Event,
    seq: i64,
    size: i64,
) -> Result<(), StoreError> {
    crate::people::added(transaction, event, seq)?;
    crate::totals::added(&mut batch.totals, event, size);
    crate::thread::added(transaction, event, seq)?;
    crate::notifications::added(transaction, event, seq)?;
    crate::blobs::added(transaction, event, seq)?;
    Ok(())
}

/// `row` was taken off `events`.
pub(crate) fn removed(
    transaction: &Transaction<'_>,
    batch: &mut Batch,
    row: &StoredRow,
) -> Result<(), StoreError> {
    crate::people::removed(transaction, row)?;
    crate::totals::removed(&mut batch.totals, row);
    crate::search::removed(transaction, row)?;
    crate::thread::removed(transaction, row)?;
    crate::notifications::removed(transaction, row)?;
    crate::blobs::removed(transaction, row)?;
    Ok(())
}
