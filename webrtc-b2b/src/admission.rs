//! How many signaling attempts peers may have running here at once. Each attempt holds an
//! `RTCPeerConnection`, which browsers cap per page (Chrome at a few hundred), so a peer that
//! opens signaling streams in a loop must not be able to use them all up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p_identity::PeerId;

use crate::lock;

/// Attempts one peer may have running here at once. A well-behaved peer runs one; both sides
/// starting at the same moment is the other side's attempt, not a second one of this peer's.
pub const MAX_ATTEMPTS_PER_PEER: usize = 1;

/// Attempts all peers together may have running here at once.
pub const MAX_ATTEMPTS: usize = 8;

#[derive(Debug, Default)]
struct Counts {
    per_peer: HashMap<PeerId, usize>,
    total: usize,
}

/// Hands out [`Ticket`]s within the limits. Cloning shares the counts.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
}

impl Admission {
    /// A ticket for one more attempt by `peer`, or `None` if that would pass a limit (the
    /// caller then refuses the attempt, leaving everything else as it was).
    pub fn admit(&self, peer: PeerId) -> Option<Ticket> {
        let mut counts = lock(&self.counts);
        let running = counts.per_peer.get(&peer).copied().unwrap_or(0);
        if running >= MAX_ATTEMPTS_PER_PEER || counts.total >= MAX_ATTEMPTS {
            return None;
        }
        counts.per_peer.insert(peer, running + 1);
        counts.total += 1;
        Some(Ticket {
            counts: self.counts.clone(),
            peer,
        })
    }

    /// Attempts running now.
    pub fn running(&self) -> usize {
        lock(&self.counts).total
    }
}

/// One admitted attempt; dropping it (the attempt ended, however) frees its place.
#[derive(Debug)]
pub struct Ticket {
    counts: Arc<Mutex<Counts>>,
    peer: PeerId,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        counts.total = counts.total.saturating_sub(1);
        if let Some(running) = counts.per_peer.get_mut(&self.peer) {
            *running = running.saturating_sub(1);
            if *running == 0 {
                counts.per_peer.remove(&self.peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_peer as peer;

    #[test]
    fn one_attempt_per_peer_at_a_time() {
        let admission = Admission::default();
        let first = admission.admit(peer(1)).expect("the first is admitted");
        assert!(
            admission.admit(peer(1)).is_none(),
            "a second from the same peer is refused"
        );
        assert!(
            admission.admit(peer(2)).is_some(),
            "another peer is not affected"
        );
        drop(first);
        assert!(
            admission.admit(peer(1)).is_some(),
            "a place frees when an attempt ends"
        );
    }

    #[test]
    fn at_most_max_attempts_in_all() {
        let admission = Admission::default();
        let tickets: Vec<_> = (0..MAX_ATTEMPTS as u8)
            .map(|n| admission.admit(peer(n)).expect("within the limit"))
            .collect();
        assert_eq!(admission.running(), MAX_ATTEMPTS);
        assert!(admission.admit(peer(200)).is_none());
        drop(tickets);
        assert_eq!(admission.running(), 0);
        assert!(admission.admit(peer(200)).is_some());
    }
}
