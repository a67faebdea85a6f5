//! Every integration test of phemossa-core, one module per file beside this one, in one test
//! binary: one link of the crate's dependencies (ed25519-dalek, argon2, proptest, serde_json,
//! ...) where each file was a binary of its own and linked them all again (4 links, 3.9 s of
//! unit time in a cold build). Each module is as its file was; one file's tests run with
//! `cargo test -p phemossa-core --test integration properties::`.

mod invite_vectors;
mod properties;
mod vectors;
mod work_vectors;
