//! Phemossa's node policy that is not wire protocol, as sans-IO code: callers give it time and
//! what happened, it says what to do. The browser's swarm glue (`background/src/network/`) only
//! carries these decisions out.
//!
//! - [`discovery`]: the rendezvous namespaces a node registers in and looks up.
//! - [`direct`]: when to try a direct WebRTC connection to a relayed peer, and again after one
//!   failed, and how that stands for the pages ([`direct::DirectState`]).

pub mod direct;
pub mod discovery;

pub use direct::{DirectAttempts, DirectState};
