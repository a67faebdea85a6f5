//! Every integration test of phemossa-sync, one module per file beside this one, in one test
//! binary: one link of the crate's dependencies (phemossa-core, sync's `testing` build,
//! proptest, serde_json, ...) where each file was a binary of its own and linked them all again
//! (10 links, 28.2 s of unit time in a cold build). Each module is as its file was; one file's
//! tests run with `cargo test -p phemossa-sync --test integration reconcile_vectors::`.

mod blob_vectors;
mod owner_vectors;
mod pull_liveness;
mod reconcile_session;
mod reconcile_vectors;
mod replies_vectors;
mod store_failures;
mod sync_codec_properties;
mod sync_session;
mod sync_vectors;
