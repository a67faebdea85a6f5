//! The port API: every UI port's requests answered (each in its own task), its subscriptions
//! kept until it disconnects, and unreadable messages counted and logged, never fatal.

use std::cell::Cell;
use std::rc::Rc;

use phemossa_api::{ApiError, ClientMessage, ServerMessage};
use phemossa_webext::{PortConnection, WebextError};

use crate::app::App;
use crate::error::BackgroundError;
use crate::subscribers::PushSink;

/// What answers requests: the started background, or why it failed to start (then every request
/// gets that error, so pages can say what is wrong instead of waiting).
pub enum Backend {
    Ready(Rc<App>),
    /// Why it failed, as every request is answered.
    Failed(ApiError),
}

impl PushSink for PortConnection {
    fn id(&self) -> u64 {
        PortConnection::id(self)
    }

    fn send(&self, message: &ServerMessage) -> bool {
        PortConnection::send(self, message)
    }

    fn is_open(&self) -> bool {
        PortConnection::is_open(self)
    }
}

/// Accepts UI ports from now on.
pub fn serve(backend: Rc<Backend>) -> Result<(), BackgroundError> {
    let unreadable = Rc::new(Cell::new(0u64));
    phemossa_webext::listen(move |connection| accept(&backend, &unreadable, connection))?;
    Ok(())
}

fn accept(backend: &Rc<Backend>, unreadable: &Rc<Cell<u64>>, connection: PortConnection) {
    let sink: Rc<dyn PushSink> = Rc::new(connection.clone());
    let for_messages = Rc::clone(backend);
    let unreadable = Rc::clone(unreadable);
    connection.on_message(
        move |decoded: Result<ClientMessage, WebextError>| match decoded {
            Ok(message) => {
                let backend = Rc::clone(&for_messages);
                let sink = Rc::clone(&sink);
                wasm_bindgen_futures::spawn_local(async move {
                    let result = match &*backend {
                        Backend::Ready(app) => app.handle(message.request, &sink).await,
                        Backend::Failed(error) => Err(error.clone()),
                    };
                    sink.send(&ServerMessage::Response {
                        id: message.id,
                        result,
                    });
                });
            }
            Err(error) => {
                unreadable.set(unreadable.get() + 1);
                web_sys::console::warn_1(
                    &format!(
                        "phemossa: ignored an unreadable port message ({} so far): {error}",
                        unreadable.get()
                    )
                    .into(),
                );
            }
        },
    );
    let backend = Rc::clone(backend);
    let id = connection.id();
    connection.on_disconnect(move || {
        if let Backend::Ready(app) = &*backend {
            app.unsubscribe(id);
        }
    });
}
