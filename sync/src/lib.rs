//! Phemossa's sync protocols as sans-IO state machines: a driver (the browser's background, the
//! hostile peer, a test) feeds them bytes and time and carries out what they ask; nothing here
//! does IO or reads a clock (docs/protocol.md §8–§9).
//!
//! - [`message`]: the wire both versions share: v1's five messages and their CBOR encoding
//!   (v2 fetches with v1's event-request and event-response).
//! - [`limits`]: sizes every peer enforces.
//! - [`listing`]: a page of ids in scope from per-author reads, for stores indexed by author.
//! - [`v1`]: plain id exchange, the per-peer [`Session`].
//! - [`v2`]: range-based set reconciliation, the per-peer [`Reconciler`], under its own
//!   protocol id.
//! - [`blob`]: blob transfer (§12): its messages and [`blob::BlobFetch`], one blob from one peer.
//! - [`owner`]: who runs a peer (§13): the owner protocol's messages and checking a claim.
//! - [`replies`]: thread fetch (§8.10): asking peers for the replies to a thread's posts, its
//!   two messages (v2's minor version `/phemossa/sync/2.1.0`), the responder's answer and
//!   judging an answer.
//! - [`machine`]: [`SyncMachine`], one interface over both, so a driver holds either.
//! - `fetched`: the fetch stage both versions share (taking the events a pull asked for).
//! - [`peer_score`]: counting a peer's bad input and deciding when to disconnect.
//! - `testing` (feature `testing`): an in-memory store and links that run two sessions against
//!   each other, for tests, the vectors and the cost examples.

pub mod blob;
mod fetched;
mod flight;
pub mod limits;
pub mod listing;
pub mod machine;
pub mod message;
pub mod output;
pub mod owner;
pub mod peer_score;
pub mod replies;
mod requester;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod v1;
pub mod v2;

pub use machine::SyncMachine;
pub use message::{Cursor, Message, Scope};
pub use output::{Fault, Output, Progress, QueryId};
pub use peer_score::PeerScore;
pub use v1::session::{Session, SessionConfig};
pub use v2::{ReconcileConfig, ReconcileMessage, Reconciler, SYNC_V2_PROTOCOL};

/// The request-response protocol id of sync v1.
pub const SYNC_PROTOCOL: &str = "/phemossa/sync/1.0.0";
