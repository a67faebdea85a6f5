//! Follow records, profiles for display and nicknames, through the store's public questions:
//! written and removed with their events (a delete, a newer profile), read as the background
//! reads them (`background/src/storage/people.rs`, `read.rs`), and the deciding follow records
//! against core's `FollowGraph` under proptest.

use crate::common::*;
use phemossa_core::{BlobHash, Content, Event, FollowGraph, FollowRecord, Identity, Profile};
use phemossa_core::{EventId, PublicKey};
use phemossa_store::{Nickname, Store};
use proptest::prelude::*;

fn follow(author: &Identity, timestamp: u64, followee: &Identity, follows: bool) -> Event {
    let followee = followee.public_key();
    let content = if follows {
        Content::Follow { followee }
    } else {
        Content::Unfollow { followee }
    };
    Event::create(author, timestamp, content).expect("a valid follow")
}

fn profile_with(author: &Identity, timestamp: u64, name: &str, avatar: Option<BlobHash>) -> Event {
    let content = Content::Profile(Profile {
        name: name.into(),
        about: format!("about {name}"),
        avatar,
    });
    Event::create(author, timestamp, content).expect("a valid profile")
}

fn record(event: &Event) -> FollowRecord {
    FollowRecord::from_event(event).expect("a follow or unfollow")
}

/// `records` in id order, as the store and IndexedDB's indexes list them.
fn by_id(mut records: Vec<FollowRecord>) -> Vec<FollowRecord> {
    records.sort_by_key(|record| record.id);
    records
}

#[test]
fn follow_records_are_stored_with_their_event_and_read_by_follower_and_by_followee() {
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let events = [
        follow(&alice, 10, &bob, true),
        follow(&alice, 15, &bob, false),
        follow(&carol, 10, &bob, true),
        follow(&alice, 20, &carol, true),
        post(&alice, 30, "not a follow"),
    ];
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.insert_batch(&events[..2]).unwrap(), [true, true]);
    // Again, with the rest: a repeated event writes no second record.
    assert_eq!(
        store.insert_batch(&events).unwrap(),
        [false, false, true, true, true]
    );
    let of_alice = store.follow_records(&alice.public_key()).unwrap();
    assert_eq!(
        of_alice,
        by_id(vec![
            record(&events[0]),
            record(&events[1]),
            record(&events[3])
        ])
    );
    let naming_bob = store.records_following(&bob.public_key()).unwrap();
    assert_eq!(
        naming_bob,
        by_id(vec![
            record(&events[0]),
            record(&events[1]),
            record(&events[2])
        ])
    );
    assert!(store.follow_records(&bob.public_key()).unwrap().is_empty());
    assert!(store
        .records_following(&alice.public_key())
        .unwrap()
        .is_empty());
    // The deciding records: alice unfollowed bob after following, carol follows him.
    assert_eq!(
        store.followers(&bob.public_key()).unwrap(),
        [record(&events[2])]
    );
    assert_eq!(
        store.following(&alice.public_key()).unwrap(),
        [record(&events[3])]
    );
}

#[test]
fn a_delete_takes_its_authors_follow_records_away_and_no_one_elses() {
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let follows = follow(&alice, 10, &bob, true);
    let unfollows = follow(&alice, 20, &bob, false);
    let carols = follow(&carol, 10, &bob, true);
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[follows.clone(), unfollows.clone(), carols.clone()])
        .unwrap();
    assert!(store.followers(&bob.public_key()).unwrap().len() == 1);
    // Bob cannot delete alice's or carol's records; alice withdraws her unfollow.
    store
        .insert_batch(&[delete(&bob, 30, &[follows.id, carols.id])])
        .unwrap();
    store
        .insert_batch(&[delete(&alice, 30, &[unfollows.id])])
        .unwrap();
    assert_eq!(
        store.follow_records(&alice.public_key()).unwrap(),
        [record(&follows)]
    );
    assert_eq!(
        store.records_following(&bob.public_key()).unwrap(),
        by_id(vec![record(&follows), record(&carols)])
    );
    // So alice follows bob again.
    assert_eq!(
        store.followers(&bob.public_key()).unwrap(),
        by_follower(vec![record(&follows), record(&carols)])
    );
    // The withdrawn unfollow arriving again is not stored, and writes no record.
    assert_eq!(store.insert_batch(&[unfollows]).unwrap(), [false]);
    assert_eq!(store.follow_records(&alice.public_key()).unwrap().len(), 1);
}

fn by_follower(mut records: Vec<FollowRecord>) -> Vec<FollowRecord> {
    records.sort_by_key(|record| record.follower);
    records
}

#[test]
fn equal_timestamps_are_decided_by_the_larger_id_as_in_the_follow_graph() {
    let (alice, bob) = (identity(1), identity(2));
    // Same edge, same timestamp: the larger id decides, whatever the order stored.
    let one = follow(&alice, 10, &bob, true);
    let other = follow(&alice, 10, &bob, false);
    for order in [[one.clone(), other.clone()], [other.clone(), one.clone()]] {
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&order).unwrap();
        let graph = FollowGraph::from_records([record(&one), record(&other)]);
        let expected: Vec<_> = graph.follower_records(&bob.public_key()).collect();
        assert_eq!(store.followers(&bob.public_key()).unwrap(), expected);
        let expected: Vec<_> = graph.following_records(&alice.public_key()).collect();
        assert_eq!(store.following(&alice.public_key()).unwrap(), expected);
    }
}

#[test]
fn profiles_are_read_by_author_in_the_order_asked_and_follow_replacement_and_deletes() {
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let avatar = BlobHash::from_bytes([7; 32]);
    let first = profile_with(&alice, 100, "Alice", Some(avatar));
    let bobs = profile_with(&bob, 50, "Bob", None);
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&[first.clone(), bobs.clone()]).unwrap();
    let keys = [
        carol.public_key(),
        bob.public_key(),
        alice.public_key(),
        bob.public_key(),
    ];
    let profiles = store.profiles_of(&keys).unwrap();
    // Carol has none; bob, asked twice, is answered twice.
    let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Bob", "Alice", "Bob"]);
    let alices = &profiles[1];
    assert_eq!(alices.author, alice.public_key());
    assert_eq!(alices.id, first.id);
    assert_eq!(alices.timestamp, 100);
    assert_eq!(alices.about, "about Alice");
    assert_eq!(alices.avatar, Some(avatar));
    assert_eq!(alices.size, first.to_json().len() as u64);
    assert_eq!(profiles[0].avatar, None);

    // A newer profile replaces it; an older one changes nothing.
    let second = profile_with(&alice, 200, "Alice B.", None);
    let stale = profile_with(&alice, 150, "Old Alice", Some(avatar));
    store.insert_batch(std::slice::from_ref(&second)).unwrap();
    store.insert_batch(&[stale]).unwrap();
    let current = store.profiles_of(&[alice.public_key()]).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, second.id);
    assert_eq!(current[0].name, "Alice B.");
    assert_eq!(current[0].avatar, None);
    assert_eq!(current[0].size, second.to_json().len() as u64);

    // Deleted: no profile, and an older one may become current again.
    store
        .insert_batch(&[delete(&alice, 300, &[second.id])])
        .unwrap();
    assert!(store.profiles_of(&[alice.public_key()]).unwrap().is_empty());
    let again = profile_with(&alice, 120, "Alice again", None);
    store.insert_batch(std::slice::from_ref(&again)).unwrap();
    let current = store.profiles_of(&[alice.public_key()]).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, again.id);
    assert_eq!(current[0].name, "Alice again");
    // Bob's was never touched.
    assert_eq!(
        store.profiles_of(&[bob.public_key()]).unwrap()[0].id,
        bobs.id
    );
}

#[test]
fn a_profile_and_its_replacement_in_one_batch_leave_only_the_newest() {
    let alice = identity(1);
    let older = profile_with(&alice, 100, "Older", None);
    let newer = profile_with(&alice, 200, "Newer", None);
    for batch in [
        [older.clone(), newer.clone()],
        [newer.clone(), older.clone()],
    ] {
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&batch).unwrap();
        let current = store.profiles_of(&[alice.public_key()]).unwrap();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].name, "Newer");
    }
}

#[test]
fn nicknames_are_set_replaced_read_and_removed() {
    let (alice, bob, carol) = (identity(1), identity(2), identity(3));
    let mut store = Store::open_in_memory().unwrap();
    assert!(store.nicknames().unwrap().is_empty());
    store
        .set_nickname(&bob.public_key(), Some("Bobby"))
        .unwrap();
    store.set_nickname(&alice.public_key(), Some("Al")).unwrap();
    store
        .set_nickname(&bob.public_key(), Some("Robert"))
        .unwrap();
    // Removing one that was never set is no error.
    store.set_nickname(&carol.public_key(), None).unwrap();
    let mut expected = vec![
        Nickname {
            author: alice.public_key(),
            nickname: "Al".into(),
        },
        Nickname {
            author: bob.public_key(),
            nickname: "Robert".into(),
        },
    ];
    expected.sort_by_key(|nickname| nickname.author);
    assert_eq!(store.nicknames().unwrap(), expected);
    assert_eq!(
        store.nickname_of(&bob.public_key()).unwrap().as_deref(),
        Some("Robert")
    );
    assert_eq!(store.nickname_of(&carol.public_key()).unwrap(), None);
    store.set_nickname(&bob.public_key(), None).unwrap();
    assert_eq!(store.nickname_of(&bob.public_key()).unwrap(), None);
    assert_eq!(store.nicknames().unwrap().len(), 1);
}

#[test]
fn nicknames_outlive_a_reopen_and_owe_nothing_to_events() {
    let dir = std::env::temp_dir().join(format!("phemossa-store-people-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let bob = identity(2);
    {
        let mut store = Store::open(&dir).unwrap();
        store.set_nickname(&bob.public_key(), Some("Bob")).unwrap();
    }
    let store = Store::open(&dir).unwrap();
    assert_eq!(
        store.nickname_of(&bob.public_key()).unwrap().as_deref(),
        Some("Bob")
    );
    assert_eq!(store.event_count().unwrap(), 0);
    drop(store);
    let _ = std::fs::remove_file(&dir);
}

/// One step of a random history: a follow or unfollow among four people, or a delete by one of
/// them of an earlier event (theirs or not).
#[derive(Debug, Clone)]
enum Step {
    Follow {
        follower: u8,
        followee: u8,
        timestamp: u64,
        follows: bool,
    },
    Delete {
        author: u8,
        target: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1u8..5, 1u8..5, 0u64..6, any::<bool>()).prop_map(
            |(follower, followee, timestamp, follows)| Step::Follow {
                follower,
                // No one follows themselves (core refuses it).
                followee: if followee == follower { follower % 4 + 1 } else { followee },
                timestamp,
                follows,
            }
        ),
        1 => (1u8..5, any::<usize>()).prop_map(|(author, target)| Step::Delete { author, target }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After any history of follows, unfollows and deletes, in any batches, every read of the
    /// follow records equals what the events still stored say, and the deciding records equal
    /// `FollowGraph`'s over them.
    #[test]
    fn follow_reads_match_the_stored_events_and_the_follow_graph(
        steps in prop::collection::vec(step(), 1..40),
        batch in 1usize..6,
    ) {
        let people: Vec<Identity> = (1..5).map(identity).collect();
        let key = |n: u8| people[usize::from(n) - 1].public_key();
        let mut events: Vec<Event> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            let event = match step {
                Step::Follow { follower, followee, timestamp, follows } => {
                    follow(&people[usize::from(*follower) - 1], *timestamp, &people[usize::from(*followee) - 1], *follows)
                }
                Step::Delete { author, target } => {
                    let targets: Vec<EventId> = match events.len() {
                        0 => vec![EventId::from_bytes([0xee; 32])],
                        len => vec![events[target % len].id],
                    };
                    // A distinct timestamp, so two deletes of one target are two events.
                    delete(&people[usize::from(*author) - 1], 100 + n as u64, &targets)
                }
            };
            events.push(event);
        }
        let mut store = Store::open_in_memory().unwrap();
        for chunk in events.chunks(batch) {
            store.insert_batch(chunk).unwrap();
        }
        // What is stored, by the store's own listing: the follow records must be exactly theirs.
        let stored: std::collections::HashSet<EventId> = store
            .load_json(&events.iter().map(|e| e.id).collect::<Vec<_>>())
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let records: Vec<FollowRecord> = events
            .iter()
            .filter(|e| stored.contains(&e.id))
            .filter_map(FollowRecord::from_event)
            .collect();
        let graph = FollowGraph::from_records(records.clone());
        for n in 1..5u8 {
            let me: PublicKey = key(n);
            let mut wrote: Vec<_> = records.iter().filter(|r| r.follower == me).copied().collect();
            wrote.sort_by_key(|r| r.id);
            wrote.dedup();
            prop_assert_eq!(store.follow_records(&me).unwrap(), wrote);
            let mut naming: Vec<_> = records.iter().filter(|r| r.followee == me).copied().collect();
            naming.sort_by_key(|r| r.id);
            naming.dedup();
            prop_assert_eq!(store.records_following(&me).unwrap(), naming);
            prop_assert_eq!(
                store.following(&me).unwrap(),
                graph.following_records(&me).collect::<Vec<_>>()
            );
            prop_assert_eq!(
                store.followers(&me).unwrap(),
                graph.follower_records(&me).collect::<Vec<_>>()
            );
        }
    }
}

/// One step of a random history of profiles: a profile (newer, older or tied with the current
/// one), a post, or a delete of an earlier event by one of three people.
#[derive(Debug, Clone)]
enum ProfileStep {
    Profile {
        author: u8,
        timestamp: u64,
        avatar: bool,
    },
    Post {
        author: u8,
    },
    Delete {
        author: u8,
        target: usize,
    },
}

fn profile_step() -> impl Strategy<Value = ProfileStep> {
    prop_oneof![
        4 => (1u8..4, 0u64..8, any::<bool>()).prop_map(|(author, timestamp, avatar)| {
            ProfileStep::Profile { author, timestamp, avatar }
        }),
        1 => (1u8..4).prop_map(|author| ProfileStep::Post { author }),
        2 => (1u8..4, any::<usize>())
            .prop_map(|(author, target)| ProfileStep::Delete { author, target }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After any history of profiles replacing, losing to and tying with each other, and of
    /// deletes, in any batches, each author's profile for display is exactly their stored
    /// profile event, decoded, after every batch.
    #[test]
    fn the_profile_read_is_the_stored_profile_event_after_any_history(
        steps in prop::collection::vec(profile_step(), 1..30),
        batch in 1usize..5,
    ) {
        let people: Vec<Identity> = (1..4).map(identity).collect();
        let who = |n: u8| &people[usize::from(n) - 1];
        let mut events: Vec<Event> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            let event = match step {
                ProfileStep::Profile { author, timestamp, avatar } => {
                    let avatar = avatar.then(|| BlobHash::from_bytes([n as u8; 32]));
                    profile_with(who(*author), *timestamp, &format!("name {n}"), avatar)
                }
                ProfileStep::Post { author } => post(who(*author), 100 + n as u64, "a post"),
                ProfileStep::Delete { author, target } => {
                    let target = match events.len() {
                        0 => EventId::from_bytes([0xee; 32]),
                        len => events[target % len].id,
                    };
                    delete(who(*author), 100 + n as u64, &[target])
                }
            };
            events.push(event);
        }
        let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
        let keys: Vec<PublicKey> = people.iter().map(|p| p.public_key()).collect();
        let mut store = Store::open_in_memory().unwrap();
        for chunk in events.chunks(batch) {
            store.insert_batch(chunk).unwrap();
            let stored: std::collections::HashSet<EventId> =
                store.load_json(&ids).unwrap().into_iter().map(|(id, _)| id).collect();
            let mut expected = Vec::new();
            for key in &keys {
                let mut current = events
                    .iter()
                    .filter(|e| e.author == *key && stored.contains(&e.id))
                    .filter_map(|e| Some((e, e.as_profile()?)))
                    .collect::<Vec<_>>();
                current.dedup_by_key(|(e, _)| e.id);
                prop_assert!(current.len() <= 1, "one profile stored per author");
                if let Some((event, profile)) = current.pop() {
                    expected.push(phemossa_store::StoredProfile {
                        author: *key,
                        id: event.id,
                        timestamp: event.timestamp,
                        name: profile.name.clone(),
                        about: profile.about.clone(),
                        avatar: profile.avatar,
                        size: event.to_json().len() as u64,
                    });
                }
            }
            prop_assert_eq!(store.profiles_of(&keys).unwrap(), expected);
        }
    }
}
