//! Browser tests of opening databases the previous release (commit 77666cf, event schema 4)
//! wrote: `fixtures/schema-v4.json` holds every store, index and record of both its databases,
//! dumped by that release's own code after making data through its requests
//! (`fixtures/README.md`). Each test recreates them exactly, then starts today's `App` on them,
//! which upgrades the event database to the current schema: nothing is lost and everything works.
//! An upgrade waits for a connection of the old version still open, and proceeds once it closes;
//! today's connections close themselves when a newer version is asked for.

use std::future::IntoFuture;
use std::rc::Rc;
use std::time::Duration;

use crate::common::*;
use futures::future::{select, Either};
use idb::{
    Database, DatabaseEvent, Factory, IndexParams, KeyPath, ObjectStoreParams, TransactionMode,
    TransactionResult,
};
use js_sys::{Array, Object, Reflect, Uint8Array};
use phemossa_api::{Request, Response, ServerMessage};
use phemossa_background::{storage, App, Config, PushSink};
use serde_json::{json, Map, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const FIXTURE: &str = include_str!("fixtures/schema-v4.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn database<'a>(fixture: &'a Value, which: &str) -> &'a Value {
    &fixture["databases"][which]
}

fn store<'a>(db: &'a Value, name: &str) -> &'a Value {
    db["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no store {name}"))
}

// ---- The fixture's JSON and IndexedDB values, both ways (`fixtures/make_schema_v4.rs.txt`
// encodes the same way). ----

/// A JS value from the fixture's JSON: plain JSON as is, tagged values (`$type`) as what they
/// stood for.
fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap()),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(map) => match map.get("$type").and_then(Value::as_str) {
            Some("Uint8Array") => {
                let hex = map["hex"].as_str().unwrap();
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                Uint8Array::from(bytes.as_slice()).into()
            }
            Some("undefined") => JsValue::UNDEFINED,
            Some("number") => JsValue::from_f64(map["value"].as_str().unwrap().parse().unwrap()),
            Some(other) => panic!("unknown tagged value {other}"),
            None => {
                let object = Object::new();
                for (key, item) in map {
                    Reflect::set(&object, &JsValue::from_str(key), &to_js(item)).unwrap();
                }
                object.into()
            }
        },
    }
}

/// A JS value read from IndexedDB as the fixture writes it.
fn from_js(value: &JsValue) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    if value.is_undefined() {
        return json!({"$type": "undefined"});
    }
    if let Some(b) = value.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            return json!(n as i64);
        }
        return json!({"$type": "number", "value": n.to_string()});
    }
    if let Some(s) = value.as_string() {
        return Value::String(s);
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        let hex: String = bytes.to_vec().iter().map(|b| format!("{b:02x}")).collect();
        return json!({"$type": "Uint8Array", "hex": hex});
    }
    if Array::is_array(value) {
        return Value::Array(Array::from(value).iter().map(|v| from_js(&v)).collect());
    }
    let object: &Object = value.dyn_ref().expect("an object");
    let mut map = Map::new();
    for entry in Object::entries(object).iter() {
        let pair = Array::from(&entry);
        map.insert(pair.get(0).as_string().unwrap(), from_js(&pair.get(1)));
    }
    Value::Object(map)
}

fn key_path_of(value: &Value) -> Option<KeyPath> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(KeyPath::new_single(s)),
        Value::Array(parts) => Some(KeyPath::new_array(
            parts.iter().map(|p| p.as_str().unwrap()),
        )),
        other => panic!("not a key path: {other}"),
    }
}

fn key_path_json(path: Option<KeyPath>) -> Value {
    match path {
        None => Value::Null,
        Some(KeyPath::Single(s)) => json!(s),
        Some(KeyPath::Array(parts)) => json!(parts),
    }
}

/// Creates database `name` as the fixture's `db` has it: its version, stores and indexes, then
/// every record under its key. The connection is returned open.
async fn recreate(name: &str, db: &Value) -> Database {
    let version = db["version"].as_u64().unwrap() as u32;
    let stores = db["stores"].clone();
    let factory = Factory::new().unwrap();
    let mut request = factory.open(name, Some(version)).unwrap();
    request.on_upgrade_needed(move |event| {
        let database = event.database().unwrap();
        for spec in stores.as_array().unwrap() {
            let mut params = ObjectStoreParams::new();
            params.key_path(key_path_of(&spec["keyPath"]));
            params.auto_increment(spec["autoIncrement"].as_bool().unwrap());
            let store = database
                .create_object_store(spec["name"].as_str().unwrap(), params)
                .unwrap();
            for index in spec["indexes"].as_array().unwrap() {
                let mut params = IndexParams::new();
                params.multi_entry(index["multiEntry"].as_bool().unwrap());
                params.unique(index["unique"].as_bool().unwrap());
                store
                    .create_index(
                        index["name"].as_str().unwrap(),
                        key_path_of(&index["keyPath"]).unwrap(),
                        Some(params),
                    )
                    .unwrap();
            }
        }
    });
    let database = request.await.expect("the old version's database is made");
    let names = database.store_names();
    let transaction = database
        .transaction(&names, TransactionMode::ReadWrite)
        .unwrap();
    for spec in db["stores"].as_array().unwrap() {
        let store = transaction
            .object_store(spec["name"].as_str().unwrap())
            .unwrap();
        let inline_keys = !spec["keyPath"].is_null();
        for record in spec["records"].as_array().unwrap() {
            let key = to_js(&record["key"]);
            let key = (!inline_keys).then_some(&key);
            store
                .put(&to_js(&record["value"]), key)
                .unwrap()
                .await
                .unwrap();
        }
    }
    assert_eq!(
        transaction.commit().unwrap().await.unwrap(),
        TransactionResult::Committed
    );
    database
}

/// Every store of database `name` (its schema and records) as the fixture has them.
async fn dump(name: &str) -> Value {
    let database = Factory::new()
        .unwrap()
        .open(name, None)
        .unwrap()
        .await
        .unwrap();
    let names = database.store_names();
    let transaction = database
        .transaction(&names, TransactionMode::ReadOnly)
        .unwrap();
    let mut stores = Vec::new();
    for store_name in &names {
        let store = transaction.object_store(store_name).unwrap();
        let mut indexes = Vec::new();
        for index_name in store.index_names() {
            let index = store.index(&index_name).unwrap();
            indexes.push(json!({
                "name": index_name,
                "keyPath": key_path_json(index.key_path().unwrap()),
                "multiEntry": index.multi_entry(),
                "unique": index.unique(),
            }));
        }
        let keys = store.get_all_keys(None, None).unwrap().await.unwrap();
        let values = store.get_all(None, None).unwrap().await.unwrap();
        let records: Vec<Value> = keys
            .iter()
            .zip(values.iter())
            .map(|(k, v)| json!({"key": from_js(k), "value": from_js(v)}))
            .collect();
        stores.push(json!({
            "name": store_name,
            "keyPath": key_path_json(store.key_path().unwrap()),
            "autoIncrement": store.auto_increment(),
            "indexes": indexes,
            "records": records,
        }));
    }
    let version = database.version().unwrap();
    database.close();
    json!({"version": version, "stores": stores})
}

/// Both databases as the previous release left them, under new names; closed.
async fn recreate_both(label: &str) -> Config {
    let fixture = fixture();
    let config = unique_config(label);
    recreate(&config.identity_db, database(&fixture, "identity"))
        .await
        .close();
    recreate(&config.storage_db, database(&fixture, "events"))
        .await
        .close();
    config
}

// ---- Comparing answers ----

/// Every field `old` has, `new` has with the same value (recursively; arrays item by item, in
/// order). Fields today's release added are not compared.
fn assert_kept(path: &str, old: &Value, new: &Value) {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, value) in old {
                let found = new
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key} is gone"));
                assert_kept(&format!("{path}.{key}"), value, found);
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            assert_eq!(old.len(), new.len(), "{path}: {} items then", old.len());
            for (i, (o, n)) in old.iter().zip(new).enumerate() {
                assert_kept(&format!("{path}[{i}]"), o, n);
            }
        }
        _ => assert_eq!(old, new, "{path}"),
    }
}

fn port() -> Rc<dyn PushSink> {
    Rc::new(Recorder::new(1))
}

async fn ask(app: &App, request: Request) -> Value {
    let label = format!("{request:?}");
    let response: Response = app
        .handle(request, &port())
        .await
        .unwrap_or_else(|e| panic!("{label}: {e:?}"));
    // As the port sends it (`{"type", "data"}`, docs/api.md §2), the form the fixture recorded.
    let message = ServerMessage::Response {
        id: 0,
        result: Ok(response),
    };
    let sent: Value = serde_json::from_str(&message.to_json()).unwrap();
    sent["result"]["Ok"].clone()
}

async fn feed_pages(app: &App) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = ask(app, Request::GetFeed { before, limit: 5 }).await;
        let next = page["data"]["next"].clone();
        pages.push(page);
        if next.is_null() {
            return pages;
        }
        before = Some(serde_json::from_value(next).unwrap());
    }
}

fn item_ids(found: &Value) -> Vec<String> {
    found["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn sleep(ms: u64) {
    futures_timer::Delay::new(Duration::from_millis(ms)).await;
}

/// What `store` of the upgraded database holds, by key, as the fixture writes it.
fn records_of(db: &Value, name: &str) -> Vec<Value> {
    store(db, name)["records"].as_array().unwrap().clone()
}

#[wasm_bindgen_test]
async fn the_recreated_databases_are_exactly_what_the_previous_release_left() {
    let fixture = fixture();
    assert_eq!(fixture["made_by"]["commit"], "77666cf");
    let config = recreate_both("upgrade-exact").await;
    assert_eq!(
        &dump(&config.identity_db).await,
        database(&fixture, "identity")
    );
    assert_eq!(
        &dump(&config.storage_db).await,
        database(&fixture, "events")
    );
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn an_upgraded_database_keeps_every_record_and_answer_of_the_previous_release() {
    let fixture = fixture();
    let old = &fixture["answers"];
    let old_events = database(&fixture, "events");
    assert_eq!(old_events["version"], 4);
    let config = recreate_both("upgrade").await;

    let app = App::start(&config)
        .await
        .expect("today's release starts on v4");

    // The same identity.
    assert_eq!(
        app.public_key().to_base64(),
        fixture["user_public_key"].as_str().unwrap()
    );
    assert_kept(
        "identity",
        &old["identity"],
        &ask(&app, Request::GetIdentity).await,
    );

    // The same feed, page by page, in order; the same people, follows and settings.
    let pages = Value::Array(feed_pages(&app).await);
    assert_kept("feed", &old["feed_pages_of_5"], &pages);
    assert!(
        pages.as_array().unwrap().len() >= 4,
        "several pages: {pages}"
    );
    for (name, request) in [
        ("following", Request::GetFollowing),
        ("followers", Request::GetFollowers),
        ("people", Request::GetPeople),
        ("network_settings", Request::GetNetworkSettings),
        ("retention", Request::GetRetention),
        ("backup_status", Request::GetBackupStatus),
    ] {
        assert_kept(name, &old[name], &ask(&app, request).await);
    }
    // Spot checks of the above, so an empty fixture could not pass them.
    let people = ask(&app, Request::GetPeople).await;
    let names: Vec<_> = people["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].clone(), p["nickname"].clone()))
        .collect();
    for expected in [
        (json!("Ada"), Value::Null),
        (json!("Robert"), json!("Bobby")),
        (json!("Carol"), json!("C.")),
    ] {
        assert!(names.contains(&expected), "{expected:?} in {names:?}");
    }
    assert_eq!(old["following"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(old["followers"]["data"].as_array().unwrap().len(), 1);
    assert!(old["backup_status"]["data"]["exported_at"].is_u64());

    // The node's records: its device key and the peers it met.
    let meta = store(old_events, "meta");
    let device_key = meta["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "device_key")
        .unwrap()["value"]["value"]
        .clone();
    let device_key: Vec<u8> = serde_json::from_value(device_key).unwrap();
    assert_eq!(app.storage().device_key().await.unwrap(), Some(device_key));
    let peers = app.storage().peer_records().await.unwrap();
    assert_eq!(peers.len(), 2);
    assert!(peers
        .iter()
        .any(|p| p.banned_until == Some(4_102_444_800_000)));

    // The totals kept are a recount's.
    let stats = app.storage().stats().await.unwrap();
    let old_stats = &old["stats"]["data"];
    assert_eq!(stats.events, old_stats["events"].as_u64().unwrap());
    assert_eq!(stats.posts, old_stats["posts"].as_u64().unwrap());
    assert_eq!(stats.authors, old_stats["authors"].as_u64().unwrap());
    assert_eq!(stats.bytes, old_stats["bytes"].as_u64().unwrap());
    assert_eq!(stats.pruned, old_stats["pruned"].as_u64().unwrap());
    assert_eq!(stats.events, app.storage().count_events().await.unwrap());
    // Each author's totals, new in schema 6, were counted from the old events.
    assert_author_totals_exact(app.storage()).await;

    // Search finds what the old release had indexed, and, once today's indexer has written
    // them, the posts whose terms the old release left unwritten.
    let gardening = ask(
        &app,
        Request::SearchPosts {
            query: "gardening".into(),
            limit: 50,
        },
    )
    .await;
    assert_eq!(item_ids(&gardening), item_ids(&old["search_gardening"]));
    assert_eq!(item_ids(&gardening).len(), 10);
    assert_eq!(
        old_stats["search_pending"], 9,
        "the fixture left terms unwritten"
    );
    let mut waited = 0;
    while app.storage().deferred_terms().await.unwrap() > 0 {
        assert!(
            waited < 15_000,
            "the terms left unwritten are never written"
        );
        sleep(250).await;
        waited += 250;
    }
    let zeppelins = ask(
        &app,
        Request::SearchPosts {
            query: "zeppelins".into(),
            limit: 50,
        },
    )
    .await;
    assert_eq!(item_ids(&zeppelins).len(), 9);

    // A new post is stored, first in the feed, and counted.
    let posted = ask(
        &app,
        Request::Post {
            text: "written after the upgrade".into(),
            reply_to: None,
            images: vec![],
            mentions: vec![],
            work: None,
        },
    )
    .await;
    let first = &feed_pages(&app).await[0]["data"]["items"][0];
    assert_eq!(first["id"], posted["data"]["id"]);
    assert_eq!(first["text"], "written after the upgrade");
    let after = app.storage().stats().await.unwrap();
    assert_eq!(after.events, stats.events + 1);
    assert_eq!(after.events, app.storage().count_events().await.unwrap());
    let found = ask(
        &app,
        Request::SearchPosts {
            query: "upgrade".into(),
            limit: 5,
        },
    )
    .await;
    assert_eq!(item_ids(&found), [posted["data"]["id"].as_str().unwrap()]);
    app.close();

    // On disk: today's version; the old stores and indexes unchanged but for the retired ones,
    // which are gone, the new ones added; the records nothing since touched exactly as they were.
    let new_events = dump(&config.storage_db).await;
    assert_eq!(new_events["version"], storage::VERSION);
    for old_store in old_events["stores"].as_array().unwrap() {
        let name = old_store["name"].as_str().unwrap();
        let new_store = store(&new_events, name);
        for field in ["keyPath", "autoIncrement"] {
            assert_eq!(old_store[field], new_store[field], "{name} {field}");
        }
        let new_indexes = new_store["indexes"].as_array().unwrap();
        let retired = storage::STORES
            .iter()
            .find(|spec| spec.name == name)
            .map_or(&[][..], |spec| spec.retired);
        for index in old_store["indexes"].as_array().unwrap() {
            let index_name = index["name"].as_str().unwrap();
            let kept = new_indexes.contains(index);
            if retired.contains(&index_name) {
                assert!(!kept, "{name}: retired {index} deleted");
            } else {
                assert!(kept, "{name}: {index} kept");
            }
        }
        if matches!(
            name,
            "follows" | "peers" | "profiles" | "superseded" | "nicknames"
        ) {
            assert_eq!(
                records_of(old_events, name),
                records_of(&new_events, name),
                "{name}"
            );
        }
    }
    let blobs = store(&new_events, "blobs");
    assert_eq!(blobs["keyPath"], "hash");
    assert_eq!(
        blobs["indexes"],
        json!([{"name": "stored", "keyPath": "stored", "multiEntry": false, "unique": false}])
    );
    assert!(store(&new_events, "events")["indexes"]
        .as_array()
        .unwrap()
        .contains(
            &json!({"name": "blobs", "keyPath": "blobs", "multiEntry": true, "unique": false})
        ));
    let totals = store(&new_events, "author_totals");
    assert_eq!(totals["keyPath"], "author");
    assert_eq!(
        records_of(&new_events, "author_totals").len() as u64,
        after.authors,
        "one record per author, counted from the old events"
    );
    let old_meta = records_of(old_events, "meta");
    let new_meta = records_of(&new_events, "meta");
    for key in ["backup", "device_key", "network", "retention"] {
        let pick = |records: &[Value]| records.iter().find(|r| r["key"] == key).cloned();
        assert_eq!(pick(&old_meta), pick(&new_meta), "meta {key}");
    }
    // The identity database (unchanged version) is untouched.
    assert_eq!(
        &dump(&config.identity_db).await,
        database(&fixture, "identity")
    );
    delete_config(&config).await;
}

/// Races `future` against `ms` milliseconds: `Ok` with its output, or `Err` with it unfinished.
async fn within<F: std::future::Future + Unpin>(ms: u64, future: F) -> Result<F::Output, F> {
    let timer = Box::pin(sleep(ms));
    match select(future, timer).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right(((), future)) => Err(future),
    }
}

#[wasm_bindgen_test]
async fn an_upgrade_waits_for_an_old_connection_and_goes_on_once_it_closes() {
    let fixture = fixture();
    let config = unique_config("upgrade-blocked");
    recreate(&config.identity_db, database(&fixture, "identity"))
        .await
        .close();
    // A v4 connection left open, as the previous release's document held it: that release set
    // no `versionchange` handler (commit 77666cf's `db/open.rs`), so it does not close when asked.
    let old = recreate(&config.storage_db, database(&fixture, "events")).await;

    // `db::open` promises: the upgrade is delayed (and says so in the console) until the older
    // connection closes; it neither fails nor goes ahead under it.
    let config_for_start = Config {
        identity_db: config.identity_db.clone(),
        storage_db: config.storage_db.clone(),
    };
    let start = Box::pin(async move { App::start(&config_for_start).await });
    let start = match within(1_500, start).await {
        Ok(result) => panic!(
            "the upgrade went on with the old connection open: {:?}",
            result.map(|_| ())
        ),
        Err(pending) => pending,
    };
    assert_eq!(old.version().unwrap(), 4, "the old connection is untouched");
    // The old document goes (an extension update replaces it): the upgrade proceeds at once.
    old.close();
    let app = match within(10_000, start).await {
        Ok(result) => result.expect("the upgrade succeeds once the old connection closed"),
        Err(_) => panic!("the upgrade still waits after the old connection closed"),
    };
    assert_eq!(
        app.public_key().to_base64(),
        fixture["user_public_key"].as_str().unwrap()
    );
    assert_eq!(
        app.storage().count_events().await.unwrap(),
        fixture["answers"]["stats"]["data"]["events"]
            .as_u64()
            .unwrap()
    );
    assert!(app.storage().store_names().contains(&"blobs".to_owned()));

    // Today's connections close themselves when a newer version is asked for: a later release's
    // upgrade does not wait for this document.
    let newer = Factory::new()
        .unwrap()
        .open(&config.storage_db, Some(storage::VERSION + 1))
        .unwrap();
    let newer = match within(10_000, Box::pin(newer.into_future())).await {
        Ok(opened) => opened.expect("the newer version opens"),
        Err(_) => panic!("a newer version waits for today's open connection"),
    };
    assert_eq!(newer.version().unwrap(), storage::VERSION + 1);
    newer.close();
    // This document's requests then fail in words, without waiting.
    match within(5_000, Box::pin(app.storage().count_events())).await {
        Ok(result) => assert!(result.is_err(), "the closed connection still answered"),
        Err(_) => panic!("a request on the closed connection hangs"),
    }
    app.close();
    delete_config(&config).await;
}
