//! The follow graph: who follows whom, derived from follow and unfollow events.
//!
//! Each (follower, followee) edge is a last-writer-wins register ordered by (timestamp, id): the
//! event with the later timestamp decides, and on equal timestamps the larger id does. Applying
//! the same events in any order therefore yields the same graph, on every peer.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::event::{Content, Event};
use crate::keys::{EventId, PublicKey};

/// One follow or unfollow, reduced to what the graph needs. This is also the shape the
/// background stores in its `follows` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowRecord {
    pub id: EventId,
    pub follower: PublicKey,
    pub followee: PublicKey,
    pub timestamp: u64,
    /// `true` for a follow, `false` for an unfollow.
    pub follows: bool,
}

impl FollowRecord {
    pub fn from_event(event: &Event) -> Option<FollowRecord> {
        let (followee, follows) = match &event.content {
            Content::Follow { followee } => (*followee, true),
            Content::Unfollow { followee } => (*followee, false),
            Content::Post(_)
            | Content::ImagePost(_)
            | Content::Profile(_)
            | Content::Delete { .. }
            | Content::Reaction(_)
            | Content::Repost(_) => return None,
        };
        Some(FollowRecord {
            id: event.id,
            follower: event.author,
            followee,
            timestamp: event.timestamp,
            follows,
        })
    }

    fn order(&self) -> (u64, EventId) {
        (self.timestamp, self.id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct FollowGraph {
    /// The deciding record of each edge, keyed (follower, followee).
    edges: BTreeMap<(PublicKey, PublicKey), FollowRecord>,
    /// The same edges keyed (followee, follower), for `followers`.
    reverse: BTreeSet<(PublicKey, PublicKey)>,
}

impl FollowGraph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_records(records: impl IntoIterator<Item = FollowRecord>) -> Self {
        let mut graph = Self::new();
        for record in records {
            graph.apply(record);
        }
        graph
    }

    /// Applies one record; returns whether it changed who follows whom.
    pub fn apply(&mut self, record: FollowRecord) -> bool {
        let key = (record.follower, record.followee);
        let was_following = self.is_following(&record.follower, &record.followee);
        match self.edges.get(&key) {
            Some(current) if current.order() >= record.order() => return false,
            _ => {}
        }
        self.edges.insert(key, record);
        if record.follows {
            self.reverse.insert((record.followee, record.follower));
        } else {
            self.reverse.remove(&(record.followee, record.follower));
        }
        was_following != record.follows
    }

    /// Applies an event if it is a follow or unfollow; returns whether the graph changed.
    pub fn apply_event(&mut self, event: &Event) -> bool {
        FollowRecord::from_event(event).is_some_and(|record| self.apply(record))
    }

    pub fn is_following(&self, follower: &PublicKey, followee: &PublicKey) -> bool {
        self.edges
            .get(&(*follower, *followee))
            .is_some_and(|record| record.follows)
    }

    /// Everyone `user` follows, in key order.
    pub fn following(&self, user: &PublicKey) -> Vec<PublicKey> {
        self.following_records(user)
            .map(|record| record.followee)
            .collect()
    }

    /// The deciding follow record of each key `user` follows, in key order (it says since when).
    pub fn following_records<'a>(
        &'a self,
        user: &'a PublicKey,
    ) -> impl Iterator<Item = FollowRecord> + 'a {
        self.edges
            .range((*user, min_key())..)
            .take_while(move |((follower, _), _)| follower == user)
            .filter(|(_, record)| record.follows)
            .map(|(_, record)| *record)
    }

    /// Everyone who follows `user`, in key order.
    pub fn followers(&self, user: &PublicKey) -> Vec<PublicKey> {
        self.follower_records(user)
            .map(|record| record.follower)
            .collect()
    }

    /// The deciding follow record of each key that follows `user`, in key order.
    pub fn follower_records<'a>(
        &'a self,
        user: &'a PublicKey,
    ) -> impl Iterator<Item = FollowRecord> + 'a {
        self.reverse
            .range((*user, min_key())..)
            .take_while(move |(followee, _)| followee == user)
            .filter_map(move |(followee, follower)| self.edges.get(&(*follower, *followee)))
            .copied()
    }
}

fn min_key() -> PublicKey {
    PublicKey::RANGE_MIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;

    fn key(n: u8) -> PublicKey {
        Identity::from_seed([n; 32]).public_key()
    }

    fn record(follower: u8, followee: u8, timestamp: u64, id: u8, follows: bool) -> FollowRecord {
        FollowRecord {
            id: EventId::from_bytes([id; 32]),
            follower: key(follower),
            followee: key(followee),
            timestamp,
            follows,
        }
    }

    #[test]
    fn later_event_overrides_earlier() {
        let graph =
            FollowGraph::from_records([record(1, 2, 10, 1, true), record(1, 2, 20, 2, false)]);
        assert!(graph.following(&key(1)).is_empty());
        assert!(graph.followers(&key(2)).is_empty());
        let graph =
            FollowGraph::from_records([record(1, 2, 20, 2, false), record(1, 2, 30, 3, true)]);
        assert_eq!(graph.following(&key(1)), vec![key(2)]);
        assert_eq!(graph.followers(&key(2)), vec![key(1)]);
    }

    #[test]
    fn order_of_arrival_does_not_matter() {
        let records = [
            record(1, 2, 10, 1, true),
            record(1, 2, 20, 2, false),
            record(1, 3, 5, 3, true),
        ];
        let forward = FollowGraph::from_records(records);
        let backward = FollowGraph::from_records(records.into_iter().rev());
        assert_eq!(forward.following(&key(1)), backward.following(&key(1)));
        assert_eq!(forward.following(&key(1)), vec![key(3)]);
    }

    #[test]
    fn equal_timestamps_are_decided_by_the_larger_id() {
        let follow = record(1, 2, 10, 0xff, true);
        let unfollow = record(1, 2, 10, 0x01, false);
        for order in [[follow, unfollow], [unfollow, follow]] {
            let graph = FollowGraph::from_records(order);
            assert!(graph.is_following(&key(1), &key(2)));
        }
    }

    #[test]
    fn apply_reports_only_real_changes() {
        let mut graph = FollowGraph::new();
        assert!(graph.apply(record(1, 2, 10, 1, true)));
        assert!(!graph.apply(record(1, 2, 10, 1, true)), "duplicate");
        assert!(!graph.apply(record(1, 2, 5, 9, false)), "older");
        assert!(!graph.apply(record(1, 2, 11, 2, true)), "still following");
        assert!(graph.apply(record(1, 2, 12, 3, false)));
    }

    #[test]
    fn following_lists_only_the_users_own_edges() {
        let graph = FollowGraph::from_records([
            record(1, 2, 1, 1, true),
            record(1, 3, 1, 2, true),
            record(4, 2, 1, 3, true),
        ]);
        let mut expected = vec![key(2), key(3)];
        expected.sort();
        assert_eq!(graph.following(&key(1)), expected);
        let mut followers = vec![key(1), key(4)];
        followers.sort();
        assert_eq!(graph.followers(&key(2)), followers);
        assert!(graph.following(&key(2)).is_empty());
    }
}
