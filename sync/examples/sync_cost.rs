//! Prints what sync v1 (plain id exchange) costs: bytes and round trips to sync two in-memory
//! stores of n events differing in d, for comparison with set reconciliation later.
//!
//! Run: `cargo run --release -p phemossa-sync --example sync_cost`

use phemossa_core::{Content, Event, Identity, Post};
use phemossa_sync::testing::v1::{Link, MemoryStore, Peer};
use phemossa_sync::{Scope, SessionConfig};

const NOW: u64 = 1_767_225_600_000;

/// n valid events by 16 authors, one a second going back in time.
fn events(n: usize) -> Vec<Event> {
    let authors: Vec<Identity> = (1..=16).map(|s| Identity::from_seed([s; 32])).collect();
    (0..n)
        .map(|i| {
            let content = Content::Post(Post {
                text: format!("event number {i}, about this long as a short post"),
                mentions: vec![],
                reply_to: None,
            });
            Event::create(&authors[i % 16], NOW - 1_000 * i as u64, content).expect("valid")
        })
        .collect()
}

/// One pull of `puller` from `holder`: (bytes, messages, round trips, events received).
fn pull(puller: &MemoryStore, holder: &MemoryStore) -> (u64, u64, u64, u64) {
    let config = SessionConfig::default();
    let mut link = Link::new(
        Peer::new(puller.clone(), config.clone()),
        Peer::new(holder.clone(), config),
        NOW,
    );
    link.a.session.start(Scope::default(), None, NOW);
    link.run();
    let t = link.traffic();
    let progress = link
        .a
        .finished
        .expect("the pull ends")
        .expect("the pull succeeds");
    (t.bytes, t.messages, t.messages / 2, progress.received)
}

fn main() {
    let all = events(100_000);
    println!("sync v1 (plain id exchange), one pull each way; B holds n events, A lacks d of them");
    println!(
        "{:>7} {:>5} | {:>12} {:>5} {:>4} | {:>12} {:>5} {:>4} | {:>12} {:>9}",
        "n",
        "d",
        "A<-B bytes",
        "msgs",
        "RTT",
        "B<-A bytes",
        "msgs",
        "RTT",
        "total bytes",
        "bytes/evt"
    );
    for n in [1_000usize, 10_000, 100_000] {
        for d in [0, 10, 1_000] {
            let mut a = MemoryStore::default();
            let mut b = MemoryStore::default();
            // Spread the d missing events evenly through the store.
            let step = n.checked_div(d).unwrap_or(usize::MAX);
            for (i, event) in all[..n].iter().enumerate() {
                b.insert(event.clone());
                if d == 0 || i % step != 0 || i / step >= d {
                    a.insert(event.clone());
                }
            }
            assert_eq!(b.len() - a.len(), d);
            let (ab, am, ar, received) = pull(&a, &b);
            assert_eq!(received as usize, d);
            let (bb, bm, br, _) = pull(&b, &a);
            println!(
                "{n:>7} {d:>5} | {ab:>12} {am:>5} {ar:>4} | {bb:>12} {bm:>5} {br:>4} | {:>12} {:>9.1}",
                ab + bb,
                (ab + bb) as f64 / n as f64
            );
        }
    }
}
