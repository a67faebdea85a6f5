//! Writes a conversation as an event archive (JSON Lines) for the thread and notification
//! benchmarks (tests/bench/thread.bench.mjs): a root post, then `replies` replies by `authors`
//! authors, each answering the root or an earlier reply (a tree about a third of whose replies
//! answer the root), one a second after the root. With a public key after the seed, every reply
//! also mentions that person, so each is a notification for them. Keys derive from `seed`.
//! The authors' public keys go to stderr, one per line.
//!
//! Run: `cargo run --release -p phemossa-core --example gen_thread -- <replies> [authors]
//! [seed] [mentioned key]` > thread.jsonl.

use std::io::{BufWriter, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use phemossa_core::{Content, Event, EventId, Identity, Post, PublicKey};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |at: usize, default: u64| {
        args.get(at)
            .map_or(default, |a| a.parse().expect("a whole number"))
    };
    let replies = number(0, 10);
    let authors = number(1, 8).clamp(1, 255) as u8;
    let seed = number(2, 21) as u8;
    let mentions: Vec<PublicKey> = args
        .get(3)
        .map(|key| PublicKey::from_base64(key, "mentioned key").expect("a public key"))
        .into_iter()
        .collect();
    let start_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
        - 1_000 * (replies + 60);
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
    let post = |identity: &Identity, at: u64, text: String, reply_to: Option<EventId>| {
        let content = Content::Post(Post {
            text,
            mentions: if reply_to.is_some() {
                mentions.clone()
            } else {
                vec![]
            },
            reply_to,
        });
        Event::create(identity, at, content).expect("valid")
    };
    let root = post(
        &identities[0],
        start_ms,
        format!("the root of a {replies}-reply thread"),
        None,
    );
    writeln!(out, "{}", root.to_json()).expect("stdout");
    let mut ids = vec![root.id];
    // A small deterministic generator (xorshift), so the same command makes the same tree.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(seed);
    for n in 1..=replies {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let parent = if state.is_multiple_of(3) {
            ids[0]
        } else {
            ids[(state % ids.len() as u64) as usize]
        };
        let identity = &identities[(n % u64::from(authors)) as usize];
        let reply = post(
            identity,
            start_ms + 1_000 * n,
            format!("reply {n} in the benchmark thread"),
            Some(parent),
        );
        writeln!(out, "{}", reply.to_json()).expect("stdout");
        ids.push(reply.id);
    }
    out.flush().expect("stdout");
}
