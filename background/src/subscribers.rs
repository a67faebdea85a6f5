//! Who asked for which pushes: each open port with the topics it subscribed to, until it closes.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use phemossa_api::{Push, ServerMessage, Topic};

/// Somewhere pushes can be sent: a UI port in the product, a recorder in tests.
pub trait PushSink {
    /// Tells sinks apart (one per port).
    fn id(&self) -> u64;
    /// Sends a message; `false` means the sink is gone for good.
    fn send(&self, message: &ServerMessage) -> bool;
    /// Whether an answer sent now could still arrive (a port not yet closed).
    fn is_open(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct Subscribers {
    entries: RefCell<Vec<Entry>>,
    /// Pushes sent so far (`first_page.rs` takes a push to mean the feed may have changed).
    pushes: Cell<u64>,
}

struct Entry {
    sink: Rc<dyn PushSink>,
    topics: HashSet<Topic>,
}

impl Subscribers {
    /// Adds `topics` to what `sink` receives.
    pub fn subscribe(&self, sink: &Rc<dyn PushSink>, topics: &[Topic]) {
        let mut entries = self.entries.borrow_mut();
        match entries.iter_mut().find(|e| e.sink.id() == sink.id()) {
            Some(entry) => entry.topics.extend(topics.iter().copied()),
            None => entries.push(Entry {
                sink: Rc::clone(sink),
                topics: topics.iter().copied().collect(),
            }),
        }
    }

    /// Forgets the sink with this id (its port closed).
    pub fn remove(&self, id: u64) {
        self.entries.borrow_mut().retain(|e| e.sink.id() != id);
    }

    /// How many pushes were sent so far.
    pub fn pushes(&self) -> u64 {
        self.pushes.get()
    }

    /// Sends `push` to every sink subscribed to its topic; drops sinks that are gone.
    pub fn push(&self, push: Push) {
        self.pushes.set(self.pushes.get() + 1);
        let topic = topic_of(&push);
        let targets: Vec<Rc<dyn PushSink>> = self
            .entries
            .borrow()
            .iter()
            .filter(|e| e.topics.contains(&topic))
            .map(|e| Rc::clone(&e.sink))
            .collect();
        let message = ServerMessage::Push { push };
        for sink in targets {
            if !sink.send(&message) {
                self.remove(sink.id());
            }
        }
    }
}

fn topic_of(push: &Push) -> Topic {
    match push {
        Push::FeedAdded(_)
        | Push::FeedReset
        | Push::Reactions(_)
        | Push::Unread(_)
        | Push::Replies(_) => Topic::Feed,
        Push::Following(_) => Topic::Following,
        Push::Identity(_) => Topic::Identity,
        Push::Network(_) => Topic::Network,
        Push::People(_) | Push::Followers(_) | Push::BlobStored(_) | Push::KeepOut(_) => {
            Topic::People
        }
    }
}
