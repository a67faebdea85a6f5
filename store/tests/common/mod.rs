//! Signed events for the store's tests.

use phemossa_core::{Content, Event, EventId, Identity, Post, Profile, Reaction, Repost};
use phemossa_store::Store;

pub fn identity(seed: u8) -> Identity {
    Identity::from_seed([seed; 32])
}

pub fn post(author: &Identity, timestamp: u64, text: &str) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: None,
    });
    Event::create(author, timestamp, content).expect("a valid post")
}

pub fn profile(author: &Identity, timestamp: u64, name: &str) -> Event {
    let content = Content::Profile(Profile {
        name: name.into(),
        about: String::new(),
        avatar: None,
    });
    Event::create(author, timestamp, content).expect("a valid profile")
}

pub fn delete(author: &Identity, timestamp: u64, targets: &[EventId]) -> Event {
    let content = Content::Delete {
        targets: targets.to_vec(),
    };
    Event::create(author, timestamp, content).expect("a valid delete")
}

pub fn repost(author: &Identity, timestamp: u64, original: &Event) -> Event {
    let content = Content::Repost(Repost {
        original: Box::new(original.clone()),
    });
    Event::create(author, timestamp, content).expect("a valid repost")
}

pub fn reaction(author: &Identity, timestamp: u64, target: &Event, emoji: &str) -> Event {
    let content = Content::Reaction(Reaction {
        target: target.id,
        target_author: target.author,
        emoji: emoji.into(),
    });
    Event::create(author, timestamp, content).expect("a valid reaction")
}

/// A store in memory holding `events`, stored as one batch.
pub fn store_with(events: &[Event]) -> Store {
    let mut store = Store::open_in_memory().expect("a store");
    store.insert_batch(events).expect("stored");
    store
}
