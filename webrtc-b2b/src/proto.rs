//! The two protobuf messages, written out as prost derives (no build script, no protoc).
//!
//! Enums are kept as plain `int32` fields: the wire encoding is the same, and an unknown value
//! then reaches our code instead of being folded into a default. `string` data is read as
//! `bytes` (same wire type) so that invalid UTF-8 gets its own error.

/// `/webrtc-signaling/0.0.1`, webrtc/webrtc.md:
///
/// ```protobuf
/// syntax = "proto3";
/// message Message {
///     enum Type { SDP_OFFER = 0; SDP_ANSWER = 1; ICE_CANDIDATE = 2; }
///     optional Type type = 1;
///     optional string data = 2;
/// }
/// ```
///
/// `optional` makes prost write `type` whenever it is `Some`, also when it is 0 (SDP_OFFER):
/// the bytes `08 00` that js-libp2p needs.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SignalingMessage {
    #[prost(int32, optional, tag = "1")]
    pub(crate) r#type: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub(crate) data: Option<Vec<u8>>,
}

/// `webrtc.pb.Message`, webrtc/README.md "Multiplexing":
///
/// ```protobuf
/// syntax = "proto2";
/// package webrtc.pb;
/// message Message {
///   enum Flag { FIN = 0; STOP_SENDING = 1; RESET_STREAM = 2; FIN_ACK = 3; }
///   optional Flag flag = 1;
///   optional bytes message = 2;
/// }
/// ```
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct FrameMessage {
    #[prost(int32, optional, tag = "1")]
    pub(crate) flag: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub(crate) message: Option<Vec<u8>>,
}
