//! Sync protocol v1, "plain id exchange", as sans-IO state machines: the driver (the wasm
//! background) feeds them bytes and time and carries out what they ask; nothing here does IO.
//!
//! - [`message`]: the five messages and their CBOR encoding.
//! - [`limits`]: sizes every peer enforces.
//! - [`session`]: the per-peer sync state machine (pull ids, fetch what is missing); its
//!   responder half, answering the peer's pulls from the store, is in `respond`.
//! - [`gossip`]: author topics, gossipsub's message id and the verdict on a gossip message,
//!   with the batcher and seen-cache (files `batcher`, `seen_cache`) re-exported.
//! - [`discovery`]: the rendezvous namespaces a node registers in and looks up.
//! - [`peer_score`]: counting a peer's bad input and deciding when to disconnect.
//! - [`direct`]: when to try a direct WebRTC connection to a relayed peer, and again after one
//!   failed.
//! - [`memory`]: an in-memory store and driver, for tests and the cost example.
//! - [`reconcile`]: sync v2, range-based set reconciliation, beside v1 under its own protocol id.

mod batcher;
pub mod direct;
pub mod discovery;
mod fetched;
pub mod gossip;
pub mod limits;
pub mod memory;
pub mod message;
pub mod peer_score;
pub mod reconcile;
mod respond;
mod seen_cache;
pub mod session;

pub use direct::DirectAttempts;
pub use gossip::{author_topic, message_id, Batcher, SeenCache};
pub use message::{Cursor, Message, Scope};
pub use peer_score::PeerScore;
pub use reconcile::{ReconcileConfig, ReconcileMessage, Reconciler, SyncMachine, SYNC_V2_PROTOCOL};
pub use session::{Output, Progress, QueryId, Session, SessionConfig};

/// The request-response protocol id of sync v1.
pub const SYNC_PROTOCOL: &str = "/phemossa/sync/1.0.0";
