//! The browser layer (wasm32 only): `RTCPeerConnection` and `RTCDataChannel` driven by the
//! crate's sans-IO [`crate::signal`] and [`crate::frame`] machines, and the libp2p
//! [`Transport`], [`Behaviour`] and [`Connection`] made from them.

mod attempt;
mod behaviour;
mod channel;
mod connection;
mod handler;
mod peer;
mod registry;
mod stats;
mod transport;

use std::sync::{Arc, Mutex};

pub use behaviour::Behaviour;
pub use channel::Stream;
pub use connection::Connection;
pub use handler::{Handler, InboundSignaling, StreamRequest};
pub use transport::{Attempt, Transport};

use crate::Config;

/// A transport and the behaviour it works with; add both to the same swarm.
pub fn new(config: Config) -> (Transport, Behaviour) {
    let shared = Arc::new(Mutex::new(transport::Shared::new(config)));
    (
        Transport {
            shared: shared.clone(),
        },
        Behaviour::new(shared),
    )
}
