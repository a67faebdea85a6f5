//! `--replay`: collect real, validly signed events (by pulling them from the victim over sync,
//! and from whatever gossip reaches this peer) and publish them again on their authors' gossip
//! topics, over and over. Nothing is forged: every replayed event is one its author signed, so
//! a victim must drop them as duplicates without blaming anyone (docs/protocol.md §8.5, §8.6).
//! Pure: message bytes and the clock in, requests and gossip payloads out.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use phemossa_core::{Event, EventId, PublicKey};
use phemossa_gossip::{message_id, topic_author};
use phemossa_sync::limits::MAX_EVENTS_PER_MESSAGE;
use phemossa_sync::{Cursor, Message, Scope};

/// How often `--replay` publishes (one message per author topic a victim is on) by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(1_000);
/// Events kept at most; a replay needs a few, not the victim's whole store.
pub const MAX_CAPTURED: usize = 1_024;
/// Events of one author in one replayed message at most (a browser batches 32, §8.5).
const MAX_BATCH: usize = 32;
/// Ids asked for in one event-request (the responder considers 128, §8.4).
const FETCH_BATCH: usize = 128;
/// How long this peer's own gossipsub refuses to publish the same bytes again (its duplicate
/// cache is 60 s by default): a payload is not repeated sooner.
const REPUBLISH_AFTER_MS: u64 = 65_000;
/// Copies of the batch's first event appended at most, to give the same events new bytes.
const MAX_EXTRA_COPIES: usize = 8;

/// One valid event, as captured.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Captured {
    author: PublicKey,
    timestamp: u64,
    json: Vec<u8>,
}

/// Where a capture pull from the victim stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pull {
    Idle,
    /// Waiting for the page asked with `req`.
    Listing {
        req: u64,
    },
    /// Waiting for the events asked with `req`; `todo` are the page's other missing ids, and
    /// `next` where the following page starts.
    Fetching {
        req: u64,
        todo: Vec<EventId>,
        next: Option<Cursor>,
    },
}

/// One replayed gossip message: the new-event bytes for `author`'s topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub author: PublicKey,
    pub data: Vec<u8>,
    /// The distinct events it carries, in order.
    pub ids: Vec<EventId>,
    /// Events it carries, copies included.
    pub copies: usize,
}

/// The captured events, the pull that captures them, and what was replayed when.
#[derive(Debug)]
pub struct Replay {
    events: BTreeMap<EventId, Captured>,
    pull: Pull,
    next_req: u64,
    /// Gossipsub message ids of payloads published, with when (ms).
    published: HashMap<Vec<u8>, u64>,
}

impl Default for Replay {
    fn default() -> Self {
        Replay::new()
    }
}

impl Replay {
    pub fn new() -> Replay {
        Replay {
            events: BTreeMap::new(),
            pull: Pull::Idle,
            next_req: 1,
            published: HashMap::new(),
        }
    }

    /// Events captured so far.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Whether `id` was captured.
    pub fn holds(&self, id: &EventId) -> bool {
        self.events.contains_key(id)
    }

    fn req(&mut self) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        req
    }

    /// Keeps `json` if it is a valid event (by `expected` when given); returns whether it was new.
    fn capture(&mut self, json: &[u8], expected: Option<PublicKey>, now_ms: u64) -> bool {
        if self.events.len() >= MAX_CAPTURED {
            return false;
        }
        let Ok(event) = Event::from_json(json, now_ms) else {
            return false;
        };
        if expected.is_some_and(|author| author != event.author) || self.holds(&event.id) {
            return false;
        }
        self.events.insert(
            event.id,
            Captured {
                author: event.author,
                timestamp: event.timestamp,
                json: json.to_vec(),
            },
        );
        true
    }

    /// Captures the valid events of a gossip message seen on `topic`; returns how many were new.
    pub fn capture_gossip(&mut self, data: &[u8], topic: &str, now_ms: u64) -> usize {
        let (Ok(Message::NewEvent { events }), Some(author)) =
            (Message::decode(data), topic_author(topic))
        else {
            return 0;
        };
        events
            .iter()
            .filter(|json| self.capture(json, Some(author), now_ms))
            .count()
    }

    /// The first request of a capture pull (every author, from the start), unless one runs or
    /// there is no room left.
    pub fn start_pull(&mut self) -> Option<Vec<u8>> {
        if self.pull != Pull::Idle || self.events.len() >= MAX_CAPTURED {
            return None;
        }
        Some(self.list(None))
    }

    fn list(&mut self, after: Option<Cursor>) -> Vec<u8> {
        let req = self.req();
        self.pull = Pull::Listing { req };
        list_everything(req, after)
    }

    fn fetch(&mut self, mut todo: Vec<EventId>, next: Option<Cursor>) -> Option<Vec<u8>> {
        if todo.is_empty() || self.events.len() >= MAX_CAPTURED {
            return match next {
                Some(after) if self.events.len() < MAX_CAPTURED => Some(self.list(Some(after))),
                _ => {
                    self.pull = Pull::Idle;
                    None
                }
            };
        }
        let rest = todo.split_off(todo.len().min(FETCH_BATCH));
        let req = self.req();
        self.pull = Pull::Fetching {
            req,
            todo: rest,
            next,
        };
        Some(Message::EventRequest { req, ids: todo }.encode())
    }

    /// The capture pull's request failed or its connection closed: it ends.
    pub fn pull_failed(&mut self) {
        self.pull = Pull::Idle;
    }

    /// The victim's answer to the capture pull: returns the next request to send (None when
    /// the pull is over) and how many events were new.
    pub fn on_response(&mut self, bytes: &[u8], now_ms: u64) -> (Option<Vec<u8>>, usize) {
        let pull = std::mem::replace(&mut self.pull, Pull::Idle);
        match (pull, Message::decode(bytes)) {
            (Pull::Listing { req }, Ok(Message::SyncResponse { req: r, ids, next }))
                if r == req =>
            {
                let missing: Vec<EventId> = ids.into_iter().filter(|id| !self.holds(id)).collect();
                (self.fetch(missing, next), 0)
            }
            (
                Pull::Fetching { req, todo, next },
                Ok(Message::EventResponse { req: r, events, .. }),
            ) if r == req => {
                let new = events
                    .iter()
                    .filter(|json| self.capture(json, None, now_ms))
                    .count();
                (self.fetch(todo, next), new)
            }
            // Anything else ends the pull; the next round starts another.
            _ => (None, 0),
        }
    }

    /// The message to replay on `author`'s topic now: the first payload of the author's
    /// captured events not published in the last 65 s. Each event alone comes first (what a
    /// replay of the original gossip looks like), then the events together in every rotation,
    /// then those with copies of the first event appended: each a new gossipsub message id, so
    /// the victim's gossipsub hands each to its application to judge.
    pub fn next_message(&mut self, author: &PublicKey, now_ms: u64) -> Option<Replayed> {
        self.published
            .retain(|_, at| now_ms.saturating_sub(*at) < REPUBLISH_AFTER_MS);
        let mut mine: Vec<(&EventId, &Captured)> = self
            .events
            .iter()
            .filter(|(_, c)| c.author == *author)
            .collect();
        mine.sort_by_key(|(id, c)| (c.timestamp, **id));
        mine.truncate(MAX_BATCH);
        let k = mine.len();
        let singles = (0..k).map(|i| vec![i]);
        let batches = (0..=MAX_EXTRA_COPIES).flat_map(|extra| {
            (0..k).filter_map(move |rot| {
                if k < 2 && extra == 0 {
                    return None; // the single already
                }
                let mut order: Vec<usize> = (0..k).map(|i| (i + rot) % k).collect();
                order.extend(std::iter::repeat_n(rot, extra));
                (order.len() <= MAX_EVENTS_PER_MESSAGE).then_some(order)
            })
        });
        for order in singles.chain(batches) {
            let events: Vec<Vec<u8>> = order.iter().map(|&i| mine[i].1.json.clone()).collect();
            let data = Message::NewEvent { events }.encode();
            let id = message_id(&data);
            if self.published.contains_key(&id) {
                continue;
            }
            self.published.insert(id, now_ms);
            let mut ids: Vec<EventId> = Vec::new();
            for &i in &order {
                if !ids.contains(mine[i].0) {
                    ids.push(*mine[i].0);
                }
            }
            return Some(Replayed {
                author: *author,
                data,
                ids,
                copies: order.len(),
            });
        }
        None
    }

    /// Authors with captured events.
    pub fn authors(&self) -> Vec<PublicKey> {
        let mut authors: Vec<PublicKey> = self.events.values().map(|c| c.author).collect();
        authors.sort();
        authors.dedup();
        authors
    }
}

/// A v1 sync-request `req` for every author since the start, listing ids after `after`: how
/// this peer (and its tests, as a victim would) asks for everything a node holds.
pub fn list_everything(req: u64, after: Option<Cursor>) -> Vec<u8> {
    Message::SyncRequest {
        req,
        scope: Scope::default(),
        after,
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::{Content, Identity, Post};
    use phemossa_gossip::author_topic;

    const NOW: u64 = 1_767_225_600_000;

    fn post(seed: u8, n: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("post {n}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(&Identity::from_seed([seed; 32]), NOW - 1000 * n, content).expect("an event")
    }

    fn gossip(events: &[&Event]) -> Vec<u8> {
        Message::NewEvent {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
        }
        .encode()
    }

    #[test]
    fn only_valid_events_on_their_authors_topic_are_captured() {
        let (a, b) = (post(1, 1), post(2, 1));
        let mut replay = Replay::new();
        let topic_a = author_topic(&a.author);
        assert_eq!(replay.capture_gossip(&gossip(&[&a, &b]), &topic_a, NOW), 1);
        assert!(replay.holds(&a.id) && !replay.holds(&b.id));
        // Again: nothing new.
        assert_eq!(replay.capture_gossip(&gossip(&[&a]), &topic_a, NOW), 0);
        // A tampered copy is no event.
        let bad = a.to_json().replace("post 1", "post X").into_bytes();
        let data = Message::NewEvent { events: vec![bad] }.encode();
        assert_eq!(replay.capture_gossip(&data, &topic_a, NOW), 0);
    }

    #[test]
    fn a_capture_pull_lists_then_fetches_then_goes_on_to_the_next_page() {
        let events: Vec<Event> = (1..=3).map(|n| post(1, n)).collect();
        let mut replay = Replay::new();
        let first = replay.start_pull().expect("a pull starts");
        assert!(replay.start_pull().is_none(), "one at a time");
        let Ok(Message::SyncRequest {
            req, after: None, ..
        }) = Message::decode(&first)
        else {
            panic!("a listing from the start");
        };
        let next = Cursor {
            timestamp: events[1].timestamp,
            id: events[1].id,
        };
        let page = Message::SyncResponse {
            req,
            ids: events[..2].iter().map(|e| e.id).collect(),
            next: Some(next),
        };
        let (ask, new) = replay.on_response(&page.encode(), NOW);
        assert_eq!(new, 0);
        let Ok(Message::EventRequest { req, ids }) = Message::decode(&ask.expect("a fetch")) else {
            panic!("an event-request");
        };
        assert_eq!(ids.len(), 2);
        let answer = Message::EventResponse {
            req,
            events: events[..2]
                .iter()
                .map(|e| e.to_json().into_bytes())
                .collect(),
            unknown: vec![],
        };
        let (more, new) = replay.on_response(&answer.encode(), NOW);
        assert_eq!(new, 2);
        let Ok(Message::SyncRequest {
            after: Some(after), ..
        }) = Message::decode(&more.expect("the next page"))
        else {
            panic!("a listing after the page");
        };
        assert_eq!(after, next);
        // A wrong answer ends the pull; a new one may start.
        let (none, _) = replay.on_response(b"\x00", NOW);
        assert!(none.is_none());
        assert!(replay.start_pull().is_some());
    }

    #[test]
    fn replays_are_real_events_under_ever_new_message_ids() {
        let (one, two) = (post(1, 1), post(1, 2));
        let author = one.author;
        let mut replay = Replay::new();
        replay.capture_gossip(&gossip(&[&one, &two]), &author_topic(&author), NOW);
        let mut ids = std::collections::HashSet::new();
        for round in 0..10 {
            let message = replay
                .next_message(&author, NOW + round)
                .expect("something to replay");
            assert!(ids.insert(message_id(&message.data)), "round {round}");
            let Ok(Message::NewEvent { events }) = Message::decode(&message.data) else {
                panic!("a new-event");
            };
            assert_eq!(events.len(), message.copies);
            for json in events {
                let event = Event::from_json(&json, NOW).expect("a valid event");
                assert!(event.id == one.id || event.id == two.id);
            }
        }
        // The first two are the events alone: the original gossip's message ids.
        assert!(ids.contains(&message_id(&gossip(&[&two]))));
        // 65 s on, the same bytes may go out again.
        let again = replay
            .next_message(&author, NOW + 70_000)
            .expect("again later");
        assert_eq!(again.copies, 1);
        // An author with nothing captured has nothing to replay.
        let other = post(2, 1).author;
        assert!(replay.next_message(&other, NOW).is_none());
    }
}
