//! How many of peers' sync 2.1 requests (a thread's replies, §8.10; an inbox catch-up, §8.9)
//! the node serves at once. Each may read up to 257 stored events per post it names, 128
//! posts a request, before the answer keeps the first 256: so a peer opening request after
//! request on its 32 streams could make the node hold tens of thousands of records. An honest
//! peer usually has at most two of them in flight (its catch-up, and the walk down the thread
//! its user opened), so two per peer and four in all are served; the rest are dropped
//! unanswered, which ends the asker's walk or catch-up, and counted against nobody.

/// Requests of one peer served at once.
pub const MAX_SERVED_PER_PEER: usize = 2;

/// Requests served at once, all peers together.
pub const MAX_SERVED: usize = 4;

/// The requests being served, by whose they are.
#[derive(Debug)]
pub struct ServeLimits<P> {
    serving: Vec<P>,
}

impl<P> Default for ServeLimits<P> {
    fn default() -> Self {
        Self {
            serving: Vec::new(),
        }
    }
}

impl<P: Clone + PartialEq> ServeLimits<P> {
    /// Whether a request of `peer` may be served now; if so it counts until [`Self::done`].
    pub fn admit(&mut self, peer: &P) -> bool {
        let of_peer = self.serving.iter().filter(|p| *p == peer).count();
        if of_peer >= MAX_SERVED_PER_PEER || self.serving.len() >= MAX_SERVED {
            return false;
        }
        self.serving.push(peer.clone());
        true
    }

    /// A request of `peer` was answered, or could not be.
    pub fn done(&mut self, peer: &P) {
        if let Some(at) = self.serving.iter().position(|p| p == peer) {
            self.serving.swap_remove(at);
        }
    }

    /// Requests being served.
    pub fn serving(&self) -> usize {
        self.serving.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_of_a_peer_and_four_in_all_are_served_and_each_answer_frees_one() {
        let mut limits = ServeLimits::default();
        assert!(limits.admit(&1u8));
        assert!(limits.admit(&1));
        assert!(!limits.admit(&1), "a third of one peer's waits");
        assert!(limits.admit(&2));
        assert!(limits.admit(&3));
        assert!(!limits.admit(&4), "four in all");
        limits.done(&1);
        assert!(limits.admit(&4), "an answer frees a place");
        assert!(!limits.admit(&1));
        limits.done(&9);
        assert_eq!(
            limits.serving(),
            4,
            "an answer nobody waited for frees nothing"
        );
    }
}
