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

    /// The events after `after` in (timestamp, id) order that `belongs` keeps, as their place
    /// and wire JSON, `limit` at most, and whether more follow: what a sync 2.1 answer (a
    /// thread's replies, what addresses someone) is made from.
    pub fn matching_after(
        &self,
        after: Option<Cursor>,
        limit: usize,
        belongs: impl Fn(&Event) -> bool,
    ) -> (Vec<(Cursor, Vec<u8>)>, bool) {
        let start = match after {
            None => std::ops::Bound::Unbounded,
            Some(c) => std::ops::Bound::Excluded(c),
        };
        let mut found = self
            .events
            .range((start, std::ops::Bound::Unbounded))
            .filter(|(_, event)| belongs(event));
        let page: Vec<(Cursor, Vec<u8>)> = found
            .by_ref()
            .take(limit)
            .map(|(key, event)| (*key, event.to_json().into_bytes()))
            .collect();
        (page, found.next().is_some())
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
