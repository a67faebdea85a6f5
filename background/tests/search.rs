//! Browser tests of post search: the `terms` index finds the newest posts holding every word,
//! posts stored before search existed are indexed when the database opens, and terms a bulk
//! write left for later are written by the search indexer.

use crate::common::*;
use phemossa_background::Storage;
use phemossa_core::search::words;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

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

#[wasm_bindgen_test]
async fn terms_left_for_later_are_found_once_written() {
    let name = unique_name("search-later");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    let posts: Vec<_> = (0..12)
        .map(|n| post(&alice, T0 + n, &format!("deferred lichen number {n}")))
        .collect();
    storage
        .insert_all_with(&posts, phemossa_background::storage::Terms::Later)
        .await
        .unwrap();
    assert_eq!(storage.deferred_terms().await.unwrap(), 12);
    assert!(
        texts(&storage, "lichen", 20).await.is_empty(),
        "not yet written"
    );
    // In batches: 5, then 5, then the last 2, then nothing.
    assert_eq!(storage.index_deferred(5).await.unwrap(), 5);
    assert_eq!(storage.index_deferred(5).await.unwrap(), 5);
    assert_eq!(storage.index_deferred(5).await.unwrap(), 2);
    assert_eq!(storage.index_deferred(5).await.unwrap(), 0);
    assert_eq!(storage.deferred_terms().await.unwrap(), 0);
    let found = texts(&storage, "lichen", 20).await;
    assert_eq!(found.len(), 12);
    assert_eq!(found[0], "deferred lichen number 11", "newest first");
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn a_post_deleted_before_its_terms_are_written_is_skipped_and_not_counted() {
    let name = unique_name("search-deleted");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    let posts: Vec<_> = (0..3)
        .map(|n| post(&alice, T0 + n, &format!("waiting lichen {n}")))
        .collect();
    storage
        .insert_all_with(&posts, phemossa_background::storage::Terms::Later)
        .await
        .unwrap();
    let withdrawn = phemossa_core::Event::create(
        &alice,
        T0 + 10,
        phemossa_core::Content::Delete {
            targets: vec![posts[1].id],
        },
    )
    .unwrap();
    storage.insert_all(&[withdrawn]).await.unwrap();
    assert_eq!(
        storage.count_events().await.unwrap(),
        3,
        "two posts and the delete"
    );
    // The deleted post stays listed until the indexer reaches it, which takes all three.
    assert_eq!(storage.deferred_terms().await.unwrap(), 3);
    assert_eq!(storage.index_deferred(500).await.unwrap(), 3);
    assert_eq!(storage.deferred_terms().await.unwrap(), 0);
    assert_eq!(storage.index_deferred(500).await.unwrap(), 0);
    assert_eq!(
        texts(&storage, "lichen", 20).await,
        ["waiting lichen 2", "waiting lichen 0"],
        "the deleted post is not written back"
    );
    assert_eq!(storage.count_events().await.unwrap(), 3);
    storage.close();
    delete_database(&name).await;
}

#[wasm_bindgen_test]
async fn a_bulk_ingest_is_searchable_once_the_indexer_has_run() {
    let config = unique_config("search-indexer");
    let background = phemossa_background::App::start(&config).await.unwrap();
    let bob = identity(2);
    let posts: Vec<_> = (0..20)
        .map(|n| post(&bob, T0 + n, &format!("bulk moss {n}")))
        .collect();
    let report = background.ingest(&posts).await.unwrap();
    assert_eq!(report.stored, 20);
    // The indexer writes the terms once storing has paused (a second); no deadline is asserted
    // here beyond the harness's own, only that it gets there.
    loop {
        if background.storage().deferred_terms().await.unwrap() == 0 {
            break;
        }
        sleep_ms(200).await;
    }
    assert_eq!(texts(background.storage(), "moss", 50).await.len(), 20);
    background.close();
    delete_config(&config).await;
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
