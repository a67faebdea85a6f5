//! Phemossa's core: everything that decides what is true, with no IO.
//!
//! Events are signed, content-addressed records; this crate encodes them canonically, validates
//! untrusted input, derives the follow graph and the feed, seals identity backups, and defines the
//! typed messages the extension's pages exchange with the background. Callers supply bytes, time
//! and randomness; nothing here touches a clock, a disk, a network or a browser.

pub mod api;
pub mod backup;
pub mod error;
pub mod event;
pub mod feed;
pub mod follow_graph;
pub mod identity;
pub mod keys;
pub mod limits;
pub mod retention;
pub mod settings;
pub mod sync;

pub use error::Error;
pub use event::{Content, Event, Post};
pub use feed::FeedCursor;
pub use follow_graph::{FollowGraph, FollowRecord};
pub use identity::Identity;
pub use keys::{EventId, PublicKey, Signature};
