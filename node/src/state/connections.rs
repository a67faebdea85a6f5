//! The node machine's connection handlers: which connections are kept (`admission`), the
//! stale direct connection rule of §8.8, counting connections and ending sessions, which
//! discovered peers to dial and when again, direct connection attempts and the relayed
//! connections they make redundant, signaling faults, and the peer table's housekeeping (bans
//! that lapse, records to save, peers to forget).

use std::hash::Hash;

use crate::admission::{admits, dials, keeps_connection, Candidate};
use crate::direct::ConnectionKind;
use crate::limits::MAX_KNOWN_PEERS;
use crate::peer_sync::SyncAction;

use super::{Action, NodeState};

/// How often unsaved peer records are handed out to be saved, lapsed bans lifted and the
/// table pruned: the `peers` store is written at most this often per peer, and a ban ends at
/// most this late.
pub const HOUSEKEEPING_MS: u64 = 30_000;

/// A connected peer that never delivered a valid event and has sent nothing for this long
/// gives its slot up to a newcomer when none is free. Identities cost nothing to make, so 200 of
/// them that connect first and stay silent would otherwise hold every slot not kept for proven
/// peers, and an author could never meet a new follower (the simulator's Sybil scenario). An
/// honest peer is not silent for a minute: it pulls on connect and answers pulls; one evicted
/// anyway is only disconnected, and discovery brings it back.
pub const EVICT_SILENT_MS: u64 = 60_000;

impl<P: Clone + Eq + Hash + Ord, C: Copy + Eq + Hash, R, D> NodeState<P, C, R, D> {
    /// A connection to `peer` was established. Kept if `admission` has a slot (or the peer is
    /// connected already), else closed at once. A new relayed connection beside a direct one
    /// means the peer lost the direct one (it restarted, or its side died): ours is dead then
    /// too, but would take ICE's timeout to say so, swallowing what gossipsub hands it
    /// meanwhile, so it is closed and the peer's sessions start afresh (§8.8).
    pub(super) fn opened(
        &mut self,
        peer_id: P,
        connection: C,
        kind: ConnectionKind,
        dialer: bool,
        address: String,
        now: u64,
    ) {
        let occupancy = self.peers.occupancy();
        let max_peers = self.max_peers;
        let peer = self.peers.entry(peer_id.clone());
        let kept = keeps_connection(
            max_peers,
            occupancy,
            peer.proven(),
            peer.banned,
            peer.connected(),
        );
        let banned = peer.banned;
        let stale = if kind == ConnectionKind::Relayed {
            peer.links.direct()
        } else {
            Vec::new()
        };
        let evicted = if kept || banned {
            None
        } else {
            self.evictable(now)
        };
        if !kept && evicted.is_none() {
            self.actions.push_back(Action::Close(connection));
            return;
        }
        if let Some(victim) = evicted {
            self.evict(&victim);
        }
        if !stale.is_empty() {
            // Its machines start afresh: the slot of a pull they ran is free, and the new
            // connection is owed a pull like any (below).
            self.sessions_ended(&peer_id);
        }
        let peer = self.peers.entry(peer_id.clone());
        peer.links.opened(connection, kind, dialer, now);
        if kind == ConnectionKind::Direct || peer.address.is_none() || peer.connections == 0 {
            peer.address = Some(address);
        }
        peer.last_seen = now;
        peer.connections += 1;
        peer.missed = 0;
        peer.connected_now();
        peer.unsaved = true;
        let first = peer.connections == 1;
        if first {
            peer.connected_at = now;
            self.owe_first_pull(peer_id, now);
        }
        for dead in stale {
            self.actions.push_back(Action::Close(dead));
        }
    }

    /// A connection to `peer` closed, with `remaining` still open. The last one ends its
    /// sessions and its record is saved; otherwise, what gossipsub had handed the closed one
    /// (one send queue per peer, drained by whichever connection asks first) is lost on both
    /// sides, and catch-up pulls over the one that stays repair it (§8.8).
    pub(super) fn closed(&mut self, peer_id: P, connection: C, remaining: usize, now: u64) {
        let Some(peer) = self.peers.get_mut(&peer_id) else {
            return;
        };
        // A connection already given up as stale was no longer counted, and its peer
        // already owes a pull for the connection that replaced it.
        let counted = peer.connection_closed(connection, now);
        if counted {
            peer.connections = peer.connections.saturating_sub(1);
        }
        peer.last_seen = now;
        let banned = peer.banned;
        if remaining == 0 {
            self.sessions_ended(&peer_id);
            // Its catch-up's request fails with the connection; the next era asks again,
            // from a week ago.
            self.catch_ups.forget(&peer_id);
            if let Some(peer) = self.peers.get_mut(&peer_id) {
                peer.unsaved = false;
            }
            self.actions.push_back(Action::Save { peer: peer_id });
        } else if counted && !banned {
            self.pulls.connection_lost(&peer_id, now);
            self.actions.push_back(Action::CatchingUp { peer: peer_id });
        }
    }

    /// The connected peer that gives its slot up to a newcomer, if any: of those that never
    /// delivered a valid event, the one silent longest, once silent for [`EVICT_SILENT_MS`].
    fn evictable(&self, now: u64) -> Option<P> {
        self.peers
            .by_id
            .iter()
            .filter(|(_, p)| p.connected() && !p.proven() && !p.banned)
            .filter(|(_, p)| now.saturating_sub(p.last_seen) >= EVICT_SILENT_MS)
            .min_by_key(|(id, p)| (p.last_seen, (*id).clone()))
            .map(|(id, _)| id.clone())
    }

    /// Disconnects `victim` to free its slot: its connections close and no longer count.
    fn evict(&mut self, victim: &P) {
        let Some(peer) = self.peers.get_mut(victim) else {
            return;
        };
        let connections = peer.links.connections();
        self.sessions_ended(victim);
        self.actions
            .extend(connections.into_iter().map(Action::Close));
    }

    /// The peer's sessions are void: its machines start afresh and the slot of a pull they
    /// ran is free.
    pub(super) fn sessions_ended(&mut self, peer_id: &P) {
        if let Some(peer) = self.peers.get_mut(peer_id) {
            peer.disconnected();
            self.pulls.disconnected(peer_id);
        }
    }

    /// Discovery listed `peer` (`follows_ours`: in one of our author namespaces, not only the
    /// general one). Dialed unless connected, banned, due no redial or without a slot; of two
    /// peers that find each other the smaller id dials, the other after a few rounds.
    pub(super) fn discovered(&mut self, peer_id: P, follows_ours: bool, now: u64) {
        if peer_id == self.local {
            return;
        }
        let occupancy = self.peers.occupancy();
        let max_peers = self.max_peers;
        let evictable = self.evictable(now).is_some();
        let peer = self.peers.entry(peer_id.clone());
        let candidate = Candidate {
            proven: peer.proven(),
            follows_ours,
        };
        let slot = admits(max_peers, occupancy, candidate) || evictable;
        if !peer.may_dial(now) || !slot {
            return;
        }
        peer.missed += 1;
        if dials(&self.local, &peer_id, peer.missed) {
            self.actions.push_back(Action::Dial { peer: peer_id });
        }
    }

    /// An outgoing connection to `peer` failed: our direct attempt (retried after its
    /// backoff; the relayed connection stays), or an ordinary dial (redialed after its own).
    pub(super) fn outgoing_failed(&mut self, peer_id: &P, connection: C, error: String, now: u64) {
        let Some(peer) = self.peers.get_mut(peer_id) else {
            return;
        };
        if peer.links.is_our_dial(connection) {
            peer.links.failed(Some(connection), error, now);
        } else {
            peer.dial_failed(now);
        }
    }

    /// The driver started the direct attempt the machine asked for, as `connection`, or could
    /// not (`Err`, retried after the backoff).
    pub(super) fn direct_dialed(&mut self, peer_id: &P, result: Result<C, String>, now: u64) {
        let Some(peer) = self.peers.get_mut(peer_id) else {
            return;
        };
        match result {
            Ok(connection) => peer.links.dialing(connection, now),
            Err(error) => {
                peer.links.failed(None, error, now);
            }
        }
    }

    /// The per-peer half of the tick for connections: direct attempts that are due, and
    /// relayed connections a settled direct one makes redundant.
    pub(super) fn tend_links(&mut self, peer_id: &P, now: u64) {
        let direct_allowed = self.direct_allowed;
        let settle_from = self.subscriptions_changed_at;
        let Some(peer) = self.peers.get_mut(peer_id) else {
            return;
        };
        if direct_allowed && peer.links.due(now) {
            self.actions.push_back(Action::DialDirect {
                peer: peer_id.clone(),
            });
        }
        for relayed in peer.links.relayed_to_close(now, settle_from) {
            self.actions.push_back(Action::Close(relayed));
        }
    }

    /// Direct connections were switched off: every direct connection closes, and peers are
    /// reached through the relay again (rendezvous and the redial bring those back).
    pub(super) fn close_direct(&mut self) {
        let mut direct: Vec<C> = Vec::new();
        for peer in self.peers.by_id.values() {
            direct.extend(peer.links.direct());
        }
        self.actions.extend(direct.into_iter().map(Action::Close));
    }

    /// Every [`HOUSEKEEPING_MS`]: bans that ran their course are lifted, unsaved records are
    /// handed out to be saved, and the table forgets peers past [`MAX_KNOWN_PEERS`].
    pub(super) fn housekeeping(&mut self, now: u64) {
        if now.saturating_sub(self.housekept_at) < HOUSEKEEPING_MS {
            return;
        }
        self.housekept_at = now;
        for peer in self.peers.lapse_bans(now) {
            self.actions.push_back(Action::Unbanned { peer });
        }
        let mut unsaved: Vec<P> = self
            .peers
            .by_id
            .iter_mut()
            .filter(|(_, p)| p.unsaved)
            .map(|(id, p)| {
                p.unsaved = false;
                id.clone()
            })
            .collect();
        unsaved.sort();
        self.actions
            .extend(unsaved.into_iter().map(|peer| Action::Save { peer }));
        self.peers.prune(MAX_KNOWN_PEERS);
    }

    /// Whether `peer`'s bad input has passed the threshold: banned now, unless it is already.
    pub(super) fn past_threshold(&mut self, peer: P, now: u64) {
        if self.peers.ban(peer.clone(), now) {
            self.pulls.disconnected(&peer);
            self.actions
                .push_back(Action::Sync(SyncAction::Banned { peer }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Input;
    use super::*;
    use crate::admission::DIAL_WAIT_ROUNDS;
    use crate::limits::BAN_MS;
    use crate::peer_table::NodeShared;
    use phemossa_core::Identity;

    type Node = NodeState<u8, u8, u64, ()>;

    /// A node known as peer id 5, with `max_peers`.
    fn node(max_peers: u16) -> Node {
        let user = Identity::from_seed([3; 32]).public_key();
        let mut node = Node::empty(user, 5, NodeShared::default());
        node.handle(
            Input::Settings {
                max_peers,
                direct: true,
            },
            0,
        );
        node
    }

    fn opened(peer: u8, connection: u8, kind: ConnectionKind) -> Input<u8, u8, u64> {
        Input::Opened {
            peer,
            connection,
            kind,
            dialer: true,
            address: format!("/test/{peer}"),
        }
    }

    fn actions(node: &mut Node) -> Vec<Action<u8, u8, u64>> {
        std::iter::from_fn(|| node.poll_action()).collect()
    }

    fn closes(actions: &[Action<u8, u8, u64>]) -> Vec<u8> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Close(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_new_peer_without_a_slot_is_closed_and_a_second_connection_is_kept() {
        let mut node = node(4);
        for peer in 1..=3 {
            node.handle(opened(peer, peer, ConnectionKind::Relayed), 0);
        }
        assert_eq!(closes(&actions(&mut node)), Vec::<u8>::new());
        node.handle(opened(9, 9, ConnectionKind::Relayed), 0);
        assert_eq!(
            closes(&actions(&mut node)),
            vec![9],
            "the last of 4 slots is kept for a peer that delivered valid events"
        );
        node.handle(opened(1, 11, ConnectionKind::Direct), 0);
        assert_eq!(
            closes(&actions(&mut node)),
            Vec::<u8>::new(),
            "a connected peer's second"
        );
        assert_eq!(node.peers.get_mut(&1).map(|p| p.connections), Some(2));
    }

    #[test]
    fn a_relayed_connection_beside_a_direct_one_replaces_it_and_its_sessions() {
        let mut node = node(16);
        node.handle(opened(1, 10, ConnectionKind::Direct), 0);
        let generation = node.peers.get_mut(&1).map(|p| p.generation);
        actions(&mut node);
        node.handle(opened(1, 11, ConnectionKind::Relayed), 5);
        assert_eq!(closes(&actions(&mut node)), vec![10], "the dead direct one");
        let peer = node.peers.get_mut(&1).unwrap();
        assert_eq!(peer.connections, 1);
        assert_eq!(Some(peer.generation), generation.map(|g| g + 1));
        // Its close, when it comes, no longer counts.
        let closed = Input::Closed {
            peer: 1,
            connection: 10,
            remaining: 1,
        };
        node.handle(closed, 6);
        assert_eq!(node.peers.get_mut(&1).map(|p| p.connections), Some(1));
    }

    #[test]
    fn of_two_peers_that_find_each_other_the_smaller_id_dials() {
        let mut node = node(16);
        let dialed = |node: &mut Node| {
            actions(node)
                .iter()
                .any(|a| matches!(a, Action::Dial { .. }))
        };
        node.handle(
            Input::Discovered {
                peer: 9,
                follows_ours: true,
            },
            0,
        );
        assert!(dialed(&mut node), "5 < 9: we dial at once");
        for round in 1..DIAL_WAIT_ROUNDS {
            node.handle(
                Input::Discovered {
                    peer: 2,
                    follows_ours: true,
                },
                u64::from(round),
            );
            assert!(!dialed(&mut node), "2 < 5: 2 dials first");
        }
        node.handle(
            Input::Discovered {
                peer: 2,
                follows_ours: true,
            },
            10,
        );
        assert!(dialed(&mut node), "after its rounds, we dial");
        node.handle(
            Input::Discovered {
                peer: 5,
                follows_ours: true,
            },
            11,
        );
        assert!(!dialed(&mut node), "never ourselves");
    }

    #[test]
    fn housekeeping_lifts_lapsed_bans_and_hands_out_records_to_save() {
        let mut node = node(16);
        node.handle(opened(1, 1, ConnectionKind::Relayed), 0);
        node.handle(Input::PastThreshold { peer: 1 }, 0);
        actions(&mut node);
        node.handle(Input::Tick, HOUSEKEEPING_MS);
        let saved: Vec<_> = actions(&mut node)
            .into_iter()
            .filter(|a| matches!(a, Action::Save { peer: 1 }))
            .collect();
        assert_eq!(saved.len(), 1, "the ban changed its record");
        node.handle(Input::Tick, BAN_MS + HOUSEKEEPING_MS);
        let lifted = actions(&mut node)
            .into_iter()
            .any(|a| matches!(a, Action::Unbanned { peer: 1 }));
        assert!(lifted);
    }
}
