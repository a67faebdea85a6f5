//! Browser tests of post search: the `terms` index finds the newest posts holding every word,
//! and posts stored before search existed are indexed when the database opens.

mod common;

use common::*;
use phemossa_background::Storage;
use phemossa_core::search::words;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn texts(storage: &Storage, query: &str, limit: usize) -> Vec<String> {
    storage
        .search_posts(&words(query), limit)
        .await
        .unwrap()
        .posts
        .into_iter()
        .map(|post| post.text)
        .collect()
}

#[wasm_bindgen_test]
async fn search_finds_the_newest_posts_holding_every_word() {
    let name = unique_name("search");
    let storage = Storage::open(&name).await.unwrap();
    let (alice, bob) = (identity(1), identity(2));
    let events = [
        post(&alice, T0, "Moss grows in the garden"),
        post(&bob, T0 + 1, "My garden has ferns"),
        post(&alice, T0 + 2, "MOSS, moss everywhere!"),
        post(&bob, T0 + 3, "Mosses are not moss"),
        follow(&alice, T0 + 4, bob.public_key(), true),
    ];
    storage.insert_all(&events).await.unwrap();

    assert_eq!(
        texts(&storage, "moss", 10).await,
        [
            "Mosses are not moss",
            "MOSS, moss everywhere!",
            "Moss grows in the garden"
        ],
        "whole words, any case, newest first"
    );
    assert_eq!(
        texts(&storage, "garden MOSS", 10).await,
        ["Moss grows in the garden"]
    );
    assert_eq!(texts(&storage, "moss", 2).await.len(), 2, "the limit holds");
    assert!(texts(&storage, "lichen", 10).await.is_empty());
    assert!(
        texts(&storage, " !? ", 10).await.is_empty(),
        "no words, no search"
    );
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn posts_stored_before_search_existed_are_indexed_on_open() {
    let name = unique_name("search-old");
    let storage = Storage::open(&name).await.unwrap();
    let old = post(&identity(1), T0, "An old post about lichen");
    storage.insert(&old).await.unwrap();
    storage.close();

    // Make the record look as an older release wrote it: no terms, and no marker.
    let factory = idb::Factory::new().unwrap();
    let db = factory.open(&name, None).unwrap().await.unwrap();
    let transaction = db
        .transaction(&["events", "meta"], idb::TransactionMode::ReadWrite)
        .unwrap();
    let events = transaction.object_store("events").unwrap();
    let record = events
        .get(JsValue::from_str(&old.id.to_hex()))
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    js_sys::Reflect::delete_property(&record.clone().into(), &"terms".into()).unwrap();
    events.put(&record, None).unwrap().await.unwrap();
    transaction
        .object_store("meta")
        .unwrap()
        .delete(idb::Query::Key(JsValue::from_str("search_terms_indexed")))
        .unwrap()
        .await
        .unwrap();
    transaction.commit().unwrap().await.unwrap();
    db.close();

    let storage = Storage::open(&name).await.unwrap();
    assert_eq!(
        texts(&storage, "lichen", 10).await,
        ["An old post about lichen"]
    );
    assert_eq!(
        storage.count_events().await.unwrap(),
        1,
        "nothing else changed"
    );
    storage.close();
    delete_database(&name).await;
}
