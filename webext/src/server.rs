//! The background's side of the port: accepts UI ports, decodes their requests, sends responses
//! and pushes, and answers the service worker's readiness pings.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use phemossa_api::{ClientMessage, ServerMessage, PORT_NAME};
use wasm_bindgen::prelude::*;

use crate::chrome::{self, Port};
use crate::WebextError;

/// The service worker's readiness probe, and the background's answer.
pub const PING: &str = "phemossa/ping";
pub const PONG: &str = "phemossa/pong";

thread_local! {
    static NEXT_CONNECTION_ID: Cell<u64> = const { Cell::new(1) };
}

/// Listeners that must live exactly as long as their port.
type Listeners = RefCell<Vec<Closure<dyn FnMut(JsValue)>>>;

/// One UI page's port. Clones share it.
#[derive(Clone)]
pub struct PortConnection {
    inner: Rc<ConnectionInner>,
}

struct ConnectionInner {
    id: u64,
    port: Port,
    open: Cell<bool>,
    listeners: Listeners,
}

impl PortConnection {
    fn new(port: Port) -> Self {
        let id = NEXT_CONNECTION_ID.with(|next| next.replace(next.get() + 1));
        let connection = Self {
            inner: Rc::new(ConnectionInner {
                id,
                port,
                open: Cell::new(true),
                listeners: RefCell::new(Vec::new()),
            }),
        };
        let weak = Rc::downgrade(&connection.inner);
        connection.listen(
            |port| port.on_disconnect(),
            move |_| {
                if let Some(inner) = weak.upgrade() {
                    inner.open.set(false);
                    // Chrome is inside one of these listeners right now: free them afterwards.
                    let listeners = std::mem::take(&mut *inner.listeners.borrow_mut());
                    wasm_bindgen_futures::spawn_local(async move { drop(listeners) });
                }
            },
        );
        connection
    }

    /// Distinguishes ports, for subscriptions.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    pub fn is_open(&self) -> bool {
        self.inner.open.get()
    }

    /// Sends a message; returns `false` when the page has gone away.
    pub fn send(&self, message: &ServerMessage) -> bool {
        if !self.is_open() {
            return false;
        }
        let sent = self
            .inner
            .port
            .post_message(&JsValue::from_str(&message.to_json()))
            .is_ok();
        if !sent {
            self.inner.open.set(false);
        }
        sent
    }

    /// Calls `handler` with each message, decoded; undecodable ones arrive as errors.
    pub fn on_message(&self, handler: impl Fn(Result<ClientMessage, WebextError>) + 'static) {
        self.listen(
            |port| port.on_message(),
            move |message: JsValue| {
                let decoded = match message.as_string() {
                    Some(text) => ClientMessage::from_json(&text).map_err(WebextError::from),
                    None => Err(WebextError::Decode(
                        phemossa_core::Error::MalformedMessage {
                            reason: "port messages must be JSON text".into(),
                        },
                    )),
                };
                handler(decoded);
            },
        );
    }

    /// Calls `handler` once, when the page closes its port or goes away.
    pub fn on_disconnect(&self, handler: impl FnOnce() + 'static) {
        let mut handler = Some(handler);
        self.listen(
            |port| port.on_disconnect(),
            move |_| {
                if let Some(handler) = handler.take() {
                    handler();
                }
            },
        );
    }

    fn listen(
        &self,
        event: impl Fn(&Port) -> chrome::ChromeEvent,
        listener: impl FnMut(JsValue) + 'static,
    ) {
        let closure = Closure::<dyn FnMut(JsValue)>::new(listener);
        event(&self.inner.port).add_listener(closure.as_ref().unchecked_ref());
        self.inner.listeners.borrow_mut().push(closure);
    }
}

/// Accepts every UI port (those named [`PORT_NAME`]) for the life of the document.
pub fn listen(accept: impl Fn(PortConnection) + 'static) -> Result<(), WebextError> {
    let on_connect = Closure::<dyn FnMut(Port)>::new(move |port: Port| {
        // Every extension context sees every connect; only ours are for us.
        if port.name() == PORT_NAME {
            accept(PortConnection::new(port));
        }
    });
    chrome::runtime()?
        .on_connect()
        .add_listener(on_connect.as_ref().unchecked_ref());
    // Listens as long as the document lives, so it is never freed.
    on_connect.forget();
    Ok(())
}

/// Answers [`PING`] with [`PONG`] so the service worker knows ports will now be accepted.
pub fn answer_pings() -> Result<(), WebextError> {
    let on_message = Closure::<dyn FnMut(JsValue, JsValue, Function) -> bool>::new(
        |message: JsValue, _sender: JsValue, send_response: Function| {
            let kind = js_sys::Reflect::get(&message, &"type".into())
                .ok()
                .and_then(|v| v.as_string());
            if kind.as_deref() == Some(PING) {
                let reply = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&reply, &"type".into(), &PONG.into());
                let _ = send_response.call1(&JsValue::NULL, &reply);
            }
            false
        },
    );
    chrome::runtime()?
        .on_message()
        .add_listener(on_message.as_ref().unchecked_ref());
    on_message.forget();
    Ok(())
}
