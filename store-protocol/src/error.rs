//! What can go wrong decoding a store message.

/// A store message that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("a store message of {bytes} bytes is larger than the {max} allowed")]
    TooLarge { bytes: usize, max: usize },
    #[error("a store message did not decode: {0}")]
    Malformed(String),
}
