//! Threads, reply counts and the pages peers ask for (replies, §8.10; inboxes, §8.9), through
//! the store's public API: levels and their order, the climb to the root, limits, what deletes
//! take out, and pages across equal timestamps against a model, answered as a responder would
//! (`phemossa_sync::replies`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::{delete, identity, post, reaction, repost, store_with};
use phemossa_core::{Content, Event, EventId, Identity, Post, PublicKey};
use phemossa_store::{PeerPage, StoredPost, StoredThread, MAX_THREAD_CLIMB};
use phemossa_sync::limits::MAX_EVENTS_PER_MESSAGE;
use phemossa_sync::replies::{inbox_response_from, response_from, RepliesMessage};
use phemossa_sync::Cursor;
use proptest::prelude::*;

fn reply(author: &Identity, timestamp: u64, parent: EventId) -> Event {
    reply_mentioning(author, timestamp, parent, vec![])
}

fn reply_mentioning(
    author: &Identity,
    timestamp: u64,
    parent: EventId,
    mentions: Vec<PublicKey>,
) -> Event {
    // Each reply's text its own, so no two replies are one event.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let content = Content::Post(Post {
        text: format!("reply {n} at {timestamp}"),
        mentions,
        reply_to: Some(parent),
    });
    Event::create(author, timestamp, content).expect("a valid reply")
}

fn ids(posts: &[StoredPost]) -> Vec<EventId> {
    posts.iter().map(|p| p.id).collect()
}

/// Sorted by (timestamp, id), as the index orders each parent's replies.
fn in_order(mut events: Vec<&Event>) -> Vec<EventId> {
    events.sort_by_key(|e| (e.timestamp, e.id));
    events.iter().map(|e| e.id).collect()
}

#[test]
fn a_thread_is_read_from_its_root_a_level_at_a_time() {
    let a = identity(1);
    let b = identity(2);
    let root = post(&a, 10, "root");
    // Two replies to the root, the later one signed first; each with replies of its own.
    let late = reply(&b, 30, root.id);
    let early = reply(&a, 20, root.id);
    let under_late = reply(&a, 31, late.id);
    let under_early_1 = reply(&b, 40, early.id);
    let under_early_2 = reply(&a, 40, early.id);
    let deepest = reply(&b, 50, under_late.id);
    let unrelated = post(&b, 15, "another thread");
    let store = store_with(&[
        root.clone(),
        late.clone(),
        early.clone(),
        under_late.clone(),
        under_early_1.clone(),
        under_early_2.clone(),
        deepest.clone(),
        unrelated,
        repost(&b, 60, &root),
        reaction(&b, 61, &root, "🎉"),
    ]);
    let second_level = in_order(vec![&under_early_1, &under_early_2]);
    let expected = [
        vec![early.id, late.id],
        // The level's parents in the order of theirs, each parent's replies in order.
        second_level,
        vec![under_late.id],
        vec![deepest.id],
    ]
    .concat();
    // Asked from anywhere in it, the thread is the same, from its root.
    for asked in [&root, &early, &deepest, &under_early_2] {
        let thread = store.thread(&asked.id, 100).expect("read").expect("stored");
        assert_eq!(thread.root, StoredPost::of_event(&root).unwrap());
        assert!(!thread.root_is_reply);
        assert!(!thread.cut_short);
        assert_eq!(ids(&thread.replies), expected);
        assert_eq!(
            thread.replies[0],
            StoredPost::of_event(&early).unwrap(),
            "replies read back whole"
        );
    }
    // A limit keeps the first replies in that order, and says the thread goes on.
    for limit in 0..expected.len() {
        let thread = store
            .thread(&root.id, limit)
            .expect("read")
            .expect("stored");
        assert_eq!(ids(&thread.replies), expected[..limit], "limit {limit}");
        assert!(thread.cut_short, "limit {limit}");
    }
    let whole = store
        .thread(&root.id, expected.len())
        .expect("read")
        .unwrap();
    assert!(!whole.cut_short);
}

#[test]
fn a_thread_starts_at_the_highest_ancestor_held() {
    let a = identity(1);
    let missing = post(&a, 1, "never stored");
    let orphan = reply(&a, 2, missing.id);
    let child = reply(&a, 3, orphan.id);
    let store = store_with(&[orphan.clone(), child.clone()]);
    let thread = store.thread(&child.id, 10).expect("read").expect("stored");
    assert_eq!(thread.root.id, orphan.id);
    assert!(thread.root_is_reply);
    assert_eq!(ids(&thread.replies), [child.id]);
    // Neither an id not stored nor an event that is not a post is a thread.
    assert_eq!(store.thread(&missing.id, 10).expect("read"), None);
    let mut store = store;
    let react = reaction(&a, 4, &orphan, "🎉");
    store
        .insert_batch(std::slice::from_ref(&react))
        .expect("stored");
    assert_eq!(store.thread(&react.id, 10).expect("read"), None);
}

#[test]
fn a_climb_stops_after_max_thread_climb_ancestors() {
    let a = identity(1);
    let mut chain = vec![post(&a, 0, "root")];
    for n in 1..=(MAX_THREAD_CLIMB as u64 + 5) {
        let parent = chain.last().unwrap().id;
        chain.push(reply(&a, n, parent));
    }
    let store = store_with(&chain);
    let leaf = chain.last().unwrap();
    let thread: StoredThread = store.thread(&leaf.id, 1_000).expect("read").unwrap();
    assert!(thread.root_is_reply);
    // The leaf and MAX_THREAD_CLIMB ancestors were climbed; the last of them is the root.
    let at = chain.len() - 1 - MAX_THREAD_CLIMB;
    assert_eq!(thread.root.id, chain[at].id);
    assert_eq!(thread.replies.len(), MAX_THREAD_CLIMB);
}

#[test]
fn a_repost_is_a_thread_of_its_own() {
    let a = identity(1);
    let original = post(&a, 1, "original");
    let shared = repost(&a, 2, &original);
    let answer = reply(&a, 3, shared.id);
    let store = store_with(&[original.clone(), shared.clone(), answer.clone()]);
    let thread = store.thread(&shared.id, 10).expect("read").unwrap();
    assert_eq!(thread.root, StoredPost::of_event(&shared).unwrap());
    assert_eq!(ids(&thread.replies), [answer.id]);
    // A repost is no reply to its original.
    assert_eq!(
        store.reply_counts(&[original.id, shared.id]).unwrap(),
        [0, 1]
    );
}

#[test]
fn reply_counts_count_stored_replies_and_deletes_take_them_back() {
    let a = identity(1);
    let b = identity(2);
    let root = post(&a, 1, "root");
    let first = reply(&b, 2, root.id);
    let second = reply(&a, 2, root.id);
    let nested = reply(&a, 3, first.id);
    let mut store = store_with(&[root.clone(), first.clone(), second.clone(), nested.clone()]);
    let nowhere = EventId::from_bytes([7; 32]);
    assert_eq!(
        store
            .reply_counts(&[root.id, first.id, nested.id, nowhere, root.id])
            .unwrap(),
        [2, 1, 0, 0, 2]
    );
    assert_eq!(store.reply_counts(&[]).unwrap(), Vec::<u32>::new());
    store.insert_batch(&[delete(&b, 9, &[first.id])]).unwrap();
    assert_eq!(store.reply_counts(&[root.id]).unwrap(), [1]);
    let thread = store.thread(&root.id, 10).unwrap().unwrap();
    // The deleted reply is gone, and what answered it is no longer reached from the root.
    assert_eq!(ids(&thread.replies), [second.id]);
    // The reply under the deleted one starts a thread of its own now.
    let orphaned = store.thread(&nested.id, 10).unwrap().unwrap();
    assert_eq!(orphaned.root.id, nested.id);
    assert!(orphaned.root_is_reply);
}

/// A model of a peer page: the events of `by_key` (each key's list sorted) strictly after
/// `after`, each key's first `limit + 1`, and whether some key has more than `limit` of them.
fn model_page(
    by_key: &BTreeMap<Vec<u8>, Vec<(Cursor, Vec<u8>)>>,
    after: Option<Cursor>,
    limit: usize,
) -> (Vec<(Cursor, Vec<u8>)>, bool) {
    let mut events = Vec::new();
    let mut more = false;
    for list in by_key.values() {
        let later: Vec<_> = list
            .iter()
            .filter(|(at, _)| after.is_none_or(|after| *at > after))
            .cloned()
            .collect();
        more |= later.len() > limit;
        events.extend(later.into_iter().take(limit + 1));
    }
    events.sort();
    (events, more)
}

fn sorted(mut page: PeerPage) -> (Vec<(Cursor, Vec<u8>)>, bool) {
    page.events.sort();
    (page.events, page.more)
}

fn cursor(event: &Event) -> Cursor {
    Cursor {
        timestamp: event.timestamp,
        id: event.id,
    }
}

/// A stored event's place and wire JSON, as a peer page holds it.
type Stored = (Cursor, Vec<u8>);

/// Pages a requester through `ask` as `response_from` answers it, from no cursor to the end.
fn every_response(
    mut ask: impl FnMut(Option<Cursor>) -> PeerPage,
    answer: fn(Vec<Stored>, bool) -> RepliesMessage,
) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    let mut after = None;
    for _ in 0..1_000 {
        let page = ask(after);
        let (events, next) = match answer(page.events, page.more) {
            RepliesMessage::Response { events, next }
            | RepliesMessage::InboxResponse { events, next } => (events, next),
            other => panic!("not a response: {other:?}"),
        };
        got.extend(events);
        match next {
            Some(next) => after = Some(next),
            None => return got,
        }
    }
    panic!("paging never ended");
}

#[test]
fn replies_after_answers_a_requester_page_by_page_across_equal_timestamps() {
    let a = identity(1);
    let b = identity(2);
    let first = post(&a, 1, "first");
    let second = post(&b, 1, "second");
    // More replies than a message holds, five a millisecond, spread over both parents.
    let replies: Vec<Event> = (0..(MAX_EVENTS_PER_MESSAGE as u64 + 60))
        .map(|n| {
            let parent = if n % 4 == 0 { &second } else { &first };
            reply(if n % 2 == 0 { &a } else { &b }, 10 + n / 5, parent.id)
        })
        .collect();
    let mut events = vec![first.clone(), second.clone()];
    events.extend(replies.iter().cloned());
    let store = store_with(&events);
    let mut expected: Vec<&Event> = replies.iter().collect();
    expected.sort_by_key(|e| cursor(e));
    let expected: Vec<Vec<u8>> = expected.iter().map(|e| e.to_json().into_bytes()).collect();
    let parents = [first.id, second.id, first.id];
    let got = every_response(
        |after| {
            store
                .replies_after(&parents, after, MAX_EVENTS_PER_MESSAGE)
                .expect("a page")
        },
        response_from,
    );
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "the replies, in order, each once");
}

#[test]
fn replies_after_and_addressed_after_forget_deleted_events() {
    let a = identity(1);
    let b = identity(2);
    let root = post(&a, 1, "root");
    let gone = reply_mentioning(&b, 5, root.id, vec![a.public_key()]);
    let kept = reply_mentioning(&b, 6, root.id, vec![a.public_key()]);
    // `gone` stored last: the delete that removes it takes its row's place (SQLite gives the
    // next row the largest rowid plus one), so nothing of `gone`'s may be left pointing there.
    let mut store = store_with(&[root.clone(), kept.clone(), gone.clone()]);
    store.insert_batch(&[delete(&b, 9, &[gone.id])]).unwrap();
    let page = store.replies_after(&[root.id], None, 10).unwrap();
    assert_eq!(page.events, [(cursor(&kept), kept.to_json().into_bytes())]);
    assert!(!page.more);
    let start = Cursor {
        timestamp: 0,
        id: EventId::from_bytes([0; 32]),
    };
    let inbox = store.addressed_after(&a.public_key(), start, 10).unwrap();
    assert_eq!(inbox.events, [(cursor(&kept), kept.to_json().into_bytes())]);
    // Past the largest timestamp the store holds, nothing.
    let beyond = Cursor {
        timestamp: u64::MAX,
        id: EventId::from_bytes([0; 32]),
    };
    assert_eq!(
        store
            .replies_after(&[root.id], Some(beyond), 10)
            .unwrap()
            .events,
        []
    );
    assert_eq!(
        store
            .addressed_after(&a.public_key(), beyond, 10)
            .unwrap()
            .events,
        []
    );
}

#[test]
fn addressed_after_lists_what_addresses_a_person() {
    let me = identity(1);
    let other = identity(2);
    let third = identity(3);
    let mine = post(&me, 1, "mine");
    let follow = Event::create(
        &other,
        3,
        Content::Follow {
            followee: me.public_key(),
        },
    )
    .unwrap();
    let unfollow = Event::create(
        &other,
        4,
        Content::Unfollow {
            followee: me.public_key(),
        },
    )
    .unwrap();
    let addressing = [
        reply_mentioning(
            &other,
            2,
            mine.id,
            vec![me.public_key(), third.public_key()],
        ),
        follow,
        reaction(&other, 5, &mine, "🎉"),
        repost(&third, 6, &mine),
    ];
    let not_addressing = [
        // A reply without a mention does not address the parent's author (§8.9).
        reply(&other, 7, mine.id),
        unfollow,
        // Nobody addresses themselves.
        reaction(&me, 8, &mine, "🎉"),
        reply_mentioning(&me, 9, mine.id, vec![me.public_key()]),
    ];
    let mut all = vec![mine.clone()];
    all.extend(addressing.iter().cloned());
    all.extend(not_addressing.iter().cloned());
    let store = store_with(&all);
    let start = Cursor {
        timestamp: 0,
        id: EventId::from_bytes([0; 32]),
    };
    let page = store.addressed_after(&me.public_key(), start, 100).unwrap();
    let expected: Vec<_> = addressing
        .iter()
        .map(|e| (cursor(e), e.to_json().into_bytes()))
        .collect();
    assert_eq!(page.events, expected);
    assert!(!page.more);
    let theirs = store
        .addressed_after(&third.public_key(), start, 100)
        .unwrap();
    assert_eq!(theirs.events, [expected[0].clone()]);
}

#[test]
fn an_inbox_pages_across_equal_timestamps() {
    let me = identity(1);
    let others: Vec<Identity> = (2..9).map(identity).collect();
    let mine = post(&me, 1, "mine");
    let mut events = vec![mine.clone()];
    for n in 0..(MAX_EVENTS_PER_MESSAGE as u64 + 40) {
        events.push(reaction(&others[(n % 7) as usize], 10 + n / 7, &mine, "🎉"));
    }
    let store = store_with(&events);
    let mut expected: Vec<&Event> = events[1..].iter().collect();
    expected.sort_by_key(|e| cursor(e));
    let expected: Vec<Vec<u8>> = expected.iter().map(|e| e.to_json().into_bytes()).collect();
    let start = Cursor {
        timestamp: 0,
        id: EventId::from_bytes([0; 32]),
    };
    let got = every_response(
        |after| {
            store
                .addressed_after(
                    &me.public_key(),
                    after.unwrap_or(start),
                    MAX_EVENTS_PER_MESSAGE,
                )
                .expect("a page")
        },
        inbox_response_from,
    );
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "the inbox, in order, each once");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Each page of replies is, per parent, the first `limit + 1` strictly after the cursor,
    /// with `more` exactly when some parent has more than `limit` after it: whatever cursor,
    /// however many replies share a timestamp.
    #[test]
    fn replies_after_matches_the_model(
        plan in prop::collection::vec((0usize..3, 0u64..4), 0..30),
        limit in 0usize..5,
        at in 0usize..40,
        asked in prop::collection::vec(0usize..3, 0..4),
    ) {
        let a = identity(1);
        let parents: Vec<Event> = (0..3).map(|n| post(&a, 0, &format!("parent {n}"))).collect();
        let replies: Vec<Event> = plan
            .iter()
            .enumerate()
            .map(|(n, (parent, timestamp))| {
                reply(&identity(n as u8 % 3 + 2), 10 + timestamp, parents[*parent].id)
            })
            .collect();
        let mut events = parents.clone();
        events.extend(replies.iter().cloned());
        let store = store_with(&events);
        let asked: Vec<EventId> = asked.iter().map(|n| parents[*n].id).collect();
        let mut by_parent: BTreeMap<Vec<u8>, Vec<(Cursor, Vec<u8>)>> = BTreeMap::new();
        for r in &replies {
            let parent = r.as_post().unwrap().reply_to.unwrap();
            if asked.contains(&parent) {
                by_parent
                    .entry(parent.as_bytes().to_vec())
                    .or_default()
                    .push((cursor(r), r.to_json().into_bytes()));
            }
        }
        for list in by_parent.values_mut() {
            list.sort();
        }
        // From the start, and from a cursor at one of the replies (or past them all).
        let mut all: Vec<Cursor> = replies.iter().map(cursor).collect();
        all.sort();
        for after in [None, all.get(at).copied()] {
            let page = store.replies_after(&asked, after, limit).expect("a page");
            let (got, more) = sorted(page);
            let (want, want_more) = model_page(&by_parent, after, limit);
            let at = |page: &[(Cursor, Vec<u8>)]| page.iter().map(|(c, _)| *c).collect::<Vec<_>>();
            prop_assert_eq!(at(&got), at(&want));
            prop_assert!(got == want, "each event's JSON");
            prop_assert_eq!(more, want_more);
        }
    }
}
