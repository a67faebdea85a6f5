//! Browser tests of the store queries the network node makes: id pages for a sync, compared with
//! core's in-memory reference store; missing ids; event JSON; and the settings, device key and
//! peers kept for the network.

use crate::common::*;
use phemossa_background::storage::PeerRecord;
use phemossa_background::Storage;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::{Content, Event, EventId, Post, PublicKey};
use phemossa_sync::replies::{response_from, RepliesMessage};
use phemossa_sync::testing::v1::MemoryStore;
use phemossa_sync::{Cursor, Scope};
use wasm_bindgen_test::*;

/// Posts by three authors, with timestamp ties inside and across authors, so the id cursor's
/// tie-break is exercised.
fn events() -> Vec<Event> {
    (0..45u64)
        .map(|i| {
            let author = identity(1 + (i % 3) as u8);
            post(&author, T0 + (i / 4) * 1000, &format!("post {i}"))
        })
        .collect()
}

/// Pages through `scope` with `limit` ids per page, as a sync responder would.
async fn all_pages(storage: &Storage, scope: &Scope, limit: usize) -> Vec<Vec<Cursor>> {
    let (mut pages, mut after) = (Vec::new(), None);
    loop {
        let (page, more) = storage.list_ids(scope, after, limit).await.unwrap();
        assert!(page.len() <= limit, "a page holds at most the limit");
        after = page.last().copied();
        pages.push(page);
        if !more {
            return pages;
        }
        assert!(pages.len() < 100, "paging must end");
    }
}

#[wasm_bindgen_test]
async fn id_pages_equal_the_reference_store_for_every_scope_and_cursor() {
    let name = unique_name("sync-ids");
    let storage = Storage::open(&name).await.unwrap();
    let mut reference = MemoryStore::default();
    for event in events() {
        storage.insert(&event).await.unwrap();
        reference.insert(event);
    }
    let one = identity(1).public_key();
    let two = identity(2).public_key();
    let scopes = [
        Scope::default(),
        Scope {
            authors: Some(vec![one]),
            since: None,
        },
        Scope {
            authors: Some(vec![two, one]),
            since: Some(T0 + 3000),
        },
        Scope {
            authors: None,
            since: Some(T0 + 5000),
        },
        Scope {
            authors: Some(vec![identity(7).public_key()]),
            since: None,
        },
    ];
    for scope in &scopes {
        for limit in [1, 4, 7, 100] {
            let mut expected = Vec::new();
            let mut after = None;
            loop {
                let (page, more) = reference.list(scope, after, limit);
                after = page.last().copied();
                expected.push(page);
                if !more {
                    break;
                }
            }
            // Pages may end early where a per-author read stopped (`phemossa_sync::listing`);
            // together they are exactly the reference's ids, and none before the last is empty.
            let got = all_pages(&storage, scope, limit).await;
            assert!(got[..got.len() - 1].iter().all(|page| !page.is_empty()));
            assert_eq!(
                got.concat(),
                expected.concat(),
                "scope {scope:?}, limit {limit}"
            );
        }
    }
    storage.close();
    delete_database(&name).await;
}

fn delete(author: &phemossa_core::Identity, timestamp: u64, targets: &[EventId]) -> Event {
    let content = Content::Delete {
        targets: targets.to_vec(),
    };
    Event::create(author, timestamp, content).expect("valid delete")
}

/// A superseded profile and a confirmed tombstone count as held and an unconfirmed tombstone
/// does not (protocol.md §5.1, §5.2), both when `missing_ids` reads those stores whole (a few
/// entries) and when it looks each id up in them (more than
/// `READ_WHOLE_PER_ID` per id asked).
#[wasm_bindgen_test]
async fn missing_ids_holds_superseded_and_withdrawn_ids_read_whole_or_per_id() {
    use phemossa_background::storage::READ_WHOLE_PER_ID;
    let asked_count = 4;
    for extra in [0, asked_count * READ_WHOLE_PER_ID + 1] {
        let name = unique_name("sync-missing-held");
        let storage = Storage::open(&name).await.unwrap();
        let (alice, bob) = (identity(1), identity(2));
        // Alice's profile changed `extra + 1` times: each older one is superseded.
        let profiles: Vec<Event> = (0..=extra as u64 + 1)
            .map(|i| profile(&alice, T0 + i, &format!("Alice {i}")))
            .collect();
        storage.insert_all(&profiles).await.unwrap();
        // Bob's post, stored and then deleted by Bob: a confirmed tombstone.
        let gone = post(&bob, T0, "gone");
        storage.insert(&gone).await.unwrap();
        storage
            .insert(&delete(&bob, T0 + 1, &[gone.id]))
            .await
            .unwrap();
        // Bob deletes ids never seen: unconfirmed tombstones, which may be anyone's.
        let unseen = post(&alice, T0 + 2, "Alice's, never stored").id;
        let strays: Vec<EventId> = (0..extra as u64)
            .map(|i| post(&bob, T0 + 10 + i, "never stored either").id)
            .collect();
        for (i, targets) in std::iter::once(&[unseen][..])
            .chain(strays.chunks(8))
            .enumerate()
        {
            let at = T0 + 100 + i as u64;
            storage.insert(&delete(&bob, at, targets)).await.unwrap();
        }
        let unknown = post(&bob, T0 + 50, "not here").id;
        let asked = [profiles[0].id, gone.id, unseen, unknown];
        assert_eq!(asked.len(), asked_count);
        assert_eq!(
            storage.missing_ids(&asked).await.unwrap(),
            [unseen, unknown],
            "with {extra} more superseded profiles and unconfirmed tombstones"
        );
        storage.close();
        delete_database(&name).await;
    }
}

#[wasm_bindgen_test]
async fn missing_ids_and_event_json_answer_for_stored_ids_only() {
    let name = unique_name("sync-load");
    let storage = Storage::open(&name).await.unwrap();
    let all = events();
    let (stored, absent) = all.split_at(20);
    for event in stored {
        storage.insert(event).await.unwrap();
    }
    let mut asked: Vec<EventId> = all.iter().map(|e| e.id).collect();
    asked.reverse();
    let missing = storage.missing_ids(&asked).await.unwrap();
    let expected: Vec<EventId> = absent.iter().rev().map(|e| e.id).collect();
    assert_eq!(
        missing, expected,
        "exactly the unstored ids, in the order asked"
    );

    let loaded = storage.load_json(&asked).await.unwrap();
    assert_eq!(loaded.len(), stored.len());
    for (id, json) in loaded {
        let event = stored.iter().find(|e| e.id == id).expect("only stored ids");
        assert_eq!(
            json,
            event.to_json().into_bytes(),
            "the wire JSON as stored"
        );
    }
    assert!(storage.missing_ids(&[]).await.unwrap().is_empty());
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn network_settings_device_key_and_peers_persist() {
    let name = unique_name("sync-meta");
    let storage = Storage::open(&name).await.unwrap();
    assert_eq!(
        storage.network_settings().await.unwrap(),
        NetworkSettings::default()
    );
    assert_eq!(storage.device_key().await.unwrap(), None);
    assert!(storage.peer_records().await.unwrap().is_empty());

    let settings = NetworkSettings::parse(
        "/ip4/10.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
        "stun:stun.example.org:3478",
        "",
    )
    .unwrap()
    .with_max_peers("5")
    .unwrap();
    storage.save_network_settings(&settings).await.unwrap();
    storage.save_device_key(&[1, 2, 3]).await.unwrap();
    let peer = PeerRecord {
        peer_id: "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN".into(),
        address: Some("/ip4/10.0.0.1/tcp/4001/ws".into()),
        events_received: 12,
        invalid_messages: 3,
        last_seen: T0,
        banned_until: None,
        // Who runs it (protocol.md §13) is kept with the record.
        owner: Some(phemossa_core::Identity::from_seed([9; 32]).public_key()),
    };
    storage.save_peer(&peer).await.unwrap();
    let mut updated = peer.clone();
    updated.events_received = 13;
    storage.save_peer(&updated).await.unwrap();
    // A ban outlives the restart; an aged-out record is forgotten.
    let banned = PeerRecord {
        peer_id: "12D3KooWRBhwfeP2Y9CDkFRBAZ1pmxUadH36TKuk3KtKm5XXP8mA".into(),
        address: None,
        events_received: 0,
        invalid_messages: 10,
        last_seen: T0,
        banned_until: Some(T0 + 86_400_000),
        owner: None,
    };
    storage.save_peer(&banned).await.unwrap();
    storage.close();

    let storage = Storage::open(&name).await.unwrap();
    assert_eq!(storage.network_settings().await.unwrap(), settings);
    assert_eq!(storage.device_key().await.unwrap(), Some(vec![1, 2, 3]));
    let mut records = storage.peer_records().await.unwrap();
    records.sort_by(|a, b| a.peer_id.cmp(&b.peer_id));
    let mut expected = vec![updated.clone(), banned.clone()];
    expected.sort_by(|a, b| a.peer_id.cmp(&b.peer_id));
    assert_eq!(records, expected, "one row per peer, the latest");
    storage
        .forget_peers(&[updated.peer_id.clone()])
        .await
        .unwrap();
    storage.forget_peers(&[]).await.unwrap();
    assert_eq!(storage.peer_records().await.unwrap(), vec![banned]);
    storage.close();
    delete_database(&name).await;
}

/// A post by `author` at `at` that replies to `parent` (if any) and mentions `to`.
fn addressed(author: u8, at: u64, parent: Option<EventId>, to: &[PublicKey], text: &str) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: to.to_vec(),
        reply_to: parent,
    });
    Event::create(&identity(author), at, content).expect("a valid post")
}

/// Pages through a sync 2.1 answer as a requester would: each page through the one responder
/// rule (`response_from`), each next request from the last page's `next`.
async fn pages<F, Fut>(mut read: F, first: Option<Cursor>) -> Vec<Cursor>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: std::future::Future<Output = phemossa_background::storage::PeerPage>,
{
    let (mut got, mut after) = (Vec::new(), first);
    for _ in 0..100 {
        let page = read(after).await;
        let RepliesMessage::Response { events, next } = response_from(page.events, page.more)
        else {
            panic!("a response");
        };
        for json in events {
            let event = Event::from_json(&json, T0 + 1_000_000).expect("stored events are valid");
            got.push(Cursor {
                timestamp: event.timestamp,
                id: event.id,
            });
        }
        match next {
            Some(next) => after = Some(next),
            None => return got,
        }
    }
    panic!("paging must end");
}

#[wasm_bindgen_test]
async fn replies_to_several_posts_page_in_order_with_ties() {
    let name = unique_name("sync-replies");
    let storage = Storage::open(&name).await.unwrap();
    let root = post(&identity(1), T0, "root");
    let other = post(&identity(1), T0 + 1, "another root");
    storage.insert(&root).await.unwrap();
    storage.insert(&other).await.unwrap();
    let mut wanted = Vec::new();
    for i in 0..14u64 {
        let parent = if i % 2 == 0 { root.id } else { other.id };
        // Four replies share each millisecond: the id breaks the tie.
        let reply = addressed(
            2 + (i % 4) as u8,
            T0 + 10 + i / 4,
            Some(parent),
            &[],
            &format!("r{i}"),
        );
        storage.insert(&reply).await.unwrap();
        wanted.push(Cursor {
            timestamp: reply.timestamp,
            id: reply.id,
        });
    }
    // A reply to a post not asked about is not listed.
    let elsewhere = addressed(
        5,
        T0 + 12,
        Some(EventId::from_bytes([7; 32])),
        &[],
        "elsewhere",
    );
    storage.insert(&elsewhere).await.unwrap();
    wanted.sort();
    let parents = [root.id, other.id];
    for limit in [1, 3, 256] {
        let got = pages(
            |after| {
                let storage = &storage;
                async move { storage.replies_after(&parents, after, limit).await.unwrap() }
            },
            None,
        )
        .await;
        assert_eq!(got, wanted, "pages of {limit}");
    }
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn what_addresses_a_person_pages_in_order_from_a_time() {
    let name = unique_name("sync-addressed");
    let storage = Storage::open(&name).await.unwrap();
    let (ada, bob) = (identity(1).public_key(), identity(2).public_key());
    let mut to_ada = Vec::new();
    for i in 0..12u64 {
        // Ada is mentioned in some, Bob in others, both in a few, nobody in the rest.
        let to: Vec<PublicKey> = match i % 4 {
            0 => vec![ada],
            1 => vec![bob],
            2 => vec![ada, bob],
            _ => vec![],
        };
        let event = addressed(3 + (i % 3) as u8, T0 + i / 3, None, &to, &format!("m{i}"));
        storage.insert(&event).await.unwrap();
        if to.contains(&ada) {
            to_ada.push(Cursor {
                timestamp: event.timestamp,
                id: event.id,
            });
        }
    }
    // Ada's own post mentioning herself addresses nobody.
    storage
        .insert(&addressed(1, T0 + 2, None, &[ada], "note to self"))
        .await
        .unwrap();
    to_ada.sort();
    let from = |timestamp| Cursor {
        timestamp,
        id: EventId::from_bytes([0; 32]),
    };
    for limit in [1, 2, 256] {
        let got = pages(
            |after| {
                let storage = &storage;
                let after = after.unwrap_or(from(0));
                async move { storage.addressed_after(&ada, after, limit).await.unwrap() }
            },
            Some(from(0)),
        )
        .await;
        assert_eq!(got, to_ada, "pages of {limit}");
    }
    // From a time on: only what came then or later.
    let got = pages(
        |after| {
            let storage = &storage;
            let after = after.unwrap_or(from(T0 + 2));
            async move { storage.addressed_after(&ada, after, 2).await.unwrap() }
        },
        Some(from(T0 + 2)),
    )
    .await;
    let later: Vec<Cursor> = to_ada
        .iter()
        .copied()
        .filter(|c| c.timestamp >= T0 + 2)
        .collect();
    assert_eq!(got, later);
    delete_database(&name).await;
}
