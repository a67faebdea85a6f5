//! Everything that can stop the hostile peer before or while it runs.

use libp2p::Multiaddr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag that parses but cannot be used (e.g. a relay address without `/p2p/`).
    #[error("bad flag: {0}")]
    Config(String),
    /// Building the transports or behaviours failed.
    #[error("cannot build the libp2p node: {0}")]
    Build(String),
    /// Reserving a slot on the relay could not even start.
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: Multiaddr, reason: String },
    /// core refused to make the real event a forgery starts from.
    #[error("cannot make an event to forge: {0}")]
    Forge(#[from] phemossa_core::Error),
    /// Writing a forged event's JSON failed.
    #[error("cannot encode a forged event: {0}")]
    Encode(String),
    /// The relay's circuit listener closed, so nobody can reach this peer any more.
    #[error("the relay listener closed: {0}")]
    RelayLost(String),
}
