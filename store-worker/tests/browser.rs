//! The worker's exports in a dedicated worker of headless Chromium, over SQLite in the origin
//! private file system, as the worker's script is to drive them: requests before the store is
//! open are answered `Unavailable`; once open, a first sync's batches are stored through
//! messages, listed and loaded. It prints what a batch cost through the messages (encoding,
//! validation without the signatures, the insert and the answer); no timing is asserted.

#![cfg(target_arch = "wasm32")]

use phemossa_core::event::check_batch::{check_batch, pack_batch};
use phemossa_core::{Content, Event, Identity, Post};
use phemossa_store_protocol::{decode, encode, Answer, ByteString, FailureKind, Request};
use phemossa_store_worker::{handle, open, Opened};
use phemossa_sync::Scope;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// 5,000 unless the build sets `PHEMOSSA_STORE_TEST_EVENTS` (docs/benchmarks.md ran more).
fn event_count() -> usize {
    option_env!("PHEMOSSA_STORE_TEST_EVENTS")
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}
const BATCH: usize = 512;
const NOW: u64 = 1_800_000_000_000;

fn ask(request: &Request) -> Answer {
    decode(&handle(&encode(request))).unwrap()
}

#[wasm_bindgen_test]
async fn a_first_syncs_batches_are_stored_through_messages() {
    // Before the store is open, every request is answered with why not.
    match ask(&Request::EventCount) {
        Answer::Failed(failure) => assert_eq!(failure.kind, FailureKind::Unavailable),
        other => panic!("answered before the store was open: {other:?}"),
    }
    let name = format!("worker-test-{}.sqlite", js_sys::Math::random());
    assert!(matches!(open(name.clone()).await, Opened::Open));
    // Opening again is harmless: the open store is kept.
    assert!(matches!(open(name).await, Opened::Open));

    let authors: Vec<Identity> = (0..100u8).map(|n| Identity::from_seed([n; 32])).collect();
    let events: Vec<Event> = (0..event_count())
        .map(|n| {
            let content = Content::Post(Post {
                text: format!("post {n} of a first sync, long enough to be a real post's size"),
                mentions: vec![],
                reply_to: None,
            });
            let timestamp = 1_700_000_000_000 + (n as u64 * 7_919) % 10_000_000;
            Event::create(&authors[n % authors.len()], timestamp, content).unwrap()
        })
        .collect();
    // The requests as the document would send them, with the pairs its checks found valid:
    // made before the clock starts, as the document makes them on its own thread.
    let requests: Vec<Vec<u8>> = events
        .chunks(BATCH)
        .map(|batch| {
            let jsons: Vec<Vec<u8>> = batch.iter().map(|e| e.to_json().into_bytes()).collect();
            let pairs = check_batch(&pack_batch(jsons.iter().map(Vec::as_slice)), NOW).unwrap();
            encode(&Request::Insert {
                events: jsons.into_iter().map(ByteString).collect(),
                verified: ByteString(pairs),
                now_ms: NOW,
            })
        })
        .collect();
    let started = js_sys::Date::now();
    for (request, batch) in requests.iter().zip(events.chunks(BATCH)) {
        match decode::<Answer>(&handle(request)).unwrap() {
            Answer::Inserted { new } => {
                assert_eq!(new.len(), batch.len());
                assert!(new.iter().all(|new| *new), "every event is new");
            }
            other => panic!("a batch was not stored: {other:?}"),
        }
    }
    let stored_ms = js_sys::Date::now() - started;
    console_log!(
        "{} events stored through the worker's messages in {stored_ms} ms ({:.0} µs an event, \
         {BATCH} a message)",
        events.len(),
        stored_ms * 1000.0 / events.len() as f64
    );

    assert_eq!(
        ask(&Request::EventCount),
        Answer::Count {
            events: events.len() as u64
        }
    );
    let scope = Scope {
        authors: Some(vec![authors[3].public_key()]),
        since: None,
    };
    let Answer::Ids { page, more } = ask(&Request::list_ids(&scope, None, 10_000)) else {
        panic!("not a page");
    };
    assert!(!more);
    let mut expected: Vec<_> = events
        .iter()
        .filter(|e| e.author == authors[3].public_key())
        .map(|e| (e.timestamp, e.id))
        .collect();
    expected.sort();
    let listed: Vec<_> = Answer::cursors(&page)
        .iter()
        .map(|c| (c.timestamp, c.id))
        .collect();
    assert_eq!(listed, expected);
    let Answer::Loaded { events: loaded } = ask(&Request::load_json(&[events[7].id])) else {
        panic!("not loaded");
    };
    assert_eq!(loaded[0].1 .0, events[7].to_json().into_bytes());
}
