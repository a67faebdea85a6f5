//! The libp2p connection over an established `RTCPeerConnection`: each stream is a data
//! channel, opened by either side; the connection ends when the peer connection fails or
//! closes.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use futures_timer::Delay;

use libp2p_core::muxing::{StreamMuxer, StreamMuxerEvent};
use send_wrapper::SendWrapper;

use super::channel::{now_ms, Stream};
use super::peer::Peer;
use super::registry::Registration;
use crate::signal::PeerConnectionState;
use crate::Error;

/// How often an established connection wakes its task although nothing happened on it.
///
/// rust-libp2p's gossipsub (0.50) shares one send queue among a peer's connections, and a
/// connection's handler only notices the queue while it has an outbound stream already: pushes
/// wake the handlers waiting on the queue, never one that has not opened its stream yet. A
/// direct connection that comes up beside a relayed one is such a handler; once the relayed
/// connection is gone, messages for the peer would sit in the queue until something else
/// woke this connection, and forwarded ones expire after a second. Waking the task this often
/// lets the handler see them; each wake costs one pass over the connection's handlers.
const WAKE_EVERY: Duration = Duration::from_millis(250);

/// A direct connection to another browser.
pub struct Connection {
    peer: SendWrapper<Peer>,
    wake: Delay,
    /// Keeps the peer connection listed for [`crate::Behaviour::path`] while it lives.
    _registration: Registration,
}

impl Connection {
    pub(crate) fn new(mut peer: Peer, registration: Registration) -> Self {
        peer.watch_transport();
        Self {
            peer: SendWrapper::new(peer),
            wake: Delay::new(WAKE_EVERY),
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
            None => match self.peer.poll_ended(cx.waker(), now_ms()) {
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
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<StreamMuxerEvent, Self::Error>> {
        if let Some(state) = self.peer.poll_ended(cx.waker(), now_ms()) {
            return Poll::Ready(Err(ended(state)));
        }
        while self.wake.poll_unpin(cx).is_ready() {
            self.wake.reset(WAKE_EVERY);
        }
        Poll::Pending
    }
}

fn ended(state: PeerConnectionState) -> Error {
    Error::PeerConnectionEnded {
        failed: state == PeerConnectionState::Failed,
    }
}
