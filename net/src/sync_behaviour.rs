//! The request-response behaviour of sync v1 and v2, as every node runs it: the raw-bytes
//! [`SyncCodec`], streams held open as long as a pull may wait for an answer, and a bound on
//! the streams one connection may hold open (docs/protocol.md §8.4).

use std::time::Duration;

use libp2p::request_response::{self, ProtocolSupport};
use libp2p::StreamProtocol;
use phemossa_sync::limits::STREAM_TIMEOUT_MS;

use crate::sync_codec::SyncCodec;

/// Streams of one sync protocol open at once on one connection, inbound and outbound together;
/// past it, a new inbound stream is dropped unread and a new outbound one fails. libp2p's
/// default is 100, each a task holding up to 64 KiB for up to 30 s, for anyone who connects.
/// An honest peer needs at most 12: its pull's 4 requests in flight
/// ([`phemossa_sync::limits::MAX_IN_FLIGHT`]), each with up to 3 sends whose streams stay open
/// until the pull gives up on it (§8.4), and ours likewise, 24 in all. 32 leaves room for
/// answers still under way when a request is resent, and bounds what one connection can make a
/// node hold to 2 MiB (issue 12, hole 6).
pub const MAX_SYNC_STREAMS: usize = 32;

// An honest peer and this node, each with a pull's requests in flight and every send's stream
// open, fit; checked when the crate builds.
const _: () = assert!(
    2 * phemossa_sync::limits::MAX_IN_FLIGHT * phemossa_sync::limits::MAX_SENDS as usize
        <= MAX_SYNC_STREAMS
);

/// request-response's configuration for sync: every send's stream stays open for
/// [`STREAM_TIMEOUT_MS`], so an answer to any send of a request is still read, and at most
/// [`MAX_SYNC_STREAMS`] streams per connection.
pub fn sync_config() -> request_response::Config {
    request_response::Config::default()
        .with_request_timeout(Duration::from_millis(STREAM_TIMEOUT_MS))
        .with_max_concurrent_streams(MAX_SYNC_STREAMS)
}

/// The behaviour for sync protocols, requesting and answering: one protocol
/// (`/phemossa/sync/1.0.0`), or the versions of one, newest first (`/phemossa/sync/2.1.0`, then
/// `/phemossa/sync/2.0.0`: multistream-select settles on the first both sides speak, §9.1).
pub fn sync_behaviour(protocols: &[&'static str]) -> request_response::Behaviour<SyncCodec> {
    request_response::Behaviour::with_codec(
        SyncCodec,
        protocols
            .iter()
            .map(|protocol| (StreamProtocol::new(protocol), ProtocolSupport::Full)),
        sync_config(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_sync::replies::REPLIES_PROTOCOL;
    use phemossa_sync::{SYNC_PROTOCOL, SYNC_V2_PROTOCOL};

    #[test]
    fn every_protocol_builds() {
        let _ = sync_behaviour(&[SYNC_PROTOCOL]);
        let _ = sync_behaviour(&[REPLIES_PROTOCOL, SYNC_V2_PROTOCOL]);
    }
}
