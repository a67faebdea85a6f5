//! `phemossa-hostile-peer`: a native libp2p peer that speaks Phemossa's sync and gossip wire
//! contract (docs/protocol.md §8) and misbehaves on purpose, so tests can prove that browsers
//! count, drop and disconnect bad peers. See README.md.
//!
//! - [`cli`]: flags → [`Config`]
//! - [`forge`]: forged events and malformed messages, from core's real encodings
//! - [`responder`]: lying answers to a victim's sync requests
//! - [`stall`]: no answers (`--silent`) or empty pages just before the timeout (`--slow-drip`)
//! - [`replay`]: real events captured from the victim, published again (`--replay`)
//! - the sync codec and gossip configuration come from `phemossa-net`, the browser's own
//! - [`node`]: the libp2p node and its event loop
//! - [`report`]: one JSON line per notable thing
#![cfg(not(target_arch = "wasm32"))]

pub mod cli;
pub mod error;
pub mod forge;
pub mod node;
pub mod replay;
pub mod report;
pub mod responder;
pub mod stall;

pub use cli::{Args, Config, Mode};
pub use error::Error;
pub use node::run;
pub use report::{Report, Stdout};
