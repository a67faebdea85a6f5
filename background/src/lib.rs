//! Phemossa's background, run by the extension's offscreen document: the user's identity,
//! event storage in IndexedDB, the follow system, the feed engine, the libp2p node and the port
//! API the popup and options pages use. Decisions about what is valid or in the feed are
//! `phemossa-core`'s; this crate drives IndexedDB, `crypto.getRandomValues`, `Date.now()`, the
//! node and the ports. The crate root only declares modules: nothing in the crate imports it.

mod app;
mod badge;
pub mod bulk_writes;
mod changes;
mod clock;
mod db;
mod error;
mod feed_items;
mod first_page;
mod follow_announce;
mod follow_state;
mod handlers;
pub mod identity;
mod ingest;
pub mod network;
mod notifications;
mod panic_report;
mod people;
mod port;
mod pruning;
mod random;
mod reaction_counts;
mod search_indexer;
mod startup;
pub mod storage;
mod subscribers;
mod user;
mod verify_pool;

use wasm_bindgen::prelude::*;

pub use app::{App, Config};
pub use error::BackgroundError;
pub use identity::IdentityStore;
pub use ingest::IngestReport;
pub use storage::Storage;
pub use subscribers::PushSink;

/// Runs when the offscreen document loads the module.
#[wasm_bindgen(start)]
pub fn start() {
    panic_report::install();
    wasm_bindgen_futures::spawn_local(startup::run());
}
