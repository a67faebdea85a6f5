//! Browser tests of the IndexedDB layer: the identity store and the event storage.

use std::collections::HashSet;

use crate::common::*;
use phemossa_background::{IdentityStore, Storage};
use phemossa_core::feed::{feed_authors, page_in_memory};
use phemossa_core::{Event, FeedCursor, FollowGraph, FollowRecord};
use wasm_bindgen_test::*;

/// Every object store of the schema, as the browser lists them (sorted).
const STORE_NAMES: [&str; 12] = [
    "author_totals",
    "blobs",
    "deleted",
    "events",
    "follows",
    "meta",
    "nicknames",
    "notifications",
    "peers",
    "profiles",
    "superseded",
    "terms_pending",
];

#[wasm_bindgen_test]
async fn identity_is_created_once_and_persists_across_reopen() {
    let name = unique_name("identity");
    let store = IdentityStore::open(&name).await.unwrap();
    let first = store.load_or_create().await.unwrap().public_key();
    store.close();

    let store = IdentityStore::open(&name).await.unwrap();
    assert_eq!(store.load_or_create().await.unwrap().public_key(), first);

    let replacement = identity(9);
    store.replace(&replacement).await.unwrap();
    store.close();
    let store = IdentityStore::open(&name).await.unwrap();
    assert_eq!(
        store.load_or_create().await.unwrap().public_key(),
        replacement.public_key()
    );
    store.close();
    delete_database(&name).await;

    // A fresh database draws a fresh random key.
    let other = unique_name("identity");
    let store = IdentityStore::open(&other).await.unwrap();
    let second = store.load_or_create().await.unwrap().public_key();
    assert_ne!(second, first);
    store.close();
    delete_database(&other).await;
}

#[wasm_bindgen_test]
async fn schema_has_every_store_and_data_survives_close_and_reopen() {
    let name = unique_name("reopen");
    let storage = Storage::open(&name).await.unwrap();
    assert_eq!(storage.store_names(), STORE_NAMES);
    let alice = identity(1);
    let event = post(&alice, T0, "kept across reopen");
    assert!(storage.insert(&event).await.unwrap());
    let stats = storage.stats().await.unwrap();
    storage.close();

    for _ in 0..2 {
        let storage = Storage::open(&name).await.unwrap();
        assert_eq!(storage.store_names(), STORE_NAMES);
        assert_eq!(
            storage.event_json(&event.id).await.unwrap(),
            Some(event.to_json())
        );
        assert_eq!(storage.stats().await.unwrap(), stats);
        storage.close();
    }
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn a_stored_event_reads_back_as_the_same_event() {
    let name = unique_name("roundtrip");
    let storage = Storage::open(&name).await.unwrap();
    let event = post(&identity(1), T0, "Hello, Phemossa! ✓");
    assert_eq!(storage.event_json(&event.id).await.unwrap(), None);
    assert!(storage.insert(&event).await.unwrap());
    let json = storage
        .event_json(&event.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(json, event.to_json());
    let now = js_sys::Date::now() as u64;
    assert_eq!(Event::from_json(json.as_bytes(), now).unwrap(), event);
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn inserting_the_same_event_twice_changes_nothing() {
    let name = unique_name("duplicate");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    let event = follow(&alice, T0, identity(2).public_key(), true);
    assert!(storage.insert(&event).await.unwrap());
    let stats = storage.stats().await.unwrap();
    assert!(!storage.insert(&event).await.unwrap(), "second insert");
    assert_eq!(storage.count_events().await.unwrap(), 1);
    assert_eq!(storage.stats().await.unwrap(), stats);
    assert_eq!(
        storage
            .follow_records(&alice.public_key())
            .await
            .unwrap()
            .len(),
        1
    );
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn stats_count_events_posts_authors_and_bytes() {
    let name = unique_name("stats");
    let storage = Storage::open(&name).await.unwrap();
    let (alice, bob) = (identity(1), identity(2));
    let events = [
        post(&alice, T0, "one"),
        post(&alice, T0 + 1, "two"),
        follow(&alice, T0 + 2, bob.public_key(), true),
        post(&bob, T0 + 3, "three"),
    ];
    for event in &events {
        assert!(storage.insert(event).await.unwrap());
    }
    let stats = storage.stats().await.unwrap();
    assert_eq!(stats.events, 4);
    assert_eq!(stats.posts, 3);
    assert_eq!(stats.authors, 2);
    let bytes: usize = events.iter().map(|e| e.to_json().len()).sum();
    assert_eq!(stats.bytes, bytes as u64);
    assert_eq!(storage.count_events().await.unwrap(), 4);
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn a_batch_stores_each_new_event_once_in_one_transaction() {
    let name = unique_name("batch");
    let storage = Storage::open(&name).await.unwrap();
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let earlier = post(&alice, T0, "stored before");
    assert!(storage.insert(&earlier).await.unwrap());
    let fresh = post(&bob, T0 + 1, "new author");
    let follow_event = follow(&carol, T0 + 2, bob.public_key(), true);
    let batch = [
        earlier.clone(),
        fresh.clone(),
        follow_event.clone(),
        fresh.clone(),
        post(&bob, T0 + 3, "same author again"),
    ];
    let stored = storage.insert_all(&batch).await.unwrap();
    assert_eq!(stored, [false, true, true, false, true]);
    let stats = storage.stats().await.unwrap();
    assert_eq!(stats.events, 4, "one earlier plus three new");
    assert_eq!(stats.posts, 3);
    assert_eq!(
        stats.authors, 3,
        "bob counted once though he is new twice in the batch"
    );
    assert_eq!(storage.count_events().await.unwrap(), 4);
    let records = storage.follow_records(&carol.public_key()).await.unwrap();
    assert_eq!(records, [FollowRecord::from_event(&follow_event).unwrap()]);
    assert!(storage.insert_all(&[]).await.unwrap().is_empty());
    storage.close();
    delete_database(&name).await;
}

/// Batches are written without looking their ids up while none held a stored one
/// (`storage/write.rs`): an id stored after all aborts that try, and the batch is written again
/// looking each up, as are the next until one holds nothing stored. Whatever the order, every
/// flag and total comes out as with lookups throughout.
#[wasm_bindgen_test]
async fn batches_written_without_lookups_fall_back_when_an_id_was_stored() {
    let name = unique_name("assume-new");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    let posts: Vec<Event> = (0..8)
        .map(|n| post(&alice, T0 + n, &format!("post {n}")))
        .collect();
    let insert = |range: std::ops::Range<usize>| storage.insert_all(&posts[range]);
    assert_eq!(insert(0..2).await.unwrap(), [true, true], "new");
    assert_eq!(
        insert(1..4).await.unwrap(),
        [false, true, true],
        "one stored"
    );
    assert_eq!(insert(0..4).await.unwrap(), [false; 4], "all stored");
    assert_eq!(insert(4..6).await.unwrap(), [true, true], "new again");
    assert_eq!(insert(6..8).await.unwrap(), [true, true], "and again");
    assert_eq!(insert(5..7).await.unwrap(), [false, false], "stored again");
    let stats = storage.stats().await.unwrap();
    assert_eq!((stats.events, stats.posts, stats.authors), (8, 8, 1));
    assert_eq!(storage.count_events().await.unwrap(), 8);
    assert_author_totals_exact(&storage).await;

    // A stored current profile among new events stays the current profile, counted once.
    let own = profile(&alice, T0 + 20, "Alice");
    assert!(storage.insert(&own).await.unwrap());
    let next = post(&alice, T0 + 21, "after the profile");
    let stored = storage.insert_all(&[own.clone(), next]).await.unwrap();
    assert_eq!(stored, [false, true]);
    let current = storage.profiles_of(&[alice.public_key()]).await.unwrap();
    assert_eq!(current[0].id, own.id);
    assert_eq!(storage.stats().await.unwrap().events, 10);
    assert_author_totals_exact(&storage).await;
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn follow_records_are_stored_with_their_event_and_read_by_follower() {
    let name = unique_name("follows");
    let storage = Storage::open(&name).await.unwrap();
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let events = [
        follow(&alice, T0, bob.public_key(), true),
        follow(&alice, T0 + 5, bob.public_key(), false),
        follow(&carol, T0, bob.public_key(), true),
    ];
    for event in &events {
        storage.insert(event).await.unwrap();
    }
    let mut records = storage.follow_records(&alice.public_key()).await.unwrap();
    records.sort_by_key(|r| r.timestamp);
    let expected: Vec<FollowRecord> = events[..2]
        .iter()
        .map(|e| FollowRecord::from_event(e).unwrap())
        .collect();
    assert_eq!(records, expected);
    let graph = FollowGraph::from_records(records);
    assert!(graph.following(&alice.public_key()).is_empty());
    storage.close();
    delete_database(&name).await;
}

/// Posts by four authors with many equal timestamps (within and across authors); `me` follows
/// `friend`, followed and then unfollowed `former`, and never followed `stranger`.
fn feed_fixture() -> (phemossa_core::Identity, Vec<Event>) {
    let (me, friend, former, stranger) = (identity(1), identity(2), identity(3), identity(4));
    let mut events = Vec::new();
    for (author, count) in [(&me, 7u64), (&friend, 11), (&former, 5), (&stranger, 6)] {
        for i in 0..count {
            events.push(post(author, T0 + i / 3, &format!("post {i}")));
        }
    }
    events.push(follow(&me, T0, friend.public_key(), true));
    events.push(follow(&me, T0, former.public_key(), true));
    events.push(follow(&me, T0 + 1, former.public_key(), false));
    // Store in an order unlike feed order.
    events.reverse();
    events.rotate_left(5);
    (me, events)
}

#[wasm_bindgen_test]
async fn feed_pages_through_the_index_equal_the_in_memory_reference() {
    let name = unique_name("feed");
    let storage = Storage::open(&name).await.unwrap();
    let (me, events) = feed_fixture();
    for event in &events {
        storage.insert(event).await.unwrap();
    }
    let me = me.public_key();
    let graph = FollowGraph::from_records(events.iter().filter_map(FollowRecord::from_event));
    let authors = feed_authors(&me, &graph);
    assert_eq!(authors.len(), 2, "friend and me");

    for limit in [1usize, 4, 5, 100] {
        let mut cursor: Option<FeedCursor> = None;
        let mut seen = Vec::new();
        loop {
            let page = storage
                .feed_page(&authors, cursor, limit, &|| true)
                .await
                .unwrap();
            let expected = page_in_memory(&events, &me, &graph, cursor, limit);
            let ids: Vec<_> = page.items.iter().map(|p| p.id).collect();
            let expected_ids: Vec<_> = expected.items.iter().map(|e| e.id).collect();
            assert_eq!(ids, expected_ids, "limit {limit}, after {cursor:?}");
            assert_eq!(page.next, expected.next, "limit {limit}, after {cursor:?}");
            seen.extend(ids);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(
            seen.len(),
            7 + 11,
            "limit {limit}: every post of me and friend once"
        );
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    }
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn an_open_store_gives_way_to_a_newer_version_and_then_fails_in_words() {
    let name = unique_name("versionchange");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    assert!(storage
        .insert(&post(&alice, T0, "before the upgrade"))
        .await
        .unwrap());

    // A newer version opened elsewhere is not blocked: the open connection closes itself.
    let newer = idb::Factory::new()
        .unwrap()
        .open(&name, Some(phemossa_background::storage::VERSION + 1))
        .unwrap()
        .await
        .expect("the newer version opens");
    assert_eq!(
        newer.version().unwrap(),
        phemossa_background::storage::VERSION + 1
    );

    // The old connection refuses in words; it neither hangs nor panics.
    let refused = storage.insert(&post(&alice, T0 + 1, "after")).await;
    assert!(refused.is_err(), "{refused:?}");
    newer.close();
    delete_database(&name).await;
}
