//! Every integration test of phemossa-node, one module per file beside this one, in one test
//! binary: one link of the crate's dependencies (core, sync, gossip, proptest, and with `sim`
//! rand and sync's `testing` build) where each file was a binary of its own and linked them all
//! again (4 links, 8.6 s of unit time in a cold build). Each module is as its file was; one
//! file's tests run with `cargo test -p phemossa-node --features sim --test integration
//! sim_gossip::`.
//!
//! The simulator's scenarios need the `sim` feature (`./test.sh` turns it on): without it this
//! binary runs `pulls` alone.

mod pulls;
#[cfg(feature = "sim")]
mod sim_gossip;
#[cfg(feature = "sim")]
mod sim_liveness;
#[cfg(feature = "sim")]
mod sim_sybil;
