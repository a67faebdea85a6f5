//! The libp2p connection over an established `RTCPeerConnection`: each stream is a data
//! channel, opened by either side; the connection ends when the peer connection fails or
//! closes.

use std::pin::Pin;
use std::task::{Context, Poll};

use libp2p_core::muxing::{StreamMuxer, StreamMuxerEvent};
use send_wrapper::SendWrapper;

use super::channel::Stream;
use super::peer::Peer;
use super::registry::Registration;
use crate::signal::PeerConnectionState;
use crate::Error;

/// A direct connection to another browser.
pub struct Connection {
    peer: SendWrapper<Peer>,
    /// Keeps the peer connection listed for [`crate::Behaviour::path`] while it lives.
    _registration: Registration,
}

impl Connection {
    pub(crate) fn new(peer: Peer, registration: Registration) -> Self {
        Self {
            peer: SendWrapper::new(peer),
            _registration: registration,
        }
    }
}

impl StreamMuxer for Connection {
    type Substream = Stream;
    type Error = Error;

    fn poll_inbound(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Self::Substream, Self::Error>> {
        match self.peer.poll_inbound(cx.waker()) {
            Some(channel) => Poll::Ready(Ok(Stream::new(channel))),
            None => match self.peer.poll_ended(cx.waker()) {
                Some(state) => Poll::Ready(Err(ended(state))),
                None => Poll::Pending,
            },
        }
    }

    fn poll_outbound(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Result<Self::Substream, Self::Error>> {
        // The channel opens asynchronously; the stream's writes wait for it.
        Poll::Ready(Ok(Stream::new(self.peer.open_channel())))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.peer.pc().close();
        Poll::Ready(Ok(()))
    }

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<StreamMuxerEvent, Self::Error>> {
        match self.peer.poll_ended(cx.waker()) {
            Some(state) => Poll::Ready(Err(ended(state))),
            None => Poll::Pending,
        }
    }
}

fn ended(state: PeerConnectionState) -> Error {
    Error::PeerConnectionEnded {
        failed: state == PeerConnectionState::Failed,
    }
}
