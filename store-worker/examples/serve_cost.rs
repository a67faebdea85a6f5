//! What the store worker adds to storing a batch, natively: validating each event again with
//! the document's signature pairs (`Event::from_json_remembering`), against a full validation
//! and against the store's insert alone, then whole insert messages through `serve`, and what
//! the document pays to encode the requests and decode the answers. Prints µs an event for
//! each, measured in one run so they compare as ratios (docs/benchmarks.md, "The store with
//! every query, and the store worker's messages").
//!
//! cargo run --release -p phemossa-store-worker --example serve_cost [events]

use std::time::Instant;

use phemossa_core::event::check_batch::{check_batch, pack_batch, remember_pairs, PAIR_BYTES};
use phemossa_core::event::VerifiedIds;
use phemossa_core::{Content, Event, Identity, Post};
use phemossa_store::Store;
use phemossa_store_protocol::{decode, encode, Answer, ByteString, Request};
use phemossa_store_worker::serve;

const NOW: u64 = 1_800_000_000_000;
const BATCH: usize = 512;

fn per_event(started: Instant, events: usize) -> f64 {
    started.elapsed().as_secs_f64() * 1e6 / events as f64
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(30_000);
    let authors: Vec<Identity> = (0..100u8).map(|n| Identity::from_seed([n; 32])).collect();
    let events: Vec<Event> = (0..count)
        .map(|n| {
            let content = Content::Post(Post {
                text: format!("post {n} of a first sync, long enough to be a real post's size"),
                mentions: vec![],
                reply_to: None,
            });
            let timestamp = 1_700_000_000_000 + (n as u64 * 7_919) % 10_000_000;
            Event::create(&authors[n % authors.len()], timestamp, content).expect("a valid post")
        })
        .collect();
    let jsons: Vec<Vec<u8>> = events.iter().map(|e| e.to_json().into_bytes()).collect();
    // The pairs the document's checks (its own or its pool's) found valid, batch by batch.
    let pairs: Vec<Vec<u8>> = jsons
        .chunks(BATCH)
        .map(|batch| {
            check_batch(&pack_batch(batch.iter().map(Vec::as_slice)), NOW).expect("checks")
        })
        .collect();
    let memory = VerifiedIds::with_capacity(count);
    for batch in &pairs {
        remember_pairs(batch, &memory).expect("whole pairs");
    }
    assert_eq!(
        pairs.iter().map(Vec::len).sum::<usize>(),
        count * PAIR_BYTES
    );

    let sample = count.min(2_000);
    let started = Instant::now();
    for json in &jsons[..sample] {
        Event::from_json(json, NOW).expect("valid");
    }
    let full = per_event(started, sample);

    let started = Instant::now();
    for json in &jsons {
        Event::from_json_remembering(json, NOW, &memory).expect("valid");
    }
    let remembered = per_event(started, count);

    let mut store = Store::open_in_memory().expect("a store");
    let started = Instant::now();
    for batch in events.chunks(BATCH) {
        store.insert_batch(batch).expect("stored");
    }
    let inserted = per_event(started, count);

    // The document's side of a message: the request encoded from each event's JSON and the
    // batch's pairs (the copy into the message included), timed as the document would pay it.
    let started = Instant::now();
    let requests: Vec<Vec<u8>> = jsons
        .chunks(BATCH)
        .zip(&pairs)
        .map(|(batch, pairs)| {
            encode(&Request::Insert {
                events: batch.iter().cloned().map(ByteString).collect(),
                verified: ByteString(pairs.clone()),
                now_ms: NOW,
            })
        })
        .collect();
    let encoded = per_event(started, count);
    let mut store = Store::open_in_memory().expect("a store");
    let started = Instant::now();
    let mut answers = Vec::with_capacity(requests.len());
    for request in &requests {
        answers.push(serve(&mut store, request));
    }
    let served = per_event(started, count);
    // And the answers read back, as the document reads which events were new.
    let started = Instant::now();
    let mut new = 0;
    for answer in &answers {
        if let Ok(Answer::Inserted { new: flags }) = decode::<Answer>(answer) {
            new += flags.iter().filter(|new| **new).count();
        }
    }
    let answered = per_event(started, count);
    assert_eq!(new, count, "every event was new");
    assert_eq!(store.event_count().expect("a count"), count as u64);

    println!("{count} posts of 100 authors, {BATCH} a batch, a store in memory:");
    println!("  full validation (signature included)   {full:7.1} µs an event ({sample} events)");
    println!("  validation with the document's pairs   {remembered:7.1} µs an event");
    println!("  Store::insert_batch alone              {inserted:7.1} µs an event");
    println!("  serve(Insert) messages                 {served:7.1} µs an event");
    println!("  the document: encoding the requests    {encoded:7.1} µs an event");
    println!("  the document: decoding the answers     {answered:7.2} µs an event");
    println!(
        "  serve / insert alone: {:.2}; revalidation / full validation: {:.3}",
        served / inserted,
        remembered / full
    );
}
