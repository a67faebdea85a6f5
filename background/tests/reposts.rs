//! Browser tests of reposts (protocol.md §5.4) through the request API and the store: a repost
//! from someone the user follows shows the original of someone they do not, with the original's
//! counts, and stores the original as an event of its own; the user's own repost is signed,
//! shown and undone; a repost of the user's post is news; reposts of muted people and of deleted
//! posts are left out, of live feed pushes too; and a repost whose original does not hold is
//! refused, nothing stored.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, NotificationKind, Push, Request, Response, Topic};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::{Content, Event, EventId, Identity, Reaction, Repost};
use serde_json::Value;
use wasm_bindgen_test::*;

fn repost(author: &Identity, timestamp: u64, original: &Event) -> Event {
    let content = Content::Repost(Repost {
        original: Box::new(original.clone()),
    });
    Event::create(author, timestamp, content).expect("valid repost")
}

async fn started(label: &str) -> (Rc<App>, Rc<dyn PushSink>) {
    let app = App::start(&unique_config(label)).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    (app, port)
}

async fn follow_key(app: &App, port: &Rc<dyn PushSink>, who: &Identity) {
    let request = Request::Follow {
        public_key: who.public_key().to_string(),
    };
    app.handle(request, port).await.unwrap();
}

async fn stored(app: &App, id: EventId) -> bool {
    !app.storage().load_json(&[id]).await.unwrap().is_empty()
}

#[wasm_bindgen_test]
async fn a_repost_shows_the_original_of_someone_not_followed_with_its_counts() {
    let (app, port) = started("reposts-shown").await;
    let (ada, bob, cy) = (identity(1), identity(2), identity(3));
    follow_key(&app, &port, &bob).await;
    let original = post(&ada, T0, "moss after the rain");
    let shared = repost(&bob, T0 + 1_000, &original);
    let report = app.ingest(std::slice::from_ref(&shared)).await.unwrap();
    assert_eq!(
        report.stored, 2,
        "the repost and its original, each an event"
    );
    assert!(
        stored(&app, original.id).await,
        "the original is stored on its own"
    );

    // A reaction to the original counts on it, inside the repost.
    let heart = Content::Reaction(Reaction {
        target: original.id,
        target_author: ada.public_key(),
        emoji: "❤️".into(),
    });
    let heart = Event::create(&cy, T0 + 2_000, heart).unwrap();
    app.ingest(std::slice::from_ref(&heart)).await.unwrap();

    let items = feed(&app, &port).await;
    assert_eq!(items.len(), 1, "only the repost: ada is not followed");
    let item = &items[0];
    assert_eq!((item.id, item.author), (shared.id, bob.public_key()));
    assert!(item.text.is_empty());
    let inner = item
        .original
        .as_deref()
        .expect("the repost carries its original");
    assert_eq!((inner.id, inner.author), (original.id, ada.public_key()));
    assert_eq!(inner.text, "moss after the rain");
    assert_eq!(inner.reactions.len(), 1);
    assert_eq!(inner.reactions[0].count, 1);

    // Muting ada leaves her post out, reposted or not.
    let request = Request::SetStanding {
        public_key: ada.public_key().to_string(),
        standing: Some(Standing::Muted),
    };
    app.handle(request, &port).await.unwrap();
    assert!(
        feed(&app, &port).await.is_empty(),
        "a muted person's post, reposted"
    );
}

#[wasm_bindgen_test]
async fn a_deleted_original_takes_its_reposts_out_of_the_feed() {
    let (app, port) = started("reposts-deleted").await;
    let (ada, bob) = (identity(1), identity(2));
    follow_key(&app, &port, &bob).await;
    let original = post(&ada, T0, "I will take this back");
    let shared = repost(&bob, T0 + 1_000, &original);
    app.ingest(std::slice::from_ref(&shared)).await.unwrap();
    assert_eq!(feed(&app, &port).await.len(), 1);
    let withdraw = Content::Delete {
        targets: vec![original.id],
    };
    let withdraw = Event::create(&ada, T0 + 2_000, withdraw).unwrap();
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    assert!(!stored(&app, original.id).await, "the original is dropped");
    assert!(stored(&app, shared.id).await, "the repost is bob's event");
    assert!(
        feed(&app, &port).await.is_empty(),
        "a repost of a deleted post is not shown"
    );
    // Arriving again, from a peer that missed the delete: the original stays out, and so
    // does the repost.
    app.ingest(std::slice::from_ref(&shared)).await.unwrap();
    assert!(!stored(&app, original.id).await);
    assert!(feed(&app, &port).await.is_empty());
}

#[wasm_bindgen_test]
async fn a_live_feed_leaves_out_reposts_of_deleted_originals_and_reloads_for_a_delete() {
    let app = App::start(&unique_config("reposts-live")).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = Rc::clone(&recorder) as Rc<dyn PushSink>;
    let topics = vec![Topic::Feed];
    app.handle(Request::Subscribe { topics }, &port)
        .await
        .unwrap();
    let (ada, bob) = (identity(1), identity(2));
    follow_key(&app, &port, &bob).await;
    let pushed = |pushes: Vec<Push>| -> Vec<EventId> {
        pushes
            .into_iter()
            .flat_map(|push| match push {
                Push::FeedAdded(items) => items.into_iter().map(|item| item.id).collect(),
                _ => Vec::new(),
            })
            .collect()
    };

    // Ada (not followed) deleted her post before it came; bob's repost of it arrives while the
    // popup is open, with another of his posts: only that one is pushed.
    let gone = post(&ada, T0, "taken back before it came");
    let withdraw = Content::Delete {
        targets: vec![gone.id],
    };
    let withdraw = Event::create(&ada, T0 + 1_000, withdraw).unwrap();
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    recorder.take_pushes();
    let late = repost(&bob, T0 + 2_000, &gone);
    let own = post(&bob, T0 + 3_000, "bob's own words");
    let report = app.ingest(&[late.clone(), own.clone()]).await.unwrap();
    assert_eq!(
        report.stored, 2,
        "the repost and his post; the original stays out"
    );
    assert_eq!(pushed(recorder.take_pushes()), [own.id]);
    assert_eq!(feed(&app, &port).await.len(), 1);

    // A repost on screen whose original ada now deletes: pages load the feed again.
    let original = post(&ada, T0 + 4_000, "I will take this back");
    let shared = repost(&bob, T0 + 5_000, &original);
    app.ingest(std::slice::from_ref(&shared)).await.unwrap();
    assert_eq!(pushed(recorder.take_pushes()), [shared.id]);
    let withdraw = Content::Delete {
        targets: vec![original.id],
    };
    let withdraw = Event::create(&ada, T0 + 6_000, withdraw).unwrap();
    app.ingest(std::slice::from_ref(&withdraw)).await.unwrap();
    assert!(
        recorder.take_pushes().contains(&Push::FeedReset),
        "the shown repost goes"
    );
    assert_eq!(feed(&app, &port).await.len(), 1);
}

#[wasm_bindgen_test]
async fn the_user_reposts_undoes_it_and_hears_of_reposts_of_their_posts() {
    let (app, port) = started("reposts-own").await;
    let (ada, bob) = (identity(1), identity(2));
    follow_key(&app, &port, &ada).await;
    let original = post(&ada, T0, "worth passing on");
    app.ingest(std::slice::from_ref(&original)).await.unwrap();

    let request = Request::Repost {
        id: original.id.to_hex(),
        work: None,
    };
    // Ada does not follow the user: the repost carries proof of work.
    let asked = app.handle(request.clone(), &port).await;
    assert!(
        matches!(
            asked,
            Ok(Response::WorkNeeded {
                bits: phemossa_core::work::DEFAULT_STRANGER_WORK_BITS,
                ..
            })
        ),
        "{asked:?}"
    );
    assert_eq!(
        feed(&app, &port).await.len(),
        1,
        "nothing stored without it"
    );
    let Ok(Response::Posted(item)) = with_work(&app, &port, request).await else {
        panic!("the repost is posted");
    };
    assert!(item.own);
    assert_eq!(item.original.as_ref().map(|o| o.id), Some(original.id));
    // Pages see it as the user's: the post, and the repost's original, marked with it.
    let shown = feed(&app, &port).await;
    assert_eq!(shown.len(), 2, "the post and the repost");
    let marked: Vec<_> = shown
        .iter()
        .map(|item| item.original.as_deref().unwrap_or(item))
        .map(|post| (post.id, post.reposted))
        .collect();
    assert_eq!(marked, [(original.id, Some(item.id)); 2]);
    // Once per post: reposting it again, or its repost (which reposts its original), is refused.
    for id in [original.id, item.id] {
        let again = Request::Repost {
            id: id.to_hex(),
            work: None,
        };
        assert!(matches!(
            app.handle(again, &port).await,
            Err(ApiError::InvalidRequest { .. })
        ));
    }

    // Undone: a delete of the repost; the post stays, no longer marked.
    let undo = Request::DeletePosts {
        ids: vec![item.id.to_hex()],
    };
    app.handle(undo, &port).await.unwrap();
    let shown = feed(&app, &port).await;
    assert_eq!(shown.len(), 1);
    assert_eq!((shown[0].id, shown[0].reposted), (original.id, None));

    // Not a post, not stored, not an id: said in words.
    let follow = follow(&ada, T0 + 5, bob.public_key(), true);
    app.ingest(std::slice::from_ref(&follow)).await.unwrap();
    let refused = app
        .handle(
            Request::Repost {
                id: follow.id.to_hex(),
                work: None,
            },
            &port,
        )
        .await;
    assert!(
        matches!(refused, Err(ApiError::InvalidRequest { .. })),
        "{refused:?}"
    );
    let missing = Request::Repost {
        id: EventId::from_bytes([9; 32]).to_hex(),
        work: None,
    };
    assert_eq!(
        app.handle(missing, &port).await,
        Err(ApiError::PostNotFound)
    );
    let malformed = Request::Repost {
        id: "abc".into(),
        work: None,
    };
    assert!(matches!(
        app.handle(malformed, &port).await,
        Err(ApiError::InvalidRequest { .. })
    ));

    // Bob reposts the user's own post: news, opening that post.
    let mine = match app
        .handle(
            Request::Post {
                text: "mine".into(),
                reply_to: None,
                images: vec![],
                mentions: vec![],
                work: None,
            },
            &port,
        )
        .await
    {
        Ok(Response::Posted(item)) => item,
        other => panic!("posted, got {other:?}"),
    };
    let mine_event = Event::from_json(
        &app.storage().load_json(&[mine.id]).await.unwrap()[0].1,
        u64::MAX,
    )
    .unwrap();
    app.ingest(&[repost(&bob, mine_event.timestamp + 1, &mine_event)])
        .await
        .unwrap();
    let Ok(Response::Notifications(page)) = app
        .handle(Request::GetNotifications { limit: 10 }, &port)
        .await
    else {
        panic!("notifications");
    };
    let news = &page.items[0];
    assert_eq!(news.kind, NotificationKind::Repost);
    assert_eq!((news.from, news.post), (bob.public_key(), Some(mine.id)));
}

#[wasm_bindgen_test]
async fn a_repost_whose_original_does_not_hold_is_refused_and_nothing_stored() {
    let (app, port) = started("reposts-bad").await;
    let (ada, bob) = (identity(1), identity(2));
    follow_key(&app, &port, &bob).await;
    let original = post(&ada, T0, "the real words");
    let shared: Value = serde_json::from_str(&repost(&bob, T0 + 1, &original).to_json()).unwrap();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = shared.clone();
        f(&mut v);
        v.to_string().into_bytes()
    };
    let other = post(&ada, T0 + 2, "another");
    let forged = [
        edit(&|v| v["content"]["content"]["text"] = "words never said".into()),
        edit(&|v| v["content"]["signature"] = other.signature.to_base64().into()),
    ];
    let before = app.storage().stats().await.unwrap();
    let report = app.ingest_json(&forged).await.unwrap();
    assert_eq!(report.stored, 0);
    let codes: Vec<_> = report.rejected.iter().map(|(_, e)| e.code()).collect();
    assert_eq!(
        codes,
        ["repost_original_invalid", "repost_original_invalid"]
    );
    assert!(!stored(&app, original.id).await);
    assert_eq!(
        app.storage().stats().await.unwrap(),
        before,
        "nothing stored"
    );
    assert!(feed(&app, &port).await.is_empty());
    assert_eq!(app.rejected(), 2, "counted where the person sees refusals");
}
