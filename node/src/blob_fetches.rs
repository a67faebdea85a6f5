//! Which peer to fetch each wanted blob from, and what to do with what comes back
//! (docs/protocol.md §12.4): the peer that sent the event naming it first, then every other
//! connected peer in turn, a few blobs at a time, each checked by
//! [`phemossa_sync::blob::BlobFetch`].
//!
//! Sans-IO like the rest of the node: the driver says what is wanted, which peers are connected
//! and what each peer answered; [`BlobFetches::poll_action`] says whom to ask, which blob to
//! store, and whose fault to count. A blob no connected peer holds is parked and asked for again
//! when a new peer connects.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use phemossa_core::blob::BlobKind;
use phemossa_core::keys::BlobHash;
use phemossa_core::Error;
use phemossa_sync::blob::{BlobFetch, FetchStep};

/// Blobs fetched at once. An avatar is one or a few requests; four at a time fill a feed's
/// pictures quickly without a page of images taking every stream of a relayed connection.
pub const MAX_FETCHES_AT_ONCE: usize = 4;

/// Blobs wanted at most, fetching or parked; past it the oldest parked one is forgotten (it is
/// wanted again when a page shows it). 256 covers every avatar of a feed page and its people.
pub const MAX_WANTED: usize = 256;

/// What the driver is asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum BlobAction<P> {
    /// Send `bytes` (a blob request) to `peer`; its answer or failure comes back for `hash`.
    Request {
        peer: P,
        hash: BlobHash,
        bytes: Vec<u8>,
    },
    /// The blob is here, its hash and size for `kind` checked: store it.
    Fetched {
        hash: BlobHash,
        kind: BlobKind,
        bytes: Vec<u8>,
    },
    /// `peer` broke the blob protocol or sent bytes that are not the blob: count it.
    Fault { peer: P, error: Error },
    /// No connected peer has it for now; it is parked until another peer connects.
    Parked { hash: BlobHash },
    /// It cannot be had at all (too large for its kind): forgotten, nobody blamed.
    Refused { hash: BlobHash, error: Error },
}

#[derive(Debug)]
struct Wanted<P> {
    kind: BlobKind,
    /// Whom to ask first: the peer that sent the event naming the blob.
    first: Option<P>,
    tried: BTreeSet<P>,
    /// The peer being asked, and the fetch in progress.
    asking: Option<(P, BlobFetch)>,
    /// Every connected peer was asked; waiting for a new one.
    parked: bool,
}

/// Every blob the node wants, and the fetches under way.
#[derive(Debug)]
pub struct BlobFetches<P> {
    wanted: BTreeMap<BlobHash, Wanted<P>>,
    /// Wanted blobs in the order they were wanted: the next to start, the oldest to forget.
    order: VecDeque<BlobHash>,
    actions: VecDeque<BlobAction<P>>,
}

impl<P> Default for BlobFetches<P> {
    fn default() -> Self {
        Self {
            wanted: BTreeMap::new(),
            order: VecDeque::new(),
            actions: VecDeque::new(),
        }
    }
}

impl<P: Clone + Ord> BlobFetches<P> {
    /// `hash` of `kind` is wanted; `from` sent the event that names it. Wanting one already
    /// wanted only adds the peer to ask first, if none was known.
    pub fn want(&mut self, hash: BlobHash, kind: BlobKind, from: Option<P>, connected: &[P]) {
        if let Some(wanted) = self.wanted.get_mut(&hash) {
            if wanted.first.is_none() {
                wanted.first = from;
            }
            // Asked for again (a page shows it): peers tried before may hold it by now.
            if wanted.asking.is_none() {
                wanted.tried.clear();
                wanted.parked = false;
            }
        } else {
            if self.wanted.len() >= MAX_WANTED {
                self.forget_oldest_parked();
            }
            if self.wanted.len() >= MAX_WANTED {
                return;
            }
            self.wanted.insert(
                hash,
                Wanted {
                    kind,
                    first: from,
                    tried: BTreeSet::new(),
                    asking: None,
                    parked: false,
                },
            );
            self.order.push_back(hash);
        }
        self.start(connected);
    }

    /// Whether `hash` is wanted (fetching or parked).
    pub fn is_wanted(&self, hash: &BlobHash) -> bool {
        self.wanted.contains_key(hash)
    }

    /// A peer connected: parked blobs are asked of it.
    pub fn connected(&mut self, connected: &[P]) {
        self.start(connected);
    }

    /// `peer` answered the request for `hash` with `bytes`.
    pub fn on_response(&mut self, peer: &P, hash: &BlobHash, bytes: &[u8], connected: &[P]) {
        let Some(wanted) = self.wanted.get_mut(hash) else {
            return;
        };
        let Some((asked, fetch)) = wanted.asking.as_mut() else {
            return;
        };
        if asked != peer {
            return;
        }
        match fetch.on_response(bytes) {
            Ok(FetchStep::Request(message)) => self.actions.push_back(BlobAction::Request {
                peer: peer.clone(),
                hash: *hash,
                bytes: message.encode(),
            }),
            Ok(FetchStep::Done(bytes)) => {
                let kind = wanted.kind;
                self.forget(hash);
                self.actions.push_back(BlobAction::Fetched {
                    hash: *hash,
                    kind,
                    bytes,
                });
                self.start(connected);
            }
            Ok(FetchStep::NotHeld) => {
                wanted.asking = None;
                self.start(connected);
            }
            Err(error) if BlobFetch::blames_peer(&error) => {
                wanted.asking = None;
                self.actions.push_back(BlobAction::Fault {
                    peer: peer.clone(),
                    error,
                });
                self.start(connected);
            }
            Err(error) => {
                self.forget(hash);
                self.actions
                    .push_back(BlobAction::Refused { hash: *hash, error });
                self.start(connected);
            }
        }
    }

    /// The request for `hash` to `peer` failed (timed out, the connection closed, the peer does
    /// not speak the protocol): nobody's fault; the next peer is asked.
    pub fn on_failure(&mut self, peer: &P, hash: &BlobHash, connected: &[P]) {
        if let Some(wanted) = self.wanted.get_mut(hash) {
            if wanted
                .asking
                .as_ref()
                .is_some_and(|(asked, _)| asked == peer)
            {
                wanted.asking = None;
                self.start(connected);
            }
        }
    }

    pub fn poll_action(&mut self) -> Option<BlobAction<P>> {
        self.actions.pop_front()
    }

    /// Starts fetches, oldest wanted first, while fewer than [`MAX_FETCHES_AT_ONCE`] run.
    fn start(&mut self, connected: &[P]) {
        let mut running = self.wanted.values().filter(|w| w.asking.is_some()).count();
        for hash in &self.order {
            if running >= MAX_FETCHES_AT_ONCE {
                break;
            }
            let Some(wanted) = self.wanted.get_mut(hash) else {
                continue;
            };
            if wanted.asking.is_some() {
                continue;
            }
            let untried = |peer: &&P| !wanted.tried.contains(*peer);
            let next = wanted
                .first
                .as_ref()
                .filter(|first| connected.contains(first))
                .filter(untried)
                .or_else(|| connected.iter().find(untried))
                .cloned();
            match next {
                Some(peer) => {
                    let fetch = BlobFetch::new(*hash, wanted.kind);
                    self.actions.push_back(BlobAction::Request {
                        peer: peer.clone(),
                        hash: *hash,
                        bytes: fetch.request().encode(),
                    });
                    wanted.tried.insert(peer.clone());
                    wanted.asking = Some((peer, fetch));
                    wanted.parked = false;
                    running += 1;
                }
                None => {
                    // Every connected peer was asked: wait for a new one. One that left and
                    // comes back is asked again (it may have fetched the blob meanwhile).
                    wanted.tried.retain(|peer| connected.contains(peer));
                    if !wanted.parked && !wanted.tried.is_empty() {
                        wanted.parked = true;
                        self.actions.push_back(BlobAction::Parked { hash: *hash });
                    }
                }
            }
        }
    }

    fn forget(&mut self, hash: &BlobHash) {
        self.wanted.remove(hash);
        self.order.retain(|h| h != hash);
    }

    fn forget_oldest_parked(&mut self) {
        let oldest = self
            .order
            .iter()
            .find(|hash| self.wanted.get(hash).is_some_and(|w| w.asking.is_none()))
            .copied();
        if let Some(hash) = oldest {
            self.forget(&hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::blob::hash_of;
    use phemossa_sync::blob::{answer, BlobMessage};

    /// Answers every request from the blobs each peer holds, until nothing is left to do.
    fn run(
        fetches: &mut BlobFetches<u8>,
        holds: &BTreeMap<u8, Vec<u8>>,
        connected: &[u8],
    ) -> Vec<BlobAction<u8>> {
        let mut seen = Vec::new();
        while let Some(action) = fetches.poll_action() {
            if let BlobAction::Request { peer, hash, bytes } = &action {
                let Ok(BlobMessage::Request { offset, .. }) = BlobMessage::decode(bytes) else {
                    panic!("the fetcher sent a malformed request");
                };
                let held = holds.get(peer).filter(|b| hash_of(b) == *hash);
                let reply = answer(held.map(Vec::as_slice), offset).encode();
                fetches.on_response(peer, hash, &reply, connected);
            }
            seen.push(action);
        }
        seen
    }

    fn asked(actions: &[BlobAction<u8>]) -> Vec<u8> {
        actions
            .iter()
            .filter_map(|a| match a {
                BlobAction::Request { peer, .. } => Some(*peer),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_peer_that_sent_the_event_is_asked_first() {
        let blob = vec![9u8; 40_000];
        let hash = hash_of(&blob);
        let holds = BTreeMap::from([(1, blob.clone()), (2, blob.clone())]);
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, Some(2), &[1, 2]);
        let actions = run(&mut fetches, &holds, &[1, 2]);
        assert_eq!(asked(&actions), vec![2, 2], "two chunks, both from peer 2");
        assert!(actions.contains(&BlobAction::Fetched {
            hash,
            kind: BlobKind::Avatar,
            bytes: blob
        }));
        assert!(!fetches.is_wanted(&hash));
    }

    #[test]
    fn a_peer_without_it_passes_to_the_next_and_none_is_blamed() {
        let blob = b"\x89PNG\r\n\x1a\nan avatar".to_vec();
        let hash = hash_of(&blob);
        let holds = BTreeMap::from([(3, blob.clone())]);
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, Some(1), &[1, 2, 3]);
        let actions = run(&mut fetches, &holds, &[1, 2, 3]);
        assert_eq!(asked(&actions), vec![1, 2, 3]);
        assert!(!actions
            .iter()
            .any(|a| matches!(a, BlobAction::Fault { .. })));
        assert!(actions.contains(&BlobAction::Fetched {
            hash,
            kind: BlobKind::Avatar,
            bytes: blob
        }));
    }

    #[test]
    fn wrong_bytes_are_the_senders_fault_and_the_next_peer_is_asked() {
        let blob = b"the real avatar".to_vec();
        let hash = hash_of(&blob);
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, Some(1), &[1, 2]);
        let Some(BlobAction::Request { peer: 1, .. }) = fetches.poll_action() else {
            panic!("peer 1 is asked first");
        };
        fetches.on_response(&1, &hash, &answer(Some(b"forged"), 0).encode(), &[1, 2]);
        let fault = fetches.poll_action();
        assert!(
            matches!(&fault, Some(BlobAction::Fault { peer: 1, error }) if error.code() == "blob_hash_mismatch"),
            "{fault:?}"
        );
        let holds = BTreeMap::from([(2, blob.clone())]);
        let actions = run(&mut fetches, &holds, &[1, 2]);
        assert_eq!(asked(&actions), vec![2]);
        assert!(actions.contains(&BlobAction::Fetched {
            hash,
            kind: BlobKind::Avatar,
            bytes: blob
        }));
    }

    #[test]
    fn a_blob_nobody_holds_is_parked_until_a_new_peer_connects() {
        let blob = b"later".to_vec();
        let hash = hash_of(&blob);
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, None, &[1]);
        let actions = run(&mut fetches, &BTreeMap::new(), &[1]);
        assert!(actions.contains(&BlobAction::Parked { hash }));
        assert!(fetches.is_wanted(&hash));
        // Peer 1 again is not asked again; the newcomer 2 is.
        fetches.connected(&[1, 2]);
        let actions = run(&mut fetches, &BTreeMap::from([(2, blob.clone())]), &[1, 2]);
        assert_eq!(asked(&actions), vec![2]);
        assert!(actions.contains(&BlobAction::Fetched {
            hash,
            kind: BlobKind::Avatar,
            bytes: blob
        }));
    }

    #[test]
    fn a_failed_request_is_nobodys_fault() {
        let hash = hash_of(b"x");
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, None, &[1, 2]);
        assert!(matches!(
            fetches.poll_action(),
            Some(BlobAction::Request { peer: 1, .. })
        ));
        fetches.on_failure(&1, &hash, &[2]);
        assert!(matches!(
            fetches.poll_action(),
            Some(BlobAction::Request { peer: 2, .. })
        ));
        assert_eq!(fetches.poll_action(), None);
    }

    #[test]
    fn no_more_than_four_fetch_at_once_and_the_rest_follow() {
        let blobs: Vec<Vec<u8>> = (0..6u8).map(|i| vec![i; 10]).collect();
        let mut fetches = BlobFetches::default();
        for blob in &blobs {
            fetches.want(hash_of(blob), BlobKind::Avatar, None, &[1]);
        }
        let first: Vec<_> = std::iter::from_fn(|| fetches.poll_action()).collect();
        assert_eq!(asked(&first).len(), MAX_FETCHES_AT_ONCE);
        // Answering them lets the other two start; all six arrive.
        let holds_all = |hash: &BlobHash| blobs.iter().find(|b| hash_of(b) == *hash).cloned();
        let mut fetched = 0;
        let mut pending: VecDeque<_> = first.into();
        while let Some(action) = pending.pop_front() {
            match action {
                BlobAction::Request { peer, hash, .. } => {
                    let blob = holds_all(&hash).expect("one of ours");
                    fetches.on_response(&peer, &hash, &answer(Some(&blob), 0).encode(), &[1]);
                    pending.extend(std::iter::from_fn(|| fetches.poll_action()));
                }
                BlobAction::Fetched { .. } => fetched += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(fetched, 6);
    }

    #[test]
    fn too_large_for_its_kind_is_refused_without_blame() {
        let blob = vec![1u8; 200_000];
        let hash = hash_of(&blob);
        let mut fetches = BlobFetches::default();
        fetches.want(hash, BlobKind::Avatar, None, &[1]);
        let actions = run(&mut fetches, &BTreeMap::from([(1, blob)]), &[1]);
        assert!(actions.iter().any(
            |a| matches!(a, BlobAction::Refused { error, .. } if error.code() == "blob_too_large")
        ));
        assert!(!actions
            .iter()
            .any(|a| matches!(a, BlobAction::Fault { .. })));
        assert!(!fetches.is_wanted(&hash));
    }
}
