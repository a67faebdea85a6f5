//! The sync's questions against the reference store (`phemossa_sync::testing::v1::MemoryStore`,
//! which the sync crate's own sessions run against): every scope, cursor and page size lists
//! the same ids in the same pages.

use crate::common::*;
use phemossa_core::{Event, PublicKey};
use phemossa_store::Store;
use phemossa_sync::testing::v1::MemoryStore;
use phemossa_sync::{Cursor, Scope};
use proptest::prelude::*;

/// Every page of `scope` at `limit` ids a page, as a responder pages through it.
fn pages(list: impl Fn(Option<Cursor>) -> (Vec<Cursor>, bool), limit: usize) -> Vec<Vec<Cursor>> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let (page, more) = list(after);
        assert!(page.len() <= limit, "a page holds at most the limit");
        assert!(
            !more || !page.is_empty(),
            "a page is never empty while more follow"
        );
        after = page.last().copied().or(after);
        out.push(page);
        if !more {
            return out;
        }
        assert!(out.len() < 1000, "paging must end");
    }
}

/// Posts by `authors` identities at timestamps drawn from a small range, so ties on timestamp
/// within and across authors are common and the id tie-break is exercised.
fn events(spec: &[(u8, u64)]) -> Vec<Event> {
    spec.iter()
        .enumerate()
        .map(|(n, (author, timestamp))| post(&identity(*author), *timestamp, &format!("post {n}")))
        .collect()
}

fn scope(authors: Option<Vec<u8>>, since: Option<u64>) -> Scope {
    Scope {
        authors: authors.map(|seeds| {
            seeds
                .into_iter()
                .map(|seed| identity(seed).public_key())
                .collect::<Vec<PublicKey>>()
        }),
        since,
    }
}

/// Every id of `scope`, paged at `limit` by a store that got `events` in batches of `batch`.
/// Pages may split differently from the reference store's (ours stops where an author's share
/// ends); the ids listed, in order, must be the same.
fn listed(events: &[Event], batch: usize, scope: &Scope, limit: usize) -> Vec<Cursor> {
    let mut store = Store::open_in_memory().unwrap();
    for chunk in events.chunks(batch) {
        store.insert_batch(chunk).unwrap();
    }
    pages(|after| store.list_ids(scope, after, limit).unwrap(), limit)
        .into_iter()
        .flatten()
        .collect()
}

/// The same, from the reference store.
fn reference_listed(events: &[Event], scope: &Scope, limit: usize) -> Vec<Cursor> {
    let mut reference = MemoryStore::default();
    for event in events {
        reference.insert(event.clone());
    }
    pages(|after| reference.list(scope, after, limit), limit)
        .into_iter()
        .flatten()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn pages_equal_the_reference_stores_for_every_scope_cursor_and_limit(
        spec in prop::collection::vec((1u8..=4, 0u64..12), 0..40),
        batch in 1usize..8,
        authors in prop::option::of(prop::collection::vec(1u8..=5, 0..4)),
        since in prop::option::of(0u64..12),
        limit in 1usize..9,
    ) {
        let scope = scope(authors, since);
        let events = events(&spec);
        prop_assert_eq!(listed(&events, batch, &scope, limit), reference_listed(&events, &scope, limit));
    }

    /// Pages larger than an author's share (at least `MIN_PER_AUTHOR`, 64, of a page), so a
    /// page stops where the first author with more does and the merge is exercised.
    #[test]
    fn pages_larger_than_an_authors_share_list_the_reference_stores_ids(
        spec in prop::collection::vec((1u8..=3, 0u64..40), 150..400),
        limit in 65usize..300,
        since in prop::option::of(0u64..40),
    ) {
        let scope = scope(Some(vec![1, 2, 3]), since);
        let events = events(&spec);
        prop_assert_eq!(listed(&events, 512, &scope, limit), reference_listed(&events, &scope, limit));
    }

    #[test]
    fn missing_and_loaded_ids_are_exactly_the_unstored_and_the_stored(
        stored in prop::collection::vec((1u8..=3, 0u64..20), 0..20),
        absent in prop::collection::vec((4u8..=5, 0u64..20), 0..10),
    ) {
        let stored = events(&stored);
        let absent = events(&absent);
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&stored).unwrap();
        let asked: Vec<_> = stored.iter().chain(&absent).map(|e| e.id).collect();
        let absent_ids: Vec<_> = absent.iter().map(|e| e.id).collect();
        prop_assert_eq!(store.missing_ids(&asked).unwrap(), absent_ids);
        let loaded = store.load_json(&asked).unwrap();
        let expected: Vec<_> = stored.iter().map(|e| (e.id, e.to_json().into_bytes())).collect();
        prop_assert_eq!(loaded, expected);
    }
}

#[test]
fn a_scope_or_cursor_past_the_largest_timestamp_lists_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let alice = identity(1);
    store.insert_batch(&[post(&alice, 5, "hello")]).unwrap();
    let far = Scope {
        authors: None,
        since: Some(u64::MAX),
    };
    assert_eq!(store.list_ids(&far, None, 10).unwrap(), (vec![], false));
    let cursor = Cursor {
        timestamp: u64::MAX,
        id: post(&alice, 6, "x").id,
    };
    assert_eq!(
        store.list_ids(&Scope::default(), Some(cursor), 10).unwrap(),
        (vec![], false)
    );
}

#[test]
fn an_author_named_twice_is_listed_once() {
    let mut store = Store::open_in_memory().unwrap();
    let alice = identity(1);
    let events = [post(&alice, 1, "a"), post(&alice, 2, "b")];
    store.insert_batch(&events).unwrap();
    let key = alice.public_key();
    let twice = Scope {
        authors: Some(vec![key, key]),
        since: None,
    };
    let (page, more) = store.list_ids(&twice, None, 10).unwrap();
    assert!(!more);
    assert_eq!(
        page.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![events[0].id, events[1].id]
    );
}
