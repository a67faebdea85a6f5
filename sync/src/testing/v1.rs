//! Sync v1 over the in-memory link: a [`Peer`] runs a [`Session`].

use super::link;
use crate::peer_score::PeerScore;
use crate::v1::session::{Session, SessionConfig};

pub use super::link::{Direction, Traffic};
pub use super::store::MemoryStore;

/// One side of an in-memory link, running v1.
pub type Peer = link::Peer<Session>;
/// Two v1 peers and the messages between them.
pub type Link = link::Link<Session>;

impl Peer {
    pub fn new(store: MemoryStore, config: SessionConfig) -> Self {
        Self {
            store,
            session: Session::new(config),
            finished: None,
            misbehaved: Vec::new(),
            score: PeerScore::default(),
            failing_reads: 0,
            unanswered: 0,
        }
    }
}
