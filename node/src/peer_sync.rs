//! Between a peer's sync machines and the node: what the machines ask for, as [`SyncAction`]s
//! for the driver to carry out (send, answer, query the store, write, block); store answers
//! handed back to the machine that asked, or dropped when they were meant for an earlier
//! connection; pulls stopped without blame; and bans begun and lapsed. The decisions the
//! browser's driver made inline, here with native tests.

use std::hash::Hash;

use phemossa_core::{Error, Event, EventId};
use phemossa_sync::{Cursor, Fault, Output, Progress, QueryId, Scope};

use crate::limits::{is_banned, BAN_MS};
use crate::peer_table::{Peer, Peers, Version};

/// Events from one peer written in one go. A pull's validated events wait in the peer's
/// `to_store` until there are this many, the pull ends or the tick comes (every 250 ms in the
/// browser), so IndexedDB sees a few large transactions rather than one per event. The browser
/// writes one batch at a time, each with a few reads before its transaction (room, who is kept
/// out, what deletes name), so the batch size bounds a first sync: at 64 a browser stored about
/// 1,100 events/s while its pull received them faster (issue 16). 512 is the browser's own
/// transaction size (`INGEST_BATCH` in `background/src/ingest.rs`).
pub const STORE_BATCH: usize = 512;

/// Which machine of which peer asked the store: the peer, its session generation (a store
/// answer for an earlier connection's session is dropped, since a new session reuses query
/// ids), and the protocol.
pub type Asker<P> = (P, u64, Version);

/// What the store found for a machine's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreAnswer {
    /// Ids after the query's cursor, and whether more follow.
    Ids { page: Vec<Cursor>, more: bool },
    /// Those of the asked ids the store lacks.
    Missing(Vec<EventId>),
    /// The wire JSON of those of the asked ids the store holds.
    Loaded(Vec<(EventId, Vec<u8>)>),
}

/// What a peer's machines ask the node to do, in the order they asked.
#[derive(Debug)]
pub enum SyncAction<P, R> {
    /// Send `bytes` to `peer` as a new request on `version`. Only while the peer is
    /// connected: the browser's request-response would otherwise dial the peer on every
    /// address any behaviour knows, not through our relay.
    Request {
        peer: P,
        version: Version,
        bytes: Vec<u8>,
    },
    /// Answer an inbound request of `version` on its channel.
    Respond {
        version: Version,
        channel: R,
        bytes: Vec<u8>,
    },
    /// List local ids in `scope` after `after`, at most `limit`; answer with
    /// [`Peers::store_answer`] and [`StoreAnswer::Ids`].
    ListIds {
        asker: Asker<P>,
        query: QueryId,
        scope: Scope,
        after: Option<Cursor>,
        limit: usize,
    },
    /// Say which of `ids` the store lacks ([`StoreAnswer::Missing`]).
    FindMissing {
        asker: Asker<P>,
        query: QueryId,
        ids: Vec<EventId>,
    },
    /// Load those of `ids` the store holds ([`StoreAnswer::Loaded`]).
    LoadEvents {
        asker: Asker<P>,
        query: QueryId,
        ids: Vec<EventId>,
    },
    /// A machine validated this event. Gossip's seen-cache learns it now, so a gossip copy
    /// that arrives while the event waits in a batch is not checked and stored again.
    Validated(EventId),
    /// Write these validated events from `peer`.
    Store { peer: P, events: Vec<Event> },
    /// A pull from `peer` started (the status shows it at once: a pull of a few differences
    /// can start and end between two throttled status pushes).
    PullStarted { peer: P },
    /// `peer`'s pull moved forward (the pull scheduler keeps its slot).
    Progressed { peer: P },
    /// `peer`'s pull ended: its slot is free for the scheduler to hand out.
    PullFinished {
        peer: P,
        result: Result<Progress, Error>,
    },
    /// `peer` sent something that was dropped; its score counted it already.
    Misbehaved { peer: P, fault: Fault },
    /// `peer` passed the misbehaviour threshold and is banned from now for [`BAN_MS`]: close
    /// its connections, refuse new ones, stop gossiping with it, free its pull slot.
    Banned { peer: P },
}

impl<C, R, D> Peer<C, R, D> {
    /// Bans the peer from `now` for [`BAN_MS`]; false if it was banned already. What it had
    /// validated but not yet written is dropped with it.
    fn begin_ban(&mut self, now: u64) -> bool {
        if self.banned {
            return false;
        }
        self.banned = true;
        self.banned_until = Some(now.saturating_add(BAN_MS));
        self.unsaved = true;
        self.to_store.clear();
        true
    }
}

impl<P: Clone + Eq + Hash + Ord, C: Copy + Eq + Hash, R, D> Peers<P, C, R, D> {
    /// Everything `peer_id`'s machine for `version` asks for now, as actions; the faults it
    /// reports are counted in the peer's score on the way, and the peer is banned once it
    /// passes the threshold. Validated events are batched ([`STORE_BATCH`]).
    pub fn drain(&mut self, peer_id: &P, version: Version, now: u64) -> Vec<SyncAction<P, R>> {
        let mut actions = Vec::new();
        let Some(peer) = self.by_id.get_mut(peer_id) else {
            return actions;
        };
        let generation = peer.generation;
        let connected = peer.connected();
        let mut flush = false;
        while let Some(output) = peer.poll_output(version) {
            let asker = (peer_id.clone(), generation, version);
            match output {
                Output::Request(bytes) if connected => actions.push(SyncAction::Request {
                    peer: peer_id.clone(),
                    version,
                    bytes,
                }),
                Output::Request(_) => {}
                Output::Respond { to, bytes } => {
                    // No channel: the peer gave up on the request, or it was dropped past
                    // `MAX_OPEN_CHANNELS`; the peer asks again.
                    if let Some(channel) = peer.take_channel(version, to) {
                        actions.push(SyncAction::Respond {
                            version,
                            channel,
                            bytes,
                        });
                    }
                }
                // Dropping the channel closes the stream: the peer's request fails now, and
                // it asks again.
                Output::Unanswered { to } => drop(peer.take_channel(version, to)),
                Output::ListIds {
                    query,
                    scope,
                    after,
                    limit,
                } => actions.push(SyncAction::ListIds {
                    asker,
                    query,
                    scope,
                    after,
                    limit,
                }),
                Output::FindMissing { query, ids } => {
                    actions.push(SyncAction::FindMissing { asker, query, ids })
                }
                Output::LoadEvents { query, ids } => {
                    actions.push(SyncAction::LoadEvents { asker, query, ids })
                }
                Output::Store(event) => {
                    actions.push(SyncAction::Validated(event.id));
                    peer.to_store.push(event);
                    flush |= peer.to_store.len() >= STORE_BATCH;
                }
                Output::Progress(progress) => {
                    peer.progress = Some(progress);
                    actions.push(SyncAction::Progressed {
                        peer: peer_id.clone(),
                    });
                }
                Output::Finished(result) => {
                    peer.progress = None;
                    flush = true;
                    actions.push(SyncAction::PullFinished {
                        peer: peer_id.clone(),
                        result,
                    });
                }
                Output::Misbehaved(fault) => {
                    actions.push(SyncAction::Misbehaved {
                        peer: peer_id.clone(),
                        fault,
                    });
                    if peer.past_threshold() && peer.begin_ban(now) {
                        actions.push(SyncAction::Banned {
                            peer: peer_id.clone(),
                        });
                    }
                }
            }
        }
        if flush {
            actions.extend(self.flush(peer_id));
        }
        actions
    }

    /// The events `peer_id`'s pull validated and has not handed to the store yet, to write
    /// now; `None` if there are none.
    pub fn flush(&mut self, peer_id: &P) -> Option<SyncAction<P, R>> {
        let peer = self.by_id.get_mut(peer_id)?;
        if peer.to_store.is_empty() {
            return None;
        }
        Some(SyncAction::Store {
            peer: peer_id.clone(),
            events: std::mem::take(&mut peer.to_store),
        })
    }

    /// The store answered `asker`'s `query` (`Err` says why it could not). An answer for a
    /// session of an earlier connection is dropped: that session is gone, and its query ids
    /// are reused. A failure releases what waited on the answer, blaming nobody: the peer's
    /// request goes unanswered and it asks again, or our pull ends and the scheduler retries
    /// it (docs/protocol.md §8, hole 3 of issue 12).
    pub fn store_answer(
        &mut self,
        asker: Asker<P>,
        query: QueryId,
        answer: Result<StoreAnswer, String>,
        now: u64,
    ) -> Vec<SyncAction<P, R>> {
        let (peer_id, generation, version) = asker;
        let Some(peer) = self.by_id.get_mut(&peer_id) else {
            return Vec::new();
        };
        if generation != peer.generation {
            return Vec::new();
        }
        let machine = peer.machine(version);
        match answer {
            Ok(StoreAnswer::Ids { page, more }) => machine.answer_ids(query, page, more),
            Ok(StoreAnswer::Missing(missing)) => machine.answer_missing(query, missing, now),
            Ok(StoreAnswer::Loaded(found)) => machine.answer_events(query, found),
            Err(reason) => machine.store_failed(query, Error::LocalStoreFailed { reason }),
        }
        self.drain(&peer_id, version, now)
    }

    /// Ends `peer_id`'s pull, on whichever version runs it, with `reason`, which is not
    /// blamed on the peer; and what that leaves to do.
    pub fn stop_pull(&mut self, peer_id: &P, reason: Error, now: u64) -> Vec<SyncAction<P, R>> {
        let Some(peer) = self.by_id.get_mut(peer_id) else {
            return Vec::new();
        };
        // A peer's pull runs on one version (`Peer::pull_version`).
        let pulling = [Version::V1, Version::V2]
            .into_iter()
            .find(|version| peer.machine(*version).is_pulling());
        if let Some(version) = pulling {
            peer.machine(version).stop(reason);
        }
        let mut actions = self.drain(peer_id, Version::V1, now);
        actions.extend(self.drain(peer_id, Version::V2, now));
        actions
    }

    /// Bans `peer_id` from `now` for [`BAN_MS`] (kept across restarts with its record); false
    /// if it was banned already, when there is nothing new to carry out.
    pub fn ban(&mut self, peer_id: P, now: u64) -> bool {
        self.entry(peer_id).begin_ban(now)
    }

    /// Lifts the bans that have run their course: those peers start afresh. Returns them, to
    /// be let in again.
    pub fn lapse_bans(&mut self, now: u64) -> Vec<P> {
        let mut lapsed: Vec<P> = self
            .by_id
            .iter()
            .filter(|(_, p)| p.banned && !is_banned(p.banned_until, now))
            .map(|(id, _)| id.clone())
            .collect();
        // The table is a HashMap: sorted, so the driver sees the same order every run.
        lapsed.sort();
        for peer_id in &lapsed {
            let peer = self.entry(peer_id.clone());
            peer.banned = false;
            peer.banned_until = None;
            peer.unsaved = true;
        }
        lapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer_table::NodeShared;

    type TestPeers = Peers<u32, u32, u64, String>;
    type Action = SyncAction<u32, u64>;

    const PEER: u32 = 7;
    const NOW: u64 = 1_000_000;

    /// A table with one peer, connected on one connection, whose pull runs on `version`.
    fn table(version: Version) -> TestPeers {
        let mut peers = TestPeers::new(NodeShared::default());
        let peer = peers.entry(PEER);
        peer.connections = 1;
        peer.supports_v2 = Some(version == Version::V2);
        peers
    }

    /// Starts `PEER`'s pull and returns what it asks for first.
    fn start_pull(peers: &mut TestPeers) -> (Version, Vec<Action>) {
        let peer = peers.get_mut(&PEER).expect("the peer is in the table");
        let version = peer.pull_version();
        assert!(peer.machine(version).start(Scope::default(), NOW));
        (version, peers.drain(&PEER, version, NOW))
    }

    /// The first store query among `actions`, as the asker and query id to answer it with.
    fn store_query(actions: &[Action]) -> Option<(Asker<u32>, QueryId)> {
        actions.iter().find_map(|action| match action {
            SyncAction::ListIds { asker, query, .. }
            | SyncAction::FindMissing { asker, query, .. }
            | SyncAction::LoadEvents { asker, query, .. } => Some((*asker, *query)),
            _ => None,
        })
    }

    /// Feeds `PEER`'s machine for `version` `n` undecodable messages and drains it.
    fn garbage(peers: &mut TestPeers, version: Version, n: u8) -> Vec<Action> {
        let peer = peers.get_mut(&PEER).expect("the peer is in the table");
        for i in 0..n {
            peer.machine(version).handle_message(&[0xff, i], NOW);
        }
        peers.drain(&PEER, version, NOW)
    }

    fn count(actions: &[Action], which: fn(&Action) -> bool) -> usize {
        actions.iter().filter(|a| which(a)).count()
    }

    #[test]
    fn a_pull_asks_the_peer_only_while_connected() {
        for version in [Version::V1, Version::V2] {
            let mut peers = table(version);
            peers.entry(PEER).connections = 0;
            let (_, actions) = start_pull(&mut peers);
            assert!(
                !actions
                    .iter()
                    .any(|a| matches!(a, SyncAction::Request { .. })),
                "{version:?}: nothing is sent to a peer with no connection: {actions:?}"
            );

            let mut peers = table(version);
            let (_, mut actions) = start_pull(&mut peers);
            // v2 asks its own store first, then the peer.
            if let Some((asker, query)) = store_query(&actions) {
                let answer = StoreAnswer::Ids {
                    page: Vec::new(),
                    more: false,
                };
                actions = peers.store_answer(asker, query, Ok(answer), NOW);
            }
            assert!(
                actions.iter().any(|a| matches!(
                    a,
                    SyncAction::Request { peer: PEER, version: v, .. } if *v == version
                )),
                "{version:?}: a connected peer is asked: {actions:?}"
            );
        }
    }

    /// The test fails if the generation check goes: an old answer would then reach the new
    /// session's machine, which reuses query ids.
    #[test]
    fn a_store_answer_for_an_earlier_connection_is_dropped() {
        let mut peers = table(Version::V2);
        let (_, actions) = start_pull(&mut peers);
        let (asker, query) = store_query(&actions).expect("a v2 pull asks its store first");
        let answer = || StoreAnswer::Ids {
            page: Vec::new(),
            more: false,
        };

        // The connection closes and another opens; the new session asks its store too.
        let peer = peers.get_mut(&PEER).expect("the peer is in the table");
        peer.disconnected();
        peer.connections = 1;
        let (_, fresh) = start_pull(&mut peers);
        let (fresh_asker, fresh_query) = store_query(&fresh).expect("the new pull asks too");
        assert_eq!(fresh_asker.1, asker.1 + 1, "a new generation");

        let stale = peers.store_answer(asker, query, Ok(answer()), NOW);
        assert!(stale.is_empty(), "the old answer does nothing: {stale:?}");

        let answered = peers.store_answer(fresh_asker, fresh_query, Ok(answer()), NOW);
        assert!(
            answered
                .iter()
                .any(|a| matches!(a, SyncAction::Request { .. })),
            "the new session's own answer moves it on: {answered:?}"
        );
    }

    #[test]
    fn a_failed_store_read_ends_the_pull_without_blame() {
        let mut peers = table(Version::V2);
        let (_, actions) = start_pull(&mut peers);
        let (asker, query) = store_query(&actions).expect("a v2 pull asks its store first");
        let actions = peers.store_answer(asker, query, Err("disk full".into()), NOW);
        assert!(
            actions.iter().any(|a| matches!(
                a,
                SyncAction::PullFinished {
                    peer: PEER,
                    result: Err(Error::LocalStoreFailed { .. })
                }
            )),
            "the pull ends, so its slot is freed and it is retried: {actions:?}"
        );
        assert_eq!(
            count(&actions, |a| matches!(a, SyncAction::Misbehaved { .. })),
            0
        );
        let peer = peers.get_mut(&PEER).expect("the peer is in the table");
        assert_eq!(peer.invalid(), 0, "the peer is not blamed for our disk");
        assert!(!peer.banned);
        assert!(!peer.machine(Version::V2).is_pulling());
    }

    #[test]
    fn a_peer_is_banned_once_when_it_passes_the_threshold() {
        for version in [Version::V1, Version::V2] {
            let mut peers = table(version);
            let actions = garbage(&mut peers, version, 9);
            assert_eq!(
                count(&actions, |a| matches!(a, SyncAction::Misbehaved { .. })),
                9
            );
            assert_eq!(
                count(&actions, |a| matches!(a, SyncAction::Banned { .. })),
                0
            );

            let actions = garbage(&mut peers, version, 3);
            assert_eq!(
                count(&actions, |a| matches!(a, SyncAction::Banned { peer: PEER })),
                1,
                "{version:?}: the tenth fault bans, the eleventh does not ban again"
            );
            let peer = peers.get_mut(&PEER).expect("the peer is in the table");
            assert!(peer.banned);
            assert_eq!(peer.banned_until, Some(NOW + BAN_MS));
            assert!(peer.unsaved, "the ban is saved with the record");
            assert!(
                !peers.ban(PEER, NOW + 1),
                "banning again has nothing new to do"
            );
        }
    }

    #[test]
    fn a_ban_lapses_after_ban_ms_and_not_before() {
        let mut peers = table(Version::V1);
        peers.entry(3);
        assert!(peers.ban(PEER, NOW));
        assert!(peers.ban(3, NOW + 10));
        assert!(peers.lapse_bans(NOW + BAN_MS - 1).is_empty());
        assert_eq!(peers.lapse_bans(NOW + BAN_MS), vec![PEER]);
        assert_eq!(peers.lapse_bans(NOW + BAN_MS + 10), vec![3]);
        let peer = peers.get_mut(&PEER).expect("the peer is in the table");
        assert!(!peer.banned);
        assert_eq!(peer.banned_until, None);
        assert!(peers.ban(PEER, NOW + BAN_MS + 20), "it can be banned anew");
    }

    #[test]
    fn stopping_a_pull_frees_its_slot_without_blame() {
        for version in [Version::V1, Version::V2] {
            let mut peers = table(version);
            start_pull(&mut peers);
            let actions = peers.stop_pull(&PEER, Error::PullStalled { idle_ms: 1 }, NOW);
            assert_eq!(
                count(&actions, |a| matches!(
                    a,
                    SyncAction::PullFinished {
                        peer: PEER,
                        result: Err(Error::PullStalled { .. })
                    }
                )),
                1,
                "{version:?}: {actions:?}"
            );
            assert_eq!(
                count(&actions, |a| matches!(a, SyncAction::Misbehaved { .. })),
                0
            );
            let again = peers.stop_pull(&PEER, Error::PullStalled { idle_ms: 1 }, NOW);
            assert!(again.is_empty(), "no pull runs, nothing ends: {again:?}");
        }
    }

    #[test]
    fn flush_hands_over_what_waits_and_only_once() {
        use phemossa_core::{Content, Identity, Post};
        let identity = Identity::from_seed([4; 32]);
        let event = |n: u64| {
            let content = Content::Post(Post {
                text: format!("post {n}"),
                mentions: vec![],
                reply_to: None,
            });
            Event::create(&identity, NOW - n, content).expect("a valid event")
        };
        let mut peers = table(Version::V1);
        assert!(peers.flush(&PEER).is_none(), "nothing waits");
        let waiting = vec![event(1), event(2)];
        peers.entry(PEER).to_store = waiting.clone();
        match peers.flush(&PEER) {
            Some(SyncAction::Store { peer: PEER, events }) => assert_eq!(events, waiting),
            other => panic!("the waiting events are handed over: {other:?}"),
        }
        assert!(peers.flush(&PEER).is_none(), "and not twice");
        assert!(peers.flush(&99).is_none(), "an unknown peer has nothing");

        // A ban drops what the peer had validated but not yet written.
        peers.entry(PEER).to_store = waiting;
        assert!(peers.ban(PEER, NOW));
        assert!(peers.flush(&PEER).is_none());
    }
}
