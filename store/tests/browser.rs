//! The store in a dedicated worker of headless Chromium, over SQLite in the origin private file
//! system, as the design record's store worker would run it (docs/design/storage-engine.md):
//! what a sync stores and asks, and that it is all there after the store is opened again. It
//! prints what storing cost per event; it asserts only what was stored (no timing is asserted).

#![cfg(target_arch = "wasm32")]

use phemossa_core::{Content, Event, Identity, Post};
use phemossa_store::Store;
use phemossa_sync::Scope;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Events stored: 100 authors' posts, as a first sync's come, in batches of the node's 512.
/// 5,000 unless the build sets `PHEMOSSA_STORE_TEST_EVENTS` (docs/benchmarks.md ran 100,000).
fn event_count() -> usize {
    option_env!("PHEMOSSA_STORE_TEST_EVENTS")
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}
const BATCH: usize = 512;

fn events() -> Vec<Event> {
    let authors: Vec<Identity> = (0..100u8).map(|n| Identity::from_seed([n; 32])).collect();
    (0..event_count())
        .map(|n| {
            let content = Content::Post(Post {
                text: format!("post {n} of a first sync, long enough to be a real post's size"),
                mentions: vec![],
                reply_to: None,
            });
            let timestamp = 1_700_000_000_000 + (n as u64 * 7_919) % 10_000_000;
            Event::create(&authors[n % authors.len()], timestamp, content).unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_first_syncs_events_are_stored_listed_and_kept_in_opfs() {
    let name = format!("browser-test-{}.sqlite", js_sys::Math::random());
    let events = events();
    let count = events.len();
    let scope = Scope {
        authors: Some(events.iter().take(100).map(|e| e.author).collect()),
        since: None,
    };
    {
        let mut store = Store::open_in_opfs(&name).await.unwrap();
        let started = js_sys::Date::now();
        for batch in events.chunks(BATCH) {
            let new = store.insert_batch(batch).unwrap();
            assert!(new.iter().all(|new| *new), "every event is new");
        }
        let stored_ms = js_sys::Date::now() - started;
        let started = js_sys::Date::now();
        let (mut listed, mut after) = (Vec::new(), None);
        loop {
            let (page, more) = store.list_ids(&scope, after, 10_000).unwrap();
            after = page.last().copied();
            listed.extend(page);
            if !more {
                break;
            }
        }
        let listed_ms = js_sys::Date::now() - started;
        let mut expected: Vec<_> = events.iter().map(|e| (e.timestamp, e.id)).collect();
        expected.sort();
        let listed: Vec<_> = listed.iter().map(|c| (c.timestamp, c.id)).collect();
        assert_eq!(
            listed, expected,
            "the scope lists every event in (timestamp, id) order"
        );
        console_log!(
            "{count} events stored in OPFS in {stored_ms} ms ({:.0} µs an event, \
             {BATCH} a transaction); listed by author in {listed_ms} ms",
            stored_ms * 1000.0 / count as f64
        );
    }
    // Opened again: everything is there, and a sync asking for it finds nothing missing.
    let store = Store::open_in_opfs(&name).await.unwrap();
    assert_eq!(store.event_count().unwrap(), count as u64);
    let ids: Vec<_> = events.iter().map(|e| e.id).collect();
    assert!(store.missing_ids(&ids).unwrap().is_empty());
    let loaded = store.load_json(&ids[..3]).unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(loaded[0].1, events[0].to_json().into_bytes());
}
