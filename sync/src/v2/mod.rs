//! Sync v2, range-based set reconciliation (docs/protocol.md §9): the negentropy protocol
//! (version 1, as hoytech/negentropy and Nostr's NIP-77) over the (timestamp, id) items of a
//! scope, so two peers find their differences in bytes proportional to the differences, then
//! fetch what they lack with v1's event-request and event-response.
//!
//! - [`message`]: the v2 messages and their CBOR encoding.
//! - [`limits`]: the limits v2 adds to v1's.
//! - [`session`]: the per-peer state machine, [`Reconciler`], driven like v1's `Session` and
//!   emitting the same outputs; its halves are its child modules `session/initiator.rs` (our
//!   side) and `session/responder.rs` (answering the peer); item sets are built from store
//!   pages in `items`.
//! - [`budget`]: the node-wide cap on item sets held for peers.

pub mod budget;
mod items;
pub mod limits;
pub mod message;
pub mod session;

pub use budget::HeldBudget;
pub use message::ReconcileMessage;
pub use session::{ReconcileConfig, Reconciler};

/// The request-response protocol id of sync v2. A node answers both v1's and this one; a dialer
/// lists this one first (§9.5).
pub const SYNC_V2_PROTOCOL: &str = "/phemossa/sync/2.0.0";
