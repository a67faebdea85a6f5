//! Phemossa's core: everything that decides what is true, with no IO.
//!
//! Events are signed, content-addressed records; this crate encodes them canonically, validates
//! untrusted input, derives the follow graph and the feed, plans retention, seals identity
//! backups and parses the settings a person types. Callers supply bytes, time and randomness;
//! nothing here touches a clock, a disk, a network or a browser.
//!
//! [`Error`] is the one code space of the protocol's refusals (docs/protocol.md §6): the sync,
//! gossip, node and api crates above this one report through it too, so a code such as
//! `bad_signature` means the same wherever it is counted.

pub mod backup;
pub mod blob;
pub mod deletes;
pub mod device_owner;
pub mod error;
pub mod event;
pub mod feed;
pub mod follow_graph;
pub mod identity;
pub mod invite;
pub mod keep_out;
pub mod keys;
pub mod limits;
pub mod notices;
pub mod profile;
pub mod reactions;
pub mod retention;
pub mod room;
pub mod search;
pub mod settings;
pub mod words;
pub mod work;

pub use error::Error;
pub use event::{Content, Event, ImagePost, Post, PostImage, Reaction, Repost};
pub use feed::FeedCursor;
pub use follow_graph::{FollowGraph, FollowRecord};
pub use identity::Identity;
pub use invite::Invite;
pub use keys::{BlobHash, EventId, PublicKey, Signature};
pub use profile::Profile;
