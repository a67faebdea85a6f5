//! Start-up order: identity → storage → follow system → feed engine (all in `App::start`), then
//! pruning, then the network node, then the port server, and last the answer to the service
//! worker's pings, which it takes to mean "ready": by then every port is accepted and answered.

use std::rc::Rc;

use web_sys::console;

use crate::app::{App, Config};
use crate::network;
use crate::port::{self, Backend};

pub async fn run() {
    if phemossa_webext::chrome::runtime().is_err() {
        // Loaded outside the extension (e.g. by the wasm test harness): nothing to serve.
        console::info_1(&"phemossa: no chrome.runtime here; the background does not start".into());
        return;
    }
    let backend = match App::start(&Config::default()).await {
        Ok(app) => {
            request_persistence();
            app.start_pruning();
            app.keep_first_page_ready();
            // The badge shows what is unread from the start (it is cleared when Chrome starts).
            app.announce_unread().await;
            // The node starts after the UI's data is ready; a failure leaves the rest working.
            match network::start(app.network_services()).await {
                Ok(handle) => app.attach_network(handle),
                Err(error) => {
                    console::error_1(
                        &format!("phemossa: the network failed to start: {error}").into(),
                    );
                    app.network_failed(error.to_string());
                }
            }
            Backend::Ready(app)
        }
        Err(error) => {
            console::error_1(&format!("phemossa: the background failed to start: {error}").into());
            Backend::Failed(error.into())
        }
    };
    if let Err(error) = port::serve(Rc::new(backend)) {
        console::error_1(&format!("phemossa: cannot accept UI ports: {error}").into());
        return;
    }
    if let Err(error) = phemossa_webext::server::answer_pings() {
        console::error_1(&format!("phemossa: cannot answer readiness pings: {error}").into());
    }
}

/// Asks the browser never to evict this extension's storage, where the identity's only copy
/// lives until the person exports a backup. The manifest's `unlimitedStorage` already exempts an
/// extension from eviction in Chromium; `persist()` asks for it explicitly, which is what the
/// options page reads back (`navigator.storage.persisted()`) and what other browsers honour.
fn request_persistence() {
    let Some(storage) = web_sys::window().map(|window| window.navigator().storage()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let granted = match storage.persist() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        if !matches!(granted.map(|v| v.as_bool()), Ok(Some(true))) {
            // Not an error in Chromium, which decides persist() by site engagement: there the
            // unlimitedStorage permission is what keeps the data from eviction.
            console::info_1(
                &"phemossa: persist() was not granted; unlimitedStorage still keeps the data"
                    .into(),
            );
        }
    });
}
