//! Notifications through the store's public API: whose store it is, what is news for the user
//! and what is not, the order they are read in, unread tracking, deletes taking them back, the
//! 1,000 kept, and the rules that depend on the rest of a batch (a reply whose parent comes
//! later in it, a follow of someone who already followed) against a model of the background's
//! `notifications::record` under proptest.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::{delete, identity, post, profile, reaction, repost};
use phemossa_core::notices::{notice_of, parent_needed, Notice};
use phemossa_core::{
    Content, Event, EventId, FollowGraph, FollowRecord, Identity, Post, PublicKey,
};
use phemossa_store::{
    Notification, NotificationKind, Store, StoreError, MAX_NOTIFICATIONS, SNIPPET_CHARS,
};
use proptest::prelude::*;

/// A post by `author` mentioning `mentions`, replying to `reply_to`; its text is its own.
fn note(
    author: &Identity,
    timestamp: u64,
    mentions: Vec<PublicKey>,
    reply_to: Option<EventId>,
) -> Event {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let content = Content::Post(Post {
        text: format!("note {n} at {timestamp}"),
        mentions,
        reply_to,
    });
    Event::create(author, timestamp, content).expect("a valid post")
}

fn follow(author: &Identity, timestamp: u64, followee: PublicKey, follows: bool) -> Event {
    let content = if follows {
        Content::Follow { followee }
    } else {
        Content::Unfollow { followee }
    };
    Event::create(author, timestamp, content).expect("a valid follow")
}

/// A store whose user is `me`.
fn store_of(me: &Identity) -> Store {
    let mut store = Store::open_in_memory().expect("a store");
    store.set_user(&me.public_key()).expect("told whose");
    store
}

/// The stored notifications, newest first, as (event, kind).
fn kinds(store: &Store) -> Vec<(EventId, NotificationKind)> {
    store
        .notifications(usize::MAX)
        .expect("read")
        .into_iter()
        .map(|n| (n.id, n.kind))
        .collect()
}

#[test]
fn nothing_is_news_until_the_store_is_told_whose_it_is() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.user().unwrap(), None);
    store
        .insert_batch(&[note(&ada, 10, vec![me.public_key()], None)])
        .unwrap();
    assert_eq!(kinds(&store), []);
    store.set_user(&me.public_key()).unwrap();
    assert_eq!(store.user().unwrap(), Some(me.public_key()));
    let mention = note(&ada, 11, vec![me.public_key()], None);
    store.insert_batch(std::slice::from_ref(&mention)).unwrap();
    assert_eq!(kinds(&store), [(mention.id, NotificationKind::Mention)]);
    // Told another user (a restore): what is stored stays, what comes is theirs.
    store.set_user(&ada.public_key()).unwrap();
    assert_eq!(store.user().unwrap(), Some(ada.public_key()));
    let to_ada = note(&me, 12, vec![ada.public_key()], None);
    store.insert_batch(std::slice::from_ref(&to_ada)).unwrap();
    assert_eq!(
        kinds(&store),
        [
            (to_ada.id, NotificationKind::Mention),
            (mention.id, NotificationKind::Mention)
        ]
    );
}

#[test]
fn the_user_is_kept_in_the_file() {
    let dir = std::env::temp_dir().join(format!("phemossa-notices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.sqlite");
    let _ = std::fs::remove_file(&path);
    let me = identity(1);
    Store::open(&path)
        .unwrap()
        .set_user(&me.public_key())
        .unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.user().unwrap(), Some(me.public_key()));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replies_mentions_reactions_reposts_and_follows_of_the_user_are_news_with_their_fields() {
    let (me, ada, bob) = (identity(1), identity(2), identity(3));
    let mut store = store_of(&me);
    let mine = note(&me, 10, vec![], None);
    let hers = note(&ada, 11, vec![], None);
    store.insert_batch(&[mine.clone(), hers.clone()]).unwrap();
    let long = "é".repeat(SNIPPET_CHARS + 20);
    let reply = Event::create(
        &ada,
        20,
        Content::Post(Post {
            text: long.clone(),
            mentions: vec![me.public_key()],
            reply_to: Some(mine.id),
        }),
    )
    .unwrap();
    let mention = note(&bob, 21, vec![me.public_key()], Some(hers.id));
    let reacted = reaction(&bob, 22, &mine, "🎉");
    let reposted = repost(&ada, 23, &mine);
    let followed = follow(&bob, 24, me.public_key(), true);
    // Not news: a reply to someone else's post, a reaction to hers, the user's own events,
    // an unfollow, a follow of someone else.
    let quiet = [
        note(&bob, 30, vec![], Some(hers.id)),
        reaction(&bob, 31, &hers, "🎉"),
        note(&me, 32, vec![me.public_key()], Some(mine.id)),
        reaction(&me, 33, &mine, "🎉"),
        follow(&ada, 34, me.public_key(), false),
        follow(&ada, 35, bob.public_key(), true),
        repost(&bob, 36, &hers),
    ];
    let mut batch = vec![
        reply.clone(),
        mention.clone(),
        reacted.clone(),
        reposted.clone(),
        followed.clone(),
    ];
    batch.extend(quiet);
    store.insert_batch(&batch).unwrap();
    let all = store.notifications(100).unwrap();
    let snippet: String = long.chars().take(SNIPPET_CHARS).collect();
    let expected = vec![
        Notification {
            id: followed.id,
            kind: NotificationKind::Follow,
            from: bob.public_key(),
            timestamp: 24,
            post: None,
            text: None,
            emoji: None,
            unread: true,
        },
        Notification {
            id: reposted.id,
            kind: NotificationKind::Repost,
            from: ada.public_key(),
            timestamp: 23,
            post: Some(mine.id),
            text: None,
            emoji: None,
            unread: true,
        },
        Notification {
            id: reacted.id,
            kind: NotificationKind::Reaction,
            from: bob.public_key(),
            timestamp: 22,
            post: Some(mine.id),
            text: None,
            emoji: Some("🎉".into()),
            unread: true,
        },
        Notification {
            id: mention.id,
            kind: NotificationKind::Mention,
            from: bob.public_key(),
            timestamp: 21,
            post: Some(mention.id),
            text: Some(mention.as_post().unwrap().text.clone()),
            emoji: None,
            unread: true,
        },
        Notification {
            id: reply.id,
            kind: NotificationKind::Reply,
            from: ada.public_key(),
            timestamp: 20,
            post: Some(reply.id),
            text: Some(snippet),
            emoji: None,
            unread: true,
        },
    ];
    assert_eq!(all, expected);
}

#[test]
fn newest_first_ties_by_id_descending_and_limited() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let events: Vec<Event> = [5, 7, 7, 7, 3, 9]
        .iter()
        .map(|t| note(&ada, *t, vec![me.public_key()], None))
        .collect();
    store.insert_batch(&events).unwrap();
    let mut expected: Vec<(u64, EventId)> = events.iter().map(|e| (e.timestamp, e.id)).collect();
    expected.sort_by(|a, b| b.cmp(a));
    let read: Vec<(u64, EventId)> = store
        .notifications(100)
        .unwrap()
        .iter()
        .map(|n| (n.timestamp, n.id))
        .collect();
    assert_eq!(read, expected);
    let first: Vec<EventId> = store
        .notifications(4)
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        first,
        expected[..4].iter().map(|(_, id)| *id).collect::<Vec<_>>()
    );
    assert_eq!(store.notifications(0).unwrap(), []);
}

#[test]
fn unread_until_marked_read_and_new_ones_unread_again() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let first: Vec<Event> = (0..3)
        .map(|t| note(&ada, t, vec![me.public_key()], None))
        .collect();
    store.insert_batch(&first).unwrap();
    let mut ids: Vec<EventId> = first.iter().map(|e| e.id).collect();
    ids.sort();
    let unread: Vec<EventId> = store
        .unread_notifications()
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(unread, ids, "every new one unread, in id order");
    store.mark_notifications_read().unwrap();
    assert_eq!(store.unread_notifications().unwrap(), []);
    assert!(store.notifications(10).unwrap().iter().all(|n| !n.unread));
    let later = note(&ada, 9, vec![me.public_key()], None);
    store.insert_batch(std::slice::from_ref(&later)).unwrap();
    let unread: Vec<EventId> = store
        .unread_notifications()
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(unread, [later.id]);
    assert_eq!(store.notifications(10).unwrap().len(), 4);
}

#[test]
fn a_deleted_event_takes_its_notification_with_it() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let mine = note(&me, 1, vec![], None);
    let reacted = reaction(&ada, 2, &mine, "🎉");
    let mention = note(&ada, 3, vec![me.public_key()], None);
    store
        .insert_batch(&[mine.clone(), reacted.clone(), mention.clone()])
        .unwrap();
    assert_eq!(store.unread_notifications().unwrap().len(), 2);
    store
        .insert_batch(&[delete(&ada, 4, &[reacted.id])])
        .unwrap();
    assert_eq!(kinds(&store), [(mention.id, NotificationKind::Mention)]);
    assert_eq!(store.unread_notifications().unwrap().len(), 1);
    // The user deleting their post leaves the notifications of others' events about it.
    let reply = note(&ada, 5, vec![], Some(mine.id));
    store.insert_batch(std::slice::from_ref(&reply)).unwrap();
    store.insert_batch(&[delete(&me, 6, &[mine.id])]).unwrap();
    assert_eq!(
        kinds(&store),
        [
            (reply.id, NotificationKind::Reply),
            (mention.id, NotificationKind::Mention)
        ]
    );
    // And removing some by hand drops exactly those.
    store.remove_notifications(&[reply.id]).unwrap();
    assert_eq!(kinds(&store), [(mention.id, NotificationKind::Mention)]);
}

#[test]
fn the_newest_thousand_are_kept() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let total = MAX_NOTIFICATIONS as u64 + 25;
    // Timestamps in no order, some shared, over several batches.
    let events: Vec<Event> = (0..total)
        .map(|n| note(&ada, (n * 7919) % 600, vec![me.public_key()], None))
        .collect();
    for batch in events.chunks(300) {
        store.insert_batch(batch).unwrap();
    }
    let mut expected: Vec<(u64, EventId)> = events.iter().map(|e| (e.timestamp, e.id)).collect();
    expected.sort_by(|a, b| b.cmp(a));
    expected.truncate(MAX_NOTIFICATIONS as usize);
    let kept: Vec<(u64, EventId)> = store
        .notifications(usize::MAX)
        .unwrap()
        .iter()
        .map(|n| (n.timestamp, n.id))
        .collect();
    assert_eq!(kept, expected);
    assert_eq!(
        store.unread_notifications().unwrap().len(),
        MAX_NOTIFICATIONS as usize
    );
    // An old one arriving now goes at once; the events stay stored.
    store
        .insert_batch(&[note(&ada, 0, vec![me.public_key()], None)])
        .unwrap();
    assert_eq!(
        store.notifications(usize::MAX).unwrap().len(),
        MAX_NOTIFICATIONS as usize
    );
    assert_eq!(store.event_count().unwrap(), total + 1);
}

#[test]
fn a_reply_before_the_users_post_in_one_batch_is_a_reply_but_not_across_batches() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let mine = note(&me, 10, vec![], None);
    let reply = note(&ada, 11, vec![], Some(mine.id));
    let mentioning = note(&ada, 12, vec![me.public_key()], Some(mine.id));
    let other = note(&ada, 13, vec![], None);
    store
        .insert_batch(&[reply.clone(), mentioning.clone(), other, mine.clone()])
        .unwrap();
    let mut got = kinds(&store);
    got.sort_by_key(|(id, _)| *id);
    let mut expected = vec![
        (reply.id, NotificationKind::Reply),
        (mentioning.id, NotificationKind::Reply),
    ];
    expected.sort_by_key(|(id, _)| *id);
    assert_eq!(got, expected);

    // Across batches the background decides each batch alone: the parent was not stored.
    let mut store = store_of(&me);
    let mine = note(&me, 10, vec![], None);
    let reply = note(&ada, 11, vec![], Some(mine.id));
    let mentioning = note(&ada, 12, vec![me.public_key()], Some(mine.id));
    store
        .insert_batch(&[reply.clone(), mentioning.clone()])
        .unwrap();
    store.insert_batch(std::slice::from_ref(&mine)).unwrap();
    assert_eq!(kinds(&store), [(mentioning.id, NotificationKind::Mention)]);
}

#[test]
fn a_follow_is_news_once_and_not_from_someone_already_following() {
    let (me, ada, bob) = (identity(1), identity(2), identity(3));
    let key = me.public_key();
    let mut store = store_of(&me);
    // Two follows of one batch: one notice.
    let first = follow(&ada, 10, key, true);
    let again = follow(&ada, 11, key, true);
    store.insert_batch(&[first.clone(), again]).unwrap();
    assert_eq!(kinds(&store), [(first.id, NotificationKind::Follow)]);
    // Already following: the same edge signed again is not news.
    store.insert_batch(&[follow(&ada, 12, key, true)]).unwrap();
    assert_eq!(kinds(&store).len(), 1);
    // Unfollowed, then followed again in a later batch: news again.
    store.insert_batch(&[follow(&ada, 13, key, false)]).unwrap();
    let back = follow(&ada, 14, key, true);
    store.insert_batch(std::slice::from_ref(&back)).unwrap();
    assert_eq!(
        kinds(&store),
        [
            (back.id, NotificationKind::Follow),
            (first.id, NotificationKind::Follow)
        ]
    );
    // What decides is the follows before the batch: an unfollow in the same batch, newer
    // than the follow, does not make the follow news.
    let mut store = store_of(&me);
    store.insert_batch(&[follow(&bob, 1, key, true)]).unwrap();
    store.mark_notifications_read().unwrap();
    store
        .insert_batch(&[follow(&bob, 3, key, false), follow(&bob, 2, key, true)])
        .unwrap();
    assert_eq!(store.unread_notifications().unwrap(), []);
    // And follow, unfollow, follow of one batch from nobody following: one notice.
    let mut store = store_of(&me);
    let one = follow(&bob, 1, key, true);
    store
        .insert_batch(&[
            one.clone(),
            follow(&bob, 2, key, false),
            follow(&bob, 3, key, true),
        ])
        .unwrap();
    assert_eq!(kinds(&store), [(one.id, NotificationKind::Follow)]);
}

#[test]
fn a_damaged_notification_is_an_error_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("phemossa-notices-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.sqlite");
    let _ = std::fs::remove_file(&path);
    let (me, ada) = (identity(1), identity(2));
    {
        let mut store = Store::open(&path).unwrap();
        store.set_user(&me.public_key()).unwrap();
        store
            .insert_batch(&[note(&ada, 1, vec![me.public_key()], None)])
            .unwrap();
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("UPDATE notifications SET kind = 'poke'", [])
        .unwrap();
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.notifications(10),
        Err(StoreError::CorruptRow {
            table: "notifications",
            ..
        })
    ));
    raw.execute(
        "UPDATE notifications SET kind = 'mention', sender = x'01'",
        [],
    )
    .unwrap();
    assert!(matches!(
        store.unread_notifications(),
        Err(StoreError::CorruptRow {
            table: "notifications",
            ..
        })
    ));
    raw.execute("UPDATE store_user SET key = x'0102'", [])
        .unwrap();
    assert!(matches!(
        store.user(),
        Err(StoreError::CorruptRow {
            table: "store_user",
            ..
        })
    ));
    drop((store, raw));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn profiles_and_deletes_are_never_news() {
    let (me, ada) = (identity(1), identity(2));
    let mut store = store_of(&me);
    let hers = note(&ada, 1, vec![], None);
    store
        .insert_batch(&[hers.clone(), profile(&ada, 2, "Ada"), post(&ada, 3, "hi")])
        .unwrap();
    store.insert_batch(&[delete(&ada, 4, &[hers.id])]).unwrap();
    assert_eq!(kinds(&store), []);
}

/// One event of a generated run: who writes it and what it is.
#[derive(Debug, Clone)]
enum Plan {
    /// A post by author `a` (0 is the user) at `t`, mentioning the user or not, replying to the
    /// earlier planned post `parent` (an index among the plan's posts) or to nothing.
    Post {
        a: usize,
        t: u64,
        mention: bool,
        parent: Option<usize>,
    },
    /// A follow (or unfollow) of the user by author `a`.
    Follow { a: usize, t: u64, follows: bool },
    /// A reaction by `a` to the planned post `target`.
    React { a: usize, t: u64, target: usize },
}

fn plan() -> impl Strategy<Value = Plan> {
    prop_oneof![
        (
            0usize..3,
            0u64..6,
            any::<bool>(),
            prop::option::of(0usize..12)
        )
            .prop_map(|(a, t, mention, parent)| Plan::Post {
                a,
                t,
                mention,
                parent
            }),
        (1usize..3, 0u64..6, any::<bool>()).prop_map(|(a, t, follows)| Plan::Follow {
            a,
            t,
            follows
        }),
        (1usize..3, 0u64..6, 0usize..12).prop_map(|(a, t, target)| Plan::React { a, t, target }),
    ]
}

/// The events of `plans`, in the plan's order (a reply or reaction names an earlier post).
fn events_of(plans: &[Plan], people: &[Identity]) -> Vec<Event> {
    let me = people[0].public_key();
    let mut posts: Vec<Event> = Vec::new();
    let mut events = Vec::new();
    for plan in plans {
        let event = match plan {
            Plan::Post {
                a,
                t,
                mention,
                parent,
            } => {
                let reply_to = parent.and_then(|p| posts.get(p)).map(|p| p.id);
                let mentions = if *mention { vec![me] } else { vec![] };
                let event = note(&people[*a], *t, mentions, reply_to);
                posts.push(event.clone());
                event
            }
            Plan::Follow { a, t, follows } => follow(&people[*a], *t, me, *follows),
            Plan::React { a, t, target } => match posts.get(*target) {
                Some(target) => reaction(&people[*a], *t, target, "🎉"),
                None => continue,
            },
        };
        events.push(event);
    }
    events
}

/// What the background writes for these batches: `notifications::record` over each batch's new
/// events once the batch is stored, then the 1,000 kept.
fn model(batches: &[Vec<Event>], me: &PublicKey) -> Vec<(u64, EventId, NotificationKind)> {
    let mut stored: HashMap<EventId, PublicKey> = HashMap::new();
    let mut records: Vec<FollowRecord> = Vec::new();
    let mut kept: HashMap<EventId, (u64, NotificationKind)> = HashMap::new();
    for batch in batches {
        let fresh: Vec<&Event> = batch
            .iter()
            .filter(|event| stored.insert(event.id, event.author).is_none())
            .collect();
        let before = FollowGraph::from_records(records.iter().copied());
        let mut told = HashSet::new();
        for event in &fresh {
            let parent = parent_needed(event).and_then(|id| stored.get(&id));
            let Some(notice) = notice_of(event, me, parent) else {
                continue;
            };
            if notice == Notice::Follow
                && (before.is_following(&event.author, me) || !told.insert(event.author))
            {
                continue;
            }
            let kind = match notice {
                Notice::Reply { .. } => NotificationKind::Reply,
                Notice::Mention => NotificationKind::Mention,
                Notice::Reaction { .. } => NotificationKind::Reaction,
                Notice::Repost { .. } => NotificationKind::Repost,
                Notice::Follow => NotificationKind::Follow,
            };
            kept.insert(event.id, (event.timestamp, kind));
        }
        records.extend(
            fresh
                .iter()
                .filter_map(|event| FollowRecord::from_event(event)),
        );
    }
    let mut all: Vec<_> = kept
        .into_iter()
        .map(|(id, (timestamp, kind))| (timestamp, id, kind))
        .collect();
    all.sort_by_key(|(timestamp, id, _)| std::cmp::Reverse((*timestamp, *id)));
    all.truncate(MAX_NOTIFICATIONS as usize);
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the order events come in and however they are split into batches (repeats
    /// included), the notifications are the background's: replies whose parent is the user's
    /// by the end of their batch, follows of people not following before the batch, once.
    #[test]
    fn notifications_match_the_background_per_batch(
        plans in prop::collection::vec(plan(), 1..40),
        order in prop::collection::vec(any::<u16>(), 40),
        cuts in prop::collection::vec(any::<bool>(), 40),
        repeats in prop::collection::vec(0usize..40, 0..4),
    ) {
        let people: Vec<Identity> = (1..=3).map(identity).collect();
        let me = people[0].public_key();
        let mut events = events_of(&plans, &people);
        for repeat in repeats {
            if let Some(event) = events.get(repeat).cloned() {
                events.push(event);
            }
        }
        // Shuffled by the generated keys, so a reply may come before its parent.
        let mut keyed: Vec<(u16, Event)> = events
            .into_iter()
            .enumerate()
            .map(|(n, event)| (order[n % order.len()], event))
            .collect();
        keyed.sort_by_key(|(key, _)| *key);
        let mut batches: Vec<Vec<Event>> = vec![Vec::new()];
        for (n, (_, event)) in keyed.into_iter().enumerate() {
            if cuts[n % cuts.len()] && !batches.last().is_some_and(Vec::is_empty) {
                batches.push(Vec::new());
            }
            if let Some(batch) = batches.last_mut() {
                batch.push(event);
            }
        }
        let mut store = store_of(&people[0]);
        for batch in &batches {
            store.insert_batch(batch).unwrap();
        }
        let got: Vec<_> = store
            .notifications(usize::MAX)
            .unwrap()
            .into_iter()
            .map(|n| (n.timestamp, n.id, n.kind))
            .collect();
        prop_assert_eq!(got, model(&batches, &me));
    }
}
