//! What a node lets peers cost it before they have delivered anything: connections in
//! handshake and established per peer and in all, how long a ban lasts, and when a peer's
//! record is forgotten (docs/protocol.md §8.6, §8.7). Plain numbers for the driver to hand to
//! its swarm; nothing here knows libp2p.

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

#[cfg(test)]
mod tests {
    use super::*;

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
