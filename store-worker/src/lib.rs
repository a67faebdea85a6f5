//! The store worker: the one owner of the event store on SQLite in the origin private file
//! system, answering the offscreen document's store messages (`phemossa-store-protocol`), one
//! at a time and in order (docs/design/storage-engine.md, step 3).
//!
//! Everything it decides is [`serve`], a pure function of a store and a message, tested
//! natively. The wasm exports (`exports.rs`: `open`, `handle`) only open the store and pass
//! bytes through; the worker's script, which moves them between `postMessage` and those
//! exports, comes with the background's side (the design record's step 3).

#[cfg(target_arch = "wasm32")]
mod exports;
mod serve;

#[cfg(target_arch = "wasm32")]
pub use exports::{handle, open, Opened};
pub use serve::serve;
