//! The pages' side of the port: typed requests with awaited responses, and pushes.
//!
//! The client connects lazily and reconnects after the background goes away (the offscreen
//! document can be closed and recreated): at once if the page subscribed to pushes, else on the
//! next request, it asks the service worker to ensure the document exists, reconnects, renews
//! the page's subscriptions and tells the page (see [`PortClient::on_reconnect`]), since pushes
//! sent while it was away are lost.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::Either;
use phemossa_api::{
    ApiError, ClientMessage, Push, Request, Response, ServerMessage, Topic, PORT_NAME,
};
use wasm_bindgen::prelude::*;

use crate::chrome::{self, Port};
pub use crate::ensure::{ensure_background, last_restart, Restart, ENSURE_OFFSCREEN};
use crate::WebextError;

/// How long a page waits for any answer. Generous: sealing a backup runs Argon2 in wasm, which
/// takes seconds on a slow machine; a background that stays silent this long is stuck.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);
/// When a page with subscriptions tries to reconnect after losing the port, counted from the
/// loss; after the last, the page's next request tries again.
const RECONNECT_DELAYS: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(5),
];

type Pending = HashMap<u64, oneshot::Sender<Result<Response, ApiError>>>;
type PushHandler = Rc<dyn Fn(Push)>;
type ReconnectHandler = Rc<dyn Fn()>;
/// How a page reads the background's messages: `ServerMessage::from_json_as` with the page's
/// answers ([`Response`] or a subset of it).
pub type Reader = fn(&str) -> Result<ServerMessage, phemossa_core::Error>;

/// A cheap, clonable handle; clones share one port.
#[derive(Clone)]
pub struct PortClient {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    read: Reader,
    connection: Option<Connection>,
    next_id: u64,
    pending: Pending,
    push_handlers: Vec<PushHandler>,
    reconnect_handlers: Vec<ReconnectHandler>,
    topics: Vec<Topic>,
    /// A port was opened before, so the next one is a reconnect.
    connected_before: bool,
    /// A task is trying to reconnect after the port was lost.
    reconnecting: bool,
}

/// A live port and the listeners that must live exactly as long as it.
struct Connection {
    port: Port,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_disconnect: Closure<dyn FnMut(JsValue)>,
}

impl PortClient {
    /// A client that reads the background's messages with `read`: the page names the answers
    /// it can get, so its wasm holds the readers of those only.
    pub fn new(read: Reader) -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                read,
                connection: None,
                next_id: 0,
                pending: Pending::new(),
                push_handlers: Vec::new(),
                reconnect_handlers: Vec::new(),
                topics: Vec::new(),
                connected_before: false,
                reconnecting: false,
            })),
        }
    }

    /// Calls `handler` with every push for the topics this page subscribed to.
    pub fn on_push(&self, handler: impl Fn(Push) + 'static) {
        self.inner.borrow_mut().push_handlers.push(Rc::new(handler));
    }

    /// Calls `handler` after every reconnect that follows a lost port (never on the first
    /// connect), once the subscriptions are renewed: pushes sent while the port was down are
    /// lost, so the page should reload what it shows.
    pub fn on_reconnect(&self, handler: impl Fn() + 'static) {
        self.inner
            .borrow_mut()
            .reconnect_handlers
            .push(Rc::new(handler));
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
        let (topics, reconnected) = {
            let mut inner = self.inner.borrow_mut();
            let reconnected = std::mem::replace(&mut inner.connected_before, true);
            (inner.topics.clone(), reconnected)
        };
        if !topics.is_empty() || reconnected {
            let client = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if !topics.is_empty() {
                    // A failure drops the port, and the next connect renews (and tells) again.
                    if client.request(Request::Subscribe { topics }).await.is_err() {
                        return;
                    }
                }
                if reconnected {
                    let handlers = client.inner.borrow().reconnect_handlers.clone();
                    for handler in handlers {
                        handler();
                    }
                }
            });
        }
        Ok(port)
    }

    /// After the port was lost, reconnects a page that wants pushes, without waiting for its
    /// next request: otherwise it would miss every push until the person did something.
    fn reconnect_soon(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            if inner.topics.is_empty() || inner.reconnecting {
                return;
            }
            inner.reconnecting = true;
        }
        let client = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            for delay in RECONNECT_DELAYS {
                gloo_timers::future::sleep(delay).await;
                if client.port().await.is_ok() {
                    break;
                }
            }
            client.inner.borrow_mut().reconnecting = false;
        });
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

    /// Forgets the port, fails every request still waiting on it, and reconnects soon if the
    /// page wants pushes.
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
            self.reconnect_soon();
        }
    }
}

fn deliver(inner: &Rc<RefCell<Inner>>, message: JsValue) {
    let Some(text) = message.as_string() else {
        web_sys::console::warn_1(&"phemossa: ignored a non-text port message".into());
        return;
    };
    let read = inner.borrow().read;
    match read(&text) {
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
