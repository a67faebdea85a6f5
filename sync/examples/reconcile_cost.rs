//! Prints what sync v2 (negentropy set reconciliation) costs next to sync v1 (plain id
//! exchange) on the same stores: bytes each way and round trips for B holding n events and A
//! lacking d of them, each side running one pull (v1) or one reconciliation (v2), so both end
//! with the union. Issue 5's target: at n = 100,000, d = 10, v2 within 1% of v1's bytes in at
//! most 5 round trips.
//!
//! Run: `cargo run --release -p phemossa-sync --example reconcile_cost` (add `-- 100000` to
//! stop at that n).

use std::time::Instant;

use phemossa_core::{Content, Event, Identity, Post};
use phemossa_sync::testing::v1::{Link, MemoryStore, Peer};
use phemossa_sync::testing::v2;
use phemossa_sync::{ReconcileConfig, Scope, SessionConfig};

const NOW: u64 = 1_767_225_600_000;

/// n valid events by 16 authors, one a second going back in time (as `sync_cost`), signed on
/// two threads.
fn events(n: usize) -> Vec<Event> {
    let authors: Vec<Identity> = (1..=16).map(|s| Identity::from_seed([s; 32])).collect();
    let make = |i: usize| {
        let content = Content::Post(Post {
            text: format!("event number {i}, about this long as a short post"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(&authors[i % 16], NOW - 1_000 * i as u64, content).expect("valid")
    };
    let half = n / 2;
    std::thread::scope(|s| {
        let second = s.spawn(|| (half..n).map(make).collect::<Vec<_>>());
        let mut all: Vec<Event> = (0..half).map(make).collect();
        all.extend(second.join().expect("signing thread"));
        all
    })
}

/// What one side's run cost: bytes it sent, bytes it received, its round trips.
#[derive(Clone, Copy, Default)]
struct Cost {
    sent: u64,
    received: u64,
    round_trips: u64,
    ms: u128,
}

/// One v1 pull of `puller` from `holder`; returns the cost and events received.
fn v1_pull(puller: &MemoryStore, holder: &MemoryStore) -> (Cost, u64) {
    let config = SessionConfig::default();
    let mut link = Link::new(
        Peer::new(puller.clone(), config.clone()),
        Peer::new(holder.clone(), config),
        NOW,
    );
    let start = Instant::now();
    link.a.session.start(Scope::default(), None, NOW);
    link.run();
    let ms = start.elapsed().as_millis();
    // Both ways together, as the v1 figures have always been reported: every request of the
    // puller is answered once, and a request carries far fewer bytes than its answer.
    let t = link.traffic();
    let progress = link.a.finished.expect("ends").expect("succeeds");
    let cost = Cost {
        sent: 0,
        received: t.bytes,
        round_trips: t.messages / 2,
        ms,
    };
    (cost, progress.received)
}

/// One v2 reconciliation of `puller` with `holder`; returns the cost and events received.
fn v2_pull(puller: &v2::Store, holder: &v2::Store) -> (Cost, u64) {
    let config = ReconcileConfig::default();
    let mut link = v2::Link::new(
        v2::Peer::new(puller.clone(), config.clone()),
        v2::Peer::new(holder.clone(), config),
        NOW,
    );
    let start = Instant::now();
    link.a.session.start(Scope::default(), NOW);
    link.run();
    let ms = start.elapsed().as_millis();
    let progress = link.a.finished.expect("ends").expect("succeeds");
    let cost = Cost {
        sent: link.a_to_b.bytes,
        received: link.b_to_a.bytes,
        round_trips: link.a_to_b.messages,
        ms,
    };
    (cost, progress.received)
}

fn main() {
    let max_n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().expect("n is a number"));
    let sizes: Vec<usize> = [1_000, 10_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|n| *n <= max_n)
        .collect();
    let start = Instant::now();
    let all = events(*sizes.last().expect("at least one n"));
    eprintln!("signed {} events in {:?}", all.len(), start.elapsed());
    println!(
        "B holds n events, A lacks d of them; each side runs one pull (v1) or one reconciliation (v2)."
    );
    println!("bytes are the sum over both runs and both directions; RTT is A's run + B's run.");
    println!(
        "{:>9} {:>5} | {:>12} {:>8} | {:>10} {:>10} {:>8} | {:>8} | {:>9} {:>9}",
        "n", "d", "v1 bytes", "v1 RTT", "v2 A->B", "v2 B->A", "v2 RTT", "v2/v1", "v1 ms", "v2 ms"
    );
    for &n in &sizes {
        for d in [0, 10, 1_000] {
            let (mut a1, mut b1) = (MemoryStore::default(), MemoryStore::default());
            let (mut a2, mut b2) = (v2::Store::default(), v2::Store::default());
            // Spread the d missing events evenly through the store.
            let step = n.checked_div(d).unwrap_or(usize::MAX);
            for (i, event) in all[..n].iter().enumerate() {
                b1.insert(event.clone());
                b2.insert(event.clone());
                if d == 0 || i % step != 0 || i / step >= d {
                    a1.insert(event.clone());
                    a2.insert(event.clone());
                }
            }
            assert_eq!(b1.len() - a1.len(), d);
            let (v1_a, got) = v1_pull(&a1, &b1);
            assert_eq!(got as usize, d);
            let (v1_b, _) = v1_pull(&b1, &a1);
            drop((a1, b1));
            let (v2_a, got) = v2_pull(&a2, &b2);
            assert_eq!(got as usize, d, "v2 fetches exactly what A lacks");
            let (v2_b, got) = v2_pull(&b2, &a2);
            assert_eq!(got, 0);
            let v1_bytes = v1_a.received + v1_b.received;
            let v2_ab = v2_a.sent + v2_b.received;
            let v2_ba = v2_a.received + v2_b.sent;
            println!(
                "{n:>9} {d:>5} | {v1_bytes:>12} {:>4}+{:<3} | {v2_ab:>10} {v2_ba:>10} {:>4}+{:<3} | {:>7.3}% | {:>9} {:>9}",
                v1_a.round_trips,
                v1_b.round_trips,
                v2_a.round_trips,
                v2_b.round_trips,
                100.0 * (v2_ab + v2_ba) as f64 / v1_bytes as f64,
                v1_a.ms + v1_b.ms,
                v2_a.ms + v2_b.ms,
            );
        }
    }
}
