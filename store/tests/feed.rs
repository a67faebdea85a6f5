//! Feed pages, posts read back and the pages of every event, through the store's public API:
//! what a post reads back as (every kind, against `StoredPost::of_event`), paging across equal
//! timestamps, what deletes take out, and a proptest of paging against a model of the feed.

use std::cmp::Reverse;
use std::collections::HashSet;

use crate::common::{delete, identity, post, profile, reaction, repost, store_with};
use phemossa_core::feed::Page;
use phemossa_core::{
    BlobHash, Content, Event, EventId, FeedCursor, Identity, ImagePost, Post, PostImage, PublicKey,
};
use phemossa_store::{Store, StoredPost};
use proptest::prelude::*;

fn full_post(author: &Identity, timestamp: u64, text: &str, mentions: Vec<PublicKey>) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions,
        reply_to: None,
    });
    Event::create(author, timestamp, content).expect("a valid post")
}

fn reply(author: &Identity, timestamp: u64, text: &str, parent: EventId) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: Some(parent),
    });
    Event::create(author, timestamp, content).expect("a valid reply")
}

fn image_post(author: &Identity, timestamp: u64, text: &str, alts: &[&str]) -> Event {
    let images = alts
        .iter()
        .enumerate()
        .map(|(n, alt)| PostImage {
            blob: BlobHash::from_bytes([n as u8 + 1; 32]),
            alt: (*alt).into(),
        })
        .collect();
    let content = Content::ImagePost(ImagePost {
        post: Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        },
        images,
    });
    Event::create(author, timestamp, content).expect("a valid image post")
}

/// Every page of `authors`' feed, `limit` at a time, concatenated; each page checked to hold at
/// most `limit` and to say where the next starts exactly when it is full and more follow.
fn every_page(store: &Store, authors: &[PublicKey], limit: usize) -> Vec<StoredPost> {
    let mut all = Vec::new();
    let mut before = None;
    for _ in 0..10_000 {
        let Page { items, next } = store.feed_page(authors, before, limit).expect("a page");
        assert!(
            items.len() <= limit,
            "a page of {} over {limit}",
            items.len()
        );
        if let Some(next) = next {
            assert_eq!(items.len(), limit, "a short page says more follow");
            let last = items.last().expect("a page with a cursor holds posts");
            assert_eq!((next.timestamp, next.id), (last.timestamp, last.id));
        }
        all.extend(items);
        match next {
            Some(next) => before = Some(next),
            None => return all,
        }
    }
    panic!("paging never ended");
}

fn keys(posts: &[StoredPost]) -> Vec<(u64, EventId)> {
    posts.iter().map(|p| (p.timestamp, p.id)).collect()
}

#[test]
fn every_kind_of_post_reads_back_as_it_was_signed() {
    let alice = identity(1);
    let bob = identity(2);
    let parent = post(&bob, 5, "parent");
    let tricky = "quotes \" and \\ commas, newlines\n, tabs\t, unicode é 🎉 and \u{0}";
    let events = vec![
        parent.clone(),
        full_post(
            &alice,
            10,
            tricky,
            vec![bob.public_key(), identity(3).public_key()],
        ),
        reply(&alice, 11, "a reply", parent.id),
        image_post(&alice, 12, "pictures", &["a, b", "", "é \"x\" 🎉,,", "AB"]),
        repost(&alice, 13, &parent),
        repost(&alice, 14, &image_post(&bob, 6, "his", &["one"])),
        repost(
            &alice,
            15,
            &full_post(
                &bob,
                7,
                tricky,
                vec![identity(4).public_key(), alice.public_key()],
            ),
        ),
    ];
    let store = store_with(&events);
    for event in &events {
        assert_eq!(
            store.post(&event.id).expect("read"),
            StoredPost::of_event(event),
            "{}",
            event.content.type_name()
        );
        assert!(StoredPost::of_event(event).is_some());
    }
    // Every other kind of event is not a post, and an id not stored is nothing.
    let others = vec![
        reaction(&bob, 20, &parent, "👍"),
        profile(&bob, 21, "bob"),
        delete(&bob, 22, &[EventId::from_bytes([9; 32])]),
    ];
    let mut store = store;
    store.insert_batch(&others).expect("stored");
    for event in &others {
        assert_eq!(store.post(&event.id).expect("read"), None);
    }
    assert_eq!(
        store.post(&EventId::from_bytes([7; 32])).expect("read"),
        None
    );
}

#[test]
fn a_feed_holds_its_authors_posts_image_posts_and_reposts_newest_first() {
    let me = identity(1);
    let friend = identity(2);
    let stranger = identity(3);
    let theirs = post(&stranger, 1, "stranger's");
    let events = vec![
        post(&me, 10, "mine"),
        image_post(&friend, 30, "friend's pictures", &["x"]),
        theirs.clone(),
        repost(&friend, 40, &theirs),
        reaction(&me, 50, &theirs, "👍"),
        profile(&friend, 60, "friend"),
        post(&stranger, 70, "not followed"),
    ];
    let store = store_with(&events);
    let page = store
        .feed_page(&[me.public_key(), friend.public_key()], None, 10)
        .expect("a page");
    let texts: Vec<_> = page
        .items
        .iter()
        .map(|p| match &p.original {
            Some(original) => format!("repost of {}", original.text),
            None => p.text.clone(),
        })
        .collect();
    assert_eq!(texts, ["repost of stranger's", "friend's pictures", "mine"]);
    assert_eq!(page.next, None);
    // Nobody's feed is empty, and an author with nothing stored adds nothing.
    assert_eq!(
        store.feed_page(&[], None, 10).expect("a page").items,
        vec![]
    );
    let nobody = store
        .feed_page(&[identity(9).public_key()], None, 10)
        .expect("a page");
    assert!(nobody.items.is_empty() && nobody.next.is_none());
}

#[test]
fn pages_cross_equal_timestamps_without_repeating_or_skipping() {
    let a = identity(1);
    let b = identity(2);
    // Five timestamps, each shared by several posts of both authors.
    let events: Vec<Event> = (0..30)
        .map(|n| {
            let author = if n % 3 == 0 { &a } else { &b };
            post(author, 100 + n / 6, &format!("post {n}"))
        })
        .collect();
    let store = store_with(&events);
    let mut expected: Vec<_> = events.iter().map(|e| (e.timestamp, e.id)).collect();
    expected.sort_by_key(|k| Reverse(*k));
    for limit in [1, 2, 4, 5, 7, 29, 30, 31] {
        let got = every_page(&store, &[a.public_key(), b.public_key()], limit);
        assert_eq!(keys(&got), expected, "limit {limit}");
    }
    // An author named twice reads the same pages.
    let twice = every_page(&store, &[a.public_key(), b.public_key(), a.public_key()], 4);
    assert_eq!(keys(&twice), expected);
    // A cursor names a place, not a post: one between stored posts starts just below it.
    let (timestamp, _) = expected[3];
    let page = store
        .feed_page(
            &[a.public_key(), b.public_key()],
            Some(FeedCursor {
                timestamp,
                id: EventId::from_bytes([0xff; 32]),
            }),
            100,
        )
        .expect("a page");
    let from = expected.iter().position(|k| k.0 == timestamp).unwrap();
    assert_eq!(keys(&page.items), expected[from..]);
    // A cursor past every timestamp the store can hold admits every post.
    let page = store
        .feed_page(
            &[a.public_key(), b.public_key()],
            Some(FeedCursor {
                timestamp: u64::MAX,
                id: EventId::from_bytes([0; 32]),
            }),
            100,
        )
        .expect("a page");
    assert_eq!(keys(&page.items), expected);
}

#[test]
fn a_deleted_post_leaves_the_feed_and_a_deleted_original_withdraws_its_reposts() {
    let me = identity(1);
    let friend = identity(2);
    let stranger = identity(3);
    let gone = post(&me, 10, "regretted");
    let kept = post(&me, 11, "kept");
    let original = post(&stranger, 5, "original");
    let unheld = post(&stranger, 6, "never stored here");
    let mut store = store_with(&[
        gone.clone(),
        kept.clone(),
        original.clone(),
        repost(&friend, 20, &original),
        repost(&friend, 21, &unheld),
        repost(&friend, 22, &kept),
    ]);
    let authors = [me.public_key(), friend.public_key()];
    store
        .insert_batch(&[
            delete(&me, 30, &[gone.id]),
            delete(&stranger, 31, &[original.id, unheld.id]),
            // Another author's delete of my post withdraws neither it nor its repost.
            delete(&friend, 32, &[kept.id]),
        ])
        .expect("deletes stored");
    let page = store.feed_page(&authors, None, 10).expect("a page");
    assert!(!page.items.iter().any(|p| p.id == gone.id));
    assert_eq!(page.items.len(), 4, "three reposts and the post kept");
    let shown = store.without_withdrawn(page.items).expect("filtered");
    let shown: Vec<_> = shown
        .iter()
        .map(|p| p.original.as_ref().map_or(p.id, |o| o.id))
        .collect();
    // Both reposts of the stranger's deleted posts are withdrawn, held or not.
    assert_eq!(shown, [kept.id, kept.id]);
    // Posts without originals pass as they are.
    let plain = vec![StoredPost::of_event(&kept).unwrap()];
    assert_eq!(
        store.without_withdrawn(plain.clone()).expect("filtered"),
        plain
    );
}

#[test]
fn events_after_pages_every_event_in_id_order() {
    let a = identity(1);
    let b = identity(2);
    let mut events: Vec<Event> = (0..13).map(|n| post(&a, n, &format!("{n}"))).collect();
    events.push(profile(&b, 3, "b"));
    events.push(repost(&b, 40, &events[0].clone()));
    events.push(image_post(&b, 41, "", &["x"]));
    let store = store_with(&events);
    let mut expected: Vec<_> = events.iter().collect();
    expected.sort_by_key(|e| e.id);
    for limit in [1, 4, 16, 100] {
        let mut got = Vec::new();
        let mut after = None;
        for read in 0.. {
            assert!(read <= expected.len(), "paging never ended");
            let page = store.events_after(after.as_ref(), limit).expect("a page");
            assert!(page.len() <= limit as usize);
            let full = page.len() == limit as usize;
            after = page.last().map(|e| e.id);
            got.extend(page);
            if !full {
                break;
            }
        }
        assert_eq!(got.len(), expected.len(), "limit {limit}");
        for (row, event) in got.iter().zip(&expected) {
            assert_eq!(row.id, event.id);
            assert_eq!(row.author, event.author);
            assert_eq!(row.kind, event.content.type_name());
            assert_eq!(row.timestamp, event.timestamp);
            assert_eq!(row.json, event.to_json());
            assert_eq!(row.size, event.to_json().len() as u64);
        }
    }
    // A limit of 0 reads one, as IndexedDB's `getAll` with a count of at least 1 does.
    assert_eq!(store.events_after(None, 0).expect("a page").len(), 1);
    let last = expected.last().unwrap().id;
    assert!(store
        .events_after(Some(&last), 10)
        .expect("a page")
        .is_empty());
}

/// One generated event of the feed model: whose (of four authors), when (few timestamps, so
/// many tie), and what kind (posts, image posts, reposts, and events that are not in the feed).
#[derive(Debug, Clone)]
struct Planned {
    author: u8,
    timestamp: u64,
    kind: u8,
}

fn planned() -> impl Strategy<Value = Planned> {
    (0u8..4, 0u64..6, 0u8..5).prop_map(|(author, timestamp, kind)| Planned {
        author,
        timestamp,
        kind,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every page concatenated is the model's feed (the followed authors' posts, image posts
    /// and reposts, newest first by (timestamp, id)): nothing repeated, nothing skipped, even
    /// with most timestamps shared, and each page within its limit.
    #[test]
    fn feed_pages_concatenate_to_the_model(
        plan in prop::collection::vec(planned(), 0..40),
        followed in prop::collection::btree_set(0u8..4, 0..4),
        limit in 1usize..8,
    ) {
        let people: Vec<Identity> = (0..4).map(|n| identity(n + 1)).collect();
        let outsider = post(&identity(9), 0, "an outsider's original");
        let mut events = vec![outsider.clone()];
        for (n, p) in plan.iter().enumerate() {
            let who = &people[usize::from(p.author)];
            let text = format!("event {n}");
            events.push(match p.kind {
                0 => post(who, p.timestamp, &text),
                1 => image_post(who, p.timestamp, &text, &["alt"]),
                2 => repost(who, p.timestamp, &outsider),
                3 => reaction(who, p.timestamp, &outsider, "👍"),
                _ => profile(who, p.timestamp + n as u64, &text),
            });
        }
        let store = store_with(&events);
        let authors: Vec<PublicKey> =
            followed.iter().map(|n| people[usize::from(*n)].public_key()).collect();
        let held: HashSet<EventId> = events.iter().map(|e| e.id).collect();
        let stored_now: HashSet<EventId> = store
            .events_after(None, 10_000)
            .expect("every event")
            .iter()
            .map(|e| e.id)
            .collect();
        prop_assert!(stored_now.is_subset(&held));
        let mut model: Vec<(u64, EventId)> = events
            .iter()
            .filter(|e| authors.contains(&e.author))
            .filter(|e| StoredPost::of_event(e).is_some())
            .filter(|e| stored_now.contains(&e.id))
            .map(|e| (e.timestamp, e.id))
            .collect();
        model.sort_by_key(|k| Reverse(*k));
        model.dedup();
        let got = every_page(&store, &authors, limit);
        prop_assert_eq!(keys(&got), model);
        // What each page holds is the post as signed.
        for p in &got {
            let event = events.iter().find(|e| e.id == p.id).expect("a stored event");
            prop_assert_eq!(Some(p.clone()), StoredPost::of_event(event));
        }
    }
}
