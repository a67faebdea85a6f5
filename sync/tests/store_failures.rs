//! Local storage that fails (issue 12, hole 3): a failed read never leaves a store query
//! pending forever. A responder's failed read leaves the peer's request unanswered and stops
//! counting it as pending, so the honest peer asking again is never counted for "too many
//! concurrent requests"; a puller's failed read ends its pull as `local_store_failed`, blamed on
//! nobody, and the next pull (the node's scheduler retries it) completes. Both sync versions,
//! over the in-memory link with virtual time.

use phemossa_core::{Content, Event, Identity, Post};
use phemossa_sync::testing::{v1, v2};
use phemossa_sync::{ReconcileConfig, Scope, SessionConfig, SyncMachine};

const NOW: u64 = 1_767_225_600_000;
const EVENTS: usize = 50;
/// More failed reads than the four requests a responder keeps pending for one peer (§8.4):
/// had the failed ones stayed pending, the peer's later requests would be counted against it.
const FAILING_READS: u32 = 6;
/// Pulls the node's scheduler would start before one completes, at most.
const MAX_PULLS: usize = 12;

fn events() -> Vec<Event> {
    let author = Identity::from_seed([7; 32]);
    (0..EVENTS)
        .map(|i| {
            let content = Content::Post(Post {
                text: format!("post {i}"),
                mentions: vec![],
                reply_to: None,
            });
            Event::create(&author, NOW - 1_000 * i as u64, content).unwrap()
        })
        .collect()
}

fn full_store() -> v1::MemoryStore {
    let mut store = v1::MemoryStore::default();
    for event in events() {
        store.insert(event);
    }
    store
}

/// The wait before the node's scheduler retries a failed pull (docs/protocol.md §8.7): 15 s,
/// doubling up to 5 minutes.
fn retry_wait_ms(failed: usize) -> u64 {
    (15_000u64 << failed.min(5)).min(300_000)
}

/// How each pull of A's from B ended, pulling again after the scheduler's wait when one failed,
/// until one completes or [`MAX_PULLS`] ran.
macro_rules! pull_until_complete {
    ($link:expr) => {{
        let mut endings: Vec<Result<(), &'static str>> = Vec::new();
        while endings.len() < MAX_PULLS {
            if !endings.is_empty() {
                $link.now_ms += retry_wait_ms(endings.len() - 1);
            }
            let now = $link.now_ms;
            assert!(SyncMachine::start(
                &mut $link.a.session,
                Scope::default(),
                now
            ));
            $link.run();
            let ending = $link.a.finished.take().expect("every pull ends");
            let done = ending.is_ok();
            endings.push(ending.map(|_| ()).map_err(|e| e.code()));
            if done {
                break;
            }
        }
        endings
    }};
}

/// What both versions must show once the pulls are over.
macro_rules! nobody_blamed_and_everything_arrived {
    ($link:expr, $endings:expr) => {{
        assert_eq!(
            $endings.last(),
            Some(&Ok(())),
            "a pull completed: {:?}",
            $endings
        );
        assert_eq!($link.a.store.len(), EVENTS, "A holds every event of B's");
        assert!(
            $link.b.misbehaved.is_empty(),
            "B counts nothing against A: {:?}",
            $link.b.misbehaved
        );
        assert!(
            $link.a.misbehaved.is_empty(),
            "A counts nothing against B: {:?}",
            $link.a.misbehaved
        );
        assert_eq!($link.b.score.total_invalid(), 0);
        assert_eq!($link.a.score.total_invalid(), 0);
        assert!(!$link.a.disconnects() && !$link.b.disconnects());
    }};
}

#[test]
fn v1_a_responder_whose_reads_fail_blames_nobody_and_the_pull_completes() {
    let mut link = v1::Link::new(
        v1::Peer::new(v1::MemoryStore::default(), SessionConfig::default()),
        v1::Peer::new(full_store(), SessionConfig::default()),
        NOW,
    );
    link.b.failing_reads = FAILING_READS;
    let endings = pull_until_complete!(link);
    nobody_blamed_and_everything_arrived!(link, endings);
    assert_eq!(link.b.failing_reads, 0, "every injected failure was hit");
    assert_eq!(link.b.unanswered, u64::from(FAILING_READS));
}

#[test]
fn v2_a_responder_whose_reads_fail_blames_nobody_and_the_pull_completes() {
    let mut link = v2::Link::new(
        v2::Peer::new(v2::Store::default(), ReconcileConfig::default()),
        v2::Peer::new(full_store(), ReconcileConfig::default()),
        NOW,
    );
    link.b.failing_reads = FAILING_READS;
    let endings = pull_until_complete!(link);
    nobody_blamed_and_everything_arrived!(link, endings);
    assert_eq!(link.b.failing_reads, 0, "every injected failure was hit");
}

#[test]
fn v1_a_puller_whose_read_fails_ends_as_local_store_failed_and_the_next_pull_completes() {
    let mut link = v1::Link::new(
        v1::Peer::new(v1::MemoryStore::default(), SessionConfig::default()),
        v1::Peer::new(full_store(), SessionConfig::default()),
        NOW,
    );
    link.a.failing_reads = 1;
    let endings = pull_until_complete!(link);
    assert_eq!(endings, vec![Err("local_store_failed"), Ok(())]);
    nobody_blamed_and_everything_arrived!(link, endings);
}

#[test]
fn v2_a_puller_whose_reads_fail_ends_as_local_store_failed_and_the_next_pull_completes() {
    let mut link = v2::Link::new(
        v2::Peer::new(v2::Store::default(), ReconcileConfig::default()),
        v2::Peer::new(full_store(), ReconcileConfig::default()),
        NOW,
    );
    // Each of the first two pulls fails at its first read, the listing of A's own items.
    link.a.failing_reads = 2;
    let endings = pull_until_complete!(link);
    assert_eq!(
        endings,
        vec![Err("local_store_failed"), Err("local_store_failed"), Ok(())]
    );
    nobody_blamed_and_everything_arrived!(link, endings);
}
