//! Sync v1, "plain id exchange" (docs/protocol.md §8.2–§8.4): the puller pages through the
//! responder's ids of a scope and fetches what it lacks.
//!
//! - [`session`]: the per-peer state machine, both halves; the driver's vocabulary
//!   ([`Output`](session::Output), [`QueryId`](session::QueryId)) that v2 shares is here too.
//!   Its responder half, answering the peer's pulls from the store, is the child module
//!   `session/respond.rs`: a part of the session, so it may use the session's state.

pub mod session;
