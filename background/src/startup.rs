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
            app.start_pruning();
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
            Backend::Failed(error)
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
