//! Browser tests of the store queries the network node makes: id pages for a sync, compared with
//! core's in-memory reference store; missing ids; event JSON; and the settings, device key and
//! peers kept for the network.

mod common;

use common::*;
use phemossa_background::storage::PeerRecord;
use phemossa_background::Storage;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::{Event, EventId};
use phemossa_sync::testing::v1::MemoryStore;
use phemossa_sync::{Cursor, Scope};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
