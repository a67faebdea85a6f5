//! Retention and room: which events a pruning pass removes (checked against
//! `phemossa_core::retention::plan_prune` over every stored event), removing them counted as
//! pruned with what was derived from them, and the room check over the stored bytes.

use crate::common::*;
use phemossa_core::retention::{plan_prune, RetentionSettings, StoredEvent};
use phemossa_core::room::{Room, RESERVE_BYTES};
use phemossa_core::search::words;
use phemossa_core::{Event, Identity, PublicKey};
use phemossa_store::{Store, PRUNE_BATCH};
use proptest::prelude::*;

const DAY: u64 = 24 * 60 * 60 * 1000;
const NOW: u64 = 1_800_000_000_000;

fn settings(days: u32, mb: u32) -> RetentionSettings {
    RetentionSettings {
        others_days: days,
        others_mb: mb,
    }
}

fn as_stored(events: &[Event]) -> Vec<StoredEvent> {
    events
        .iter()
        .map(|event| StoredEvent {
            id: event.id,
            author: event.author,
            timestamp: event.timestamp,
            size: event.to_json().len() as u64,
        })
        .collect()
}

#[test]
fn others_events_past_the_cutoff_go_and_kept_authors_never_do() {
    let (me, friend, stranger) = (identity(1), identity(2), identity(3));
    let mine = post(&me, NOW - 400 * DAY, "old moss of mine");
    let theirs = post(&friend, NOW - 400 * DAY, "old moss of a friend");
    let old = post(&stranger, NOW - 40 * DAY, "old moss of a stranger");
    let older_profile = profile(&stranger, NOW - 50 * DAY, "Stranger");
    let recent = post(&stranger, NOW - 2 * DAY, "recent moss of a stranger");
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[
            mine.clone(),
            theirs.clone(),
            old.clone(),
            older_profile.clone(),
            recent.clone(),
        ])
        .unwrap();
    store.index_pending(100).unwrap();
    let kept = [me.public_key(), friend.public_key()];
    let keeps = |author: &PublicKey| kept.contains(author);
    let plan = store.plan_prune(keeps, &settings(30, 50), NOW).unwrap();
    assert_eq!(plan.remove, [older_profile.id, old.id], "oldest first");
    let bytes = (older_profile.to_json().len() + old.to_json().len()) as u64;
    assert_eq!(plan.bytes, bytes);
    assert_eq!(store.prune(keeps, &settings(30, 50), NOW).unwrap(), 2);
    let moss: Vec<_> = store.search_post_ids(&words("moss"), 20).unwrap();
    assert_eq!(
        moss,
        [recent.id, theirs.id, mine.id],
        "pruned posts are not found"
    );
    let totals = store.totals().unwrap();
    assert_eq!((totals.events, totals.pruned), (3, 2));
    // Pruned events are not held: only following their author again fetches them.
    assert_eq!(store.missing_ids(&[old.id]).unwrap(), [old.id]);
    assert_eq!(
        store.prune(keeps, &settings(30, 50), NOW).unwrap(),
        0,
        "nothing more"
    );
    assert_eq!(store.prune_events(&[mine.id, mine.id]).unwrap(), 1, "once");
    assert_eq!(store.totals().unwrap().pruned, 3);
}

#[test]
fn past_the_size_limit_the_oldest_of_others_go_in_batches() {
    let strangers: Vec<Identity> = (10..14).map(identity).collect();
    // About 1.1 KB each: 2,000 posts are 2.2 MB, past a limit of 1 MB.
    let text = "lichen ".repeat(140);
    let events: Vec<Event> = (0..2_000u64)
        .map(|n| post(&strangers[(n % 4) as usize], NOW - DAY + n * 1000, &text))
        .collect();
    let mut store = Store::open_in_memory().unwrap();
    for batch in events.chunks(512) {
        store.insert_batch(batch).unwrap();
    }
    // Some posts' words written, some still waiting: pruning takes both kinds.
    store.index_pending(700).unwrap();
    let model = plan_prune(&as_stored(&events), |_| false, &settings(30, 1), NOW);
    assert!(
        model.remove.len() > PRUNE_BATCH,
        "more than one transaction's worth"
    );
    let plan = store.plan_prune(|_| false, &settings(30, 1), NOW).unwrap();
    assert_eq!(plan, model);
    let removed = store.prune(|_| false, &settings(30, 1), NOW).unwrap();
    assert_eq!(removed, model.remove.len() as u64);
    let totals = store.totals().unwrap();
    assert!(totals.bytes <= 1_000_000, "{}", totals.bytes);
    assert_eq!(totals.pruned, removed);
    // The first 700 stored were indexed, and are among the oldest, all pruned: what is left
    // waits, and is found once written.
    assert!(removed > 700);
    assert_eq!(store.search_pending().unwrap(), totals.events);
    assert!(store
        .search_post_ids(&words("lichen"), 1)
        .unwrap()
        .is_empty());
    while store.index_pending(500).unwrap() > 0 {}
    let newest = store.search_post_ids(&words("lichen"), 1).unwrap();
    assert_eq!(newest, [events[1_999].id]);
}

#[test]
fn room_counts_what_retention_pruned_while_storage_was_tight() {
    let stranger = identity(3);
    let events: Vec<Event> = (0..10)
        .map(|n| post(&stranger, NOW - 40 * DAY + n, &"x".repeat(300)))
        .collect();
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&events).unwrap();
    let quota = 10 * RESERVE_BYTES;
    let mut room = Room::default();
    assert!(store.has_room(&mut room, 0, quota).unwrap(), "plenty");
    // 1,000 bytes short of the reserve: stopped, and still stopped while nothing is pruned.
    let tight = quota - RESERVE_BYTES + 1_000;
    assert!(!store.has_room(&mut room, tight, quota).unwrap());
    assert!(!store.has_room(&mut room, tight, quota).unwrap());
    // Retention prunes over 3 KB of event JSON: at 3 bytes of disk a byte, room again.
    assert_eq!(store.prune(|_| false, &settings(30, 50), NOW).unwrap(), 10);
    assert!(store.has_room(&mut room, tight, quota).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Whatever is stored and whoever is kept, the store's plan is `plan_prune` over every
    /// stored event, and pruning leaves exactly the rest.
    #[test]
    fn the_plan_is_core_retentions_over_every_stored_event(
        picks in proptest::collection::vec((0u8..4, 0u64..60), 1..30),
        kept in proptest::collection::vec(any::<bool>(), 4),
        days in 1u32..60,
    ) {
        let people: Vec<Identity> = (1..=4).map(identity).collect();
        let events: Vec<Event> = picks
            .iter()
            .enumerate()
            .map(|(n, (who, age))| {
                post(&people[*who as usize], NOW - age * DAY - n as u64, &format!("post {n}"))
            })
            .collect();
        let keys: Vec<PublicKey> = people.iter().map(|p| p.public_key()).collect();
        let keeps = |author: &PublicKey| {
            keys.iter().zip(&kept).any(|(key, kept)| *kept && key == author)
        };
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&events).unwrap();
        let model = plan_prune(&as_stored(&events), keeps, &settings(days, 1), NOW);
        prop_assert_eq!(store.plan_prune(keeps, &settings(days, 1), NOW).unwrap(), model.clone());
        prop_assert_eq!(
            store.prune(keeps, &settings(days, 1), NOW).unwrap(),
            model.remove.len() as u64
        );
        let left = store.totals().unwrap().events;
        prop_assert_eq!(left, (events.len() - model.remove.len()) as u64);
        prop_assert!(store.missing_ids(&model.remove).unwrap() == model.remove);
    }
}
