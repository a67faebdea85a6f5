//! Every native integration test of the store, one module per file beside this one, in one test
//! binary. Each file was a binary of its own, and each linked the store, SQLite and the whole
//! dependency graph again: in a cold build the crate's 16 test binaries cost 16.5 s of unit time
//! natively (rebuilt over built dependencies: 25 s for the 16, 9 s for this one and `browser.rs`),
//! and test.sh's wasm test step built every file for wasm32 as well, the native-only ones as 15
//! empty binaries, each linked and run through wasm-bindgen-test-runner. Each module is as its
//! file was; `common` holds what they share. `tests/browser.rs`, the store in a worker of headless
//! Chromium, stays a binary of its own (`--test browser`); this one is empty on wasm32.
//!
//! The modules' tests now run at once, as threads of one process, where the files ran one after
//! another: each file a test opens on disk has a name no other test uses (and the process id in
//! it), no test sets an environment variable, and the statics (the counters that make `note`'s
//! and `reply`'s texts unique) are each their module's own.
//!
//! One file's tests: `cargo test -p phemossa-store --test integration search::`. The ignored
//! benchmark: `cargo test -p phemossa-store --profile native --test integration -- --ignored
//! --nocapture search::insert_cost`.

#![cfg(not(target_arch = "wasm32"))]

mod blobs;
mod common;
mod drift;
mod edges;
mod feed;
mod insert;
mod keep_out;
mod meta;
mod notifications;
mod people;
mod reactions;
mod retention;
mod search;
mod sync_queries;
mod thread;
mod totals;
