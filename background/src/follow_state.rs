//! Whom the user follows, in memory: the follow graph loaded from their stored follow records,
//! and the bookkeeping that keeps the timestamps of new follow events ordered while their writes
//! are in flight. The Follow / Unfollow requests that use it are `handlers/follows.rs`.

use std::collections::HashMap;

use phemossa_api::FollowingEntry;
use phemossa_core::{FollowGraph, FollowRecord, PublicKey};

use crate::error::BackgroundError;
use crate::storage::Storage;

/// The user's follow graph, and the newest timestamp of each edge's records, so a new event for
/// an edge is always dated after every earlier one (LWW needs that even when the clock has not
/// moved or moved back).
#[derive(Debug, Default)]
pub struct FollowState {
    graph: FollowGraph,
    newest: HashMap<PublicKey, u64>,
    /// Edges with a follow or unfollow still being stored: its timestamp and whether it follows.
    /// Requests decide against this, not the graph, so one arriving while another's write is in
    /// flight sees the state that write will leave.
    in_flight: HashMap<PublicKey, (u64, bool)>,
}

impl FollowState {
    /// The state from `me`'s stored follow records.
    pub async fn load(storage: &Storage, me: &PublicKey) -> Result<Self, BackgroundError> {
        let mut state = Self::default();
        for record in storage.follow_records(me).await? {
            state.apply(record);
        }
        Ok(state)
    }

    /// Applies a record of this user's; returns whether who they follow changed.
    pub fn apply(&mut self, record: FollowRecord) -> bool {
        let newest = self.newest.entry(record.followee).or_default();
        *newest = (*newest).max(record.timestamp);
        self.graph.apply(record)
    }

    pub fn is_following(&self, me: &PublicKey, key: &PublicKey) -> bool {
        self.graph.is_following(me, key)
    }

    /// Whether `me` follows `key` once the writes under way are stored.
    pub fn will_follow(&self, me: &PublicKey, key: &PublicKey) -> bool {
        match self.in_flight.get(key) {
            Some((_, follows)) => *follows,
            None => self.is_following(me, key),
        }
    }

    pub fn graph(&self) -> &FollowGraph {
        &self.graph
    }

    /// A timestamp for a new event on the edge to `followee`: now, or just after the edge's
    /// newest record. Reserved at once, so concurrent requests get distinct, ordered times.
    pub fn reserve_timestamp(&mut self, followee: PublicKey, now: u64, follows: bool) -> u64 {
        let newest = self.newest.entry(followee).or_default();
        let timestamp = now.max(newest.saturating_add(1));
        *newest = timestamp;
        self.in_flight.insert(followee, (timestamp, follows));
        timestamp
    }

    /// The timestamp a new event on the edge to `followee` would get now, without reserving it:
    /// now, or just after the edge's newest record.
    pub fn next_timestamp(&self, followee: &PublicKey, now: u64) -> u64 {
        let newest = self.newest.get(followee).copied().unwrap_or_default();
        now.max(newest.saturating_add(1))
    }

    /// Reserves exactly `timestamp` for a follow of `followee` whom `me` follows (the edge
    /// signed again, with proof of work, `follow_announce.rs`): only if `me` still follows them
    /// and it is after every record of the edge, so the edge is never reordered. Whether it was
    /// reserved; if so, [`FollowState::settle`] it once stored.
    pub fn reserve_exact(&mut self, me: &PublicKey, followee: PublicKey, timestamp: u64) -> bool {
        if !self.will_follow(me, &followee) {
            return false;
        }
        let newest = self.newest.entry(followee).or_default();
        if timestamp <= *newest {
            return false;
        }
        *newest = timestamp;
        self.in_flight.insert(followee, (timestamp, true));
        true
    }

    /// The write reserved at `timestamp` is stored (or failed): stop deciding against it, unless
    /// a later request has reserved the edge since.
    pub fn settle(&mut self, followee: PublicKey, timestamp: u64) {
        if self
            .in_flight
            .get(&followee)
            .is_some_and(|(t, _)| *t == timestamp)
        {
            self.in_flight.remove(&followee);
        }
    }

    pub fn entries(&self, me: &PublicKey) -> Vec<FollowingEntry> {
        self.graph
            .following_records(me)
            .map(|record| FollowingEntry {
                public_key: record.followee,
                short: record.followee.short(),
                since: record.timestamp,
            })
            .collect()
    }
}
