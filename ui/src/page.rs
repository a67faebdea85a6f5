//! How a page starts: its root component mounted into `<div id="app">`, and the handshake with
//! the background (the identity, then the page's subscriptions) that gates what the page shows,
//! with "Starting Phemossa…" until it answers and Retry when it fails; after the background
//! restarts, the identity and the page's data are loaded again.

use dioxus::prelude::*;
use phemossa_api::{ApiError, IdentityInfo, Request, Response, Topic};
use phemossa_webext::PortClient;

use crate::client::{failure_text, request_when_ready, unexpected};
use crate::components::Starting;
use crate::reconnect::use_reconnects;

/// Mounts `app` into the page's `<div id="app">`; call from the page's `#[wasm_bindgen(start)]`.
pub fn launch(app: fn() -> Element) {
    dioxus::LaunchBuilder::new()
        .with_cfg(dioxus::web::Config::new().rootname("app"))
        .launch(app)
}

/// Where the page stands with the background.
#[derive(Clone, PartialEq)]
enum Phase {
    Starting,
    Failed(String),
    Ready,
}

/// The page's connection to the background, from [`use_connection`].
#[derive(Clone, Copy)]
pub struct Connection {
    phase: Signal<Phase>,
    /// The identity the handshake learned; the page's Identity pushes keep it current.
    pub identity: Signal<Option<IdentityInfo>>,
    connect: Callback<()>,
}

impl Connection {
    /// What `ready` makes of the identity once the background has answered; until then
    /// "Starting Phemossa…", or the error with a Retry button.
    pub fn gate(&self, ready: impl FnOnce(IdentityInfo) -> Element) -> Element {
        let on_retry = self.connect;
        match ((self.phase)(), (self.identity)()) {
            (Phase::Ready, Some(info)) => ready(info),
            (Phase::Failed(error), _) => rsx! {
                Starting { error, on_retry }
            },
            _ => rsx! {
                Starting { on_retry }
            },
        }
    }
}

/// Connects the page through `client` at once (and again on Retry): learns the identity, waiting
/// while the background starts, subscribes to `topics`, then calls `on_ready` with the client.
/// After every reconnect that follows a lost connection (the background restarted, and pushes
/// sent meanwhile are lost) it learns the identity again and calls `on_ready` again, for the
/// page to reload what it shows.
pub fn use_connection(
    client: &PortClient,
    topics: &'static [Topic],
    on_ready: impl FnMut(PortClient) + 'static,
) -> Connection {
    let mut phase = use_signal(|| Phase::Starting);
    let mut identity = use_signal(|| None::<IdentityInfo>);
    let on_ready = use_callback(on_ready);
    let reload_client = client.clone();
    use_reconnects(client, move || {
        let client = reload_client.clone();
        async move {
            if *phase.peek() != Phase::Ready {
                return; // a handshake under way, or Retry, loads everything anyway
            }
            match request_when_ready(&client, Request::GetIdentity).await {
                Ok(Response::Identity(info)) => identity.set(Some(info)),
                other => web_sys::console::warn_1(
                    &format!(
                        "phemossa: reloading the identity failed: {}",
                        failure_text(other)
                    )
                    .into(),
                ),
            }
            on_ready.call(client);
        }
    });
    let client = client.clone();
    let connect = use_callback(move |()| {
        let client = client.clone();
        phase.set(Phase::Starting);
        spawn(async move {
            match handshake(&client, topics).await {
                Ok(info) => {
                    identity.set(Some(info));
                    phase.set(Phase::Ready);
                    on_ready.call(client);
                }
                Err(error) => phase.set(Phase::Failed(error.to_string())),
            }
        });
    });
    use_hook(move || connect.call(()));
    Connection {
        phase,
        identity,
        connect,
    }
}

/// Learns the identity (waiting while the background starts) and subscribes to `topics`.
async fn handshake(client: &PortClient, topics: &[Topic]) -> Result<IdentityInfo, ApiError> {
    let info = match request_when_ready(client, Request::GetIdentity).await? {
        Response::Identity(info) => info,
        other => return Err(unexpected(other)),
    };
    client.subscribe(topics.to_vec()).await?;
    Ok(info)
}
