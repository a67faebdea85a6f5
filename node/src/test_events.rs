//! Events the unit tests of sync 2.1's askers build: posts by fixed identities, and each
//! event's place in (timestamp, id) order.

use phemossa_core::event::{Content, Post};
use phemossa_core::{Event, EventId, Identity, PublicKey};
use phemossa_sync::Cursor;

/// A time in December 2026 the tests call now.
pub const NOW: u64 = 1_767_225_600_000;

/// A post by the identity of `seed` at `at`, answering `reply_to` and mentioning `mentions`.
pub fn post(seed: u8, at: u64, reply_to: Option<EventId>, mentions: &[PublicKey]) -> Event {
    let content = Content::Post(Post {
        text: format!("post {seed} at {at}"),
        mentions: mentions.to_vec(),
        reply_to,
    });
    Event::create(&Identity::from_seed([seed; 32]), at, content).expect("a valid post")
}

/// Where `event` stands in (timestamp, id) order.
pub fn cursor(event: &Event) -> Cursor {
    Cursor {
        timestamp: event.timestamp,
        id: event.id,
    }
}
