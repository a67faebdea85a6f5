//! Every integration test of the crate, one module per file beside this one, in one test binary:
//! each file was a binary of its own, and each linked the crate and its dependencies again. Each
//! link of a test binary is paid in every cold build of the tests (phemossa-store's 16 test
//! binaries cost 16.5 s of unit time natively before they were merged the same way). Each module
//! is as its file was. The tests run as threads of one process, as each file's own already did;
//! none sets an environment variable or writes a file.
//!
//! One file's tests: `cargo test -p phemossa-webrtc-b2b --test integration proptests::`.

// Native only, like its dev-dependencies (proptest needs an OS random source); on wasm32 this
// binary is empty.
#![cfg(not(target_arch = "wasm32"))]

mod proptests;
mod vectors;
