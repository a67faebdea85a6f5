//! Every integration test of the hostile peer, one module per file beside this one, in one test
//! binary: one link of its dependency graph (libp2p, the in-process relay, core, sync, gossip)
//! for all of them, where each file was a binary of its own (three links, 27.6 s of unit time
//! in a cold build). Each module is as its file was; `common` holds what they share.
//!
//! The modules' tests run as threads of one process at the same time, no longer one file after
//! another: each starts its own relay on ports the OS picks, its own victim and its own hostile
//! peer (`--target` names that victim), so none finds or attacks another test's peers.

mod common;
mod forgeries;
mod modes;
mod victim;
