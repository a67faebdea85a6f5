//! The store worker's answers, natively over a store in memory: each request does what the
//! store's own call does (a sync's, and every group of the other queries and writes), and bad
//! messages, keys and events are answered with a typed failure that stores nothing.

#![cfg(not(target_arch = "wasm32"))]

use phemossa_core::blob::{hash_of, BlobKind};
use phemossa_core::event::check_batch::{check_batch, pack_batch};
use phemossa_core::retention::RetentionSettings;
use phemossa_core::{
    BlobHash, Content, Event, EventId, FeedCursor, Identity, ImagePost, Post, PostImage, Profile,
    Reaction, Repost,
};
use phemossa_store::{BackupRecord, PeerRecord, Setting, Store};
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

/// An insert request naming no signature as checked: the worker checks every one itself.
fn unpaired(jsons: Vec<String>) -> Request {
    Request::Insert {
        events: jsons
            .into_iter()
            .map(|json| ByteString(json.into_bytes()))
            .collect(),
        verified: ByteString(Vec::new()),
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
    let request = unpaired(vec![event.to_json()]);
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
    let request = unpaired(vec![good.to_json(), forged]);
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
    let request = unpaired(vec![event.to_json()]);
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

// The store's other queries and writes through messages: for each group, the answer is the
// store's own call on the same data (reads on one store; writes on twin stores, one written
// through messages and one directly, then read back alike).

/// The people of the fixture: Ada is the user.
struct People {
    ada: Identity,
    bob: Identity,
    cy: Identity,
}

fn people() -> People {
    People {
        ada: Identity::from_seed([1; 32]),
        bob: Identity::from_seed([2; 32]),
        cy: Identity::from_seed([3; 32]),
    }
}

fn event(author: &Identity, timestamp: u64, content: Content) -> Event {
    Event::create(author, timestamp, content).unwrap()
}

/// A picture's bytes, and its name.
fn picture(n: u8) -> (Vec<u8>, BlobHash) {
    let bytes = [b"\x89PNG\r\n\x1a\n".as_slice(), &[n; 64]].concat();
    let hash = hash_of(&bytes);
    (bytes, hash)
}

/// Posts, a reply mentioning Ada, reactions, a repost, follows, a profile and an image post:
/// something for every query to find.
fn fixture(p: &People) -> Vec<Event> {
    let first = post(&p.ada, 10, "hello moss");
    let reply = event(
        &p.bob,
        20,
        Content::Post(Post {
            text: "hello back, moss".into(),
            mentions: vec![p.ada.public_key()],
            reply_to: Some(first.id),
        }),
    );
    let reaction = event(
        &p.cy,
        30,
        Content::Reaction(Reaction {
            target: first.id,
            target_author: p.ada.public_key(),
            emoji: "🌿".into(),
        }),
    );
    let repost = event(
        &p.bob,
        40,
        Content::Repost(Repost {
            original: Box::new(first.clone()),
        }),
    );
    let follows = [
        event(
            &p.bob,
            50,
            Content::Follow {
                followee: p.ada.public_key(),
            },
        ),
        event(
            &p.cy,
            51,
            Content::Follow {
                followee: p.ada.public_key(),
            },
        ),
        event(
            &p.ada,
            52,
            Content::Follow {
                followee: p.bob.public_key(),
            },
        ),
        event(
            &p.cy,
            53,
            Content::Unfollow {
                followee: p.ada.public_key(),
            },
        ),
    ];
    let profile = event(
        &p.bob,
        60,
        Content::Profile(Profile {
            name: "Bob".into(),
            about: "moss and stones".into(),
            avatar: None,
        }),
    );
    let pictures = event(
        &p.cy,
        70,
        Content::ImagePost(ImagePost {
            post: Post {
                text: "moss up close".into(),
                mentions: vec![],
                reply_to: None,
            },
            images: vec![PostImage {
                blob: picture(1).1,
                alt: "moss".into(),
            }],
        }),
    );
    let mut events = vec![first, reply, reaction, repost, profile, pictures];
    events.extend(follows);
    events.extend((0..5).map(|n| post(&p.cy, 100 + n, &format!("stone {n}"))));
    events
}

/// A store in memory that is Ada's, holding the fixture.
fn store_of(p: &People) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.set_user(&p.ada.public_key()).unwrap();
    store.insert_batch(&fixture(p)).unwrap();
    store
}

fn key_of(identity: &Identity) -> Bytes32 {
    Bytes32::from(identity.public_key())
}

fn id_of(event: &Event) -> Bytes32 {
    Bytes32::from(event.id)
}

/// 32 bytes that are not a key: y = 2 is no point on the curve.
fn not_a_key() -> Bytes32 {
    let mut bytes = [0; 32];
    bytes[0] = 2;
    Bytes32(bytes)
}

fn bytes32s(ids: Vec<EventId>) -> Vec<Bytes32> {
    ids.into_iter().map(Bytes32::from).collect()
}

#[test]
fn the_feed_and_pages_of_every_event_are_the_stores_own() {
    let p = people();
    let mut store = store_of(&p);
    let authors = [p.ada.public_key(), p.bob.public_key(), p.cy.public_key()];
    let mut before = None;
    let mut pages = 0;
    loop {
        let expected = store.feed_page(&authors, before, 3).unwrap();
        let request = Request::FeedPage {
            authors: authors.iter().map(|k| Bytes32::from(*k)).collect(),
            before: before.map(|c: FeedCursor| (c.timestamp, c.id.into())),
            limit: 3,
        };
        assert_eq!(
            ask(&mut store, &request),
            Answer::FeedPage {
                posts: expected.items.clone(),
                next: expected.next.map(|c| (c.timestamp, c.id.into())),
            }
        );
        assert!(!expected.items.is_empty());
        pages += 1;
        match expected.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert!(pages > 2, "the feed is paged: {pages} pages");

    let posts = store.feed_page(&authors, None, 50).unwrap().items;
    assert!(posts.iter().any(|post| post.original.is_some()));
    assert_eq!(
        ask(
            &mut store,
            &Request::WithoutWithdrawn {
                posts: posts.clone()
            }
        ),
        Answer::Posts {
            posts: store.without_withdrawn(posts.clone()).unwrap()
        }
    );
    let repost = posts.iter().find(|post| post.original.is_some()).unwrap();
    let Answer::Post { post } = ask(
        &mut store,
        &Request::Post {
            id: repost.id.into(),
        },
    ) else {
        panic!("not a post");
    };
    assert_eq!(post.as_ref(), Some(repost));
    assert_eq!(post, store.post(&repost.id).unwrap());

    let mut after: Option<EventId> = None;
    let mut seen = 0;
    loop {
        let expected = store.events_after(after.as_ref(), 4).unwrap();
        assert_eq!(
            ask(
                &mut store,
                &Request::EventsAfter {
                    after: after.map(Bytes32::from),
                    limit: 4
                }
            ),
            Answer::Events {
                events: expected.clone()
            }
        );
        seen += expected.len();
        match expected.last() {
            Some(last) => after = Some(last.id),
            None => break,
        }
    }
    assert_eq!(seen as u64, store.event_count().unwrap());
}

#[test]
fn threads_and_peers_pages_are_the_stores_own() {
    let p = people();
    let events = fixture(&p);
    let mut store = store_of(&p);
    let ids: Vec<Bytes32> = events.iter().map(id_of).collect();
    let Answer::ReplyCounts { counts } =
        ask(&mut store, &Request::ReplyCounts { ids: ids.clone() })
    else {
        panic!("no counts");
    };
    assert_eq!(counts[0], 1, "the first post has its reply");
    assert_eq!(counts, store.reply_counts(&event_ids_of(&events)).unwrap());

    let parents = vec![id_of(&events[0])];
    let Answer::PeerPage(page) = ask(
        &mut store,
        &Request::RepliesAfter {
            parents: parents.clone(),
            after: None,
            limit: 10,
        },
    ) else {
        panic!("no page");
    };
    assert_eq!(page.events.len(), 1);
    assert_eq!(
        page,
        store.replies_after(&[events[0].id], None, 10).unwrap()
    );

    let start = Cursor {
        timestamp: 0,
        id: EventId::from_bytes([0; 32]),
    };
    let Answer::PeerPage(page) = ask(
        &mut store,
        &Request::AddressedAfter {
            person: key_of(&p.ada),
            after: (0, Bytes32([0; 32])),
            limit: 2,
        },
    ) else {
        panic!("no page");
    };
    assert!(page.more, "more address Ada than a page of 2");
    assert_eq!(
        page,
        store
            .addressed_after(&p.ada.public_key(), start, 2)
            .unwrap()
    );

    let Answer::Thread { thread } = ask(
        &mut store,
        &Request::Thread {
            id: id_of(&events[1]),
            limit: 10,
        },
    ) else {
        panic!("no thread");
    };
    assert_eq!(thread.as_ref().map(|t| t.root.id), Some(events[0].id));
    assert_eq!(thread, store.thread(&events[1].id, 10).unwrap());
}

fn event_ids_of(events: &[Event]) -> Vec<EventId> {
    events.iter().map(|e| e.id).collect()
}

#[test]
fn reactions_and_reposts_are_the_stores_own() {
    let p = people();
    let events = fixture(&p);
    let mut store = store_of(&p);
    let posts = vec![id_of(&events[0]), id_of(&events[1])];
    let Answer::Reactions { lists } = ask(
        &mut store,
        &Request::ReactionsTo {
            posts: posts.clone(),
        },
    ) else {
        panic!("no reactions");
    };
    assert_eq!(lists[0].len(), 1);
    assert_eq!(lists[0][0].emoji, "🌿");
    assert_eq!(
        lists,
        store.reactions_to(&[events[0].id, events[1].id]).unwrap()
    );
    assert_eq!(
        ask(
            &mut store,
            &Request::RepostsOf {
                author: key_of(&p.bob),
                posts
            }
        ),
        Answer::Reposts {
            ids: vec![Some(id_of(&events[3])), None]
        }
    );
    assert_eq!(
        store
            .reposts_of(&p.bob.public_key(), &[events[0].id, events[1].id])
            .unwrap(),
        vec![Some(events[3].id), None]
    );
}

#[test]
fn people_are_the_stores_own() {
    let p = people();
    let mut store = store_of(&p);
    let ada = p.ada.public_key();
    let records = |answer: Answer| match answer {
        Answer::FollowRecords { records } => records,
        other => panic!("{other:?}"),
    };
    let by_cy = records(ask(
        &mut store,
        &Request::FollowRecords {
            follower: key_of(&p.cy),
        },
    ));
    assert_eq!(by_cy.len(), 2, "a follow and an unfollow");
    assert_eq!(by_cy, store.follow_records(&p.cy.public_key()).unwrap());
    let to_ada = records(ask(
        &mut store,
        &Request::RecordsFollowing {
            followee: key_of(&p.ada),
        },
    ));
    assert_eq!(to_ada.len(), 3);
    assert_eq!(to_ada, store.records_following(&ada).unwrap());
    let following = records(ask(
        &mut store,
        &Request::Following {
            follower: key_of(&p.ada),
        },
    ));
    assert_eq!(following.len(), 1);
    assert_eq!(following, store.following(&ada).unwrap());
    let followers = records(ask(
        &mut store,
        &Request::Followers {
            followee: key_of(&p.ada),
        },
    ));
    assert_eq!(followers.len(), 1, "Cy unfollowed");
    assert_eq!(followers, store.followers(&ada).unwrap());

    let Answer::Profiles { profiles } = ask(
        &mut store,
        &Request::ProfilesOf {
            authors: vec![key_of(&p.bob), key_of(&p.cy)],
        },
    ) else {
        panic!("no profiles");
    };
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].name, "Bob");
    assert_eq!(
        profiles,
        store
            .profiles_of(&[p.bob.public_key(), p.cy.public_key()])
            .unwrap()
    );

    // A nickname set through messages on one twin and directly on the other reads back alike.
    let mut direct = store_of(&p);
    assert_eq!(
        ask(
            &mut store,
            &Request::SetNickname {
                author: key_of(&p.bob),
                nickname: Some("Bobby".into())
            }
        ),
        Answer::Done
    );
    direct
        .set_nickname(&p.bob.public_key(), Some("Bobby"))
        .unwrap();
    let Answer::Nicknames { nicknames } = ask(&mut store, &Request::Nicknames) else {
        panic!("no nicknames");
    };
    assert_eq!(nicknames.len(), 1);
    assert_eq!(nicknames, direct.nicknames().unwrap());
    assert_eq!(
        ask(
            &mut store,
            &Request::NicknameOf {
                author: key_of(&p.bob)
            }
        ),
        Answer::Text {
            text: Some("Bobby".into())
        }
    );
    ask(
        &mut store,
        &Request::SetNickname {
            author: key_of(&p.bob),
            nickname: None,
        },
    );
    assert_eq!(
        ask(
            &mut store,
            &Request::NicknameOf {
                author: key_of(&p.bob)
            }
        ),
        Answer::Text { text: None }
    );
}

#[test]
fn totals_are_the_stores_own() {
    let p = people();
    let mut store = store_of(&p);
    let Answer::Totals(totals) = ask(&mut store, &Request::Totals) else {
        panic!("no totals");
    };
    assert_eq!(totals.events, store.event_count().unwrap());
    assert_eq!(totals, store.totals().unwrap());
    let authors = vec![key_of(&p.ada), key_of(&p.cy)];
    let Answer::Counts { counts } = ask(&mut store, &Request::StoredBytesOf { authors }) else {
        panic!("no counts");
    };
    assert!(counts.iter().all(|bytes| *bytes > 0));
    assert_eq!(
        counts,
        store
            .stored_bytes_of(&[p.ada.public_key(), p.cy.public_key()])
            .unwrap()
    );
    let Answer::AuthorTotals { totals } = ask(&mut store, &Request::AuthorTotals) else {
        panic!("no author totals");
    };
    assert_eq!(totals.len(), 3);
    assert_eq!(totals, store.author_totals().unwrap());
}

#[test]
fn notifications_are_the_stores_own() {
    let p = people();
    let events = fixture(&p);
    let mut served = Store::open_in_memory().unwrap();
    assert_eq!(
        ask(&mut served, &Request::User),
        Answer::User { user: None }
    );
    assert_eq!(
        ask(
            &mut served,
            &Request::SetUser {
                user: key_of(&p.ada)
            }
        ),
        Answer::Done
    );
    assert_eq!(
        ask(&mut served, &Request::User),
        Answer::User {
            user: Some(p.ada.public_key())
        }
    );
    served.insert_batch(&events).unwrap();
    let mut direct = store_of(&p);

    let Answer::Notifications { notifications } =
        ask(&mut served, &Request::Notifications { limit: 3 })
    else {
        panic!("no notifications");
    };
    assert_eq!(notifications.len(), 3);
    assert_eq!(notifications, direct.notifications(3).unwrap());
    let Answer::Notifications { notifications } = ask(&mut served, &Request::UnreadNotifications)
    else {
        panic!("no notifications");
    };
    assert!(
        notifications.len() > 3,
        "a reply, a reaction, a repost, follows"
    );
    assert_eq!(notifications, direct.unread_notifications().unwrap());

    let gone = vec![notifications[0].id];
    assert_eq!(
        ask(
            &mut served,
            &Request::RemoveNotifications {
                ids: bytes32s(gone.clone())
            }
        ),
        Answer::Done
    );
    direct.remove_notifications(&gone).unwrap();
    assert_eq!(
        ask(&mut served, &Request::Notifications { limit: 100 }),
        Answer::Notifications {
            notifications: direct.notifications(100).unwrap()
        }
    );
    assert_eq!(
        ask(&mut served, &Request::MarkNotificationsRead),
        Answer::Done
    );
    direct.mark_notifications_read().unwrap();
    assert_eq!(
        ask(&mut served, &Request::UnreadNotifications),
        Answer::Notifications {
            notifications: vec![]
        }
    );
    assert_eq!(
        ask(&mut served, &Request::Notifications { limit: 100 }),
        Answer::Notifications {
            notifications: direct.notifications(100).unwrap()
        }
    );
}

#[test]
fn pictures_are_the_stores_own() {
    let p = people();
    let mut served = store_of(&p);
    let mut direct = store_of(&p);
    let (named, named_hash) = picture(1);
    let (loose, loose_hash) = picture(2);
    for (bytes, hash) in [(&named, named_hash), (&loose, loose_hash)] {
        let request = Request::PutBlob {
            hash: Bytes32(*hash.as_bytes()),
            kind: BlobKind::Image,
            bytes: ByteString(bytes.clone()),
            stored_ms: 5,
        };
        assert_eq!(ask(&mut served, &request), Answer::Done);
        direct.put_blob(&hash, BlobKind::Image, bytes, 5).unwrap();
    }
    // Bytes that are not their name are refused, and nothing is stored.
    let (other, other_hash) = picture(3);
    let forged = Request::PutBlob {
        hash: Bytes32(*other_hash.as_bytes()),
        kind: BlobKind::Image,
        bytes: ByteString(named.clone()),
        stored_ms: 5,
    };
    assert_eq!(
        failure_kind(ask(&mut served, &forged)),
        FailureKind::Refused
    );

    assert_eq!(
        ask(
            &mut served,
            &Request::Blob {
                hash: Bytes32(*named_hash.as_bytes())
            }
        ),
        Answer::Bytes {
            bytes: direct.blob(&named_hash).unwrap().map(ByteString)
        }
    );
    assert_eq!(
        ask(
            &mut served,
            &Request::Blob {
                hash: Bytes32(*named_hash.as_bytes())
            }
        ),
        Answer::Bytes {
            bytes: Some(ByteString(named.clone()))
        }
    );
    let hashes = [named_hash, loose_hash, other_hash];
    let Answer::Flags { flags } = ask(
        &mut served,
        &Request::HeldBlobs {
            hashes: hashes.iter().map(|h| Bytes32(*h.as_bytes())).collect(),
        },
    ) else {
        panic!("no flags");
    };
    assert_eq!(flags, vec![true, true, false]);
    assert_eq!(flags, direct.held_blobs(&hashes).unwrap());
    drop(other);

    // The sweep takes the picture nothing names, as the store's own does.
    assert_eq!(
        ask(&mut served, &Request::SweepBlobs { stored_before: 6 }),
        Answer::Removed { count: 1 }
    );
    assert_eq!(direct.sweep_blobs(6).unwrap(), 1);
    assert_eq!(
        ask(
            &mut served,
            &Request::HeldBlobs {
                hashes: hashes.iter().map(|h| Bytes32(*h.as_bytes())).collect(),
            }
        ),
        Answer::Flags {
            flags: direct.held_blobs(&hashes).unwrap()
        }
    );
}

#[test]
fn settings_keys_and_peers_are_the_stores_own() {
    let p = people();
    let mut served = Store::open_in_memory().unwrap();
    let mut direct = Store::open_in_memory().unwrap();
    assert_eq!(
        ask(
            &mut served,
            &Request::Setting {
                setting: Setting::Retention
            }
        ),
        Answer::Text { text: None }
    );
    let json = r#"{"others_days":30,"others_mb":500}"#;
    assert_eq!(
        ask(
            &mut served,
            &Request::SaveSetting {
                setting: Setting::Retention,
                json: json.into()
            }
        ),
        Answer::Done
    );
    direct.save_setting(Setting::Retention, json).unwrap();
    assert_eq!(
        ask(
            &mut served,
            &Request::Setting {
                setting: Setting::Retention
            }
        ),
        Answer::Text {
            text: direct.setting(Setting::Retention).unwrap()
        }
    );
    assert_eq!(
        ask(
            &mut served,
            &Request::Setting {
                setting: Setting::Network
            }
        ),
        Answer::Text { text: None }
    );

    assert_eq!(
        ask(&mut served, &Request::DeviceKey),
        Answer::Bytes { bytes: None }
    );
    let protobuf = vec![8, 1, 18, 32, 7];
    assert_eq!(
        ask(
            &mut served,
            &Request::SaveDeviceKey {
                protobuf: ByteString(protobuf.clone())
            }
        ),
        Answer::Done
    );
    direct.save_device_key(&protobuf).unwrap();
    assert_eq!(
        ask(&mut served, &Request::DeviceKey),
        Answer::Bytes {
            bytes: direct.device_key().unwrap().map(ByteString)
        }
    );

    let record = BackupRecord {
        public_key: p.ada.public_key(),
        exported_at: Some(9),
        snoozed_until: 12,
    };
    assert_eq!(
        ask(
            &mut served,
            &Request::SaveBackupRecord {
                record: record.clone()
            }
        ),
        Answer::Done
    );
    direct.save_backup_record(&record).unwrap();
    assert_eq!(
        ask(&mut served, &Request::BackupRecord),
        Answer::Backup {
            record: Some(record)
        }
    );
    assert_eq!(
        ask(&mut served, &Request::BackupRecord),
        Answer::Backup {
            record: direct.backup_record().unwrap()
        }
    );

    for (n, owner) in [(1, Some(p.bob.public_key())), (2, None), (3, None)] {
        let record = PeerRecord {
            peer_id: format!("12D3peer{n}"),
            address: Some(format!("/dns4/relay{n}")),
            events_received: n,
            last_seen: 100 * n,
            owner,
            ..PeerRecord::default()
        };
        assert_eq!(
            ask(
                &mut served,
                &Request::SavePeer {
                    record: record.clone()
                }
            ),
            Answer::Done
        );
        direct.save_peer(&record).unwrap();
    }
    let forget = vec!["12D3peer2".to_string()];
    assert_eq!(
        ask(
            &mut served,
            &Request::ForgetPeers {
                peer_ids: forget.clone()
            }
        ),
        Answer::Done
    );
    direct.forget_peers(&forget).unwrap();
    let Answer::Peers { peers } = ask(&mut served, &Request::PeerRecords) else {
        panic!("no peers");
    };
    assert_eq!(peers.len(), 2);
    assert_eq!(peers[0].owner, Some(p.bob.public_key()));
    assert_eq!(peers, direct.peer_records().unwrap());
}

#[test]
fn search_is_the_stores_own() {
    let p = people();
    let mut served = store_of(&p);
    let mut direct = store_of(&p);
    let Answer::Count { events: waiting } = ask(&mut served, &Request::SearchPending) else {
        panic!("no count");
    };
    assert_eq!(waiting, direct.search_pending().unwrap());
    assert!(waiting > 2);
    assert_eq!(
        ask(&mut served, &Request::IndexPending { limit: 2 }),
        Answer::Count { events: 2 }
    );
    assert_eq!(direct.index_pending(2).unwrap(), 2);
    assert_eq!(
        ask(&mut served, &Request::SearchPending),
        Answer::Count {
            events: direct.search_pending().unwrap()
        }
    );
    ask(&mut served, &Request::IndexPending { limit: 100 });
    direct.index_pending(100).unwrap();

    let words = vec!["moss".to_string()];
    let Answer::Posts { posts } = ask(
        &mut served,
        &Request::SearchPosts {
            query_words: words.clone(),
            limit: 10,
        },
    ) else {
        panic!("no posts");
    };
    assert_eq!(posts.len(), 3, "hello moss, hello back, moss up close");
    assert_eq!(posts, direct.search_posts(&words, 10).unwrap());
    assert_eq!(
        ask(
            &mut served,
            &Request::SearchPostIds {
                query_words: words.clone(),
                limit: 2
            }
        ),
        Answer::EventIds {
            ids: bytes32s(direct.search_post_ids(&words, 2).unwrap())
        }
    );
}

#[test]
fn keeping_people_out_is_the_stores_own() {
    let p = people();
    let mut served = store_of(&p);
    let mut direct = store_of(&p);
    let days = vec![(key_of(&p.cy), 0), (key_of(&p.ada), 86_400_000)];
    let Answer::Counts { counts } = ask(&mut served, &Request::CountsByAuthorDay { days }) else {
        panic!("no counts");
    };
    assert_eq!(counts, vec![9, 0], "all of Cy's events are on day 0");
    assert_eq!(
        counts,
        direct
            .counts_by_author_day(&[(p.cy.public_key(), 0), (p.ada.public_key(), 86_400_000)])
            .unwrap()
    );
    let Answer::EventIds { ids } = ask(
        &mut served,
        &Request::IdsOfAuthor {
            author: key_of(&p.cy),
        },
    ) else {
        panic!("no ids");
    };
    assert_eq!(
        ids,
        bytes32s(direct.ids_of_author(&p.cy.public_key()).unwrap())
    );
    assert_eq!(
        ask(&mut served, &Request::RemoveBlocked { ids: ids.clone() }),
        Answer::Removed { count: 9 }
    );
    let ids: Vec<EventId> = ids.into_iter().map(EventId::from).collect();
    assert_eq!(direct.remove_blocked(&ids).unwrap(), 9);
    assert_eq!(count(&mut served), direct.event_count().unwrap());
    assert_eq!(
        ask(&mut served, &Request::Totals),
        Answer::Totals(direct.totals().unwrap())
    );
}

#[test]
fn retention_with_the_kept_authors_listed_is_the_stores_own() {
    let p = people();
    let mut served = store_of(&p);
    let mut direct = store_of(&p);
    let settings = RetentionSettings {
        others_days: 1,
        others_mb: 500,
    };
    let kept = [p.ada.public_key(), p.bob.public_key()];
    let listed: Vec<Bytes32> = kept.iter().map(|k| Bytes32::from(*k)).collect();
    let Answer::PrunePlan { remove, bytes } = ask(
        &mut served,
        &Request::PlanPrune {
            kept: listed.clone(),
            settings,
            now_ms: NOW,
        },
    ) else {
        panic!("no plan");
    };
    let plan = direct
        .plan_prune(|author| kept.contains(author), &settings, NOW)
        .unwrap();
    assert_eq!(remove.len(), 9, "Cy's nine events, and only theirs");
    assert_eq!(remove, bytes32s(plan.remove.clone()));
    assert_eq!(bytes, plan.bytes);

    // Pruning some by id, then the rest by a pass.
    assert_eq!(
        ask(
            &mut served,
            &Request::PruneEvents {
                ids: remove[..2].to_vec()
            }
        ),
        Answer::Removed { count: 2 }
    );
    assert_eq!(direct.prune_events(&plan.remove[..2]).unwrap(), 2);
    assert_eq!(
        ask(
            &mut served,
            &Request::Prune {
                kept: listed,
                settings,
                now_ms: NOW
            }
        ),
        Answer::Removed { count: 7 }
    );
    assert_eq!(
        direct
            .prune(|author| kept.contains(author), &settings, NOW)
            .unwrap(),
        7
    );
    assert_eq!(
        ask(&mut served, &Request::Totals),
        Answer::Totals(direct.totals().unwrap())
    );
    assert_eq!(direct.totals().unwrap().pruned, 9);
}

#[test]
fn a_key_that_is_not_one_is_a_bad_request_in_every_group() {
    let p = people();
    let mut store = store_of(&p);
    let before = store.totals().unwrap();
    let bad = not_a_key();
    let settings = RetentionSettings::default();
    let requests = [
        Request::FeedPage {
            authors: vec![key_of(&p.ada), bad],
            before: None,
            limit: 10,
        },
        Request::AddressedAfter {
            person: bad,
            after: (0, Bytes32([0; 32])),
            limit: 10,
        },
        Request::RepostsOf {
            author: bad,
            posts: vec![],
        },
        Request::FollowRecords { follower: bad },
        Request::RecordsFollowing { followee: bad },
        Request::Following { follower: bad },
        Request::Followers { followee: bad },
        Request::ProfilesOf { authors: vec![bad] },
        Request::NicknameOf { author: bad },
        Request::SetNickname {
            author: bad,
            nickname: Some("x".into()),
        },
        Request::StoredBytesOf { authors: vec![bad] },
        Request::SetUser { user: bad },
        Request::CountsByAuthorDay {
            days: vec![(bad, 0)],
        },
        Request::IdsOfAuthor { author: bad },
        Request::PlanPrune {
            kept: vec![bad],
            settings,
            now_ms: NOW,
        },
        Request::Prune {
            kept: vec![key_of(&p.ada), bad],
            settings,
            now_ms: NOW,
        },
    ];
    for request in &requests {
        assert_eq!(
            failure_kind(ask(&mut store, request)),
            FailureKind::BadRequest,
            "{request:?}"
        );
    }
    // Nothing was written: the user, the nicknames and the events are as they were.
    assert_eq!(store.totals().unwrap(), before);
    assert_eq!(store.user().unwrap(), Some(p.ada.public_key()));
    assert!(store.nicknames().unwrap().is_empty());
}
