//! Streams over `RTCDataChannel`s: the framing of libp2p/specs `webrtc/README.md`
//! ("Multiplexing", "Closing an `RTCDataChannel`"), shared by `/webrtc` and `/webrtc-direct`.
//!
//! Every data-channel message carries length-prefixed `webrtc.pb.Message`s; a frame may also
//! span messages, and one message may hold several frames (js-libp2p decodes the channel as
//! one byte stream). Flags give a data channel what it lacks natively:
//!
//! - `FIN`: the sender writes no more. The receiver answers `FIN_ACK`.
//! - `FIN_ACK`: the `FIN` arrived; only then is the sender's write half closed (or after a
//!   timeout). js-libp2p sends it and waits for it, which libp2p-webrtc-utils 0.5 lacks.
//! - `STOP_SENDING`: the sender reads no more; the receiver stops writing, but never answers
//!   with `RESET_STREAM`.
//! - `RESET_STREAM`: abrupt end; buffered data may be discarded.
//!
//! [`encode_frame`], [`encode_data`], [`decode_frame`] and [`FrameDecoder`] are the codec;
//! [`StreamState`] is the sans-IO state of one stream's read and write halves.

mod codec;
mod stream;
#[cfg(test)]
mod tests;

pub use codec::{decode_frame, encode_data, encode_frame, encoded_len, max_payload, FrameDecoder};
pub use stream::{Output, ReadOutcome, ReadState, StreamState, WriteState};

/// The spec's limit: "Encoded messages including their length prefix MUST NOT exceed 16kiB".
pub const MAX_FRAME_LEN: usize = 16 * 1024;

/// The smallest frame limit [`encode_data`] and [`StreamConfig`] accept; smaller values are
/// raised to it so that every frame has room for data.
pub const MIN_FRAME_LEN: usize = 16;

/// Data bytes in one data frame at [`MAX_FRAME_LEN`]: 16 384 − 2 (prefix) − 1 (field tag) − 2
/// (field length). A frame that also carries a flag has 2 bytes less (the spec's FAQ counts
/// that case: 16 384 − 7 = 16 377); this crate never puts a flag and data in one frame.
pub const MAX_DATA_PER_FRAME: usize = 16_379;

/// How long a closed write half waits for `FIN_ACK` by default (js-libp2p's current default).
pub const DEFAULT_FIN_ACK_TIMEOUT_MS: u64 = 10_000;

/// Unread bytes a stream holds by default before it is reset. Data channels have no flow
/// control a page can see, so some cap is needed; 1 MiB leaves room for protocols whose
/// messages are far larger than one frame.
pub const DEFAULT_MAX_READ_BUFFER: usize = 1024 * 1024;

/// The `flag` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `FIN = 0`.
    Fin,
    /// `STOP_SENDING = 1`.
    StopSending,
    /// `RESET_STREAM = 2` (`RESET` in js-libp2p).
    ResetStream,
    /// `FIN_ACK = 3`.
    FinAck,
    /// A value this version does not know. Received ones are ignored, for forward
    /// compatibility (proto2 treats unknown enum values as unknown fields).
    Unknown(i32),
}

impl Flag {
    /// The wire value.
    pub fn to_wire(self) -> i32 {
        match self {
            Flag::Fin => 0,
            Flag::StopSending => 1,
            Flag::ResetStream => 2,
            Flag::FinAck => 3,
            Flag::Unknown(value) => value,
        }
    }

    /// The flag of a wire value.
    pub fn from_wire(value: i32) -> Self {
        match value {
            0 => Flag::Fin,
            1 => Flag::StopSending,
            2 => Flag::ResetStream,
            3 => Flag::FinAck,
            other => Flag::Unknown(other),
        }
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// The `flag` field, if present.
    pub flag: Option<Flag>,
    /// The `message` field; empty when absent (the encoder leaves an empty one out).
    pub data: Vec<u8>,
}

impl Frame {
    /// A frame with only a flag.
    pub fn flag(flag: Flag) -> Self {
        Self {
            flag: Some(flag),
            data: Vec::new(),
        }
    }

    /// A frame with only data.
    pub fn data(data: impl Into<Vec<u8>>) -> Self {
        Self {
            flag: None,
            data: data.into(),
        }
    }
}

/// Tunables of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Largest frame, prefix included, sent or accepted. At most [`MAX_FRAME_LEN`] for the
    /// spec; smaller (8 KiB) where an SCTP stack refuses 16 KiB messages.
    pub max_frame_len: usize,
    /// Milliseconds to wait for `FIN_ACK` after sending `FIN`.
    pub fin_ack_timeout_ms: u64,
    /// Unread bytes held before the stream is reset with [`crate::Error::ReadBufferFull`].
    pub max_read_buffer: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            max_frame_len: MAX_FRAME_LEN,
            fin_ack_timeout_ms: DEFAULT_FIN_ACK_TIMEOUT_MS,
            max_read_buffer: DEFAULT_MAX_READ_BUFFER,
        }
    }
}
