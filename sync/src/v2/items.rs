//! Building one reconciliation's item set from store pages: the driver lists the (timestamp, id)
//! items in scope page by page (v1's `ListIds` query), and they become a sealed negentropy
//! storage of (seconds, id) items, bounded by
//! [`MAX_RECONCILE_ITEMS`](super::limits::MAX_RECONCILE_ITEMS).

use negentropy::{Id, NegentropyStorageVector};

use crate::message::{Cursor, Scope};
use crate::output::{Output, QueryId};
use phemossa_core::keys::EventId;
use phemossa_core::Error;

/// An item set being listed from the store.
#[derive(Debug)]
pub(super) struct Loading {
    pub scope: Scope,
    pub query: QueryId,
    items: NegentropyStorageVector,
    count: usize,
}

/// What one page did to a [`Loading`].
pub(super) enum Loaded {
    /// Ask for the next page with this output (boxed: an `Output` can hold a whole event).
    More(Box<Output>),
    /// Every item is listed.
    Done(NegentropyStorageVector),
    /// The scope holds more than `max` items.
    TooLarge(Error),
}

impl Loading {
    /// Starts listing `scope`; returns the loader and the query to send the driver.
    pub fn start(scope: Scope, query: QueryId, page: usize) -> (Loading, Output) {
        let output = Output::ListIds {
            query,
            scope: scope.clone(),
            after: None,
            limit: page,
        };
        let loading = Loading {
            scope,
            query,
            items: NegentropyStorageVector::new(),
            count: 0,
        };
        (loading, output)
    }

    /// Takes one page of the store's answer; `next_query` names the next page's query.
    pub fn page(
        mut self,
        page: Vec<Cursor>,
        more: bool,
        next_query: QueryId,
        limit: usize,
        max: usize,
    ) -> (Option<Loading>, Loaded) {
        self.count += page.len();
        if self.count > max {
            let error = Error::ReconcileSetTooLarge {
                count: self.count,
                max,
            };
            return (None, Loaded::TooLarge(error));
        }
        let last = page.last().copied();
        for item in page {
            // Only a sealed storage refuses inserts, and this one is sealed below, once.
            let _ = self
                .items
                .insert(seconds(item.timestamp), to_negentropy(&item.id));
        }
        match last {
            // A page that says more follow but holds nothing would make loading loop forever.
            Some(after) if more => {
                self.query = next_query;
                let output = Output::ListIds {
                    query: next_query,
                    scope: self.scope.clone(),
                    after: Some(after),
                    limit,
                };
                (Some(self), Loaded::More(Box::new(output)))
            }
            _ => {
                let mut items = self.items;
                // Sorts and removes duplicates; fails only if already sealed, which it is not.
                let _ = items.seal();
                (None, Loaded::Done(items))
            }
        }
    }
}

/// The negentropy timestamp of an event: its timestamp in whole seconds, as NIP-77 uses. Both
/// sides order items by (seconds, id), which is all negentropy needs; and hoytech's JavaScript
/// negentropy reads varints as 32-bit integers, so millisecond timestamps would break it.
pub(super) fn seconds(timestamp_ms: u64) -> u64 {
    timestamp_ms / 1000
}

pub(super) fn to_negentropy(id: &EventId) -> Id {
    Id::from_byte_array(*id.as_bytes())
}

pub(super) fn from_negentropy(id: &Id) -> EventId {
    EventId::from_bytes(id.to_bytes())
}
