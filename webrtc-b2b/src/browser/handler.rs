//! Per connection: offers `/webrtc-signaling/0.0.1` on relayed connections (while the node
//! listens on `/webrtc`), hands inbound signaling streams to the behaviour, and opens outbound
//! ones for the transport's dials.

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll};

use either::Either;
use futures::channel::oneshot;
use libp2p_core::upgrade::{DeniedUpgrade, ReadyUpgrade};
use libp2p_swarm::handler::{
    ConnectionEvent, DialUpgradeError, FullyNegotiatedInbound, FullyNegotiatedOutbound,
};
use libp2p_swarm::{
    ConnectionHandler, ConnectionHandlerEvent, Stream, StreamProtocol, SubstreamProtocol,
};

use crate::signal::PROTOCOL;
use crate::Error;

/// Where an outbound signaling stream, or the reason there is none, is to be delivered.
pub struct StreamRequest(pub(crate) oneshot::Sender<Result<Stream, Error>>);

impl fmt::Debug for StreamRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamRequest")
    }
}

/// A signaling stream the peer opened.
#[derive(Debug)]
pub struct InboundSignaling(pub(crate) Stream);

/// The `/webrtc` connection handler of [`super::Behaviour`].
pub struct Handler {
    /// Whether the peer may open signaling streams here: a relayed connection, on a node
    /// listening on `/webrtc`.
    accept_inbound: bool,
    requests: VecDeque<StreamRequest>,
    opening: usize,
    inbound: VecDeque<Stream>,
}

impl Handler {
    pub(crate) fn new(accept_inbound: bool) -> Self {
        Self {
            accept_inbound,
            requests: VecDeque::new(),
            opening: 0,
            inbound: VecDeque::new(),
        }
    }
}

fn protocol() -> StreamProtocol {
    StreamProtocol::new(PROTOCOL)
}

impl ConnectionHandler for Handler {
    type FromBehaviour = StreamRequest;
    type ToBehaviour = InboundSignaling;
    type InboundProtocol = Either<ReadyUpgrade<StreamProtocol>, DeniedUpgrade>;
    type OutboundProtocol = ReadyUpgrade<StreamProtocol>;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = StreamRequest;

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol, ()> {
        if self.accept_inbound {
            SubstreamProtocol::new(Either::Left(ReadyUpgrade::new(protocol())), ())
        } else {
            SubstreamProtocol::new(Either::Right(DeniedUpgrade), ())
        }
    }

    fn connection_keep_alive(&self) -> bool {
        !self.requests.is_empty() || self.opening > 0
    }

    fn poll(
        &mut self,
        _: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, StreamRequest, InboundSignaling>> {
        if let Some(stream) = self.inbound.pop_front() {
            return Poll::Ready(ConnectionHandlerEvent::NotifyBehaviour(InboundSignaling(
                stream,
            )));
        }
        if let Some(request) = self.requests.pop_front() {
            self.opening += 1;
            return Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest {
                protocol: SubstreamProtocol::new(ReadyUpgrade::new(protocol()), request),
            });
        }
        Poll::Pending
    }

    fn on_behaviour_event(&mut self, request: StreamRequest) {
        self.requests.push_back(request);
    }

    fn on_connection_event(
        &mut self,
        event: ConnectionEvent<Self::InboundProtocol, Self::OutboundProtocol, (), StreamRequest>,
    ) {
        match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: futures::future::Either::Left(stream),
                ..
            }) => self.inbound.push_back(stream),
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: stream,
                info: StreamRequest(reply),
            }) => {
                self.opening = self.opening.saturating_sub(1);
                // The dial may have been abandoned meanwhile; the stream then just closes.
                let _ = reply.send(Ok(stream));
            }
            ConnectionEvent::DialUpgradeError(DialUpgradeError {
                info: StreamRequest(reply),
                error,
            }) => {
                self.opening = self.opening.saturating_sub(1);
                let _ = reply.send(Err(Error::SignalingRefused {
                    reason: error.to_string(),
                }));
            }
            _ => {}
        }
    }
}
