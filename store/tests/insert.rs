//! Storing events: what is new, and what profiles (protocol.md §5.1) and deletes (§5.2) do to
//! the stored set, seen through the store's own questions (`missing_ids`, `load_json`,
//! `list_ids`), as a peer's sync would see it.

use crate::common::*;
use phemossa_core::Event;
use phemossa_store::{Store, StoreError, VERSION};
use phemossa_sync::Scope;

fn ids(store: &Store) -> Vec<phemossa_core::EventId> {
    let (page, more) = store.list_ids(&Scope::default(), None, 1000).unwrap();
    assert!(!more);
    page.into_iter().map(|cursor| cursor.id).collect()
}

fn is_stored(store: &Store, event: &Event) -> bool {
    !store.load_json(&[event.id]).unwrap().is_empty()
}

#[test]
fn a_batch_says_which_events_were_new_and_stores_a_repeated_id_once() {
    let alice = identity(1);
    let (one, two) = (post(&alice, 10, "one"), post(&alice, 20, "two"));
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(
        store
            .insert_batch(&[one.clone(), one.clone(), two.clone()])
            .unwrap(),
        vec![true, false, true]
    );
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&two)).unwrap(),
        vec![false]
    );
    assert_eq!(store.event_count().unwrap(), 2);
    assert_eq!(ids(&store), vec![one.id, two.id]);
    // What is stored is the event's wire JSON, which reads back as the same event.
    let loaded = store.load_json(&[two.id, one.id]).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].0, two.id);
    assert_eq!(
        String::from_utf8(loaded[0].1.clone()).unwrap(),
        two.to_json()
    );
    assert!(store.insert_batch(&[]).unwrap().is_empty());
}

#[test]
fn a_newer_profile_replaces_the_current_one_and_an_older_one_is_only_remembered() {
    let alice = identity(1);
    let first = profile(&alice, 100, "Alice");
    let second = profile(&alice, 200, "Alice B.");
    let stale = profile(&alice, 150, "Old Alice");
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&first)).unwrap(),
        vec![true]
    );
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&second)).unwrap(),
        vec![true]
    );
    assert!(!is_stored(&store, &first), "the replaced profile is gone");
    assert!(is_stored(&store, &second));
    // Older than the current one: valid, not new, never stored.
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&stale)).unwrap(),
        vec![false]
    );
    assert!(!is_stored(&store, &stale));
    assert_eq!(store.event_count().unwrap(), 1);
    // Both are held: a peer still listing them never gets them fetched again.
    let unknown = post(&alice, 1, "never seen");
    assert_eq!(
        store
            .missing_ids(&[first.id, stale.id, second.id, unknown.id])
            .unwrap(),
        vec![unknown.id]
    );
}

#[test]
fn profiles_within_one_batch_keep_only_the_newest() {
    let alice = identity(1);
    let (old, new) = (profile(&alice, 100, "Old"), profile(&alice, 200, "New"));
    let mut store = Store::open_in_memory().unwrap();
    // Newest first: the older one meets a current profile it does not supersede.
    assert_eq!(
        store.insert_batch(&[new.clone(), old.clone()]).unwrap(),
        vec![true, false]
    );
    assert_eq!(ids(&store), vec![new.id]);
    let mut other = Store::open_in_memory().unwrap();
    // Oldest first: the newer one replaces it within the batch.
    assert_eq!(
        other.insert_batch(&[old.clone(), new.clone()]).unwrap(),
        vec![true, true]
    );
    assert_eq!(ids(&other), vec![new.id]);
    assert!(other.missing_ids(&[old.id]).unwrap().is_empty());
}

#[test]
fn a_delete_removes_its_authors_stored_target_and_keeps_it_from_coming_back() {
    let alice = identity(1);
    let target = post(&alice, 10, "regretted");
    let gone = delete(&alice, 20, &[target.id]);
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&target)).unwrap();
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&gone)).unwrap(),
        vec![true]
    );
    assert!(!is_stored(&store, &target));
    assert!(
        is_stored(&store, &gone),
        "the delete itself is an event, stored and synced"
    );
    // Withdrawn: held, so never fetched again, and not stored if it comes anyway.
    assert!(store.missing_ids(&[target.id]).unwrap().is_empty());
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![false]
    );
    assert!(!is_stored(&store, &target));
}

#[test]
fn a_target_that_comes_after_its_delete_is_not_stored_and_confirms_the_tombstone() {
    let alice = identity(1);
    let target = post(&alice, 10, "regretted");
    let gone = delete(&alice, 20, &[target.id]);
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&gone)).unwrap();
    // Unconfirmed: nothing says yet that the id is Alice's, so it is still fetched.
    assert_eq!(store.missing_ids(&[target.id]).unwrap(), vec![target.id]);
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![false]
    );
    assert!(!is_stored(&store, &target));
    // Now it is known to be hers: held.
    assert!(store.missing_ids(&[target.id]).unwrap().is_empty());
}

#[test]
fn a_delete_and_its_target_in_one_batch_store_only_the_delete_in_either_order() {
    let alice = identity(1);
    let target = post(&alice, 10, "regretted");
    let gone = delete(&alice, 20, &[target.id]);
    for batch in [
        vec![target.clone(), gone.clone()],
        vec![gone.clone(), target.clone()],
    ] {
        let mut store = Store::open_in_memory().unwrap();
        let new = store.insert_batch(&batch).unwrap();
        let stored: Vec<bool> = batch.iter().map(|event| is_stored(&store, event)).collect();
        assert_eq!(new, stored, "new says what was stored");
        assert!(!is_stored(&store, &target));
        assert!(is_stored(&store, &gone));
        assert!(store.missing_ids(&[target.id]).unwrap().is_empty());
    }
}

#[test]
fn a_delete_of_someone_elses_event_removes_nothing_and_withdraws_nothing() {
    let (alice, mallory) = (identity(1), identity(2));
    let target = post(&alice, 10, "mine");
    let forged = delete(&mallory, 20, &[target.id]);
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&forged)).unwrap();
    assert_eq!(store.missing_ids(&[target.id]).unwrap(), vec![target.id]);
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![true]
    );
    assert!(is_stored(&store, &target));
    // And stored first, it stays.
    let other_target = post(&alice, 11, "also mine");
    store
        .insert_batch(std::slice::from_ref(&other_target))
        .unwrap();
    store
        .insert_batch(&[delete(&mallory, 30, &[other_target.id])])
        .unwrap();
    assert!(is_stored(&store, &other_target));
}

#[test]
fn deleting_a_delete_forgets_its_tombstones() {
    let alice = identity(1);
    let target = post(&alice, 10, "regretted, then not");
    let first = delete(&alice, 20, &[target.id]);
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[target.clone(), first.clone()])
        .unwrap();
    assert!(store.missing_ids(&[target.id]).unwrap().is_empty());
    store
        .insert_batch(&[delete(&alice, 30, &[first.id])])
        .unwrap();
    assert!(!is_stored(&store, &first));
    // The withdrawal went with the delete that made it: the post can be fetched again.
    assert_eq!(store.missing_ids(&[target.id]).unwrap(), vec![target.id]);
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![true]
    );
}

#[test]
fn deleting_the_current_profile_forgets_what_it_superseded() {
    let alice = identity(1);
    let (old, current) = (profile(&alice, 100, "Old"), profile(&alice, 200, "Current"));
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&[old.clone(), current.clone()]).unwrap();
    assert!(store.missing_ids(&[old.id]).unwrap().is_empty());
    store
        .insert_batch(&[delete(&alice, 300, &[current.id])])
        .unwrap();
    assert_eq!(store.missing_ids(&[old.id]).unwrap(), vec![old.id]);
    // With no current profile, the old one is her profile again if it comes back.
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&old)).unwrap(),
        vec![true]
    );
}

#[test]
fn a_store_on_disk_keeps_its_events_and_refuses_a_newer_schema() {
    let path = std::env::temp_dir().join(format!(
        "phemossa-store-test-{}-{}.sqlite",
        std::process::id(),
        line!()
    ));
    let _ = std::fs::remove_file(&path);
    let alice = identity(1);
    let kept = post(&alice, 10, "kept");
    {
        let mut store = Store::open(&path).unwrap();
        store.insert_batch(std::slice::from_ref(&kept)).unwrap();
    }
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(ids(&store), vec![kept.id]);
    }
    {
        let connection = rusqlite_user_version(&path, VERSION + 1);
        drop(connection);
        match Store::open(&path) {
            Err(StoreError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (VERSION + 1, VERSION));
            }
            Err(other) => panic!("expected NewerSchema, got {other}"),
            Ok(_) => panic!("a newer schema was opened"),
        }
    }
    std::fs::remove_file(&path).unwrap();
}

/// Marks the store at `path` as written by schema `version`, as a newer build would leave it.
fn rusqlite_user_version(path: &std::path::Path, version: i64) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .pragma_update(None, "user_version", version)
        .unwrap();
    connection
}

#[test]
fn another_authors_delete_cannot_bring_back_what_its_author_withdrew() {
    let (alice, mallory) = (identity(1), identity(2));
    let target = post(&alice, 10, "regretted");
    let withdrawal = delete(&alice, 20, &[target.id]);
    // Confirmed: the target came and was seen to be Alice's.
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(std::slice::from_ref(&withdrawal))
        .unwrap();
    store.insert_batch(std::slice::from_ref(&target)).unwrap();
    store
        .insert_batch(&[delete(&mallory, 30, &[target.id])])
        .unwrap();
    assert!(store.missing_ids(&[target.id]).unwrap().is_empty());
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![false]
    );
    // Unconfirmed: Alice's delete came, the target not yet; Mallory's names it too.
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(std::slice::from_ref(&withdrawal))
        .unwrap();
    store
        .insert_batch(&[delete(&mallory, 30, &[target.id])])
        .unwrap();
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![false],
        "Alice's delete still withdraws her post"
    );
    assert!(!is_stored(&store, &target));
}

#[test]
fn a_delete_withdrawn_in_its_own_batch_does_nothing_as_it_would_in_separate_batches() {
    let alice = identity(1);
    let target = post(&alice, 10, "kept after all");
    let first = delete(&alice, 20, &[target.id]);
    let second = delete(&alice, 30, &[first.id]);
    let mut together = Store::open_in_memory().unwrap();
    together
        .insert_batch(std::slice::from_ref(&target))
        .unwrap();
    assert_eq!(
        together
            .insert_batch(&[first.clone(), second.clone()])
            .unwrap(),
        vec![false, true]
    );
    let mut apart = Store::open_in_memory().unwrap();
    apart.insert_batch(std::slice::from_ref(&target)).unwrap();
    apart.insert_batch(std::slice::from_ref(&second)).unwrap();
    assert_eq!(
        apart.insert_batch(std::slice::from_ref(&first)).unwrap(),
        vec![false]
    );
    for store in [&together, &apart] {
        assert!(
            is_stored(store, &target),
            "the withdrawn delete removed nothing"
        );
        assert!(!is_stored(store, &first));
        assert_eq!(store.missing_ids(&[target.id, first.id]).unwrap(), vec![]);
    }
    // A chain: the third withdraws the second, so the first acts.
    let third = delete(&alice, 40, &[second.id]);
    let mut chain = Store::open_in_memory().unwrap();
    chain.insert_batch(std::slice::from_ref(&target)).unwrap();
    assert_eq!(
        chain
            .insert_batch(&[second.clone(), first.clone(), third.clone()])
            .unwrap(),
        vec![false, true, true]
    );
    assert!(!is_stored(&chain, &target));
    assert!(is_stored(&chain, &first));
}

#[test]
fn removing_one_of_two_deletes_of_a_target_keeps_the_other() {
    let alice = identity(1);
    let target = post(&alice, 10, "deleted twice");
    let (first, again) = (
        delete(&alice, 20, &[target.id]),
        delete(&alice, 21, &[target.id]),
    );
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[target.clone(), first.clone(), again.clone()])
        .unwrap();
    store
        .insert_batch(&[delete(&alice, 30, &[again.id])])
        .unwrap();
    assert!(!is_stored(&store, &again));
    assert!(
        store.missing_ids(&[target.id]).unwrap().is_empty(),
        "the first delete still withdraws it"
    );
    assert_eq!(
        store.insert_batch(std::slice::from_ref(&target)).unwrap(),
        vec![false]
    );
}

#[test]
fn a_new_profile_in_the_batch_that_deletes_the_current_one_becomes_current() {
    let alice = identity(1);
    let current = profile(&alice, 100, "Current");
    let newer = profile(&alice, 50, "Older than the deleted one, but all she has");
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&current)).unwrap();
    assert_eq!(
        store
            .insert_batch(&[delete(&alice, 200, &[current.id]), newer.clone()])
            .unwrap(),
        vec![true, true]
    );
    assert!(is_stored(&store, &newer));
    assert!(!is_stored(&store, &current));
}
