//! Browser tests of deletion (protocol.md §5.2) and of what a reaction may name (§5.3), through
//! the request API and the store: a deleted post leaves feed and store and never comes back
//! (from a peer that missed the delete, after a restart, in any order of arrival); a delete
//! that arrives first stops its target without stopping anyone else's event of that id; a
//! delete or reaction naming someone else's stored event is refused in words and blames no one;
//! deletes of several authors naming one id the node does not hold are all kept, so a
//! forger's cannot take the real author's back; and a delete's removal forgets what it
//! withdrew, in one batch with what it withdrew as in separate ones.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, FeedItem, Request, Response};
use phemossa_background::{App, Config, PushSink};
use phemossa_core::{Content, Event, EventId, Identity, Reaction};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn delete(author: &Identity, timestamp: u64, targets: &[EventId]) -> Event {
    let content = Content::Delete {
        targets: targets.to_vec(),
    };
    Event::create(author, timestamp, content).expect("valid delete")
}

fn reaction(author: &Identity, timestamp: u64, target: &Event, target_author: &Identity) -> Event {
    let content = Content::Reaction(Reaction {
        target: target.id,
        target_author: target_author.public_key(),
        emoji: "🌿".into(),
    });
    Event::create(author, timestamp, content).expect("valid reaction")
}

async fn post_text(app: &App, port: &Rc<dyn PushSink>, text: &str) -> FeedItem {
    let request = Request::Post {
        text: text.into(),
        reply_to: None,
        images: vec![],
        mentions: vec![],
        work: None,
    };
    match app.handle(request, port).await {
        Ok(Response::Posted(item)) => item,
        other => panic!("expected the post, got {other:?}"),
    }
}

fn texts(items: &[FeedItem]) -> Vec<&str> {
    items.iter().map(|item| item.text.as_str()).collect()
}

#[wasm_bindgen_test]
async fn the_users_deleted_post_leaves_and_never_comes_back() {
    let config = unique_config("delete-own");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let kept = post_text(&app, &port, "kept").await;
    let gone = post_text(&app, &port, "regretted").await;
    let gone_json = app.storage().event_json(&gone.id).await.unwrap().unwrap();

    let request = Request::DeletePosts {
        ids: vec![gone.id.to_hex()],
    };
    match app.handle(request, &port).await {
        Ok(Response::Deleted(ids)) => assert_eq!(ids, [gone.id]),
        other => panic!("expected the deleted ids, got {other:?}"),
    }
    assert_eq!(texts(&feed(&app, &port).await), ["kept"]);
    assert_eq!(app.storage().event_json(&gone.id).await.unwrap(), None);
    assert_author_totals_exact(app.storage()).await;
    // A peer that missed the delete lists it: it is not fetched, and if it comes anyway (gossip,
    // an import) it is not stored; after a restart too.
    assert!(app.missing_for_sync(&[gone.id]).await.unwrap().is_empty());
    let report = app
        .ingest_json(&[gone_json.clone().into_bytes()])
        .await
        .unwrap();
    assert_eq!((report.stored, report.rejected.len()), (0, 0));
    app.close();
    let app = App::start(&config).await.unwrap();
    assert!(app.missing_for_sync(&[gone.id]).await.unwrap().is_empty());
    assert_eq!(
        app.ingest_json(&[gone_json.into_bytes()])
            .await
            .unwrap()
            .stored,
        0
    );
    assert_eq!(texts(&feed(&app, &port).await), ["kept"]);

    // Only the user's own stored posts can be deleted.
    let someone = post(&identity(9), T0, "not yours");
    app.ingest(std::slice::from_ref(&someone)).await.unwrap();
    for ids in [vec![someone.id.to_hex()], vec!["zz".into()], vec![]] {
        let refused = app.handle(Request::DeletePosts { ids }, &port).await;
        assert!(
            matches!(refused, Err(ApiError::InvalidRequest { .. })),
            "{refused:?}"
        );
    }
    assert!(app.storage().event_json(&kept.id).await.unwrap().is_some());
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_delete_works_in_any_order_and_only_on_its_authors_events() {
    let config = unique_config("delete-order");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let (ada, bob) = (identity(1), identity(2));
    for who in [&ada, &bob] {
        let request = Request::Follow {
            public_key: who.public_key().to_string(),
        };
        app.handle(request, &port).await.unwrap();
    }
    let first = post(&ada, T0, "first");
    let second = post(&ada, T0 + 1, "second");
    let third = post(&ada, T0 + 2, "third");
    app.ingest(&[first.clone(), second.clone()]).await.unwrap();

    // Stored, then deleted: gone, and counted as held for syncs.
    let withdraw_first = delete(&ada, T0 + 10, &[first.id]);
    assert_eq!(app.ingest(&[withdraw_first]).await.unwrap().stored, 1);
    assert_eq!(texts(&feed(&app, &port).await), ["second"]);
    assert!(app.missing_for_sync(&[first.id]).await.unwrap().is_empty());

    // The delete first, its target after (or in the same batch, either way): never stored.
    // Until the target was seen, its id is still fetched: a delete cannot stop a sync of an
    // id it does not prove to be its author's.
    let withdraw_third = delete(&ada, T0 + 11, &[third.id]);
    app.ingest(std::slice::from_ref(&withdraw_third))
        .await
        .unwrap();
    assert_eq!(app.missing_for_sync(&[third.id]).await.unwrap(), [third.id]);
    assert_eq!(
        app.ingest(std::slice::from_ref(&third))
            .await
            .unwrap()
            .stored,
        0
    );
    assert!(app.missing_for_sync(&[third.id]).await.unwrap().is_empty());
    let fourth = post(&ada, T0 + 3, "fourth");
    let withdraw_fourth = delete(&ada, T0 + 12, &[fourth.id]);
    let report = app
        .ingest(&[fourth.clone(), withdraw_fourth.clone()])
        .await
        .unwrap();
    assert_eq!(report.stored, 1, "only the delete");
    assert_eq!(app.storage().event_json(&fourth.id).await.unwrap(), None);

    // Bob's delete naming Ada's stored post is refused in words and blames no one; one naming
    // an id this node does not hold is kept, and stops nothing of Ada's.
    let rejected_before = app.rejected();
    let report = app
        .ingest(&[delete(&bob, T0 + 13, &[second.id])])
        .await
        .unwrap();
    assert_eq!(report.stored, 0);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].1.code(), "delete_not_own");
    assert_eq!(app.rejected(), rejected_before + 1);
    assert!(app
        .storage()
        .event_json(&second.id)
        .await
        .unwrap()
        .is_some());
    let fifth = post(&ada, T0 + 4, "fifth");
    assert_eq!(
        app.ingest(&[delete(&bob, T0 + 14, &[fifth.id])])
            .await
            .unwrap()
            .stored,
        1
    );
    assert_eq!(app.missing_for_sync(&[fifth.id]).await.unwrap(), [fifth.id]);
    assert_eq!(
        app.ingest(std::slice::from_ref(&fifth))
            .await
            .unwrap()
            .stored,
        1
    );
    assert_eq!(texts(&feed(&app, &port).await), ["fifth", "second"]);

    // A reaction must name an event's real author; a true one is stored.
    let report = app
        .ingest(&[reaction(&bob, T0 + 15, &second, &bob)])
        .await
        .unwrap();
    assert_eq!(report.refused[0].1.code(), "reaction_target_mismatch");
    let report = app
        .ingest(&[reaction(&bob, T0 + 16, &second, &ada)])
        .await
        .unwrap();
    assert_eq!((report.stored, report.refused.len()), (1, 0));
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn another_authors_delete_cannot_undo_a_withdrawal_its_target_confirmed() {
    let config = unique_config("delete-undo");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted");
    // Ada's delete first, then her post: withdrawn, and now known to be hers.
    app.ingest(&[delete(&ada, T0 + 10, &[regretted.id])])
        .await
        .unwrap();
    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 0);
    assert!(app
        .missing_for_sync(&[regretted.id])
        .await
        .unwrap()
        .is_empty());
    // Bob's delete of the same id is not refused (nothing of that id is stored to own), but it
    // must not take Ada's delete back: the post stays held, and is not stored if it comes again.
    app.ingest(&[delete(&bob, T0 + 20, &[regretted.id])])
        .await
        .unwrap();
    assert!(
        app.missing_for_sync(&[regretted.id])
            .await
            .unwrap()
            .is_empty(),
        "Ada's withdrawal still holds the id"
    );
    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 0, "the deleted post does not come back");
    assert_eq!(app.storage().event_json(&regretted.id).await.unwrap(), None);
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_delete_withdrawn_in_its_own_batch_removes_nothing() {
    let config = unique_config("delete-of-delete");
    let app = App::start(&config).await.unwrap();
    let ada = identity(1);
    let kept = post(&ada, T0, "kept after all");
    app.ingest(std::slice::from_ref(&kept)).await.unwrap();
    let first = delete(&ada, T0 + 10, &[kept.id]);
    let second = delete(&ada, T0 + 20, &[first.id]);
    // Together, as a sync may bring them: the second withdraws the first, which does nothing,
    // as when the second comes first.
    let report = app.ingest(&[first.clone(), second.clone()]).await.unwrap();
    assert_eq!(report.stored, 1, "only the second delete");
    assert!(app.storage().event_json(&kept.id).await.unwrap().is_some());
    assert_eq!(app.storage().event_json(&first.id).await.unwrap(), None);
    assert!(app
        .missing_for_sync(&[kept.id, first.id])
        .await
        .unwrap()
        .is_empty());
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn another_authors_delete_beside_the_post_it_names_is_refused_and_takes_nothing_back() {
    let config = unique_config("delete-undo-batch");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted");
    app.ingest(&[delete(&ada, T0 + 10, &[regretted.id])])
        .await
        .unwrap();
    // Ada's post arrives, confirming her delete, in the same batch as Bob's delete of it: the
    // batch shows whose post it is, so Bob's delete is refused before anything is written
    // (ingest's `check_named`), and his tombstone never meets hers.
    let report = app
        .ingest(&[regretted.clone(), delete(&bob, T0 + 20, &[regretted.id])])
        .await
        .unwrap();
    assert_eq!(report.stored, 0);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].1.code(), "delete_not_own");
    assert!(app
        .missing_for_sync(&[regretted.id])
        .await
        .unwrap()
        .is_empty());
    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 0, "Ada's withdrawal still holds");
    assert_eq!(app.storage().event_json(&regretted.id).await.unwrap(), None);
    app.close();
    delete_config(&config).await;
}

// ---- Deletes of several authors naming one id the node does not hold (§5.2). The node cannot
// tell whose the id is until an event under it comes, so every author's claim is kept: one
// replacing another would let anyone undo a delete by naming its target too. ----

/// The `deleted` store's record of `id` as stored (JSON), read through a connection of its own.
async fn tombstone(config: &Config, id: &EventId) -> Option<Value> {
    let db = idb::Factory::new()
        .unwrap()
        .open(&config.storage_db, None)
        .unwrap()
        .await
        .unwrap();
    let transaction = db
        .transaction(&["deleted"], idb::TransactionMode::ReadOnly)
        .unwrap();
    let value = transaction
        .object_store("deleted")
        .unwrap()
        .get(JsValue::from_str(&id.to_hex()))
        .unwrap()
        .await
        .unwrap();
    db.close();
    let text = js_sys::JSON::stringify(&value?)
        .unwrap()
        .as_string()
        .unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

/// Writes `record` into the `deleted` store as is, through a connection of its own.
async fn put_tombstone(config: &Config, record: &Value) {
    let db = idb::Factory::new()
        .unwrap()
        .open(&config.storage_db, None)
        .unwrap()
        .await
        .unwrap();
    let transaction = db
        .transaction(&["deleted"], idb::TransactionMode::ReadWrite)
        .unwrap();
    let value = js_sys::JSON::parse(&record.to_string()).unwrap();
    transaction
        .object_store("deleted")
        .unwrap()
        .put(&value, None)
        .unwrap()
        .await
        .unwrap();
    transaction.commit().unwrap().await.unwrap();
    db.close();
}

/// A tombstone of `target` as the store writes it: `by`'s claim first, then `others'`.
fn tombstone_json(target: &Event, by: &Event, confirmed: bool, others: &[&Event]) -> Value {
    let mut record = json!({
        "id": target.id.to_hex(),
        "author": by.author.to_base64(),
        "by": by.id.to_hex(),
        "confirmed": confirmed,
    });
    if !others.is_empty() {
        let claimants = others
            .iter()
            .map(|by| by.author.to_base64().into())
            .collect();
        let claims = others.iter().map(|by| by.id.to_hex().into()).collect();
        record["claimants"] = Value::Array(claimants);
        record["claims"] = Value::Array(claims);
    }
    record
}

#[wasm_bindgen_test]
async fn a_forged_delete_cannot_undo_an_unconfirmed_one() {
    let config = unique_config("delete-forged");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted");
    let also = post(&ada, T0 + 1, "also regretted");
    // Ada deletes her post before it reached this node; then Bob's delete names it too (he
    // cannot own it, but a node that does not hold it cannot tell). In one batch as well.
    let withdraw = delete(&ada, T0 + 10, &[regretted.id]);
    let forged = delete(&bob, T0 + 20, &[regretted.id]);
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    app.ingest(std::slice::from_ref(&forged)).await.unwrap();
    let withdraw_also = delete(&ada, T0 + 11, &[also.id]);
    let forged_also = delete(&bob, T0 + 21, &[also.id]);
    let report = app
        .ingest(&[withdraw_also.clone(), forged_also.clone()])
        .await
        .unwrap();
    assert_eq!(report.stored, 2, "both deletes are kept");
    // Neither id is known to be anyone's yet: both are still fetched.
    assert_eq!(
        app.missing_for_sync(&[regretted.id, also.id])
            .await
            .unwrap(),
        [regretted.id, also.id]
    );

    // Ada's posts come: her deletes still withdraw them, now known to be hers.
    let report = app
        .ingest(&[regretted.clone(), also.clone()])
        .await
        .unwrap();
    assert_eq!(report.stored, 0, "the deleted posts are not stored again");
    assert_eq!(app.storage().event_json(&regretted.id).await.unwrap(), None);
    assert_eq!(app.storage().event_json(&also.id).await.unwrap(), None);
    assert!(app
        .missing_for_sync(&[regretted.id, also.id])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(&regretted, &withdraw, true, &[])),
        "confirmed as Ada's; Bob's claim, which cannot be the post's, is dropped"
    );
    assert_eq!(
        tombstone(&config, &also.id).await,
        Some(tombstone_json(&also, &withdraw_also, true, &[]))
    );
    assert_eq!(
        app.ingest(std::slice::from_ref(&regretted))
            .await
            .unwrap()
            .stored,
        0
    );
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn deletes_of_several_authors_withdraw_in_either_order() {
    let config = unique_config("delete-either-order");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted");
    // Bob's delete first, Ada's after: hers joins his, it does not replace it.
    let forged = delete(&bob, T0 + 10, &[regretted.id]);
    let withdraw = delete(&ada, T0 + 20, &[regretted.id]);
    app.ingest(std::slice::from_ref(&forged)).await.unwrap();
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(&regretted, &forged, false, &[&withdraw]))
    );
    // An author claims an id once, by their latest delete of it.
    let forged_again = delete(&bob, T0 + 30, &[regretted.id]);
    app.ingest(std::slice::from_ref(&forged_again))
        .await
        .unwrap();
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(
            &regretted,
            &forged_again,
            false,
            &[&withdraw]
        ))
    );

    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 0, "Ada's delete withdraws her post");
    assert!(app
        .missing_for_sync(&[regretted.id])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(&regretted, &withdraw, true, &[])),
        "Ada's claim, confirmed, is the record's now"
    );
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_forged_delete_alone_stops_nothing() {
    let config = unique_config("delete-forged-alone");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let kept = post(&ada, T0, "mine to keep");
    let forged = delete(&bob, T0 + 10, &[kept.id]);
    app.ingest(std::slice::from_ref(&forged)).await.unwrap();
    let report = app.ingest(std::slice::from_ref(&kept)).await.unwrap();
    assert_eq!(
        report.stored, 1,
        "Bob's delete does not withdraw Ada's post"
    );
    // His tombstone stays as it was, unconfirmed: it stops no event of Ada's.
    assert_eq!(
        tombstone(&config, &kept.id).await,
        Some(tombstone_json(&kept, &forged, false, &[]))
    );
    // Ada's own delete still removes it, confirmed as hers.
    let withdraw = delete(&ada, T0 + 20, &[kept.id]);
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    assert_eq!(app.storage().event_json(&kept.id).await.unwrap(), None);
    assert_eq!(
        tombstone(&config, &kept.id).await,
        Some(tombstone_json(&kept, &withdraw, true, &[]))
    );
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn removing_a_delete_forgets_only_its_own_claims() {
    let config = unique_config("delete-forget-claim");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let first = post(&ada, T0, "first");
    let second = post(&ada, T0 + 1, "second");
    let third = post(&ada, T0 + 2, "third");
    let withdraw = delete(&ada, T0 + 10, &[first.id, second.id, third.id]);
    let forged_first = delete(&bob, T0 + 20, &[first.id]);
    let forged_second = delete(&bob, T0 + 21, &[second.id]);
    let forged_third = delete(&bob, T0 + 22, &[third.id]);
    for event in [&withdraw, &forged_first, &forged_second, &forged_third] {
        app.ingest(std::slice::from_ref(event)).await.unwrap();
    }
    // Retention takes Bob's delete of `first`: his claim goes, Ada's stays, and so does her
    // delete's hold on her post.
    assert_eq!(
        app.storage()
            .delete_events(&[forged_first.id])
            .await
            .unwrap(),
        1
    );
    let report = app.ingest(std::slice::from_ref(&first)).await.unwrap();
    assert_eq!(
        report.stored, 0,
        "Ada's delete still stands when Bob's goes"
    );
    assert_eq!(
        tombstone(&config, &first.id).await,
        Some(tombstone_json(&first, &withdraw, true, &[]))
    );
    assert_eq!(
        tombstone(&config, &second.id).await,
        Some(tombstone_json(&second, &withdraw, false, &[&forged_second]))
    );
    // Then Ada's delete, with Bob's of `third` in the same removal: what they withdrew is
    // forgotten (§5.2). `first` and `third` have no claim left, so their records go; Bob's
    // claim on `second` is kept and becomes the record's (an event of his under that id would
    // still be withdrawn).
    assert_eq!(
        app.storage()
            .delete_events(&[withdraw.id, forged_third.id])
            .await
            .unwrap(),
        2
    );
    assert_eq!(tombstone(&config, &first.id).await, None);
    assert_eq!(tombstone(&config, &third.id).await, None);
    assert_eq!(
        tombstone(&config, &second.id).await,
        Some(tombstone_json(&second, &forged_second, false, &[]))
    );
    // No delete of Ada's stands: her posts are stored when they come.
    let report = app
        .ingest(&[first.clone(), second.clone(), third.clone()])
        .await
        .unwrap();
    assert_eq!(report.stored, 3);
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn an_event_beside_the_delete_of_its_delete_is_stored_as_in_separate_batches() {
    let config = unique_config("delete-undone-batch");
    let app = App::start(&config).await.unwrap();
    let ada = identity(1);
    let regretted = post(&ada, T0, "regretted, then not");
    let withdraw = delete(&ada, T0 + 10, &[regretted.id]);
    let undo = delete(&ada, T0 + 20, &[withdraw.id]);
    let other = post(&ada, T0 + 1, "the same, in separate batches");
    let withdraw_other = delete(&ada, T0 + 11, &[other.id]);
    let undo_other = delete(&ada, T0 + 21, &[withdraw_other.id]);
    app.ingest(&[withdraw.clone(), withdraw_other.clone()])
        .await
        .unwrap();
    // Ada's delete of her delete withdraws it, and what it withdrew is forgotten (§5.2): in
    // separate batches her post is then stored when it comes ...
    app.ingest(std::slice::from_ref(&undo_other)).await.unwrap();
    let report = app.ingest(std::slice::from_ref(&other)).await.unwrap();
    assert_eq!(report.stored, 1);
    // ... and in one batch with it as well, leaving no tombstone to hold its id.
    let report = app
        .ingest(&[regretted.clone(), undo.clone()])
        .await
        .unwrap();
    assert_eq!(report.stored, 2, "the post and the delete of its delete");
    for (post, withdraw) in [(&regretted, &withdraw), (&other, &withdraw_other)] {
        assert!(app.storage().event_json(&post.id).await.unwrap().is_some());
        assert_eq!(app.storage().event_json(&withdraw.id).await.unwrap(), None);
        assert_eq!(tombstone(&config, &post.id).await, None);
    }
    // Pruned, the post is fetched again: nothing withdraws it any more.
    app.storage()
        .delete_events(&[regretted.id, other.id])
        .await
        .unwrap();
    assert_eq!(
        app.missing_for_sync(&[regretted.id, other.id])
            .await
            .unwrap(),
        [regretted.id, other.id]
    );
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_forged_delete_beside_the_delete_of_a_delete_brings_no_claim_back() {
    let config = unique_config("delete-undone-forged");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted, then not");
    let also = post(&ada, T0 + 1, "also regretted, then not");
    let withdraw = delete(&ada, T0 + 10, &[regretted.id]);
    let withdraw_also = delete(&ada, T0 + 11, &[also.id]);
    app.ingest(&[withdraw.clone(), withdraw_also.clone()])
        .await
        .unwrap();
    // Ada withdraws her delete in the batch that brings Bob's delete of her first post: his
    // claim stays, alone, and hers is not written back beside it.
    let undo = delete(&ada, T0 + 20, &[withdraw.id]);
    let forged = delete(&bob, T0 + 30, &[regretted.id]);
    let report = app.ingest(&[undo.clone(), forged.clone()]).await.unwrap();
    assert_eq!(report.stored, 2);
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(&regretted, &forged, false, &[]))
    );
    assert_eq!(
        app.missing_for_sync(&[regretted.id]).await.unwrap(),
        [regretted.id]
    );
    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 1, "no delete of Ada's stands");
    // The same with her post in that batch too, written straight to the store (ingest would
    // refuse Bob's delete of a post the batch shows to be Ada's).
    let undo_also = delete(&ada, T0 + 21, &[withdraw_also.id]);
    let forged_also = delete(&bob, T0 + 31, &[also.id]);
    let stored = app
        .storage()
        .insert_all(&[also.clone(), undo_also, forged_also.clone()])
        .await
        .unwrap();
    assert_eq!(stored, [true, true, true]);
    assert!(app.storage().event_json(&also.id).await.unwrap().is_some());
    assert_eq!(
        tombstone(&config, &also.id).await,
        Some(tombstone_json(&also, &forged_also, false, &[]))
    );
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_tombstone_stored_before_claims_reads_as_it_was() {
    let config = unique_config("delete-old-record");
    let app = App::start(&config).await.unwrap();
    let (ada, bob) = (identity(1), identity(2));
    let regretted = post(&ada, T0, "regretted");
    let withdraw = delete(&ada, T0 + 10, &[regretted.id]);
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    // The record as releases before claims wrote it: this one writes a lone claim the same way.
    let old = json!({
        "id": regretted.id.to_hex(),
        "author": ada.public_key().to_base64(),
        "by": withdraw.id.to_hex(),
        "confirmed": false,
    });
    assert_eq!(tombstone(&config, &regretted.id).await.as_ref(), Some(&old));
    put_tombstone(&config, &old).await;
    // Read by a sync's lookup (the store read whole) and by a write, which adds Bob's claim.
    assert_eq!(
        app.missing_for_sync(&[regretted.id]).await.unwrap(),
        [regretted.id]
    );
    let forged = delete(&bob, T0 + 20, &[regretted.id]);
    app.ingest(std::slice::from_ref(&forged)).await.unwrap();
    assert_eq!(
        tombstone(&config, &regretted.id).await,
        Some(tombstone_json(&regretted, &withdraw, false, &[&forged]))
    );
    let report = app.ingest(std::slice::from_ref(&regretted)).await.unwrap();
    assert_eq!(report.stored, 0);
    assert!(app
        .missing_for_sync(&[regretted.id])
        .await
        .unwrap()
        .is_empty());
    app.close();
    delete_config(&config).await;
}
