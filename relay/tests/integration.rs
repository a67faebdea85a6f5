//! Every integration test of the relay, one module per file beside this one, in one test
//! binary: one link of the relay's dependency graph (libp2p with WebRTC, hyper, tokio) for all
//! of them, where each file was a binary of its own (five links, 44.6 s of unit time in a cold
//! build). Each module is as its file was; `common` holds what they share.
//!
//! The modules' tests run as threads of one process at the same time, no longer one file after
//! another: each starts its own relay (in-process or `CARGO_BIN_EXE_phemossa-relay`) on ports
//! the OS picks, keeps its files in a temporary directory of its own, and installs logging only
//! through `common::init_logging`'s `try_init`, so none relies on running alone. The per-IP caps
//! are per relay, so clients of different tests leaving from the same loopback address do not
//! count against each other.

mod binary;
mod circuit;
mod common;
mod metrics;
mod per_ip;
mod persistence;
