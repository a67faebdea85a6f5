//! In-memory stand-ins for the store and the network, so tests, the test vectors and the cost
//! examples can run two real sessions against each other message by message. Behind the
//! `testing` feature: no production driver links them.

mod link;
mod store;
pub mod v1;
pub mod v2;
