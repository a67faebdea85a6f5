//! The node's state as pages see it ([`NetworkStatus`]), rebuilt from the relay and peer tables.

use phemossa_api::{NetworkState, NetworkStatus, SyncProgress};

use super::peers::{Peers, Translate as _};
use super::relays::Relays;

/// Peers listed at most; connected ones and the most recently seen come first.
const MAX_PEERS_SHOWN: usize = 100;

pub fn build(local_peer_id: &str, relays: &Relays, peers: &Peers, now: u64) -> NetworkStatus {
    let state = if relays.is_empty() {
        NetworkState::NoBootstrap
    } else if relays.slots.any_reserved() {
        NetworkState::Online
    } else {
        NetworkState::Connecting
    };
    // Peers only ever discovered, never reached, are not worth a row.
    let mut listed: Vec<_> = peers
        .by_id
        .iter()
        .filter(|(_, p)| p.last_seen > 0)
        .collect();
    listed.sort_by_key(|(_, p)| {
        (
            std::cmp::Reverse(p.connected()),
            std::cmp::Reverse(p.last_seen),
        )
    });
    let mut sync: Option<SyncProgress> = None;
    for (_, peer) in &listed {
        if let Some(progress) = peer.progress {
            sync.get_or_insert_with(SyncProgress::default)
                .add(SyncProgress {
                    listed: progress.listed,
                    missing: progress.missing,
                    received: progress.received,
                });
        }
    }
    NetworkStatus {
        state,
        local_peer_id: local_peer_id.to_owned(),
        relays: relays.infos(now),
        invalid_total: peers.by_id.values().map(|p| p.invalid()).sum(),
        storage_problem: None,
        held_for_work: 0,
        peers: listed
            .into_iter()
            .take(MAX_PEERS_SHOWN)
            .map(|(id, peer)| peer.info(id, now))
            .collect(),
        sync,
    }
}
