//! The rest of the background's side of the node: the commands it sends, the handle to a running
//! node, and the link that holds that handle once the node started (or why it could not). It
//! depends on nothing else in the crate, so anything may tell the node something without
//! depending on the node itself.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use phemossa_api::{NetworkState, NetworkStatus};
use phemossa_core::blob::BlobKind;
use phemossa_core::keys::BlobHash;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::{Event, EventId};

/// What the rest of the background asks of the running node.
pub enum Command {
    /// The user made this event: gossip it.
    Publish(Event),
    /// Whom the user follows (or who the user is) changed: resubscribe and pull again.
    FollowsChanged,
    /// Events were stored (from peers, an import, another of the user's devices): what the
    /// node answers peers' reconciliations from is listed afresh for their next one.
    StoreChanged,
    /// New settings were saved: reconnect to the new relays.
    Settings(NetworkSettings),
    /// A page wants this picture and it is not held: fetch it from peers.
    WantBlob { hash: BlobHash, kind: BlobKind },
    /// The user changed the work asked of strangers' events in their inbox (§8.9).
    StrangerWork(u8),
    /// The user opened `root`'s thread, holding `held` of its posts: ask peers for the
    /// replies not held (§8.10).
    OpenThread { root: EventId, held: Vec<EventId> },
}

/// The background's way to the node; commands are dropped if the node is not running.
#[derive(Clone)]
pub struct NetworkHandle {
    commands: mpsc::UnboundedSender<Command>,
    status: Rc<RefCell<NetworkStatus>>,
}

impl NetworkHandle {
    pub(super) fn new(
        commands: mpsc::UnboundedSender<Command>,
        status: Rc<RefCell<NetworkStatus>>,
    ) -> Self {
        Self { commands, status }
    }

    pub fn send(&self, command: Command) {
        // A closed channel means the node stopped; its status already says why.
        let _ = self.commands.unbounded_send(command);
    }

    pub fn status(&self) -> NetworkStatus {
        self.status.borrow().clone()
    }
}

/// The running node once it is attached (never in the wasm tests, which have no extension), or
/// why it could not start.
#[derive(Default)]
pub struct NodeLink {
    handle: RefCell<Option<NetworkHandle>>,
    failure: RefCell<Option<String>>,
}

impl NodeLink {
    /// Hands the running node to the background (once, at start-up).
    pub fn attach(&self, handle: NetworkHandle) {
        *self.handle.borrow_mut() = Some(handle);
    }

    /// Records why the node could not start, for the pages to show.
    pub fn failed(&self, reason: String) {
        *self.failure.borrow_mut() = Some(reason);
    }

    pub fn status(&self) -> NetworkStatus {
        if let Some(handle) = self.handle.borrow().as_ref() {
            return handle.status();
        }
        let reason = self
            .failure
            .borrow()
            .clone()
            .unwrap_or_else(|| "the network is not running in this context".into());
        NetworkStatus {
            state: NetworkState::Failed { reason },
            ..NetworkStatus::default()
        }
    }

    /// Sends `command` to the node if it runs; drops it otherwise.
    pub fn send(&self, command: Command) {
        if let Some(handle) = self.handle.borrow().as_ref() {
            handle.send(command);
        }
    }
}
