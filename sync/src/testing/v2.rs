//! Sync v2 over the in-memory link: a [`Peer`] runs a [`Reconciler`].

use super::link;
use crate::peer_score::PeerScore;
use crate::v2::{ReconcileConfig, Reconciler};

pub use super::link::{Direction, Traffic};
/// The same in-memory store v1's tests use: events by (timestamp, id), as IndexedDB indexes them.
pub use super::store::MemoryStore as Store;

/// One side of an in-memory link, running v2.
pub type Peer = link::Peer<Reconciler>;
/// Two v2 peers and the messages between them.
pub type Link = link::Link<Reconciler>;

impl Peer {
    pub fn new(store: Store, config: ReconcileConfig) -> Self {
        Self {
            store,
            session: Reconciler::new(config),
            finished: None,
            misbehaved: Vec::new(),
            score: PeerScore::default(),
            failing_reads: 0,
            unanswered: 0,
        }
    }
}
