//! One `RTCPeerConnection` and the events the browser raises on it, shared by the signaling
//! attempt that sets it up and by the [`super::Connection`] that then carries streams over it.
//!
//! Every handler is attached when the peer connection is created and detached before its
//! closure is dropped, so the browser never calls into a dropped closure (rust-libp2p 6551),
//! and no data channel the peer opens early is missed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

use futures::task::AtomicWaker;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Event, RtcConfiguration, RtcDataChannel, RtcDataChannelEvent, RtcIceTransportPolicy,
    RtcPeerConnection, RtcPeerConnectionIceEvent, RtcPeerConnectionState,
};

use super::channel::{now_ms, Channel};
use crate::frame::StreamConfig;
use crate::signal::PeerConnectionState;
use crate::IceServer;

/// The label of the data channel the initiator opens only so that its offer has an
/// application section (webrtc.md, step 2); it never carries a stream.
pub(crate) const INIT_LABEL: &str = "init";

/// How long an established connection may stay `disconnected` (no answer to ICE consent
/// checks) before it is given up. Chrome goes from `disconnected` to `failed` only after some
/// 30 s, and meanwhile the dead connection keeps taking messages meant for the peer (gossipsub
/// hands them to any of the peer's connections), so a peer whose browser restarted would miss
/// them although a fresh connection to it is up.
pub(crate) const DISCONNECTED_GRACE_MS: u64 = 5_000;

/// What the signaling attempt must learn from the browser.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// A local ICE candidate as the JSON of `toJSON()`, or `None` at the end of gathering.
    Candidate(Option<String>),
    /// `connectionState` changed.
    State(PeerConnectionState),
    /// The `init` channel (ours as initiator) opened.
    InitOpen,
    /// The `init` channel closed.
    InitClosed,
}

/// A queue filled by browser callbacks and drained by one task, which a push wakes.
struct Queue<T> {
    items: VecDeque<T>,
    waker: AtomicWaker,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
            waker: AtomicWaker::new(),
        }
    }
}

impl<T> Queue<T> {
    fn push(&mut self, item: T) {
        self.items.push_back(item);
        self.waker.wake();
    }

    /// The oldest item, or `None` with `waker` registered to hear of the next push.
    fn pop(&mut self, waker: &Waker) -> Option<T> {
        let item = self.items.pop_front();
        if item.is_none() {
            self.waker.register(waker);
        }
        item
    }

    fn clear(&mut self) {
        self.items.clear();
        self.waker.take();
    }
}

#[derive(Default)]
struct Shared {
    events: Queue<PeerEvent>,
    /// Data channels the peer opened, other than `init`, each already listening.
    inbound: Queue<Channel>,
    /// Wakes whoever waits for the connection to fail or close.
    state_waker: AtomicWaker,
    state: Option<PeerConnectionState>,
    /// Since when `connectionState` has been `disconnected`.
    disconnected_since: Option<u64>,
    /// The DTLS transport closed (the peer closed its end) or failed.
    transport_ended: bool,
}

type Handler<T> = Closure<dyn FnMut(T)>;

/// The `init` data channel and its two handlers.
struct InitChannel {
    channel: RtcDataChannel,
    _on_open: Handler<Event>,
    _on_close: Handler<Event>,
}

impl Drop for InitChannel {
    fn drop(&mut self) {
        self.channel.set_onopen(None);
        self.channel.set_onclose(None);
    }
}

/// The DTLS transport under the data channels (`pc.sctp.transport`) and its handler.
struct DtlsWatch {
    transport: web_sys::EventTarget,
    _on_state: Handler<Event>,
}

impl Drop for DtlsWatch {
    fn drop(&mut self) {
        let _ = js_sys::Reflect::set(
            &self.transport,
            &JsValue::from_str("onstatechange"),
            &JsValue::NULL,
        );
    }
}

/// An `RTCPeerConnection` with its handlers. Dropping it closes the peer connection.
pub(crate) struct Peer {
    pc: RtcPeerConnection,
    shared: Rc<RefCell<Shared>>,
    stream_config: StreamConfig,
    init: Option<InitChannel>,
    dtls: Option<DtlsWatch>,
    _on_candidate: Handler<RtcPeerConnectionIceEvent>,
    _on_state: Handler<Event>,
    _on_channel: Handler<RtcDataChannelEvent>,
}

impl Peer {
    /// A new peer connection using `ice_servers` (none: host candidates only).
    pub(crate) fn new(
        ice_servers: &[IceServer],
        relay_only: bool,
        stream_config: StreamConfig,
    ) -> Result<Self, String> {
        let config = RtcConfiguration::new();
        config.set_ice_servers(&ice_servers_js(ice_servers));
        if relay_only {
            config.set_ice_transport_policy(RtcIceTransportPolicy::Relay);
        }
        let pc = RtcPeerConnection::new_with_configuration(&config).map_err(describe)?;
        let shared = Rc::new(RefCell::new(Shared::default()));

        let on_candidate = {
            let shared = shared.clone();
            Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
                move |event: RtcPeerConnectionIceEvent| {
                    let json = event
                        .candidate()
                        .and_then(|c| js_sys::JSON::stringify(&c.to_json()).ok())
                        .and_then(|s| s.as_string());
                    shared.borrow_mut().events.push(PeerEvent::Candidate(json));
                },
            )
        };
        pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));

        let on_state = {
            let shared = shared.clone();
            let pc = pc.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let state = state_of(pc.connection_state());
                let mut shared = shared.borrow_mut();
                shared.state = Some(state);
                shared.disconnected_since = match state {
                    PeerConnectionState::Disconnected => {
                        shared.disconnected_since.or(Some(now_ms()))
                    }
                    _ => None,
                };
                shared.events.push(PeerEvent::State(state));
                shared.state_waker.wake();
            })
        };
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));

        let on_channel = {
            let shared = shared.clone();
            let stream_config = stream_config.clone();
            Closure::<dyn FnMut(RtcDataChannelEvent)>::new(move |event: RtcDataChannelEvent| {
                let channel = event.channel();
                if channel.label() == INIT_LABEL {
                    // The initiator's `init` channel: it closes it itself once connected.
                    return;
                }
                let channel = Channel::new(channel, stream_config.clone());
                shared.borrow_mut().inbound.push(channel);
            })
        };
        pc.set_ondatachannel(Some(on_channel.as_ref().unchecked_ref()));

        Ok(Self {
            pc,
            shared,
            stream_config,
            init: None,
            dtls: None,
            _on_candidate: on_candidate,
            _on_state: on_state,
            _on_channel: on_channel,
        })
    }

    pub(crate) fn pc(&self) -> &RtcPeerConnection {
        &self.pc
    }

    /// Opens the `init` data channel (initiator, before `createOffer`).
    pub(crate) fn open_init_channel(&mut self) {
        let channel = self.pc.create_data_channel(INIT_LABEL);
        let on_open = {
            let shared = self.shared.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                shared.borrow_mut().events.push(PeerEvent::InitOpen);
            })
        };
        let on_close = {
            let shared = self.shared.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                shared.borrow_mut().events.push(PeerEvent::InitClosed);
            })
        };
        channel.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        channel.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.init = Some(InitChannel {
            channel,
            _on_open: on_open,
            _on_close: on_close,
        });
    }

    /// Closes the `init` data channel; [`PeerEvent::InitClosed`] follows.
    pub(crate) fn close_init_channel(&self) {
        if let Some(init) = &self.init {
            init.channel.close();
        }
    }

    /// The next browser event for the signaling attempt, or `None` (and `waker` is woken when
    /// one arrives).
    pub(crate) fn poll_event(&self, waker: &Waker) -> Option<PeerEvent> {
        self.shared.borrow_mut().events.pop(waker)
    }

    /// Stops queueing events for the attempt, which has ended.
    pub(crate) fn end_attempt(&mut self) {
        self.pc.set_onicecandidate(None);
        self.shared.borrow_mut().events.clear();
        self.init = None;
    }

    /// Watches the DTLS transport of the established connection: a peer that closes its end
    /// sends a DTLS close, which ends the connection at once instead of after ICE gives up.
    pub(crate) fn watch_transport(&mut self) {
        let transport = js_sys::Reflect::get(self.pc.as_ref(), &JsValue::from_str("sctp"))
            .ok()
            .filter(|sctp| sctp.is_object())
            .and_then(|sctp| js_sys::Reflect::get(&sctp, &JsValue::from_str("transport")).ok())
            .and_then(|t| t.dyn_into::<web_sys::EventTarget>().ok());
        let Some(transport) = transport else {
            return;
        };
        let on_state = {
            let shared = self.shared.clone();
            let watched = transport.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let state = js_sys::Reflect::get(&watched, &JsValue::from_str("state"))
                    .ok()
                    .and_then(|s| s.as_string());
                if matches!(state.as_deref(), Some("closed" | "failed")) {
                    let mut shared = shared.borrow_mut();
                    shared.transport_ended = true;
                    shared.state_waker.wake();
                }
            })
        };
        let _ = js_sys::Reflect::set(
            &transport,
            &JsValue::from_str("onstatechange"),
            on_state.as_ref(),
        );
        self.dtls = Some(DtlsWatch {
            transport,
            _on_state: on_state,
        });
    }

    /// A data channel the peer opened, if one is waiting.
    pub(crate) fn poll_inbound(&self, waker: &Waker) -> Option<Channel> {
        self.shared.borrow_mut().inbound.pop(waker)
    }

    /// Opens a data channel for a new outbound stream.
    pub(crate) fn open_channel(&self) -> Channel {
        Channel::new(self.pc.create_data_channel(""), self.stream_config.clone())
    }

    /// `Some` once the peer connection has failed or closed, its DTLS transport has ended,
    /// or it has been `disconnected` for [`DISCONNECTED_GRACE_MS`] by `now_ms`; else
    /// registers `waker` (the caller must poll again in time to see the grace run out).
    pub(crate) fn poll_ended(&self, waker: &Waker, now_ms: u64) -> Option<PeerConnectionState> {
        let shared = self.shared.borrow();
        match shared.state {
            Some(state @ (PeerConnectionState::Failed | PeerConnectionState::Closed)) => {
                return Some(state);
            }
            _ if shared.transport_ended => return Some(PeerConnectionState::Closed),
            _ => {}
        }
        if shared
            .disconnected_since
            .is_some_and(|since| now_ms.saturating_sub(since) >= DISCONNECTED_GRACE_MS)
        {
            return Some(PeerConnectionState::Failed);
        }
        shared.state_waker.register(waker);
        None
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.pc.set_onicecandidate(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_ondatachannel(None);
        self.init = None;
        self.dtls = None;
        // Channels the swarm never took are reset with the rest by closing the connection.
        self.shared.borrow_mut().inbound.clear();
        self.pc.close();
    }
}

fn ice_servers_js(servers: &[IceServer]) -> JsValue {
    let list = js_sys::Array::new();
    for server in servers {
        let entry = js_sys::Object::new();
        let urls = js_sys::Array::new();
        for url in &server.urls {
            urls.push(&JsValue::from_str(url));
        }
        set(&entry, "urls", &urls);
        if let Some(username) = &server.username {
            set(&entry, "username", &JsValue::from_str(username));
        }
        if let Some(credential) = &server.credential {
            set(&entry, "credential", &JsValue::from_str(credential));
        }
        list.push(&entry);
    }
    list.into()
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot throw.
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

fn state_of(state: RtcPeerConnectionState) -> PeerConnectionState {
    match state {
        RtcPeerConnectionState::New => PeerConnectionState::New,
        RtcPeerConnectionState::Connecting => PeerConnectionState::Connecting,
        RtcPeerConnectionState::Connected => PeerConnectionState::Connected,
        RtcPeerConnectionState::Disconnected => PeerConnectionState::Disconnected,
        RtcPeerConnectionState::Failed => PeerConnectionState::Failed,
        _ => PeerConnectionState::Closed,
    }
}

/// A JS exception or rejection in words.
pub(crate) fn describe(error: JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}
