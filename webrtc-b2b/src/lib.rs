//! libp2p WebRTC browser-to-browser (`/webrtc`), as specified in libp2p/specs
//! [`webrtc/webrtc.md`] with the data-channel framing of [`webrtc/README.md`] ("Multiplexing").
//!
//! Two browsers that already share an authenticated relayed connection exchange an SDP offer, an
//! SDP answer and their ICE candidates over a `/webrtc-signaling/0.0.1` stream on it, and then
//! talk over an `RTCPeerConnection` directly. Every libp2p stream is one `RTCDataChannel` whose
//! messages carry length-prefixed protobuf frames, so that streams can be half-closed (`FIN`,
//! `FIN_ACK`), have their reading stopped (`STOP_SENDING`) and be reset (`RESET_STREAM`).
//!
//! This crate holds the parts that do no IO and so run, and are tested, on any target:
//!
//! - [`signal`]: the signaling message codec and one state machine per role (initiator =
//!   outbound side of the relayed connection, responder = inbound side).
//! - [`frame`]: the data-channel frame codec and a per-stream state machine for the read and
//!   write halves.
//!
//! Both are sans-IO: the caller feeds them bytes, local events and the time (milliseconds from
//! any monotonic origin of its choosing), and polls them for what to do next. Neither ever
//! panics on remote input; anything malformed or out of order becomes an [`Error`].
//!
//! On `wasm32`, the browser layer drives them with `RTCPeerConnection` and `RTCDataChannel`
//! and plugs into libp2p: [`new`] makes a `Transport` (listen on `/webrtc`, dial
//! `/webrtc/p2p/<peer>`) and the `NetworkBehaviour` it shares state with, which opens and
//! accepts the signaling streams on relayed connections. [`address`] holds the address rules.
//!
//! [`webrtc/webrtc.md`]: https://github.com/libp2p/specs/blob/master/webrtc/webrtc.md
//! [`webrtc/README.md`]: https://github.com/libp2p/specs/blob/master/webrtc/README.md

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod admission;
#[cfg(target_arch = "wasm32")]
mod browser;
pub mod frame;
mod length_prefix;
mod proto;
pub mod signal;

#[cfg(target_arch = "wasm32")]
pub use browser::{
    new, Attempt, Behaviour, Connection, Handler, InboundSignaling, Stream, StreamRequest,
    Transport,
};

use std::fmt;

use signal::{BrowserStep, MessageType, Phase};

/// A valid peer id for tests: the identity multihash of a 32-byte key (as for ed25519 keys)
/// made of `seed` bytes.
#[cfg(test)]
pub(crate) fn test_peer(seed: u8) -> libp2p_identity::PeerId {
    let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    bytes.extend([seed; 32]);
    libp2p_identity::PeerId::from_bytes(&bytes).expect("valid identity peer id")
}

/// Locks state shared between the transport, the behaviour and their futures. wasm is
/// single-threaded, so the lock is never contended; every change made under it is a single
/// step (a push, a counter, a map entry), so a lock poisoned by a panic still holds consistent
/// state and is used as it is.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a node's `/webrtc` needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// STUN and TURN servers for every new peer connection. None: host candidates only.
    pub ice_servers: Vec<IceServer>,
    /// Use TURN candidates only (`iceTransportPolicy: "relay"`), so that the peer never learns
    /// this browser's address. Without a TURN server no attempt can succeed.
    pub relay_only: bool,
    /// Limits and the deadline of each signaling attempt.
    pub signaling: signal::Config,
    /// Limits of each stream.
    pub stream: frame::StreamConfig,
}

/// One entry of `RTCConfiguration.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    pub username: Option<String>,
    /// TURN password.
    pub credential: Option<String>,
}

/// The path a direct connection took: its selected ICE candidate pair, from
/// `RTCPeerConnection.getStats()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// `candidateType` of our end: `host`, `srflx`, `prflx` or `relay` (TURN).
    pub local_type: String,
    /// `candidateType` of the peer's end.
    pub remote_type: String,
    /// The peer's address as the browser reports it (may be hidden or an mDNS name).
    pub remote_address: Option<String>,
    /// `udp` or `tcp`.
    pub protocol: Option<String>,
    /// The pair's current round-trip time.
    pub rtt_ms: Option<u32>,
}

/// What the [`Behaviour`] tells the swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An attempt with `peer` ended because the peer broke the signaling protocol (see
    /// [`Error::is_peer_fault`]): for the application to count against the peer. Attempts that
    /// fail for other reasons (ICE, the deadline) only show as failed dials and upgrades.
    SignalingFault {
        /// The peer.
        peer: libp2p_identity::PeerId,
        /// What it did.
        error: Error,
    },
}

/// Which of the two wire formats an error was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// `/webrtc-signaling/0.0.1` messages on the relayed connection.
    Signaling,
    /// `webrtc.pb.Message` frames on a data channel.
    Frame,
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Codec::Signaling => "signaling message",
            Codec::Frame => "data-channel frame",
        })
    }
}

/// Which end of a connection or stream something came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// This node.
    Local,
    /// The peer.
    Remote,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Local => "local",
            Side::Remote => "remote",
        })
    }
}

impl Error {
    /// Whether the peer broke the protocol: malformed, oversized, out-of-order or unknown
    /// input, as opposed to a failure nobody is to blame for (ICE, the deadline, the browser,
    /// the connection going away).
    pub fn is_peer_fault(&self) -> bool {
        match self {
            Error::MalformedLength { .. }
            | Error::MessageTooLarge { .. }
            | Error::MalformedProtobuf { .. }
            | Error::MissingType
            | Error::UnknownType(_)
            | Error::MissingData { .. }
            | Error::InvalidUtf8 { .. }
            | Error::UnexpectedMessage { .. }
            | Error::TooManyCandidates { .. } => true,
            Error::BadCandidate { origin, .. } => *origin == Side::Remote,
            _ => false,
        }
    }
}

/// Everything that can go wrong in this crate. Each variant says what went wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- Both codecs -----------------------------------------------------------------------
    /// The unsigned-varint length prefix is not minimal, or longer than the 9 bytes the
    /// multiformats spec allows.
    #[error("{codec}: the length prefix is not a valid unsigned varint")]
    MalformedLength {
        /// The wire format.
        codec: Codec,
    },
    /// A received message announces more bytes than allowed. For frames `len` and `max` count
    /// the length prefix too (the spec's 16 KiB are "including their length prefix"); for
    /// signaling messages they count the protobuf body only.
    #[error("{codec}: received a message of {len} bytes, more than the maximum of {max}")]
    MessageTooLarge {
        /// The wire format.
        codec: Codec,
        /// Announced size.
        len: u64,
        /// Configured maximum.
        max: usize,
    },
    /// A message this node was asked to send is larger than allowed; nothing was sent.
    #[error("{codec}: refusing to send a message of {len} bytes, more than the maximum of {max}")]
    OutboundTooLarge {
        /// The wire format.
        codec: Codec,
        /// Size the message would have.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// The message body is not valid protobuf for the schema (truncated field, wrong wire
    /// type, …).
    #[error("{codec}: malformed protobuf: {reason}")]
    MalformedProtobuf {
        /// The wire format.
        codec: Codec,
        /// What the protobuf decoder said.
        reason: String,
    },
    /// The byte stream ended part way through a message.
    #[error("{codec}: the stream ended inside a message ({buffered} bytes of it received)")]
    Truncated {
        /// The wire format.
        codec: Codec,
        /// Bytes of the unfinished message that had arrived.
        buffered: usize,
    },

    // --- Signaling -------------------------------------------------------------------------
    /// A signaling message without its `type` field. Type 0 (SDP_OFFER) must be on the wire
    /// explicitly (`08 00`); js-libp2p refuses a message without it too.
    #[error("signaling: message has no type field")]
    MissingType,
    /// A signaling message whose `type` is none of SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE.
    #[error("signaling: unknown message type {0}")]
    UnknownType(i32),
    /// An SDP_OFFER or SDP_ANSWER with no (or empty) `data`.
    #[error("signaling: {kind} carries no SDP")]
    MissingData {
        /// Type of the message.
        kind: MessageType,
    },
    /// `data` is not UTF-8 (it is a protobuf `string`).
    #[error("signaling: the data of a {kind} is not valid UTF-8")]
    InvalidUtf8 {
        /// Type of the message.
        kind: MessageType,
    },
    /// A well-formed message at a point where the exchange does not allow it: an answer
    /// before our offer, a second offer, a candidate before the offer at the responder, …
    #[error("signaling: unexpected {got} while {phase}")]
    UnexpectedMessage {
        /// Type of the message received.
        got: MessageType,
        /// Where the exchange was.
        phase: Phase,
    },
    /// An ICE_CANDIDATE whose data is not the JSON of `RTCIceCandidate.toJSON()`.
    #[error("signaling: {origin} ICE candidate is invalid: {reason}")]
    BadCandidate {
        /// Whether the peer sent it or the local browser produced it.
        origin: Side,
        /// What is wrong with it.
        reason: String,
    },
    /// The peer sent more ICE candidates than the configured maximum.
    #[error("signaling: the peer sent more than {max} ICE candidates")]
    TooManyCandidates {
        /// Configured maximum.
        max: usize,
    },
    /// The peer closed the signaling stream before sending its SDP.
    #[error("signaling: the peer closed the stream before sending its {waiting_for}")]
    ClosedBeforeDescription {
        /// The message that was still missing.
        waiting_for: MessageType,
    },
    /// The caller reported a local event that cannot happen at this point (a bug in the
    /// caller, or the wrong role).
    #[error("signaling: local event `{event}` is not allowed while {phase}")]
    UnexpectedLocalEvent {
        /// The event.
        event: &'static str,
        /// Where the exchange was.
        phase: Phase,
    },
    /// A browser call the exchange depends on failed (for example `setRemoteDescription`
    /// refused the peer's SDP).
    #[error("signaling: the browser failed to {step}: {reason}")]
    BrowserRefused {
        /// The call that failed.
        step: BrowserStep,
        /// The browser's error message.
        reason: String,
    },
    /// The peer connection reached `failed`: no candidate pair worked.
    #[error("signaling: ICE failed")]
    IceFailed,
    /// The peer connection was closed before it connected.
    #[error("signaling: the peer connection was closed before it connected")]
    PeerConnectionClosed,
    /// The attempt did not finish within its deadline.
    #[error("signaling: gave up after {after_ms} ms while {phase}")]
    Timeout {
        /// Where the exchange was.
        phase: Phase,
        /// The configured attempt timeout.
        after_ms: u64,
    },

    /// A dial for a peer this node has no relayed connection to: signaling needs one.
    #[error("no relayed connection to {peer} to signal over")]
    NoRelayedConnection {
        /// The peer dialed.
        peer: String,
    },
    /// The peer did not accept a `/webrtc-signaling/0.0.1` stream.
    #[error("the peer refused the signaling stream: {reason}")]
    SignalingRefused {
        /// What the stream negotiation said.
        reason: String,
    },
    /// Direct connections are switched off on this node.
    #[error("direct connections are switched off")]
    Disabled,
    /// An established direct connection ended because its peer connection failed or closed.
    #[error("the direct connection {}", if *.failed { "failed (ICE or DTLS)" } else { "was closed" })]
    PeerConnectionEnded {
        /// `failed` rather than `closed`.
        failed: bool,
    },

    // --- Streams over data channels --------------------------------------------------------
    /// A write after this node closed its write half (sent `FIN`).
    #[error("stream: write after the write half was closed")]
    WriteClosed,
    /// A write after the peer sent `STOP_SENDING`: it discards anything more.
    #[error("stream: the peer sent STOP_SENDING and reads no more")]
    StoppedByRemote,
    /// The stream was reset (`RESET_STREAM`).
    #[error("stream: reset by the {by} side")]
    Reset {
        /// Who reset it.
        by: Side,
    },
    /// The peer sent more than the configured read buffer while nothing read it; the stream
    /// was reset.
    #[error("stream: more than {max} unread bytes received; stream reset")]
    ReadBufferFull {
        /// Configured maximum.
        max: usize,
    },
    /// The data channel closed without the peer having sent `FIN` first.
    #[error("stream: the data channel closed before the peer finished writing")]
    ChannelClosed,
}
