//! An in-memory event store and a driver that runs two sessions against each other message by
//! message, for tests and the cost example; the extension's driver does the same over libp2p
//! and IndexedDB.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::message::{Cursor, Scope};
use crate::v1::session::{Output, Progress, Session, SessionConfig};
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event};

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

    /// Answers [`Output::ListIds`].
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

    /// Answers [`Output::LoadEvents`].
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

/// One side of an in-memory link.
#[derive(Debug, Default)]
pub struct Peer {
    pub store: MemoryStore,
    pub session: Session,
    /// How this side's last pull ended.
    pub finished: Option<Result<Progress, Error>>,
    pub disconnect: bool,
}

impl Peer {
    pub fn new(store: MemoryStore, config: SessionConfig) -> Self {
        Self {
            store,
            session: Session::new(config),
            finished: None,
            disconnect: false,
        }
    }

    /// Carries out every output: answers queries from the store at once, stores events, and
    /// returns the messages to send to the other side.
    pub fn drain(&mut self, now_ms: u64) -> Vec<Vec<u8>> {
        let mut sent = Vec::new();
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::Request(bytes) | Output::Respond { bytes, .. } => sent.push(bytes),
                Output::ListIds {
                    query,
                    scope,
                    after,
                    limit,
                } => {
                    let (page, more) = self.store.list(&scope, after, limit);
                    self.session.answer_ids(query, page, more);
                }
                Output::FindMissing { query, ids } => {
                    let missing = ids
                        .into_iter()
                        .filter(|id| !self.store.contains(id))
                        .collect();
                    self.session.answer_missing(query, missing, now_ms);
                }
                Output::LoadEvents { query, ids } => {
                    let found = self.store.load(&ids);
                    self.session.answer_events(query, found);
                }
                Output::Store(event) => self.store.insert(event),
                Output::Finished(result) => self.finished = Some(result),
                Output::Disconnect => self.disconnect = true,
                Output::Progress(_) | Output::Misbehaved(_) => {}
            }
        }
        sent
    }
}

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AToB,
    BToA,
}

/// Bytes and messages that crossed the link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub messages: u64,
    pub bytes: u64,
}

/// Two peers and the messages in flight between them, with a fed clock.
#[derive(Debug)]
pub struct Link {
    pub a: Peer,
    pub b: Peer,
    pub now_ms: u64,
    in_flight: VecDeque<(Direction, Vec<u8>)>,
    pub traffic: Traffic,
}

impl Link {
    pub fn new(a: Peer, b: Peer, now_ms: u64) -> Self {
        Self {
            a,
            b,
            now_ms,
            in_flight: VecDeque::new(),
            traffic: Traffic::default(),
        }
    }

    /// Moves what both peers want to send onto the link.
    pub fn collect(&mut self) {
        let now = self.now_ms;
        for bytes in self.a.drain(now) {
            self.in_flight.push_back((Direction::AToB, bytes));
        }
        for bytes in self.b.drain(now) {
            self.in_flight.push_back((Direction::BToA, bytes));
        }
    }

    /// Delivers one message in flight, after `fault` has had a chance to alter it (or drop it
    /// by returning false). When nothing is in flight, advances the clock to the next deadline
    /// and fires timeouts. Returns false once neither side has anything left to do.
    pub fn step(&mut self, fault: &mut impl FnMut(Direction, &mut Vec<u8>) -> bool) -> bool {
        self.collect();
        if let Some((direction, mut bytes)) = self.in_flight.pop_front() {
            if fault(direction, &mut bytes) {
                self.traffic.messages += 1;
                self.traffic.bytes += bytes.len() as u64;
                let to = match direction {
                    Direction::AToB => &mut self.b,
                    Direction::BToA => &mut self.a,
                };
                to.session.handle_message(&bytes, self.now_ms);
            }
            return true;
        }
        let deadline = [
            self.a.session.next_deadline(),
            self.b.session.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(deadline) = deadline else {
            return false;
        };
        self.now_ms = self.now_ms.max(deadline);
        self.a.session.handle_timeout(self.now_ms);
        self.b.session.handle_timeout(self.now_ms);
        true
    }

    /// Runs until idle, delivering everything.
    pub fn run(&mut self) {
        while self.step(&mut |_, _| true) {}
    }
}
