//! The live direct connections per peer, so that the path each one took can be read from the
//! browser's statistics while the connection itself belongs to the swarm.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p_identity::PeerId;
use send_wrapper::SendWrapper;
use web_sys::RtcPeerConnection;

use crate::lock;

#[derive(Default)]
struct Entries {
    next: u64,
    by_peer: HashMap<PeerId, Vec<(u64, SendWrapper<RtcPeerConnection>)>>,
}

/// Shared by the transport's connections and the behaviour.
#[derive(Clone, Default)]
pub(crate) struct Registry {
    entries: Arc<Mutex<Entries>>,
}

impl Registry {
    /// Lists `pc` under `peer` until the returned registration is dropped.
    pub(crate) fn register(&self, peer: PeerId, pc: RtcPeerConnection) -> Registration {
        let mut entries = lock(&self.entries);
        let id = entries.next;
        entries.next += 1;
        entries
            .by_peer
            .entry(peer)
            .or_default()
            .push((id, SendWrapper::new(pc)));
        Registration {
            entries: self.entries.clone(),
            peer,
            id,
        }
    }

    /// The newest live peer connection to `peer`.
    pub(crate) fn newest(&self, peer: &PeerId) -> Option<RtcPeerConnection> {
        let entries = lock(&self.entries);
        let (_, pc) = entries.by_peer.get(peer)?.last()?;
        Some((**pc).clone())
    }
}

/// Removes its peer connection from the registry when dropped.
pub(crate) struct Registration {
    entries: Arc<Mutex<Entries>>,
    peer: PeerId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut entries = lock(&self.entries);
        if let Some(list) = entries.by_peer.get_mut(&self.peer) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                entries.by_peer.remove(&self.peer);
            }
        }
    }
}
