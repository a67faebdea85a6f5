//! Browser tests of deletion (protocol.md §5.2) and of what a reaction may name (§5.3), through
//! the request API and the store: a deleted post leaves feed and store and never comes back
//! (from a peer that missed the delete, after a restart, in any order of arrival); a delete
//! that arrives first stops its target without stopping anyone else's event of that id; a
//! delete or reaction naming someone else's stored event is refused in words and blames no one.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, FeedItem, Request, Response};
use phemossa_background::{App, PushSink};
use phemossa_core::{Content, Event, EventId, Identity, Reaction};
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
