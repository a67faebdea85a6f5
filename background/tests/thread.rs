//! Browser tests of threads (`get_thread`) and reply counts through the request API: a thread
//! opens from any of its posts as the same tree, in time order, with counts; a muted person's
//! replies leave it with what hangs under them; a reply whose parent is not stored starts its
//! own thread; unknown and malformed ids are refused in words.

mod common;

use std::rc::Rc;

use common::*;
use phemossa_api::{ApiError, Request, Response, ThreadPage};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::{Content, Event, EventId, Identity, Post};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn reply(author: &Identity, timestamp: u64, text: &str, parent: EventId) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: Some(parent),
    });
    Event::create(author, timestamp, content).expect("valid reply")
}

async fn thread(app: &App, port: &Rc<dyn PushSink>, id: &str) -> Result<ThreadPage, ApiError> {
    let request = Request::GetThread {
        id: id.into(),
        limit: None,
    };
    match app.handle(request, port).await {
        Ok(Response::Thread(page)) => Ok(page),
        Ok(other) => panic!("expected a thread, got {other:?}"),
        Err(error) => Err(error),
    }
}

/// Each reply's text with its depth, in the order shown.
fn shape(page: &ThreadPage) -> Vec<(u32, &str)> {
    page.replies
        .iter()
        .map(|reply| (reply.depth, reply.item.text.as_str()))
        .collect()
}

#[wasm_bindgen_test]
async fn a_thread_is_one_tree_in_time_order_from_any_of_its_posts() {
    let config = unique_config("thread");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let (ada, bob, cy) = (identity(1), identity(2), identity(3));
    for who in [&ada, &bob, &cy] {
        let request = Request::Follow {
            public_key: who.public_key().to_string(),
        };
        app.handle(request, &port).await.unwrap();
    }
    let root = post(&ada, T0, "moss grows on the north side?");
    let from_bob = reply(&bob, T0 + 10, "not always", root.id);
    let from_cy = reply(&cy, T0 + 5, "mostly, yes", root.id);
    let ada_again = reply(&ada, T0 + 20, "where then?", from_bob.id);
    let bob_again = reply(&bob, T0 + 30, "wherever it is damp", ada_again.id);
    // Arriving out of order changes nothing.
    app.ingest(&[
        bob_again.clone(),
        from_bob.clone(),
        root.clone(),
        ada_again.clone(),
        from_cy.clone(),
    ])
    .await
    .unwrap();

    let expected = [
        (1, "mostly, yes"),
        (1, "not always"),
        (2, "where then?"),
        (3, "wherever it is damp"),
    ];
    let whole = thread(&app, &port, &root.id.to_hex()).await.unwrap();
    assert_eq!(whole.root.id, root.id);
    assert!(!whole.root_is_reply && !whole.cut_short);
    assert_eq!(shape(&whole), expected);
    assert_eq!(whole.root.replies, 2);
    assert_eq!(whole.replies[1].item.replies, 1);
    assert_eq!(whole.replies[1].item.reply_to, Some(root.id));
    // A first page: the replies nearest the root, and the thread said to go on.
    for (limit, shown) in [
        (1usize, 1usize),
        (2, 2),
        (whole.replies.len(), whole.replies.len()),
    ] {
        let request = Request::GetThread {
            id: root.id.to_hex(),
            limit: Some(limit as u32),
        };
        let Ok(Response::Thread(page)) = app.handle(request, &port).await else {
            panic!("no thread");
        };
        assert_eq!(page.replies.len(), shown);
        assert_eq!(page.cut_short, shown < whole.replies.len(), "limit {limit}");
        assert!(page.replies.iter().all(|reply| reply.depth == 1) || limit > 2);
    }
    // Opened from the deepest reply, it is the same thread.
    let from_leaf = thread(&app, &port, &bob_again.id.to_hex()).await.unwrap();
    assert_eq!(from_leaf, whole);

    // The feed counts each post's replies.
    let items = feed(&app, &port).await;
    let count_of = |id: EventId| items.iter().find(|item| item.id == id).unwrap().replies;
    assert_eq!(
        (
            count_of(root.id),
            count_of(from_bob.id),
            count_of(bob_again.id)
        ),
        (2, 1, 0)
    );

    // The user's reply joins the thread where it was made.
    let request = Request::Post {
        text: "north, south, whatever is shady".into(),
        reply_to: Some(from_cy.id.to_hex()),
        images: vec![],
        mentions: vec![],
    };
    app.handle(request, &port).await.unwrap();
    let with_mine = thread(&app, &port, &root.id.to_hex()).await.unwrap();
    assert_eq!(
        shape(&with_mine)[..2],
        [(1, "mostly, yes"), (2, "north, south, whatever is shady")]
    );
    assert!(with_mine.replies[1].item.own);

    // A muted person's replies leave the thread, with what hangs under them, and are counted.
    let request = Request::SetStanding {
        public_key: bob.public_key().to_string(),
        standing: Some(Standing::Muted),
    };
    app.handle(request, &port).await.unwrap();
    let muted = thread(&app, &port, &root.id.to_hex()).await.unwrap();
    assert_eq!(
        shape(&muted),
        [(1, "mostly, yes"), (2, "north, south, whatever is shady")]
    );
    assert_eq!(
        muted.hidden, 3,
        "bob's two replies and ada's under the first"
    );
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_reply_to_a_post_not_held_starts_the_thread_and_bad_ids_are_refused() {
    let config = unique_config("thread-edges");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let dee = identity(4);
    let unseen = post(&dee, T0, "never synced here");
    let orphan = reply(&dee, T0 + 1, "answering something you never saw", unseen.id);
    app.ingest(std::slice::from_ref(&orphan)).await.unwrap();
    let page = thread(&app, &port, &orphan.id.to_hex()).await.unwrap();
    assert_eq!(page.root.id, orphan.id);
    assert!(
        page.root_is_reply,
        "the page can say earlier posts are missing"
    );
    assert!(page.replies.is_empty());

    assert_eq!(
        thread(&app, &port, &unseen.id.to_hex()).await,
        Err(ApiError::PostNotFound)
    );
    let malformed = thread(&app, &port, "not an id").await;
    assert!(
        matches!(malformed, Err(ApiError::InvalidRequest { .. })),
        "{malformed:?}"
    );
    // A follow event is not a post: there is no thread to show.
    let follow_event = follow(&dee, T0 + 2, identity(5).public_key(), true);
    app.ingest(std::slice::from_ref(&follow_event))
        .await
        .unwrap();
    assert_eq!(
        thread(&app, &port, &follow_event.id.to_hex()).await,
        Err(ApiError::PostNotFound)
    );
    app.close();
    delete_config(&config).await;
}
