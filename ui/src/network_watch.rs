//! The network status a page shows: asked for when the page connects and again after the
//! background restarts, and replaced by every `Network` push in between.

use dioxus::prelude::*;
use phemossa_api::{NetworkStatus, Request, Response};
use phemossa_webext::PortClient;

use crate::client::failure_text;
use crate::time::now_ms;

/// The page's copy of the network status; cheap to copy, shared by the parts that show it.
#[derive(Clone, Copy, PartialEq)]
pub struct NetworkWatch {
    status: Signal<Option<NetworkStatus>>,
    error: Signal<Option<String>>,
    /// When the status arrived, ms since the epoch on this page's clock: its `retry_in_ms`
    /// waits count from then.
    received_at: Signal<u64>,
    /// Pushes seen so far, so an answer that a push overtook is dropped as stale.
    pushes: Signal<u64>,
}

/// A watch that knows nothing yet; call once, in the root component, and feed it with
/// [`NetworkWatch::load`] (on connect and reconnect) and [`NetworkWatch::pushed`].
pub fn use_network_watch() -> NetworkWatch {
    NetworkWatch {
        status: use_signal(|| None),
        error: use_signal(|| None),
        received_at: use_signal(|| 0),
        pushes: use_signal(|| 0),
    }
}

impl NetworkWatch {
    /// The latest status, once one arrived.
    pub fn status(&self) -> Option<NetworkStatus> {
        (self.status)()
    }

    /// When the latest status arrived (ms since the epoch), to count its waits down from.
    pub fn received_at(&self) -> u64 {
        (self.received_at)()
    }

    /// Why the last request for the status failed, until a newer status arrives.
    pub fn error(&self) -> Option<String> {
        (self.error)()
    }

    /// Takes a pushed status: it is newer than any answer still on its way.
    pub fn pushed(mut self, status: NetworkStatus) {
        *self.pushes.write() += 1;
        self.received_at.set(now_ms());
        self.status.set(Some(status));
        self.error.set(None);
    }

    /// Asks the background for the status.
    pub async fn load(mut self, client: PortClient) {
        let pushes_before = *self.pushes.peek();
        let answer = client.request(Request::GetNetwork).await;
        if *self.pushes.peek() != pushes_before {
            return; // a push brought a newer status meanwhile
        }
        match answer {
            Ok(Response::Network(status)) => {
                self.received_at.set(now_ms());
                self.status.set(Some(status));
                self.error.set(None);
            }
            other => self.error.set(Some(failure_text(other))),
        }
    }
}
