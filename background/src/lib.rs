//! Phemossa's background, run by the extension's offscreen document: the user's identity,
//! event storage in IndexedDB, the follow system, the feed engine and the port API the popup and
//! options pages use. Decisions about what is valid or in the feed are `phemossa-core`'s; this
//! crate drives IndexedDB, `crypto.getRandomValues`, `Date.now()` and the ports.

mod archive;
mod backup;
mod clock;
mod db;
mod error;
mod feed;
mod follows;
pub mod identity;
mod ingest;
pub mod network;
mod orchestrator;
mod port;
mod random;
mod retention;
pub mod storage;
mod subscribers;
mod system;

use wasm_bindgen::prelude::*;

pub use error::BackgroundError;
pub use identity::IdentityStore;
pub use ingest::IngestReport;
pub use storage::Storage;
pub use subscribers::PushSink;
pub use system::{Background, Config};

/// Runs when the offscreen document loads the module.
#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(orchestrator::run());
}
