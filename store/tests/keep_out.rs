//! Keeping people out: counting an author's events of a day (the daily limit), listing an
//! author's events, and removing a blocked person's with what was derived from them.

use crate::common::*;
use phemossa_core::keep_out::day_of;
use phemossa_core::search::words;
use phemossa_core::{Event, EventId};
use phemossa_store::Store;
use proptest::prelude::*;

const DAY: u64 = 24 * 60 * 60 * 1000;
/// 2026-01-01T00:00Z, a day's start.
const D: u64 = 1_767_225_600_000;

#[test]
fn an_authors_day_counts_only_their_events_of_that_utc_day() {
    let (alice, bob) = (identity(1), identity(2));
    let events = vec![
        post(&alice, D - 1, "the day before"),
        post(&alice, D, "midnight"),
        post(&alice, D + 5, "morning"),
        post(&alice, D + DAY - 1, "last ms"),
        post(&alice, D + DAY, "next day"),
        post(&bob, D + 7, "bob's"),
        profile(&alice, D + 9, "Alice"),
    ];
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&events).unwrap();
    let (a, b, c) = (
        alice.public_key(),
        bob.public_key(),
        identity(3).public_key(),
    );
    assert_eq!(
        store
            .counts_by_author_day(&[
                (a, D),
                (a, D + DAY),
                (b, D),
                (c, D),
                (a, D - DAY),
                (a, u64::MAX)
            ])
            .unwrap(),
        [4, 1, 1, 0, 1, 0]
    );
    // A start inside a day counts to that day's end, as the IndexedDB store's range does.
    assert_eq!(store.counts_by_author_day(&[(a, D + 6)]).unwrap(), [2]);
    assert!(store.counts_by_author_day(&[]).unwrap().is_empty());
}

#[test]
fn a_blocked_persons_events_go_with_what_was_derived_from_them() {
    let (alice, bob) = (identity(1), identity(2));
    let old_profile = profile(&alice, 5, "Old Alice");
    let current = profile(&alice, 10, "Alice");
    let hers = post(&alice, 20, "moss from alice");
    let target = post(&alice, 30, "soon gone");
    let withdrawal = delete(&alice, 40, &[target.id]);
    let his = post(&bob, 25, "moss from bob");
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[
            current.clone(),
            old_profile.clone(),
            hers.clone(),
            target.clone(),
            withdrawal.clone(),
            his.clone(),
        ])
        .unwrap();
    store.index_pending(100).unwrap();
    assert_eq!(
        store.search_post_ids(&words("moss"), 20).unwrap(),
        [his.id, hers.id]
    );
    let a = alice.public_key();
    let ids = store.ids_of_author(&a).unwrap();
    assert_eq!(
        ids,
        [current.id, hers.id, withdrawal.id],
        "(timestamp, id) order"
    );
    // Held before: the superseded profile and the withdrawn post.
    assert!(store
        .missing_ids(&[old_profile.id, target.id])
        .unwrap()
        .is_empty());
    let unknown = EventId::from_bytes([9; 32]);
    let mut named = ids.clone();
    named.push(unknown);
    named.push(hers.id);
    assert_eq!(
        store.remove_blocked(&named).unwrap(),
        3,
        "only what was stored"
    );
    assert!(store.ids_of_author(&a).unwrap().is_empty());
    assert_eq!(store.ids_of_author(&bob.public_key()).unwrap(), [his.id]);
    // Search, the totals and what the removed profile and delete held are gone with them; a
    // block is not a pruning.
    assert_eq!(store.search_post_ids(&words("moss"), 20).unwrap(), [his.id]);
    let totals = store.totals().unwrap();
    assert_eq!((totals.events, totals.authors, totals.pruned), (1, 1, 0));
    assert_eq!(
        store
            .missing_ids(&[old_profile.id, target.id, hers.id])
            .unwrap(),
        [old_profile.id, target.id, hers.id],
        "nothing of hers is held: ingest refuses her events, the store would take them"
    );
    assert_eq!(
        store.remove_blocked(&ids).unwrap(),
        0,
        "again: nothing left"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Each (author, day) count is how many stored events of that author lie in that UTC day,
    /// and an author's ids are theirs, in (timestamp, id) order.
    #[test]
    fn counts_and_ids_match_the_stored_events(
        picks in proptest::collection::vec((0u8..3, 0u64..(3 * DAY)), 0..30),
        asked in proptest::collection::vec((0u8..4, 0u64..4), 0..8),
    ) {
        let people: Vec<_> = (1..=4).map(identity).collect();
        let events: Vec<Event> = picks
            .iter()
            .enumerate()
            .map(|(n, (who, at))| post(&people[*who as usize], D + at, &format!("post {n}")))
            .collect();
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&events).unwrap();
        let days: Vec<_> = asked
            .iter()
            .map(|(who, day)| (people[*who as usize].public_key(), D + day * DAY))
            .collect();
        let model: Vec<u64> = days
            .iter()
            .map(|(author, start)| {
                events
                    .iter()
                    .filter(|e| e.author == *author && day_of(e.timestamp).0 == *start)
                    .count() as u64
            })
            .collect();
        prop_assert_eq!(store.counts_by_author_day(&days).unwrap(), model);
        for person in &people {
            let mut theirs: Vec<&Event> =
                events.iter().filter(|e| e.author == person.public_key()).collect();
            theirs.sort_by_key(|e| (e.timestamp, e.id));
            let model: Vec<EventId> = theirs.iter().map(|e| e.id).collect();
            prop_assert_eq!(store.ids_of_author(&person.public_key()).unwrap(), model);
        }
    }
}
