//! The pages' side of the port: typed requests with awaited responses, and pushes.
//!
//! The client connects lazily and reconnects after the background goes away (the offscreen
//! document can be closed and recreated): the next request asks the service worker to ensure the
//! document exists, reconnects, and renews the page's subscriptions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::Either;
use phemossa_core::api::{
    ApiError, ClientMessage, Push, Request, Response, ServerMessage, Topic, PORT_NAME,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::chrome::{self, Port};
use crate::WebextError;

/// Message the service worker answers once the offscreen document is up and listening.
pub const ENSURE_OFFSCREEN: &str = "phemossa/ensure-offscreen";
const ENSURE_ATTEMPTS: u32 = 5;
/// How long a page waits for any answer. Generous: sealing a backup runs Argon2 in wasm, which
/// takes seconds on a slow machine; a background that stays silent this long is stuck.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

type Pending = HashMap<u64, oneshot::Sender<Result<Response, ApiError>>>;
type PushHandler = Rc<dyn Fn(Push)>;

/// A cheap, clonable handle; clones share one port.
#[derive(Clone, Default)]
pub struct PortClient {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Default)]
struct Inner {
    connection: Option<Connection>,
    next_id: u64,
    pending: Pending,
    push_handlers: Vec<PushHandler>,
    topics: Vec<Topic>,
}

/// A live port and the listeners that must live exactly as long as it.
struct Connection {
    port: Port,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_disconnect: Closure<dyn FnMut(JsValue)>,
}

impl PortClient {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `handler` with every push for the topics this page subscribed to.
    pub fn on_push(&self, handler: impl Fn(Push) + 'static) {
        self.inner.borrow_mut().push_handlers.push(Rc::new(handler));
    }

    /// Subscribes to `topics`, now and again after every reconnect.
    pub async fn subscribe(&self, topics: Vec<Topic>) -> Result<(), ApiError> {
        {
            let mut inner = self.inner.borrow_mut();
            for topic in &topics {
                if !inner.topics.contains(topic) {
                    inner.topics.push(*topic);
                }
            }
        }
        self.request(Request::Subscribe { topics })
            .await
            .map(|_| ())
    }

    /// Sends one request and waits for its response.
    pub async fn request(&self, request: Request) -> Result<Response, ApiError> {
        let port = self.port().await.map_err(unavailable)?;
        let (id, receiver) = {
            let mut inner = self.inner.borrow_mut();
            inner.next_id += 1;
            let id = inner.next_id;
            let (sender, receiver) = oneshot::channel();
            inner.pending.insert(id, sender);
            (id, receiver)
        };
        let message = ClientMessage { id, request }.to_json();
        if let Err(error) = port.post_message(&JsValue::from_str(&message)) {
            self.inner.borrow_mut().pending.remove(&id);
            self.drop_connection();
            return Err(unavailable(WebextError::browser("port.postMessage", error)));
        }
        let timeout = gloo_timers::future::sleep(REQUEST_TIMEOUT);
        match futures_util::future::select(receiver, std::pin::pin!(timeout)).await {
            Either::Left((answer, _)) => {
                answer.unwrap_or_else(|_| Err(unavailable(WebextError::Disconnected)))
            }
            Either::Right(((), _)) => {
                self.inner.borrow_mut().pending.remove(&id);
                Err(ApiError::Internal {
                    reason: format!(
                        "the background did not answer within {} seconds",
                        REQUEST_TIMEOUT.as_secs()
                    ),
                })
            }
        }
    }

    async fn port(&self) -> Result<Port, WebextError> {
        if let Some(connection) = &self.inner.borrow().connection {
            return Ok(connection.port.clone());
        }
        ensure_background().await?;
        if let Some(connection) = &self.inner.borrow().connection {
            // Another request connected while this one waited.
            return Ok(connection.port.clone());
        }
        let port = self.open_port()?;
        let topics = self.inner.borrow().topics.clone();
        if !topics.is_empty() {
            let client = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A failure surfaces on the page's next request, which reconnects again.
                let _ = client.request(Request::Subscribe { topics }).await;
            });
        }
        Ok(port)
    }

    fn open_port(&self) -> Result<Port, WebextError> {
        let info = js_sys::Object::new();
        js_sys::Reflect::set(&info, &"name".into(), &PORT_NAME.into())
            .map_err(|e| WebextError::browser("Reflect.set", e))?;
        let port = chrome::runtime()?
            .connect(&info)
            .map_err(|e| WebextError::browser("chrome.runtime.connect", e))?;
        let weak = Rc::downgrade(&self.inner);
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            if let Some(inner) = weak.upgrade() {
                deliver(&inner, message);
            }
        });
        let weak = Rc::downgrade(&self.inner);
        let on_disconnect = Closure::<dyn FnMut(JsValue)>::new(move |_port: JsValue| {
            if let Some(inner) = weak.upgrade() {
                PortClient { inner }.drop_connection();
            }
        });
        port.on_message()
            .add_listener(on_message.as_ref().unchecked_ref());
        port.on_disconnect()
            .add_listener(on_disconnect.as_ref().unchecked_ref());
        self.inner.borrow_mut().connection = Some(Connection {
            port: port.clone(),
            _on_message: on_message,
            _on_disconnect: on_disconnect,
        });
        Ok(port)
    }

    /// Forgets the port and fails every request still waiting on it.
    fn drop_connection(&self) {
        let (connection, pending) = {
            let mut inner = self.inner.borrow_mut();
            (inner.connection.take(), std::mem::take(&mut inner.pending))
        };
        for (_, sender) in pending {
            let _ = sender.send(Err(unavailable(WebextError::Disconnected)));
        }
        if let Some(connection) = connection {
            // Chrome may still be inside one of this port's listeners: free them after it returns.
            wasm_bindgen_futures::spawn_local(async move {
                connection.port.disconnect();
                drop(connection);
            });
        }
    }
}

fn deliver(inner: &Rc<RefCell<Inner>>, message: JsValue) {
    let Some(text) = message.as_string() else {
        web_sys::console::warn_1(&"phemossa: ignored a non-text port message".into());
        return;
    };
    match ServerMessage::from_json(&text) {
        Ok(ServerMessage::Response { id, result }) => {
            let sender = inner.borrow_mut().pending.remove(&id);
            if let Some(sender) = sender {
                let _ = sender.send(result);
            }
        }
        Ok(ServerMessage::Push { push }) => {
            let handlers = inner.borrow().push_handlers.clone();
            for handler in handlers {
                handler(push.clone());
            }
        }
        Err(error) => {
            web_sys::console::warn_1(
                &format!("phemossa: bad message from background: {error}").into(),
            );
            // Fail the request it answered, if that much can be read, rather than leave it hanging.
            let sender = ServerMessage::response_id(&text)
                .and_then(|id| inner.borrow_mut().pending.remove(&id));
            if let Some(sender) = sender {
                let _ = sender.send(Err(ApiError::Internal {
                    reason: format!("the background's answer could not be read ({error})"),
                }));
            }
        }
    }
}

fn unavailable(error: WebextError) -> ApiError {
    ApiError::Internal {
        reason: format!("cannot reach the background ({error})"),
    }
}

/// Asks the service worker to make sure the offscreen document runs, retrying briefly: right
/// after install or a browser start the worker itself may still be starting.
pub async fn ensure_background() -> Result<(), WebextError> {
    let runtime = chrome::runtime()?;
    let mut last_reason = String::new();
    for attempt in 0..ENSURE_ATTEMPTS {
        if attempt > 0 {
            gloo_timers::future::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"type".into(), &ENSURE_OFFSCREEN.into())
            .map_err(|e| WebextError::browser("Reflect.set", e))?;
        let reply = match runtime.send_message(&message) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        match reply {
            Ok(reply) => {
                let ok = js_sys::Reflect::get(&reply, &"ok".into())
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if ok {
                    return Ok(());
                }
                last_reason = js_sys::Reflect::get(&reply, &"error".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| "the service worker gave no reason".into());
            }
            Err(error) => {
                last_reason = WebextError::browser("chrome.runtime.sendMessage", error).to_string()
            }
        }
    }
    Err(WebextError::BackgroundUnavailable {
        reason: last_reason,
    })
}
