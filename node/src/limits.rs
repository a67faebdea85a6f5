//! What a node lets peers cost it before they have delivered anything: connections in
//! handshake and established per peer and in all, how long a ban lasts, when a peer's record is
//! forgotten, and which records go when there are too many (docs/protocol.md §8.6, §8.7). Plain
//! numbers and choices for the driver to carry out; nothing here knows libp2p.

/// A ban lasts a day, remembered across restarts, and then lapses: a peer banned for invalid
/// input cannot come back by waiting for the browser to restart, and an honest peer banned by
/// a fault of ours (or a bug of its own, since fixed) is not shut out for good.
pub const BAN_MS: u64 = 24 * 60 * 60 * 1000;

/// A peer unseen this long, and not banned, is forgotten, with its counts: a table that only
/// grew would keep every peer id a relay ever listed (issue 12, hole 6).
pub const PEER_RECORD_MAX_AGE_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Inbound connections in their handshake at once. Each costs a noise handshake and, for a
/// direct one, ICE; honest peers arrive a few at a time (discovery dials at most a handful per
/// 10 s round), so 8 bounds a flood without turning honest peers away.
pub const MAX_PENDING_INCOMING: u32 = 8;

/// Connections to one peer at once: the relayed one, the direct one, and room for the one that
/// replaces either (a restart, a direct attempt over again) before the old one is closed.
pub const MAX_CONNECTIONS_PER_PEER: u32 = 4;

/// Connection bounds for a node that keeps at most `max_peers` peers connected (the network
/// setting). Established inbound connections beyond twice that, and beyond what a peer may have,
/// are refused before the connection is set up, instead of being closed after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCaps {
    pub pending_incoming: u32,
    pub established_incoming: u32,
    pub per_peer: u32,
}

impl ConnectionCaps {
    pub fn for_max_peers(max_peers: u16) -> Self {
        Self {
            pending_incoming: MAX_PENDING_INCOMING,
            // Each peer may come in relayed and then direct; relays are dialed, never inbound.
            established_incoming: 2 * u32::from(max_peers.max(1)),
            per_peer: MAX_CONNECTIONS_PER_PEER,
        }
    }
}

/// Whether a ban that ends at `banned_until` still holds at `now`.
pub fn is_banned(banned_until: Option<u64>, now: u64) -> bool {
    banned_until.is_some_and(|until| now < until)
}

/// Whether a peer record last seen at `last_seen`, banned until `banned_until`, is kept at
/// `now`: a ban still running keeps it, else it ages out after [`PEER_RECORD_MAX_AGE_MS`].
pub fn keeps_record(last_seen: u64, banned_until: Option<u64>, now: u64) -> bool {
    is_banned(banned_until, now) || now.saturating_sub(last_seen) < PEER_RECORD_MAX_AGE_MS
}

/// Peers remembered at most. Connected and banned peers are kept beyond it if need be.
pub const MAX_KNOWN_PEERS: usize = 1_000;

/// What choosing the peers to forget needs to know of one remembered peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remembered {
    pub connected: bool,
    pub banned: bool,
    /// It has delivered at least one valid event (`admission::Candidate::proven`).
    pub proven: bool,
    pub last_seen: u64,
}

/// The peers to forget so that at most `max` remain. Never a connected or a banned one. Of the
/// rest, peers that never delivered a valid event go before any that has, and in each group the
/// longest unseen first (ties by id, so the choice is the same on every run).
///
/// Why the proven last: rendezvous lists whatever ids register, so a flood of fresh ids would
/// otherwise push out the records of the offline peers that have delivered events, and with
/// them the reserved slots those peers are owed when they come back (admission.rs, the eclipse
/// defence).
pub fn to_forget<P: Ord + Clone>(
    peers: impl IntoIterator<Item = (P, Remembered)>,
    max: usize,
) -> Vec<P> {
    let mut total = 0usize;
    let mut idle: Vec<(bool, u64, P)> = Vec::new();
    for (id, peer) in peers {
        total += 1;
        if !peer.connected && !peer.banned {
            idle.push((peer.proven, peer.last_seen, id));
        }
    }
    let excess = total.saturating_sub(max);
    if excess == 0 {
        return Vec::new();
    }
    idle.sort_unstable();
    idle.into_iter().take(excess).map(|(_, _, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idle(proven: bool, last_seen: u64) -> Remembered {
        Remembered {
            connected: false,
            banned: false,
            proven,
            last_seen,
        }
    }

    #[test]
    fn the_longest_unseen_idle_peers_go_first_never_connected_or_banned_ones() {
        let mut peers: Vec<(u32, Remembered)> =
            (0..6).map(|n| (n, idle(false, u64::from(n)))).collect();
        peers[0].1.connected = true;
        peers[1].1.banned = true;
        let mut forgotten = to_forget(peers, 3);
        forgotten.sort();
        assert_eq!(forgotten, [2, 3, 4]);
        assert!(to_forget((0..3u32).map(|n| (n, idle(false, 0))), 3).is_empty());
    }

    /// Issue 12, hole 6: 5,000 fresh ids listed by rendezvous, each seen after every proven
    /// peer went offline, must not push the proven peers out of the table.
    #[test]
    fn a_flood_of_fresh_ids_never_pushes_out_peers_that_delivered_events() {
        let proven = (0..200u32).map(|n| (n, idle(true, u64::from(n))));
        let flood = (1_000..6_000u32).map(|n| (n, idle(false, NOW + u64::from(n))));
        let forgotten = to_forget(proven.chain(flood), MAX_KNOWN_PEERS);
        assert_eq!(forgotten.len(), 5_200 - MAX_KNOWN_PEERS);
        assert!(
            forgotten.iter().all(|&id| id >= 1_000),
            "no proven peer forgotten"
        );
    }

    #[test]
    fn connected_and_banned_peers_are_kept_even_past_the_cap() {
        let peers = (0..5u32).map(|n| {
            let mut p = idle(false, 0);
            p.connected = n % 2 == 0;
            p.banned = n % 2 == 1;
            (n, p)
        });
        assert!(to_forget(peers, 2).is_empty());
    }

    const NOW: u64 = 1_767_225_600_000;

    #[test]
    fn a_ban_holds_for_a_day_then_lapses() {
        let until = Some(NOW + BAN_MS);
        assert!(is_banned(until, NOW));
        assert!(is_banned(until, NOW + BAN_MS - 1));
        assert!(!is_banned(until, NOW + BAN_MS));
        assert!(!is_banned(None, NOW));
    }

    #[test]
    fn records_age_out_unless_banned() {
        assert!(keeps_record(NOW, None, NOW));
        assert!(keeps_record(NOW, None, NOW + PEER_RECORD_MAX_AGE_MS - 1));
        assert!(!keeps_record(NOW, None, NOW + PEER_RECORD_MAX_AGE_MS));
        // A ban that outlives the record's age keeps it until the ban ends.
        let long_ago = NOW - PEER_RECORD_MAX_AGE_MS;
        assert!(keeps_record(long_ago, Some(NOW + 1), NOW));
        assert!(!keeps_record(long_ago, Some(NOW), NOW));
        // A clock that went back does not forget anyone.
        assert!(keeps_record(NOW + 1_000, None, NOW));
    }

    #[test]
    fn caps_follow_the_peer_setting_and_never_reach_zero() {
        let caps = ConnectionCaps::for_max_peers(32);
        assert_eq!(caps.established_incoming, 64);
        assert_eq!(caps.per_peer, MAX_CONNECTIONS_PER_PEER);
        assert_eq!(caps.pending_incoming, MAX_PENDING_INCOMING);
        assert_eq!(ConnectionCaps::for_max_peers(0).established_incoming, 2);
        assert_eq!(
            ConnectionCaps::for_max_peers(u16::MAX).established_incoming,
            131_070
        );
    }
}
