//! The running totals (the store's and each author's) through the public API: what each kind
//! of event counts for, that repeats, profile replacement and deletes keep them exact, and,
//! under proptest, that after any history they equal a recount of the stored events.

use std::collections::{BTreeMap, HashMap};

use crate::common::*;
use phemossa_core::{
    BlobHash, Content, Event, EventId, Identity, ImagePost, Post, PostImage, PublicKey,
};
use phemossa_store::{AuthorTotals, Store, Totals};
use phemossa_sync::Scope;
use proptest::prelude::*;

fn follow(author: &Identity, timestamp: u64, followee: &Identity) -> Event {
    let content = Content::Follow {
        followee: followee.public_key(),
    };
    Event::create(author, timestamp, content).expect("a valid follow")
}

fn image_post(author: &Identity, timestamp: u64, text: &str) -> Event {
    let content = Content::ImagePost(ImagePost {
        post: Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        },
        images: vec![PostImage {
            blob: BlobHash::from_bytes([9; 32]),
            alt: "a picture".into(),
        }],
    });
    Event::create(author, timestamp, content).expect("a valid image post")
}

fn size(event: &Event) -> u64 {
    event.to_json().len() as u64
}

/// The totals a recount of the stored events gives, and each author's, from the store's own
/// listing of every stored id and `known`, every event the test made.
fn recount(store: &Store, known: &HashMap<EventId, Event>) -> (Totals, Vec<AuthorTotals>) {
    let (page, more) = store.list_ids(&Scope::default(), None, 100_000).unwrap();
    assert!(!more);
    let mut totals = Totals::default();
    let mut authors: BTreeMap<PublicKey, (u64, u64)> = BTreeMap::new();
    for cursor in page {
        let event = &known[&cursor.id];
        totals.events += 1;
        totals.posts += u64::from(event.as_post().is_some());
        totals.bytes += size(event);
        let author = authors.entry(event.author).or_default();
        author.0 += 1;
        author.1 += size(event);
    }
    totals.authors = authors.len() as u64;
    let authors = authors
        .into_iter()
        .map(|(author, (events, bytes))| AuthorTotals {
            author,
            events,
            bytes,
        })
        .collect();
    (totals, authors)
}

/// The kept totals equal a recount, and the stored count.
fn assert_exact(store: &Store, known: &HashMap<EventId, Event>) {
    let (totals, authors) = recount(store, known);
    assert_eq!(store.totals().unwrap(), totals);
    assert_eq!(store.author_totals().unwrap(), authors);
    assert_eq!(store.event_count().unwrap(), totals.events);
}

fn known(events: &[Event]) -> HashMap<EventId, Event> {
    events
        .iter()
        .map(|event| (event.id, event.clone()))
        .collect()
}

#[test]
fn a_fresh_store_counts_nothing() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.totals().unwrap(), Totals::default());
    assert!(store.author_totals().unwrap().is_empty());
    assert_eq!(
        store.stored_bytes_of(&[identity(1).public_key()]).unwrap(),
        [0]
    );
}

#[test]
fn totals_count_events_posts_authors_and_bytes() {
    let (alice, bob) = (identity(1), identity(2));
    let first = post(&alice, 10, "one");
    let events = vec![
        first.clone(),
        image_post(&alice, 11, "two"),
        follow(&alice, 12, &bob),
        post(&bob, 13, "three"),
        repost(&bob, 14, &first),
        reaction(&bob, 15, &first, "👍"),
        profile(&bob, 16, "Bob"),
    ];
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&events[..3]).unwrap();
    store.insert_batch(&events[3..]).unwrap();
    let totals = store.totals().unwrap();
    // Posts with or without images; a repost is not a post, as the background counts.
    assert_eq!(
        totals,
        Totals {
            events: 7,
            posts: 3,
            authors: 2,
            bytes: events.iter().map(size).sum(),
            pruned: 0,
        }
    );
    let alices: u64 = events[..3].iter().map(size).sum();
    let bobs: u64 = events[3..].iter().map(size).sum();
    // In the order asked, unknown authors at 0, a repeat answered again.
    let asked = [
        bob.public_key(),
        identity(3).public_key(),
        alice.public_key(),
        bob.public_key(),
    ];
    assert_eq!(
        store.stored_bytes_of(&asked).unwrap(),
        [bobs, 0, alices, bobs]
    );
    assert_exact(&store, &known(&events));
}

#[test]
fn a_repeated_event_changes_no_total() {
    let alice = identity(1);
    let one = post(&alice, 10, "one");
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(&[one.clone(), one.clone()]).unwrap();
    let totals = store.totals().unwrap();
    assert_eq!((totals.events, totals.posts, totals.authors), (1, 1, 1));
    store.insert_batch(std::slice::from_ref(&one)).unwrap();
    assert_eq!(store.totals().unwrap(), totals);
    assert_exact(&store, &known(&[one]));
}

#[test]
fn a_replaced_profile_leaves_the_totals_of_the_newer_one() {
    let alice = identity(1);
    let first = profile(&alice, 100, "Alice");
    let second = profile(&alice, 200, "Alice with a much longer name");
    let stale = profile(&alice, 150, "Old");
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&first)).unwrap();
    store.insert_batch(std::slice::from_ref(&second)).unwrap();
    let expected = Totals {
        events: 1,
        posts: 0,
        authors: 1,
        bytes: size(&second),
        pruned: 0,
    };
    assert_eq!(store.totals().unwrap(), expected);
    // Older than the current one: not stored, not counted.
    store.insert_batch(std::slice::from_ref(&stale)).unwrap();
    assert_eq!(store.totals().unwrap(), expected);
    assert_eq!(
        store.stored_bytes_of(&[alice.public_key()]).unwrap(),
        [size(&second)]
    );
    // Both in one batch, older last: the same.
    let mut other = Store::open_in_memory().unwrap();
    other
        .insert_batch(&[second.clone(), first.clone()])
        .unwrap();
    assert_eq!(other.totals().unwrap(), expected);
    assert_exact(&store, &known(&[first, second, stale]));
}

#[test]
fn a_delete_takes_its_targets_off_and_counts_itself() {
    let (alice, bob) = (identity(1), identity(2));
    let one = post(&alice, 10, "one");
    let two = image_post(&alice, 11, "two");
    let bobs = post(&bob, 12, "bob's");
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[one.clone(), two.clone(), bobs.clone()])
        .unwrap();
    // Alice deletes her image post and (in vain) bob's post.
    let withdraw = delete(&alice, 20, &[two.id, bobs.id]);
    store.insert_batch(std::slice::from_ref(&withdraw)).unwrap();
    assert_eq!(
        store.totals().unwrap(),
        Totals {
            events: 3,
            posts: 2,
            authors: 2,
            bytes: size(&one) + size(&bobs) + size(&withdraw),
            pruned: 0,
        }
    );
    assert_eq!(
        store.stored_bytes_of(&[alice.public_key()]).unwrap(),
        [size(&one) + size(&withdraw)]
    );
    // A delete and its target in one batch: the target is never counted.
    let three = post(&alice, 30, "three");
    let withdraw_three = delete(&alice, 31, &[three.id]);
    store
        .insert_batch(&[three.clone(), withdraw_three.clone()])
        .unwrap();
    assert_eq!(store.totals().unwrap().events, 4);
    // Deleting the delete: its bytes go, the tombstone with it.
    let undo = delete(&alice, 40, &[withdraw.id]);
    store.insert_batch(std::slice::from_ref(&undo)).unwrap();
    assert_eq!(store.totals().unwrap().events, 4);
    assert_exact(
        &store,
        &known(&[one, two, bobs, withdraw, three, withdraw_three, undo]),
    );
}

/// One step of a random history among three authors.
#[derive(Debug, Clone)]
enum Step {
    Post { author: u8, timestamp: u64 },
    ImagePost { author: u8, timestamp: u64 },
    Profile { author: u8, timestamp: u64 },
    Follow { author: u8, followee: u8 },
    Repost { author: u8, original: usize },
    Delete { author: u8, targets: Vec<usize> },
}

fn step() -> impl Strategy<Value = Step> {
    let author = 1u8..4;
    prop_oneof![
        3 => (author.clone(), 0u64..20).prop_map(|(author, timestamp)| Step::Post { author, timestamp }),
        1 => (author.clone(), 0u64..20).prop_map(|(author, timestamp)| Step::ImagePost { author, timestamp }),
        2 => (author.clone(), 0u64..20).prop_map(|(author, timestamp)| Step::Profile { author, timestamp }),
        1 => (author.clone(), 1u8..3).prop_map(|(author, other)| Step::Follow { author, followee: (author + other - 1) % 3 + 1 }),
        1 => (author.clone(), any::<usize>()).prop_map(|(author, original)| Step::Repost { author, original }),
        2 => (author, prop::collection::vec(any::<usize>(), 1..3))
            .prop_map(|(author, targets)| Step::Delete { author, targets }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// After any history of posts, profiles (replacing and stale), follows, reposts and deletes
    /// (of one's own events and others'), stored in any batches, the kept totals equal a
    /// recount of what is stored, after every batch.
    #[test]
    fn totals_equal_a_recount_after_any_history(
        steps in prop::collection::vec(step(), 1..40),
        batch in 1usize..7,
    ) {
        let people: Vec<Identity> = (1..4).map(identity).collect();
        let who = |n: u8| &people[usize::from(n) - 1];
        let mut events: Vec<Event> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            // Distinct text or time per step, so no two steps make the same event by chance.
            let event = match step {
                Step::Post { author, timestamp } => post(who(*author), *timestamp, &format!("post {n}")),
                Step::ImagePost { author, timestamp } => image_post(who(*author), *timestamp, &format!("image {n}")),
                Step::Profile { author, timestamp } => profile(who(*author), *timestamp, &format!("name {n}")),
                Step::Follow { author, followee } => follow(who(*author), 100 + n as u64, who(*followee)),
                Step::Repost { author, original } => match events.iter().filter(|e| e.as_post().is_some()).nth(original % events.len().max(1)) {
                    Some(original) => repost(who(*author), 100 + n as u64, original),
                    None => post(who(*author), 100 + n as u64, "nothing to repost"),
                },
                Step::Delete { author, targets } => {
                    let targets: Vec<EventId> = if events.is_empty() {
                        vec![EventId::from_bytes([0xee; 32])]
                    } else {
                        let mut ids: Vec<EventId> =
                            targets.iter().map(|t| events[t % events.len()].id).collect();
                        // A delete names each target once (core refuses repeats).
                        ids.sort();
                        ids.dedup();
                        ids
                    };
                    delete(who(*author), 100 + n as u64, &targets)
                }
            };
            events.push(event);
        }
        let known = known(&events);
        let mut store = Store::open_in_memory().unwrap();
        for chunk in events.chunks(batch) {
            store.insert_batch(chunk).unwrap();
            let (totals, authors) = recount(&store, &known);
            prop_assert_eq!(store.totals().unwrap(), totals);
            prop_assert_eq!(store.author_totals().unwrap(), authors.clone());
            prop_assert_eq!(store.event_count().unwrap(), totals.events);
            let keys: Vec<PublicKey> = people.iter().map(|p| p.public_key()).collect();
            let bytes: Vec<u64> = keys
                .iter()
                .map(|k| authors.iter().find(|a| a.author == *k).map_or(0, |a| a.bytes))
                .collect();
            prop_assert_eq!(store.stored_bytes_of(&keys).unwrap(), bytes);
        }
    }
}
