//! The store worker's answers, natively over a store in memory: each request does what the
//! store's own call does, and bad messages, keys and events are answered with a typed failure
//! that stores nothing.

#![cfg(not(target_arch = "wasm32"))]

use phemossa_core::event::check_batch::{check_batch, pack_batch};
use phemossa_core::{Content, Event, EventId, Identity, Post};
use phemossa_store::Store;
use phemossa_store_protocol::{decode, encode, Answer, ByteString, Bytes32, FailureKind, Request};
use phemossa_store_worker::serve;
use phemossa_sync::{Cursor, Scope};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000_000;

fn post(author: &Identity, timestamp: u64, text: &str) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: None,
    });
    Event::create(author, timestamp, content).unwrap()
}

/// An insert request as the document makes it: the JSON and the pairs its check found valid.
fn insert(events: &[Event]) -> Request {
    let jsons: Vec<Vec<u8>> = events.iter().map(|e| e.to_json().into_bytes()).collect();
    let pairs = check_batch(&pack_batch(jsons.iter().map(Vec::as_slice)), NOW).unwrap();
    Request::Insert {
        events: jsons.into_iter().map(ByteString).collect(),
        verified: ByteString(pairs),
        now_ms: NOW,
    }
}

fn ask(store: &mut Store, request: &Request) -> Answer {
    decode(&serve(store, &encode(request))).unwrap()
}

fn failure_kind(answer: Answer) -> FailureKind {
    match answer {
        Answer::Failed(failure) => {
            assert!(!failure.message.is_empty());
            failure.kind
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn count(store: &mut Store) -> u64 {
    match ask(store, &Request::EventCount) {
        Answer::Count { events } => events,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_batch_is_stored_listed_found_and_loaded_through_messages() {
    let (ada, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
    let events = vec![
        post(&ada, 10, "one"),
        post(&bob, 20, "two"),
        post(&ada, 30, "three"),
    ];
    let mut store = Store::open_in_memory().unwrap();
    let mut batch = events.clone();
    batch.push(events[0].clone());
    assert_eq!(
        ask(&mut store, &insert(&batch)),
        Answer::Inserted {
            new: vec![true, true, true, false]
        }
    );
    assert_eq!(count(&mut store), 3);

    let scope = Scope {
        authors: Some(vec![ada.public_key()]),
        since: None,
    };
    let Answer::Ids { page, more } = ask(&mut store, &Request::list_ids(&scope, None, 10)) else {
        panic!("not a page");
    };
    assert!(!more);
    let listed: Vec<EventId> = Answer::cursors(&page).iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![events[0].id, events[2].id]);
    // After a cursor, and a page of one that says more follow.
    let after = Cursor {
        timestamp: 10,
        id: events[0].id,
    };
    let Answer::Ids { page, more } = ask(
        &mut store,
        &Request::list_ids(&Scope::default(), Some(after), 1),
    ) else {
        panic!("not a page");
    };
    assert!(more);
    assert_eq!(Answer::cursors(&page)[0].id, events[1].id);

    let unknown = post(&bob, 40, "not here").id;
    assert_eq!(
        ask(&mut store, &Request::missing_ids(&[events[1].id, unknown])),
        Answer::Missing {
            ids: vec![Bytes32::from(unknown)]
        }
    );
    let Answer::Loaded { events: loaded } =
        ask(&mut store, &Request::load_json(&[events[2].id, unknown]))
    else {
        panic!("not loaded");
    };
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].0, Bytes32::from(events[2].id));
    assert_eq!(loaded[0].1 .0, events[2].to_json().into_bytes());
}

#[test]
fn signatures_the_document_did_not_name_are_checked_in_the_worker() {
    let ada = Identity::from_seed([1; 32]);
    let event = post(&ada, 10, "checked here");
    let mut store = Store::open_in_memory().unwrap();
    let request = Request::Insert {
        events: vec![ByteString(event.to_json().into_bytes())],
        verified: ByteString(Vec::new()),
        now_ms: NOW,
    };
    assert_eq!(
        ask(&mut store, &request),
        Answer::Inserted { new: vec![true] }
    );
}

#[test]
fn a_batch_with_an_event_that_does_not_validate_stores_nothing() {
    let ada = Identity::from_seed([1; 32]);
    let good = post(&ada, 10, "good");
    let mut forged = post(&ada, 20, "forged").to_json();
    forged = forged.replace("forged", "FORGED");
    let mut store = Store::open_in_memory().unwrap();
    let request = Request::Insert {
        events: vec![
            ByteString(good.to_json().into_bytes()),
            ByteString(forged.into_bytes()),
        ],
        verified: ByteString(Vec::new()),
        now_ms: NOW,
    };
    assert_eq!(
        failure_kind(ask(&mut store, &request)),
        FailureKind::Refused
    );
    assert_eq!(count(&mut store), 0);
}

#[test]
fn an_event_dated_past_the_documents_clock_is_refused_as_the_document_would() {
    let ada = Identity::from_seed([1; 32]);
    let event = post(&ada, NOW + 24 * 3_600_000, "from the future");
    let mut store = Store::open_in_memory().unwrap();
    let request = Request::Insert {
        events: vec![ByteString(event.to_json().into_bytes())],
        verified: ByteString(Vec::new()),
        now_ms: NOW,
    };
    assert_eq!(
        failure_kind(ask(&mut store, &request)),
        FailureKind::Refused
    );
    assert_eq!(count(&mut store), 0);
}

#[test]
fn bad_messages_and_keys_are_bad_requests() {
    let mut store = Store::open_in_memory().unwrap();
    let garbage: Answer = decode(&serve(&mut store, b"\xff\x00 not cbor")).unwrap();
    assert_eq!(failure_kind(garbage), FailureKind::BadRequest);
    // Pairs that are not whole pairs.
    let request = Request::Insert {
        events: vec![],
        verified: ByteString(vec![0; 95]),
        now_ms: NOW,
    };
    assert_eq!(
        failure_kind(ask(&mut store, &request)),
        FailureKind::BadRequest
    );
    // An author that is not a key (not a point on the curve).
    let not_a_key = Request::ListIds {
        authors: Some(vec![Bytes32([0xff; 32])]),
        since: None,
        after: None,
        limit: 10,
    };
    assert_eq!(
        failure_kind(ask(&mut store, &not_a_key)),
        FailureKind::BadRequest
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Whatever the batches, a listing through messages is the store's own listing.
    #[test]
    fn answers_are_the_stores_own(
        batches in prop::collection::vec(prop::collection::vec((0u8..4, 0u64..50), 0..12), 1..5),
        limit in 1usize..8,
    ) {
        let authors: Vec<Identity> = (1..=4u8).map(|n| Identity::from_seed([n; 32])).collect();
        let mut served = Store::open_in_memory().unwrap();
        let mut direct = Store::open_in_memory().unwrap();
        for (b, batch) in batches.iter().enumerate() {
            let events: Vec<Event> = batch
                .iter()
                .enumerate()
                .map(|(n, (author, timestamp))| post(&authors[*author as usize], *timestamp, &format!("{b}/{n}/{timestamp}")))
                .collect();
            let Answer::Inserted { new } = ask(&mut served, &insert(&events)) else {
                panic!("not inserted");
            };
            prop_assert_eq!(new, direct.insert_batch(&events).unwrap());
        }
        let scope = Scope { authors: Some(authors[..2].iter().map(|a| a.public_key()).collect()), since: Some(10) };
        let mut after = None;
        loop {
            let Answer::Ids { page, more } = ask(&mut served, &Request::list_ids(&scope, after, limit)) else {
                panic!("not a page");
            };
            let (expected, expected_more) = direct.list_ids(&scope, after, limit).unwrap();
            prop_assert_eq!(Answer::cursors(&page), expected.clone());
            prop_assert_eq!(more, expected_more);
            if !more {
                break;
            }
            after = expected.last().copied();
        }
    }
}
