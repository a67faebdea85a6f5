//! `/webrtc-signaling/0.0.1`: the SDP and ICE exchange over the relayed connection
//! (libp2p/specs `webrtc/webrtc.md`, "Connection Establishment" and "Signaling Protocol").
//!
//! - [`encode`], [`decode`] and [`Decoder`]: the length-prefixed protobuf messages.
//! - [`parse_candidate`]: the check of an ICE_CANDIDATE's JSON.
//! - [`Signaling`]: the state machine of one attempt, for either [`Role`].
//!
//! The initiator is the outbound side of the relayed connection (the spec's _A_): it opens the
//! stream, sends the offer and expects the answer. The responder (_B_) expects the offer and
//! sends the answer. Both then trickle their ICE candidates until the peer connection is
//! `connected`; then both close the stream, while on any failure they reset it.

mod candidate;
mod codec;
mod machine;
#[cfg(test)]
mod tests;

use std::fmt;

pub use candidate::{parse_candidate, Candidate};
pub use codec::{decode, encode, Decoder};
pub use machine::{Action, Role, Signaling};

/// The protocol name the signaling stream is negotiated with. The spec text says
/// `/webrtc-signaling`; js-libp2p and the rust-libp2p work in progress use this versioned name.
pub const PROTOCOL: &str = "/webrtc-signaling/0.0.1";

/// Default largest protobuf body accepted or sent (the spec sets none). Chrome's SDPs are a
/// few KiB; this leaves room for many media sections without letting a peer make us buffer
/// without bound.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 64 * 1024;

/// Default time an attempt may take from its start until the peer connection is connected.
/// js-libp2p gives its side about 10 s; ours may be longer for a TURN-relayed pair.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 15_000;

/// Default largest number of ICE candidates accepted from the peer in one attempt (not
/// counting end-of-candidates markers).
pub const DEFAULT_MAX_REMOTE_CANDIDATES: usize = 64;

/// The `type` field of a signaling message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `SDP_OFFER = 0`: `data` is `RTCSessionDescription.sdp` of an offer.
    SdpOffer,
    /// `SDP_ANSWER = 1`: `data` is `RTCSessionDescription.sdp` of an answer.
    SdpAnswer,
    /// `ICE_CANDIDATE = 2`: `data` is the JSON of `RTCIceCandidate.toJSON()`.
    IceCandidate,
}

impl MessageType {
    /// The wire value.
    pub fn to_wire(self) -> i32 {
        match self {
            MessageType::SdpOffer => 0,
            MessageType::SdpAnswer => 1,
            MessageType::IceCandidate => 2,
        }
    }

    /// The type of a wire value, if it is one the spec defines.
    pub fn from_wire(value: i32) -> Option<Self> {
        match value {
            0 => Some(MessageType::SdpOffer),
            1 => Some(MessageType::SdpAnswer),
            2 => Some(MessageType::IceCandidate),
            _ => None,
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageType::SdpOffer => "SDP_OFFER",
            MessageType::SdpAnswer => "SDP_ANSWER",
            MessageType::IceCandidate => "ICE_CANDIDATE",
        })
    }
}

/// One signaling message, with a type the spec defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The `type` field; always put on the wire, also when it is 0.
    pub kind: MessageType,
    /// The `data` field. `None` is its absence, which the decoder keeps distinct from `""`.
    pub data: Option<String>,
}

impl Message {
    /// An SDP_OFFER carrying `sdp`.
    pub fn offer(sdp: impl Into<String>) -> Self {
        Self {
            kind: MessageType::SdpOffer,
            data: Some(sdp.into()),
        }
    }

    /// An SDP_ANSWER carrying `sdp`.
    pub fn answer(sdp: impl Into<String>) -> Self {
        Self {
            kind: MessageType::SdpAnswer,
            data: Some(sdp.into()),
        }
    }

    /// An ICE_CANDIDATE carrying the JSON of `RTCIceCandidate.toJSON()`.
    pub fn candidate(json: impl Into<String>) -> Self {
        Self {
            kind: MessageType::IceCandidate,
            data: Some(json.into()),
        }
    }
}

/// Whether an SDP is an offer or an answer (`RTCSdpType`, without `pranswer` and `rollback`,
/// which the spec does not use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdpKind {
    /// `"offer"`.
    Offer,
    /// `"answer"`.
    Answer,
}

/// Where an attempt is; carried by errors so that they say where things went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Initiator: the browser is creating our offer; nothing may arrive yet.
    AwaitingLocalOffer,
    /// Initiator: our offer is sent; the answer must come first.
    AwaitingAnswer,
    /// Responder: the offer must come first.
    AwaitingOffer,
    /// Responder: the offer arrived; the browser is applying it and creating our answer.
    /// The peer's candidates may already arrive.
    AwaitingLocalAnswer,
    /// Both SDPs are exchanged; candidates flow both ways until connected.
    ExchangingCandidates,
    /// Initiator: connected; closing the `init` data channel before closing the stream.
    ClosingInitChannel,
    /// Finished: connected, the stream closed.
    Established,
    /// Finished: abandoned, the stream reset.
    Failed,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::AwaitingLocalOffer => "creating the local offer",
            Phase::AwaitingAnswer => "waiting for the SDP answer",
            Phase::AwaitingOffer => "waiting for the SDP offer",
            Phase::AwaitingLocalAnswer => "creating the local answer",
            Phase::ExchangingCandidates => "exchanging ICE candidates",
            Phase::ClosingInitChannel => "closing the init data channel",
            Phase::Established => "established",
            Phase::Failed => "failed",
        })
    }
}

/// A browser call whose failure ends the attempt (see [`Signaling::handle_browser_error`]).
/// `addIceCandidate` is not one: like js-libp2p, a candidate the browser refuses is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrowserStep {
    /// `new RTCPeerConnection(…)`: typically an ICE server URL the browser refuses.
    CreatePeerConnection,
    /// `createOffer()` (or creating the `init` data channel before it).
    CreateOffer,
    /// `createAnswer()`.
    CreateAnswer,
    /// `setLocalDescription()`.
    SetLocalDescription,
    /// `setRemoteDescription()`: typically the peer's SDP is unusable.
    SetRemoteDescription,
}

impl fmt::Display for BrowserStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BrowserStep::CreatePeerConnection => "create the peer connection",
            BrowserStep::CreateOffer => "create the offer",
            BrowserStep::CreateAnswer => "create the answer",
            BrowserStep::SetLocalDescription => "set the local description",
            BrowserStep::SetRemoteDescription => "set the remote description",
        })
    }
}

/// `RTCPeerConnection.connectionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerConnectionState {
    /// `"new"`.
    New,
    /// `"connecting"`.
    Connecting,
    /// `"connected"`: ICE and DTLS are up.
    Connected,
    /// `"disconnected"`: may recover; the attempt keeps waiting until its deadline.
    Disconnected,
    /// `"failed"`: the attempt is abandoned.
    Failed,
    /// `"closed"`: the attempt is abandoned.
    Closed,
}

/// Tunables of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Milliseconds from the start of the attempt until it must be established.
    pub attempt_timeout_ms: u64,
    /// Largest protobuf body accepted or sent.
    pub max_message_len: usize,
    /// Largest number of ICE candidates accepted from the peer.
    pub max_remote_candidates: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            attempt_timeout_ms: DEFAULT_ATTEMPT_TIMEOUT_MS,
            max_message_len: DEFAULT_MAX_MESSAGE_LEN,
            max_remote_candidates: DEFAULT_MAX_REMOTE_CANDIDATES,
        }
    }
}
