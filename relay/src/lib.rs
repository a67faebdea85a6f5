//! phemossa-relay: Phemossa's native bootstrap node. Browsers reach it over WebSocket or
//! WebRTC-direct, reserve a circuit relay v2 slot on it, register their relayed address in its
//! rendezvous point and find each other there. It keeps reservations and registrations in
//! memory only and stores no user data.
//!
//! The binary is a thin shell over [`Relay`]: `Relay::start(config)` binds and advertises,
//! `Relay::run(shutdown)` serves until `shutdown` completes.
//!
//! Everything is native-only; on wasm32 the crate is empty.
#![cfg(not(target_arch = "wasm32"))]

pub mod addrs;
pub mod addrs_file;
pub mod cert_file;
pub mod config;
pub mod error;
pub mod files;
pub mod ip_gate;
pub mod ip_ledger;
pub mod key_file;
pub mod limits;
pub mod metrics;
pub mod metrics_http;
pub mod node;
pub mod rendezvous_gate;
pub mod settings;

pub use config::{Args, Config};
pub use error::Error;
pub use limits::{Limits, RateLimit, RateSetting};
pub use node::{Relay, AGENT_VERSION, PROTOCOL_VERSION, RENDEZVOUS_NAMESPACE};
