//! Signed events for the store's tests.

#![allow(dead_code)] // each test file uses its own share

use phemossa_core::{Content, Event, EventId, Identity, Post, Profile};

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
