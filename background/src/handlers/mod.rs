//! The answers to the port's requests, one file per concern. Each handler takes only the
//! services it uses (the user, storage, `Changes`, …), never the whole `App`, which dispatches to
//! them (`app.rs`).

pub mod archive;
pub mod backup;
pub mod blobs;
pub mod feed;
pub mod follows;
pub mod keep_out;
pub mod network;
pub mod notifications;
pub mod people;
pub mod post;
pub mod reactions;
pub mod retention;
pub mod stats;
pub mod thread;
pub mod work;
