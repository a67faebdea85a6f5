//! Which peers a node connects to when its peer slots run short (docs/protocol.md §8.7): a
//! total of `max_peers` (the network setting), the last slots kept for peers that have
//! delivered valid events, and peers found only in the general rendezvous namespace kept off
//! the slots reserved for followers of the same authors; which of two peers that find each other
//! dials, and which new connections are kept.
//!
//! Why the reserve for proven peers: rendezvous namespaces are open, so 200 fresh identities
//! can register in the general namespace and in the author namespaces of whoever they target,
//! and, dialed or dialing, take every slot: an eclipse, and a silent one, since silence is
//! never blamed. A peer id that has delivered a valid event before (in this run or an earlier
//! one) cost its owner a signed event by someone the user follows, which a fresh key cannot
//! fake; so those peers always find a slot.

use crate::backoff::Backoff;

/// Redials of a peer after dials that failed in a row: 2 s, doubling up to 5 minutes, so a
/// peer that left (its rendezvous registration outlives it by up to two minutes) is not
/// dialed every discovery round.
pub const REDIAL: Backoff = Backoff::new(2_000, 5 * 60_000);

/// Slots kept for proven peers, and (separately) for peers found in author namespaces, out of
/// `max_peers`: 8, or a quarter of the slots when there are fewer than 32.
pub fn reserved_slots(max_peers: u16) -> usize {
    8.min(usize::from(max_peers) / 4)
}

/// The connected peers a new one would join.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Peers connected now (relays not counted).
    pub connected: usize,
    /// Of those, peers that never delivered a valid event.
    pub unproven: usize,
}

/// What is known of a peer that would connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// It has delivered at least one valid event, in this run or an earlier one.
    pub proven: bool,
    /// It was found in an author namespace of ours, or came in by itself (an inbound
    /// connection is not told where the peer found us, so it is not held to the general
    /// namespace's lower bound).
    pub follows_ours: bool,
}

/// Whether a node with `max_peers` slots and `occupancy` takes `candidate` on.
pub fn admits(max_peers: u16, occupancy: Occupancy, candidate: Candidate) -> bool {
    let cap = usize::from(max_peers).max(1);
    let reserve = reserved_slots(max_peers);
    if occupancy.connected >= cap {
        return false;
    }
    if !candidate.follows_ours && occupancy.connected >= cap - reserve {
        return false;
    }
    candidate.proven || occupancy.unproven < cap - reserve
}

/// Discovery rounds the peer with the larger id leaves to the other to dial. Two nodes that find
/// each other meet over one connection (the smaller id dials, not both at once), and still meet
/// when the smaller cannot dial (its dials fail, or it has no slot) after 3 rounds: 30 s at one
/// lookup per 10 s.
pub const DIAL_WAIT_ROUNDS: u32 = 3;

/// Whether a node dials a peer that discovery listed while no connection to it is open, having
/// listed it `rounds` times so (this one counted): at once if the node's own id is the smaller,
/// else once the peer had [`DIAL_WAIT_ROUNDS`] rounds to dial first. Whether a slot is free and
/// whether a redial is due are asked before ([`admits`], [`REDIAL`]).
pub fn dials<P: Ord>(local: &P, peer: &P, rounds: u32) -> bool {
    local < peer || rounds >= DIAL_WAIT_ROUNDS
}

/// Whether a connection just established with a peer is kept. A banned peer's never (bans are
/// refused before a connection is set up as well; this catches one set up meanwhile); a further
/// connection of a peer already connected always (it takes no new slot); a new peer's only if
/// [`admits`] has a slot for it. An inbound peer is not told where the peer found us, so it
/// counts as following ours.
pub fn keeps_connection(
    max_peers: u16,
    occupancy: Occupancy,
    proven: bool,
    banned: bool,
    already_connected: bool,
) -> bool {
    let candidate = Candidate {
        proven,
        follows_ours: true,
    };
    !banned && (already_connected || admits(max_peers, occupancy, candidate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Two nodes that list each other every round: the smaller id dials at once, the larger
    /// only if it is still not connected on its third round.
    #[test]
    fn of_two_peers_that_find_each_other_the_smaller_dials_and_the_other_waits() {
        let (small, large) = (3u8, 9u8);
        assert!(dials(&small, &large, 1));
        let rounds_until_large_dials = (1..).find(|&r| dials(&large, &small, r)).unwrap();
        assert_eq!(rounds_until_large_dials, DIAL_WAIT_ROUNDS);
    }

    #[test]
    fn banned_peers_are_never_kept_and_a_second_connection_always_is() {
        let full = Occupancy {
            connected: 32,
            unproven: 24,
        };
        assert!(keeps_connection(32, full, false, false, true));
        assert!(!keeps_connection(32, full, true, false, false));
        assert!(!keeps_connection(
            32,
            Occupancy::default(),
            true,
            true,
            true
        ));
        assert!(keeps_connection(
            32,
            Occupancy::default(),
            false,
            false,
            false
        ));
    }

    const FRESH: Candidate = Candidate {
        proven: false,
        follows_ours: true,
    };
    const PROVEN: Candidate = Candidate {
        proven: true,
        follows_ours: true,
    };

    /// Issue 12, hole 6 (eclipse): 200 fresh identities arrive before any honest peer and take
    /// what they can; the honest, proven peers that come later still all get a slot.
    #[test]
    fn a_sybil_swarm_cannot_take_the_slots_kept_for_proven_peers() {
        let max_peers = 32;
        let mut occupancy = Occupancy::default();
        for _ in 0..200 {
            if admits(max_peers, occupancy, FRESH) {
                occupancy.connected += 1;
                occupancy.unproven += 1;
            }
        }
        assert_eq!(
            occupancy.unproven, 24,
            "the Sybils hold three quarters at most"
        );
        let mut honest = 0;
        for _ in 0..8 {
            if admits(max_peers, occupancy, PROVEN) {
                occupancy.connected += 1;
                honest += 1;
            }
        }
        assert_eq!(honest, 8);
        assert!(!admits(max_peers, occupancy, PROVEN), "the total cap holds");
    }

    #[test]
    fn general_namespace_peers_leave_the_author_slots_free() {
        let general = Candidate {
            proven: true,
            follows_ours: false,
        };
        let full_but_reserve = Occupancy {
            connected: 24,
            unproven: 0,
        };
        assert!(!admits(32, full_but_reserve, general));
        assert!(admits(32, full_but_reserve, PROVEN));
        assert!(admits(32, full_but_reserve, FRESH));
    }

    #[test]
    fn one_slot_is_always_usable() {
        assert!(admits(1, Occupancy::default(), FRESH));
        assert!(!admits(
            1,
            Occupancy {
                connected: 1,
                unproven: 1
            },
            PROVEN
        ));
        assert!(
            admits(0, Occupancy::default(), FRESH),
            "0 means at least one"
        );
    }

    proptest! {
        /// Whatever arrives in whatever order, the total stays within the cap and fresh
        /// identities never take the proven peers' reserve.
        #[test]
        fn the_cap_and_the_reserve_hold(
            max_peers in 1u16..300,
            arrivals in proptest::collection::vec((any::<bool>(), any::<bool>()), 0..600),
        ) {
            let mut occupancy = Occupancy::default();
            let cap = usize::from(max_peers);
            for (proven, follows_ours) in arrivals {
                if admits(max_peers, occupancy, Candidate { proven, follows_ours }) {
                    occupancy.connected += 1;
                    occupancy.unproven += usize::from(!proven);
                }
                prop_assert!(occupancy.connected <= cap);
                prop_assert!(occupancy.unproven <= cap - reserved_slots(max_peers));
            }
        }
    }
}
