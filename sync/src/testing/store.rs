//! An in-memory event store, indexed as the browser's IndexedDB store is, answering the
//! queries both sync versions emit.

use std::collections::{BTreeMap, HashMap};

use crate::message::{Cursor, Scope};
use phemossa_core::keys::EventId;
use phemossa_core::Event;

/// Events by (timestamp, id), as the IndexedDB store indexes them.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    events: BTreeMap<Cursor, Event>,
    by_id: HashMap<EventId, u64>,
}

impl MemoryStore {
    pub fn insert(&mut self, event: Event) {
        if self.by_id.insert(event.id, event.timestamp).is_none() {
            let key = Cursor {
                timestamp: event.timestamp,
                id: event.id,
            };
            self.events.insert(key, event);
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn contains(&self, id: &EventId) -> bool {
        self.by_id.contains_key(id)
    }

    /// The ids in `scope`, in (timestamp, id) order.
    pub fn ids_in(&self, scope: &Scope) -> Vec<EventId> {
        self.events
            .values()
            .filter(|e| scope.admits(&e.author, e.timestamp))
            .map(|e| e.id)
            .collect()
    }

    /// Answers [`Output::ListIds`](crate::Output::ListIds).
    pub fn list(&self, scope: &Scope, after: Option<Cursor>, limit: usize) -> (Vec<Cursor>, bool) {
        let start = match after {
            None => std::ops::Bound::Unbounded,
            Some(c) => std::ops::Bound::Excluded(c),
        };
        let mut page = Vec::new();
        for (key, event) in self.events.range((start, std::ops::Bound::Unbounded)) {
            if !scope.admits(&event.author, event.timestamp) {
                continue;
            }
            if page.len() == limit {
                return (page, true);
            }
            page.push(*key);
        }
        (page, false)
    }

    /// Answers [`Output::LoadEvents`](crate::Output::LoadEvents).
    pub fn load(&self, ids: &[EventId]) -> Vec<(EventId, Vec<u8>)> {
        ids.iter()
            .filter_map(|id| {
                let timestamp = *self.by_id.get(id)?;
                let event = self.events.get(&Cursor { timestamp, id: *id })?;
                Some((*id, event.to_json().into_bytes()))
            })
            .collect()
    }
}
