//! The crate's one error type: everything that can stop the relay from starting or running.

use std::{io, path::PathBuf};

use libp2p::Multiaddr;

/// Why the relay could not start (or had to stop).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or setting is invalid; the message names it.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Reading or writing one of the relay's own files failed.
    #[error("{action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The node key file exists but does not hold a protobuf-encoded keypair.
    #[error("node key file {path} is not a protobuf-encoded libp2p keypair: {reason}")]
    BadKeyFile { path: PathBuf, reason: String },

    /// The WebRTC certificate file exists but is not a certificate PEM written by this relay.
    #[error("WebRTC certificate file {path} is not a valid certificate PEM: {reason}")]
    BadCertFile { path: PathBuf, reason: String },

    /// Generating a fresh WebRTC certificate failed.
    #[error("could not generate a WebRTC certificate: {0}")]
    Certificate(String),

    /// Building the libp2p transport stack failed.
    #[error("could not build the libp2p transport: {0}")]
    Transport(String),

    /// A listen address was refused by every transport, or its listener failed.
    #[error("could not listen on {addr}: {reason}")]
    Listen { addr: Multiaddr, reason: String },

    /// The `/metrics` endpoint could not be set up.
    #[error("metrics endpoint: {0}")]
    Metrics(String),

    /// Not every listener reported its bound address in time.
    #[error("listeners did not come up within {0} s")]
    StartupTimeout(u64),
}

impl Error {
    /// Wraps an IO error with what was being done to which file.
    pub(crate) fn file(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::File {
            action,
            path: path.into(),
            source,
        }
    }
}
