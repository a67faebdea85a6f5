//! Asking peers for the replies of a thread the user opened (docs/protocol.md §8.10): whom to
//! ask, what to ask next, and when to stop. Sync is scoped by author (§8.2), so a follower of
//! A never pulls B's reply to A's post if they do not follow B; opening the thread asks the
//! connected peers for it, level by level, since a reply names only its direct parent.
//!
//! Sans-IO like [`crate::blob_fetches`]: the driver says which thread was opened with the posts
//! of it the store holds, which peers may be asked, and what each answered;
//! [`ThreadFetches::poll_action`] says what to send, which replies to store and whose fault a
//! bad answer is. One request is in flight per peer and opening, peers side by side.

use std::collections::{HashSet, VecDeque};

use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event};
use phemossa_sync::replies::{take_response, RepliesMessage, MAX_PARENTS_PER_REQUEST};
use phemossa_sync::Cursor;

/// Peers one opening asks at once. Any one peer that holds the thread's replies is enough;
/// three cover a peer that is slow or lacks them without asking a whole mesh.
pub const MAX_PEERS_PER_OPENING: usize = 3;

/// Requests one opening sends one peer at most: a thousand-reply thread read by levels is
/// about ten requests (each page holds up to 256 replies), so 64 leaves room for deep and wide
/// ones while bounding what a peer that pages one reply at a time can cost.
pub const MAX_REQUESTS_PER_PEER: usize = 64;

/// Replies one opening takes from one peer at most: a peer cannot use an opening to store more
/// than this (§8.10).
pub const MAX_REPLIES_PER_PEER: usize = 2_000;

/// Levels below the posts held that one opening walks down at most, as deep as the thread
/// view climbs (`MAX_THREAD_CLIMB` in the background's store).
pub const MAX_LEVELS: usize = 64;

/// The same thread is asked of the same peer again only this long after it was last asked:
/// the thread view loads again whenever replies arrive, and each load must not ask anew.
pub const ASK_AGAIN_MS: u64 = 60_000;

/// Openings remembered for [`ASK_AGAIN_MS`] at most; past it the oldest is forgotten (it may be
/// asked again sooner, which costs a request, nothing more).
const MAX_REMEMBERED: usize = 256;

/// What the driver is asked to do.
#[derive(Debug, PartialEq)]
pub enum ThreadAction<P> {
    /// Send `bytes` (a replies-request) to `peer` on `/phemossa/replies/1.0.0`; its answer
    /// or failure comes back for `root`.
    Request {
        peer: P,
        root: EventId,
        bytes: Vec<u8>,
    },
    /// Valid replies from `peer` to posts of the thread: store them as pulled events are
    /// stored (keep-out, blocks and deletions apply there).
    Store { peer: P, replies: Vec<Event> },
    /// `peer` broke the replies protocol or sent an invalid event: count it with its other
    /// invalid input.
    Fault { peer: P, error: Error },
}

/// One peer's walk down one thread.
#[derive(Debug)]
struct Walk {
    /// Every post asked about or queued, so a level never asks again what one above did.
    known: HashSet<EventId>,
    /// Posts of the level being asked about, not yet in a request.
    level: VecDeque<EventId>,
    /// Replies found on this level: the next level's posts.
    below: Vec<EventId>,
    /// The request in flight: its parents and where its page starts.
    asking: Option<(Vec<EventId>, Option<Cursor>)>,
    requests: usize,
    taken: usize,
    depth: usize,
}

/// Every thread being fetched, and when each was last asked of each peer. Lists rather than
/// maps: a few walks run at once (three peers an opening), and in the browser each map type is
/// wasm code of its own.
#[derive(Debug)]
pub struct ThreadFetches<P> {
    walks: Vec<(P, EventId, Walk)>,
    asked_at: Vec<(P, EventId, u64)>,
    actions: VecDeque<ThreadAction<P>>,
}

impl<P> Default for ThreadFetches<P> {
    fn default() -> Self {
        Self {
            walks: Vec::new(),
            asked_at: Vec::new(),
            actions: VecDeque::new(),
        }
    }
}

impl<P: Clone + PartialEq> ThreadFetches<P> {
    fn walk(&mut self, peer: &P, root: &EventId) -> Option<usize> {
        self.walks
            .iter()
            .position(|(p, r, _)| p == peer && r == root)
    }

    fn end(&mut self, at: usize) {
        self.walks.swap_remove(at);
    }

    /// The user opened the thread of `root`; `held` are the posts of it the store holds (the
    /// root first). Up to [`MAX_PEERS_PER_OPENING`] of `peers` (connected, speaking the
    /// protocol, not relays nor banned) not asked about it in the last [`ASK_AGAIN_MS`] and not
    /// already walking it are asked for the replies of `held`.
    pub fn open(&mut self, root: EventId, held: &[EventId], peers: &[P], now_ms: u64) {
        self.asked_at
            .retain(|(_, _, at)| now_ms.saturating_sub(*at) < ASK_AGAIN_MS);
        let mut started = self.walks.iter().filter(|(_, r, _)| *r == root).count();
        for peer in peers {
            if started >= MAX_PEERS_PER_OPENING {
                break;
            }
            let asked = |(p, r, _): &(P, EventId, u64)| p == peer && *r == root;
            if self.walk(peer, &root).is_some() || self.asked_at.iter().any(asked) {
                continue;
            }
            // Oldest first: past the bound, the oldest is forgotten.
            if self.asked_at.len() >= MAX_REMEMBERED {
                self.asked_at.remove(0);
            }
            self.asked_at.push((peer.clone(), root, now_ms));
            let mut known = HashSet::new();
            let level: VecDeque<EventId> = std::iter::once(&root)
                .chain(held)
                .filter(|id| known.insert(**id))
                .copied()
                .collect();
            let mut walk = Walk {
                known,
                level,
                below: Vec::new(),
                asking: None,
                requests: 0,
                taken: 0,
                depth: 0,
            };
            if let Some(bytes) = walk.next_request() {
                self.actions.push_back(ThreadAction::Request {
                    peer: peer.clone(),
                    root,
                    bytes,
                });
                self.walks.push((peer.clone(), root, walk));
                started += 1;
            }
        }
    }

    /// `peer` answered the request for `root`'s thread with `bytes`.
    pub fn on_response(
        &mut self,
        peer: &P,
        root: &EventId,
        bytes: &[u8],
        now_ms: u64,
        verified: &VerifiedIds,
    ) {
        let Some(at) = self.walk(peer, root) else {
            return;
        };
        let walk = &mut self.walks[at].2;
        let Some((parents, after)) = walk.asking.take() else {
            return;
        };
        let page = take_response(bytes, &parents, after, now_ms, verified);
        let faulty = !page.faults.is_empty();
        for error in page.faults {
            self.actions.push_back(ThreadAction::Fault {
                peer: peer.clone(),
                error,
            });
        }
        let room = MAX_REPLIES_PER_PEER.saturating_sub(walk.taken);
        let mut replies = page.replies;
        let full = replies.len() >= room;
        replies.truncate(room);
        walk.taken += replies.len();
        for reply in &replies {
            if walk.known.insert(reply.id) {
                walk.below.push(reply.id);
            }
        }
        if !replies.is_empty() {
            self.actions.push_back(ThreadAction::Store {
                peer: peer.clone(),
                replies,
            });
        }
        // A peer that broke the protocol is asked nothing more about this thread.
        if faulty || full {
            self.end(at);
            return;
        }
        if let Some(next) = page.next {
            if walk.requests >= MAX_REQUESTS_PER_PEER {
                self.end(at);
                return;
            }
            walk.requests += 1;
            let bytes = RepliesMessage::Request {
                parents: parents.clone(),
                after: Some(next),
            }
            .encode();
            walk.asking = Some((parents, Some(next)));
            self.actions.push_back(ThreadAction::Request {
                peer: peer.clone(),
                root: *root,
                bytes,
            });
            return;
        }
        match walk.next_request() {
            Some(bytes) => self.actions.push_back(ThreadAction::Request {
                peer: peer.clone(),
                root: *root,
                bytes,
            }),
            None => {
                self.end(at);
            }
        }
    }

    /// The request for `root`'s thread to `peer` failed (timed out, the connection closed, the
    /// peer does not speak the protocol): nobody's fault; that peer's walk ends.
    pub fn on_failure(&mut self, peer: &P, root: &EventId) {
        if let Some(at) = self.walk(peer, root) {
            self.end(at);
        }
    }

    /// `peer`'s last connection closed: its walks end (their requests fail as well).
    pub fn disconnected(&mut self, peer: &P) {
        self.walks.retain(|(p, _, _)| p != peer);
    }

    /// Whether any peer is being asked about `root`'s thread.
    pub fn is_fetching(&self, root: &EventId) -> bool {
        self.walks.iter().any(|(_, r, _)| r == root)
    }

    pub fn poll_action(&mut self) -> Option<ThreadAction<P>> {
        self.actions.pop_front()
    }
}

impl Walk {
    /// The next request of this walk: the next parents of the level, or the first of the level
    /// below once this one is done; `None` when the walk is over (nothing left, or a limit).
    fn next_request(&mut self) -> Option<Vec<u8>> {
        if self.level.is_empty() {
            self.depth += 1;
            if self.depth > MAX_LEVELS || self.below.is_empty() {
                return None;
            }
            self.level = std::mem::take(&mut self.below).into();
        }
        if self.requests >= MAX_REQUESTS_PER_PEER {
            return None;
        }
        let take = self.level.len().min(MAX_PARENTS_PER_REQUEST);
        let mut parents: Vec<EventId> = self.level.drain(..take).collect();
        // The protocol asks for distinct parents; sorted, a request is the same every run.
        parents.sort_unstable();
        self.requests += 1;
        let bytes = RepliesMessage::Request {
            parents: parents.clone(),
            after: None,
        }
        .encode();
        self.asking = Some((parents, None));
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::{cursor, NOW};

    fn post(seed: u8, at: u64, reply_to: Option<EventId>) -> Event {
        crate::test_events::post(seed, at, reply_to, &[])
    }

    fn answer(events: &[&Event], next: Option<Cursor>) -> Vec<u8> {
        RepliesMessage::Response {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
            next,
        }
        .encode()
    }

    /// The actions due, drained.
    fn drain(fetches: &mut ThreadFetches<u8>) -> Vec<ThreadAction<u8>> {
        std::iter::from_fn(|| fetches.poll_action()).collect()
    }

    fn request_of(action: &ThreadAction<u8>) -> (u8, RepliesMessage) {
        match action {
            ThreadAction::Request { peer, bytes, .. } => (
                *peer,
                RepliesMessage::decode(bytes).expect("our own request decodes"),
            ),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn an_opening_asks_three_peers_once_a_minute() {
        let root = post(1, NOW - 10_000, None);
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[1, 2, 3, 4], NOW);
        let asked: Vec<u8> = drain(&mut fetches)
            .iter()
            .map(|a| request_of(a).0)
            .collect();
        assert_eq!(asked, vec![1, 2, 3], "three peers, the fourth not needed");
        for peer in [1, 2, 3] {
            fetches.on_failure(&peer, &root.id);
        }
        // Opened again within the minute (the view reloads as replies come): nobody is asked
        // again, but the fourth peer, never asked, is.
        fetches.open(root.id, &[root.id], &[1, 2, 3, 4], NOW + 1_000);
        let asked: Vec<u8> = drain(&mut fetches)
            .iter()
            .map(|a| request_of(a).0)
            .collect();
        assert_eq!(asked, vec![4]);
        fetches.on_failure(&4, &root.id);
        fetches.open(root.id, &[root.id], &[1], NOW + ASK_AGAIN_MS);
        assert_eq!(drain(&mut fetches).len(), 1, "a minute on, asked again");
    }

    #[test]
    fn replies_are_stored_and_their_replies_asked_for_level_by_level() {
        let root = post(1, NOW - 10_000, None);
        let held = post(2, NOW - 9_000, Some(root.id));
        let reply = post(3, NOW - 8_000, Some(root.id));
        let deeper = post(4, NOW - 7_000, Some(reply.id));
        let verified = VerifiedIds::default();
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id, held.id], &[7], NOW);
        let (_, first) = request_of(&drain(&mut fetches)[0]);
        let mut both = vec![root.id, held.id];
        both.sort_unstable();
        assert_eq!(
            first,
            RepliesMessage::Request {
                parents: both,
                after: None
            },
            "the root and the reply held, each once"
        );
        // The peer holds the reply held and one more.
        fetches.on_response(
            &7,
            &root.id,
            &answer(&[&held, &reply], None),
            NOW,
            &verified,
        );
        let actions = drain(&mut fetches);
        assert_eq!(
            actions[0],
            ThreadAction::Store {
                peer: 7,
                replies: vec![held.clone(), reply.clone()]
            }
        );
        // Only the new reply's replies are asked: the one held was asked about already.
        assert_eq!(
            request_of(&actions[1]).1,
            RepliesMessage::Request {
                parents: vec![reply.id],
                after: None
            }
        );
        fetches.on_response(&7, &root.id, &answer(&[&deeper], None), NOW, &verified);
        let actions = drain(&mut fetches);
        assert_eq!(
            actions[0],
            ThreadAction::Store {
                peer: 7,
                replies: vec![deeper.clone()]
            }
        );
        assert_eq!(
            request_of(&actions[1]).1,
            RepliesMessage::Request {
                parents: vec![deeper.id],
                after: None
            }
        );
        fetches.on_response(&7, &root.id, &answer(&[], None), NOW, &verified);
        assert!(
            drain(&mut fetches).is_empty(),
            "nothing below: the walk is over"
        );
        assert!(!fetches.is_fetching(&root.id));
    }

    #[test]
    fn a_page_with_next_is_followed_from_there() {
        let root = post(1, NOW - 10_000, None);
        let reply = post(3, NOW - 8_000, Some(root.id));
        let verified = VerifiedIds::default();
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[7], NOW);
        drain(&mut fetches);
        let next = cursor(&reply);
        fetches.on_response(&7, &root.id, &answer(&[&reply], Some(next)), NOW, &verified);
        let actions = drain(&mut fetches);
        assert_eq!(
            request_of(&actions[1]).1,
            RepliesMessage::Request {
                parents: vec![root.id],
                after: Some(next)
            }
        );
    }

    #[test]
    fn a_reply_to_a_post_not_asked_about_is_a_fault_and_ends_the_walk() {
        let root = post(1, NOW - 10_000, None);
        let reply = post(3, NOW - 8_000, Some(root.id));
        let elsewhere = post(4, NOW - 7_000, Some(reply.id));
        let verified = VerifiedIds::default();
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[7], NOW);
        drain(&mut fetches);
        fetches.on_response(
            &7,
            &root.id,
            &answer(&[&reply, &elsewhere], None),
            NOW,
            &verified,
        );
        let actions = drain(&mut fetches);
        assert!(
            matches!(&actions[0], ThreadAction::Fault { peer: 7, error } if error.code() == "unexpected_sync_message"),
            "{actions:?}"
        );
        assert_eq!(
            actions[1],
            ThreadAction::Store {
                peer: 7,
                replies: vec![reply.clone()]
            },
            "the valid reply before the fault is kept"
        );
        assert_eq!(actions.len(), 2, "the peer is asked nothing more");
        assert!(!fetches.is_fetching(&root.id));
    }

    #[test]
    fn a_failed_request_blames_nobody() {
        let root = post(1, NOW - 10_000, None);
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[7], NOW);
        drain(&mut fetches);
        fetches.on_failure(&7, &root.id);
        assert!(drain(&mut fetches).is_empty());
        assert!(!fetches.is_fetching(&root.id));
    }

    #[test]
    fn a_peer_paging_one_reply_at_a_time_is_stopped_at_the_request_limit() {
        let root = post(1, NOW - 10_000, None);
        let verified = VerifiedIds::default();
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[7], NOW);
        let mut requests = drain(&mut fetches).len();
        for n in 0..200u64 {
            let reply = post(3, NOW - 9_000 + n, Some(root.id));
            fetches.on_response(
                &7,
                &root.id,
                &answer(&[&reply], Some(cursor(&reply))),
                NOW,
                &verified,
            );
            requests += drain(&mut fetches)
                .iter()
                .filter(|a| matches!(a, ThreadAction::Request { .. }))
                .count();
        }
        assert_eq!(requests, MAX_REQUESTS_PER_PEER);
        assert!(!fetches.is_fetching(&root.id));
    }

    #[test]
    fn a_disconnected_peer_is_dropped_and_its_late_answer_ignored() {
        let root = post(1, NOW - 10_000, None);
        let reply = post(3, NOW - 8_000, Some(root.id));
        let verified = VerifiedIds::default();
        let mut fetches = ThreadFetches::default();
        fetches.open(root.id, &[root.id], &[7], NOW);
        drain(&mut fetches);
        fetches.disconnected(&7);
        fetches.on_response(&7, &root.id, &answer(&[&reply], None), NOW, &verified);
        assert!(drain(&mut fetches).is_empty());
    }

    /// A random tree of replies; an honest peer that holds it all answers in pages of a random
    /// size. The walk takes every reply exactly once, within its bounds, and then ends.
    mod walks {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        fn honest_answer(tree: &[Event], request: &RepliesMessage, page: usize) -> Vec<u8> {
            let RepliesMessage::Request { parents, after } = request else {
                panic!("a request");
            };
            let mut found: Vec<&Event> = tree
                .iter()
                .filter(|e| {
                    e.as_post()
                        .and_then(|p| p.reply_to)
                        .is_some_and(|parent| parents.contains(&parent))
                })
                .filter(|e| after.is_none_or(|after| cursor(e) > after))
                .collect();
            found.sort_by_key(|e| cursor(e));
            let more = found.len() > page;
            found.truncate(page);
            let next = more.then(|| cursor(found[found.len() - 1]));
            answer(&found, next)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            #[test]
            fn an_honest_peer_gives_the_whole_thread(
                parents in proptest::collection::vec(0usize..1_000, 1..40),
                page in 1usize..20,
            ) {
                let root = post(1, NOW - 100_000, None);
                let mut tree: Vec<Event> = Vec::new();
                for (n, pick) in parents.iter().enumerate() {
                    // Each reply answers the root or an earlier reply.
                    let parent = match pick % (tree.len() + 1) {
                        0 => root.id,
                        k => tree[k - 1].id,
                    };
                    tree.push(post(2 + (n % 5) as u8, NOW - 90_000 + n as u64, Some(parent)));
                }
                let verified = VerifiedIds::default();
                let mut fetches = ThreadFetches::default();
                fetches.open(root.id, &[], &[7u8], NOW);
                let mut stored = Vec::new();
                let mut requests = 0;
                for _ in 0..1_000 {
                    let actions = drain(&mut fetches);
                    if actions.is_empty() {
                        break;
                    }
                    for action in actions {
                        match action {
                            ThreadAction::Request { bytes, .. } => {
                                requests += 1;
                                let request = RepliesMessage::decode(&bytes).expect("decodes");
                                let reply = honest_answer(&tree, &request, page);
                                fetches.on_response(&7, &root.id, &reply, NOW, &verified);
                            }
                            ThreadAction::Store { replies, .. } => stored.extend(replies),
                            ThreadAction::Fault { error, .. } => {
                                prop_assert!(false, "an honest peer was blamed: {error}");
                            }
                        }
                    }
                }
                prop_assert!(!fetches.is_fetching(&root.id), "the walk ended");
                prop_assert!(requests <= MAX_REQUESTS_PER_PEER);
                let ids: BTreeSet<EventId> = stored.iter().map(|e| e.id).collect();
                prop_assert_eq!(ids.len(), stored.len(), "each reply taken once");
                if requests < MAX_REQUESTS_PER_PEER {
                    let all: BTreeSet<EventId> = tree.iter().map(|e| e.id).collect();
                    prop_assert_eq!(ids, all, "the whole thread");
                }
            }
        }
    }
}
