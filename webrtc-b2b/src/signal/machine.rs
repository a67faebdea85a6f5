//! The sans-IO state machine of one signaling attempt.

use std::collections::VecDeque;

use super::{
    encode, parse_candidate, BrowserStep, Candidate, Config, Decoder, Message, MessageType,
    PeerConnectionState, Phase, SdpKind,
};
use crate::{Error, Side};

/// Which side of the exchange this node takes on one signaling stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Opened the stream (by convention the outbound side of the relayed connection, the
    /// spec's _A_): sends the offer, expects the answer.
    Initiator,
    /// Accepted the stream (_B_): expects the offer, sends the answer.
    Responder,
}

/// What the caller must do next, in order. Browser calls are asynchronous: report their
/// outcome with the matching `handle_*` method (or [`Signaling::handle_browser_error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Initiator, at the start: `createDataChannel("init")` (so the offer has an
    /// application section), then `createOffer()`; report the SDP with
    /// [`Signaling::handle_local_offer`].
    CreateOffer,
    /// Responder, once the offer is applied: `createAnswer()`; report the SDP with
    /// [`Signaling::handle_local_answer`].
    CreateAnswer,
    /// `setLocalDescription({type, sdp})`. Emitted right after the SDP was queued for sending
    /// (as js-libp2p does), so the peer gets it as early as possible.
    SetLocalDescription {
        /// Offer or answer.
        kind: SdpKind,
        /// The SDP.
        sdp: String,
    },
    /// `setRemoteDescription({type, sdp})`; report completion with
    /// [`Signaling::handle_remote_description_applied`]. Remote candidates are held back
    /// until then, as the browser refuses them before.
    SetRemoteDescription {
        /// Offer or answer.
        kind: SdpKind,
        /// The peer's SDP.
        sdp: String,
    },
    /// `addIceCandidate(JSON.parse(json))`. A refusal by the browser is not fatal: log it
    /// and carry on, as js-libp2p does.
    AddRemoteCandidate(String),
    /// The peer signalled the end of its candidates; passing it on to the browser is
    /// optional.
    EndOfRemoteCandidates,
    /// Write these bytes (one whole message) to the signaling stream.
    Send(Vec<u8>),
    /// Initiator, once connected and the `init` channel is open: close it, then report
    /// [`Signaling::handle_init_channel_closed`]. (js-libp2p waits for this too: data channel
    /// ids may be reused once a channel is closed.)
    CloseInitChannel,
    /// Close the signaling stream gracefully (success, spec step 8).
    CloseStream,
    /// Reset the signaling stream (failure, spec step 8).
    ResetStream,
    /// The attempt succeeded; the peer connection is the new direct connection. Last action.
    Established,
    /// The attempt is abandoned; close the peer connection. The relayed connection and
    /// everything else is untouched. Last action.
    GiveUp(Error),
}

/// One signaling attempt over one `/webrtc-signaling/0.0.1` stream.
///
/// Feed it what the peer sent ([`Self::handle_remote_bytes`] or, if the caller decodes,
/// [`Self::handle_remote_message`]), what the local browser did (`handle_local_*`,
/// [`Self::handle_connection_state`], …) and the time ([`Self::handle_timeout`] by
/// [`Self::next_deadline`]); after each call, drain [`Self::poll_action`].
///
/// Anything malformed, oversized, out of order or of unknown type ends the attempt: the
/// actions become [`Action::ResetStream`] then [`Action::GiveUp`] with the error, and every
/// later input is ignored. Nothing outside this attempt is affected.
#[derive(Debug)]
pub struct Signaling {
    role: Role,
    config: Config,
    phase: Phase,
    deadline_ms: u64,
    decoder: Decoder,
    actions: VecDeque<Action>,
    /// Our SDP is queued for sending, so our candidates may follow it.
    local_sdp_sent: bool,
    /// The peer's SDP was handed to the browser.
    remote_sdp_received: bool,
    /// `setRemoteDescription` completed, so the peer's candidates may be added.
    remote_applied: bool,
    /// Local candidates produced before our SDP was sent.
    queued_local: Vec<String>,
    /// Remote candidates received before the remote description was applied.
    queued_remote: Vec<Candidate>,
    remote_candidates: usize,
    remote_ended: bool,
    init_open: bool,
    init_closed: bool,
    init_close_requested: bool,
}

impl Signaling {
    /// Starts an attempt at `now_ms`; it must be established by `now_ms +
    /// config.attempt_timeout_ms`. An initiator's first action is [`Action::CreateOffer`].
    pub fn new(role: Role, config: Config, now_ms: u64) -> Self {
        let mut this = Self {
            role,
            phase: match role {
                Role::Initiator => Phase::AwaitingLocalOffer,
                Role::Responder => Phase::AwaitingOffer,
            },
            deadline_ms: now_ms.saturating_add(config.attempt_timeout_ms),
            decoder: Decoder::new(config.max_message_len),
            config,
            actions: VecDeque::new(),
            local_sdp_sent: false,
            remote_sdp_received: false,
            remote_applied: false,
            queued_local: Vec::new(),
            queued_remote: Vec::new(),
            remote_candidates: 0,
            remote_ended: false,
            init_open: false,
            init_closed: false,
            init_close_requested: false,
        };
        if role == Role::Initiator {
            this.actions.push_back(Action::CreateOffer);
        }
        this
    }

    /// This attempt's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the attempt is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the attempt has ended (established or failed).
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Established | Phase::Failed)
    }

    /// The next action to carry out, if any.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called, while the attempt runs.
    pub fn next_deadline(&self) -> Option<u64> {
        (!self.is_finished()).then_some(self.deadline_ms)
    }

    /// Gives up if the deadline has passed.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        if !self.is_finished() && now_ms >= self.deadline_ms {
            let error = Error::Timeout {
                phase: self.phase,
                after_ms: self.config.attempt_timeout_ms,
            };
            self.fail(error);
        }
    }

    /// Bytes read from the signaling stream, in any chunking.
    pub fn handle_remote_bytes(&mut self, bytes: &[u8]) {
        if !self.reads_remote() {
            return;
        }
        self.decoder.push(bytes);
        while self.reads_remote() {
            match self.decoder.next_message() {
                Ok(Some(message)) => self.handle_remote_message(message),
                Ok(None) => break,
                Err(error) => self.fail(error),
            }
        }
    }

    /// The peer closed its side of the signaling stream (EOF). Before its SDP has arrived this
    /// ends the attempt; after, it is normal and the attempt waits for `connected` (as js does).
    pub fn handle_remote_closed(&mut self) {
        if !self.reads_remote() || self.remote_ended {
            return;
        }
        self.remote_ended = true;
        if let Some(error) = self.decoder.check_end() {
            return self.fail(error);
        }
        if !self.remote_sdp_received {
            let waiting_for = match self.role {
                Role::Initiator => MessageType::SdpAnswer,
                Role::Responder => MessageType::SdpOffer,
            };
            self.fail(Error::ClosedBeforeDescription { waiting_for });
        }
    }

    /// One decoded message from the peer.
    pub fn handle_remote_message(&mut self, message: Message) {
        if !self.reads_remote() {
            return;
        }
        let got = message.kind;
        match (self.phase, got) {
            (Phase::AwaitingAnswer, MessageType::SdpAnswer) => {
                let Some(sdp) = self.sdp(message) else { return };
                self.remote_sdp_received = true;
                self.phase = Phase::ExchangingCandidates;
                self.actions.push_back(Action::SetRemoteDescription {
                    kind: SdpKind::Answer,
                    sdp,
                });
            }
            (Phase::AwaitingOffer, MessageType::SdpOffer) => {
                let Some(sdp) = self.sdp(message) else { return };
                self.remote_sdp_received = true;
                self.phase = Phase::AwaitingLocalAnswer;
                self.actions.push_back(Action::SetRemoteDescription {
                    kind: SdpKind::Offer,
                    sdp,
                });
            }
            (
                Phase::AwaitingLocalAnswer | Phase::ExchangingCandidates,
                MessageType::IceCandidate,
            ) => {
                self.remote_candidate(message.data.as_deref());
            }
            (phase, got) => self.fail(Error::UnexpectedMessage { got, phase }),
        }
    }

    /// Initiator: the browser created our offer.
    pub fn handle_local_offer(&mut self, sdp: String) {
        if self.is_finished() {
            return;
        }
        if self.phase != Phase::AwaitingLocalOffer {
            return self.unexpected_local("local offer");
        }
        if self.send(&Message::offer(sdp.clone())) {
            self.actions.push_back(Action::SetLocalDescription {
                kind: SdpKind::Offer,
                sdp,
            });
            self.phase = Phase::AwaitingAnswer;
            self.local_sdp_sent();
        }
    }

    /// Responder: the browser created our answer.
    pub fn handle_local_answer(&mut self, sdp: String) {
        if self.is_finished() {
            return;
        }
        if self.phase != Phase::AwaitingLocalAnswer || !self.remote_applied {
            return self.unexpected_local("local answer");
        }
        if self.send(&Message::answer(sdp.clone())) {
            self.actions.push_back(Action::SetLocalDescription {
                kind: SdpKind::Answer,
                sdp,
            });
            self.phase = Phase::ExchangingCandidates;
            self.local_sdp_sent();
        }
    }

    /// `setRemoteDescription` completed: held-back remote candidates are released, and a
    /// responder is asked to create its answer.
    pub fn handle_remote_description_applied(&mut self) {
        if self.is_finished() {
            return;
        }
        if !self.remote_sdp_received || self.remote_applied {
            return self.unexpected_local("remote description applied");
        }
        self.remote_applied = true;
        if self.role == Role::Responder {
            self.actions.push_back(Action::CreateAnswer);
        }
        for candidate in std::mem::take(&mut self.queued_remote) {
            self.actions.push_back(Self::add_action(candidate));
        }
    }

    /// The browser produced a local candidate (`icecandidate` event): `None` for the event's
    /// null candidate, else the JSON of `candidate.toJSON()`. End-of-candidates forms are not
    /// sent (as in js-libp2p); candidates produced once connected are dropped.
    pub fn handle_local_candidate(&mut self, json: Option<&str>) {
        if self.is_finished() || self.phase == Phase::ClosingInitChannel {
            return;
        }
        match parse_candidate(json, Side::Local) {
            Err(error) => self.fail(error),
            Ok(Candidate::EndOfCandidates) => {}
            Ok(Candidate::Candidate(json)) if self.local_sdp_sent => {
                self.send(&Message::candidate(json));
            }
            Ok(Candidate::Candidate(json)) => self.queued_local.push(json),
        }
    }

    /// `RTCPeerConnection.connectionState` changed. `connected` completes the exchange once
    /// both SDPs have passed; `failed` and `closed` end the attempt; the others change nothing.
    pub fn handle_connection_state(&mut self, state: PeerConnectionState) {
        if self.is_finished() {
            return;
        }
        match state {
            PeerConnectionState::Connected => match self.phase {
                Phase::ExchangingCandidates => self.connected(),
                Phase::ClosingInitChannel => {}
                _ => self.unexpected_local("connected"),
            },
            PeerConnectionState::Failed => self.fail(Error::IceFailed),
            PeerConnectionState::Closed => self.fail(Error::PeerConnectionClosed),
            PeerConnectionState::New
            | PeerConnectionState::Connecting
            | PeerConnectionState::Disconnected => {}
        }
    }

    /// Initiator: the `init` data channel opened (may come before or after `connected`).
    pub fn handle_init_channel_open(&mut self) {
        if self.is_finished() {
            return;
        }
        if self.role != Role::Initiator {
            return self.unexpected_local("init channel open");
        }
        self.init_open = true;
        if self.phase == Phase::ClosingInitChannel {
            self.close_init();
        }
    }

    /// Initiator: the `init` data channel closed.
    pub fn handle_init_channel_closed(&mut self) {
        if self.is_finished() {
            return;
        }
        if self.role != Role::Initiator {
            return self.unexpected_local("init channel closed");
        }
        self.init_closed = true;
        if self.phase == Phase::ClosingInitChannel {
            self.established();
        }
    }

    /// A browser call the exchange depends on failed: the attempt is abandoned.
    pub fn handle_browser_error(&mut self, step: BrowserStep, reason: String) {
        if !self.is_finished() {
            self.fail(Error::BrowserRefused { step, reason });
        }
    }

    /// Whether remote input still matters: not once finished or connected.
    fn reads_remote(&self) -> bool {
        !self.is_finished() && self.phase != Phase::ClosingInitChannel
    }

    fn sdp(&mut self, message: Message) -> Option<String> {
        match message.data {
            Some(sdp) if !sdp.is_empty() => Some(sdp),
            _ => {
                self.fail(Error::MissingData { kind: message.kind });
                None
            }
        }
    }

    fn remote_candidate(&mut self, data: Option<&str>) {
        let candidate = match parse_candidate(data, Side::Remote) {
            Ok(candidate) => candidate,
            Err(error) => return self.fail(error),
        };
        if matches!(candidate, Candidate::Candidate(_)) {
            self.remote_candidates += 1;
            if self.remote_candidates > self.config.max_remote_candidates {
                let max = self.config.max_remote_candidates;
                return self.fail(Error::TooManyCandidates { max });
            }
        }
        if self.remote_applied {
            self.actions.push_back(Self::add_action(candidate));
        } else {
            self.queued_remote.push(candidate);
        }
    }

    fn add_action(candidate: Candidate) -> Action {
        match candidate {
            Candidate::Candidate(json) => Action::AddRemoteCandidate(json),
            Candidate::EndOfCandidates => Action::EndOfRemoteCandidates,
        }
    }

    fn local_sdp_sent(&mut self) {
        self.local_sdp_sent = true;
        for json in std::mem::take(&mut self.queued_local) {
            if !self.send(&Message::candidate(json)) {
                return;
            }
        }
    }

    /// Queues `message` for the stream; false (and the attempt failed) if it is too large.
    fn send(&mut self, message: &Message) -> bool {
        match encode(message, self.config.max_message_len) {
            Ok(bytes) => {
                self.actions.push_back(Action::Send(bytes));
                true
            }
            Err(error) => {
                self.fail(error);
                false
            }
        }
    }

    fn connected(&mut self) {
        match self.role {
            Role::Responder => self.established(),
            Role::Initiator => {
                self.phase = Phase::ClosingInitChannel;
                if self.init_closed {
                    self.established();
                } else if self.init_open {
                    self.close_init();
                }
            }
        }
    }

    fn close_init(&mut self) {
        if !self.init_close_requested {
            self.init_close_requested = true;
            self.actions.push_back(Action::CloseInitChannel);
        }
    }

    fn established(&mut self) {
        self.phase = Phase::Established;
        self.queued_local.clear();
        self.queued_remote.clear();
        self.actions.push_back(Action::CloseStream);
        self.actions.push_back(Action::Established);
    }

    fn unexpected_local(&mut self, event: &'static str) {
        let phase = self.phase;
        self.fail(Error::UnexpectedLocalEvent { event, phase });
    }

    fn fail(&mut self, error: Error) {
        if self.is_finished() {
            return;
        }
        self.phase = Phase::Failed;
        self.queued_local.clear();
        self.queued_remote.clear();
        // Whatever was still to be done for this attempt is moot now.
        self.actions.clear();
        self.actions.push_back(Action::ResetStream);
        self.actions.push_back(Action::GiveUp(error));
    }
}
