//! Browser tests of threads (`get_thread`) and reply counts through the request API: a thread
//! opens from any of its posts as the same tree, in time order, with counts; a muted person's
//! replies leave it with what hangs under them; a reply whose parent is not stored starts its
//! own thread; unknown and malformed ids are refused in words. A reply mentions the author it
//! answers, and one to someone who does not follow the user is signed only with proof of work
//! that holds, found for a timestamp the background gave a moment ago.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, FoundWork, Request, Response, ThreadPage};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::work::{WorkSearch, DEFAULT_STRANGER_WORK_BITS, MAX_NONCE};
use phemossa_core::{Content, Event, EventId, Identity, Post};
use wasm_bindgen_test::*;

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
        work: None,
    };
    // Cy does not follow the user: the reply carries proof of work.
    with_work(&app, &port, request).await.unwrap();
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

fn reply_request(parent: EventId, text: &str, work: Option<FoundWork>) -> Request {
    Request::Post {
        text: text.into(),
        reply_to: Some(parent.to_hex()),
        images: vec![],
        mentions: vec![],
        work,
    }
}

#[wasm_bindgen_test]
async fn a_reply_to_someone_who_does_not_follow_the_user_is_signed_only_with_work_that_holds() {
    let app = App::start(&unique_config("thread-work")).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let me = app.public_key();
    let (ada, bob) = (identity(1), identity(2));
    let from_ada = post(&ada, T0, "who planted the oaks?");
    let from_bob = post(&bob, T0 + 1, "the jays did");
    // Bob follows the user; Ada does not.
    let bob_follows = follow(&bob, T0 + 2, me, true);
    app.ingest(&[from_ada.clone(), from_bob.clone(), bob_follows])
        .await
        .unwrap();

    // To a follower: signed at once, mentioning the author it answers.
    let Ok(Response::Posted(to_bob)) = app
        .handle(reply_request(from_bob.id, "thanks", None), &port)
        .await
    else {
        panic!("a reply to a follower needs no work");
    };
    assert_eq!(to_bob.mentions, vec![bob.public_key()]);

    // To a stranger: the default work is asked for, and nothing is stored meanwhile.
    let to_ada = |work| reply_request(from_ada.id, "the jays, mostly", work);
    let answer = app.handle(to_ada(None), &port).await.unwrap();
    let Response::WorkNeeded {
        prefix,
        bits,
        timestamp,
        strangers,
    } = answer
    else {
        panic!("expected work to be asked for, got {answer:?}");
    };
    assert_eq!((bits, strangers), (DEFAULT_STRANGER_WORK_BITS, 1));
    let unanswered = thread(&app, &port, &from_ada.id.to_hex()).await.unwrap();
    assert!(
        unanswered.replies.is_empty(),
        "nothing stored before the work"
    );

    // Work that does not hold over this post, or found for another time, is refused.
    use base64::Engine as _;
    let prefix = base64::engine::general_purpose::STANDARD
        .decode(prefix)
        .unwrap();
    let search = WorkSearch::new(&prefix, bits).unwrap();
    let short = (0..)
        .find(|nonce| search.try_nonces(*nonce, 1).is_none())
        .unwrap();
    let found = search.try_nonces(0, MAX_NONCE).unwrap();
    let sent = |timestamp: u64, nonce: u64| {
        to_ada(Some(FoundWork {
            timestamp,
            bits,
            nonce,
        }))
    };
    for (request, says) in [
        (sent(timestamp, short), "does not hold"),
        (
            sent(timestamp - 2 * 60 * 60 * 1000, found.nonce),
            "another time",
        ),
    ] {
        match app.handle(request, &port).await {
            Err(ApiError::InvalidRequest { reason }) => {
                assert!(reason.contains(says), "{says}: {reason}")
            }
            other => panic!("{says}: expected a refusal, got {other:?}"),
        }
    }
    assert!(thread(&app, &port, &from_ada.id.to_hex())
        .await
        .unwrap()
        .replies
        .is_empty());

    // With the work found: signed at that time, carrying it, and in the thread.
    let Ok(Response::Posted(item)) = app.handle(sent(timestamp, found.nonce), &port).await else {
        panic!("the reply with its work is posted");
    };
    assert_eq!(item.mentions, vec![ada.public_key()]);
    assert_eq!(item.timestamp, timestamp);
    let Ok(Response::Events(page)) = app
        .handle(
            Request::ExportEvents {
                after: None,
                limit: 100,
            },
            &port,
        )
        .await
    else {
        panic!("export");
    };
    let stored = page
        .events
        .iter()
        .map(|json| Event::from_json(json.as_bytes(), u64::MAX).unwrap())
        .find(|event| event.id == item.id)
        .expect("the reply is stored");
    let work = stored.work.expect("the stored reply carries its work");
    assert_eq!(work.bits, DEFAULT_STRANGER_WORK_BITS);
    work.check(&stored.id).unwrap();
    let answered = thread(&app, &port, &from_ada.id.to_hex()).await.unwrap();
    assert_eq!(answered.replies.len(), 1);
}
