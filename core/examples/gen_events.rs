//! Writes an event archive (JSON Lines, one event's wire JSON per line) for benchmarks and
//! end-to-end tests: `count` valid posts by `authors` authors, one a second going back in time
//! from now, signed with keys derived from `seed` so the same command makes the same authors.
//! The authors' public keys go to stderr, one per line, so a test can follow them.
//!
//! Run: `cargo run --release -p phemossa-core --example gen_events -- <count> [authors] [seed]
//! [first]` > events.jsonl. `first` numbers the first post (default 0): runs with the same seed
//! and disjoint ranges make disjoint events by the same authors.

use std::io::{BufWriter, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use phemossa_core::{Content, Event, Identity, Post};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("arguments are whole numbers"))
        .collect();
    let count = args.first().copied().unwrap_or(1_000);
    let authors = args.get(1).copied().unwrap_or(1).clamp(1, 255) as u8;
    let seed = args.get(2).copied().unwrap_or(7) as u8;
    let first = args.get(3).copied().unwrap_or(0);
    // Whole minutes, so two runs of the same command a moment apart make the same events.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
        / 60_000
        * 60_000;
    let identities: Vec<Identity> = (0..authors)
        .map(|a| {
            let mut key = [seed; 32];
            key[0] = a;
            Identity::from_seed(key)
        })
        .collect();
    for identity in &identities {
        eprintln!("{}", identity.public_key().to_base64());
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    for n in first..first + count {
        let identity = &identities[(n % u64::from(authors)) as usize];
        let content = Content::Post(Post {
            text: format!("archived post {n}: a benchmark event about as long as a short post"),
            mentions: vec![],
            reply_to: None,
        });
        let event = Event::create(identity, now_ms - 1_000 * (n + 1), content).expect("valid");
        writeln!(out, "{}", event.to_json()).expect("stdout");
    }
    out.flush().expect("stdout");
}
