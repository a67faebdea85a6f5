//! Browser tests of the feed's first page kept ready in memory (`first_page.rs`): it is answered
//! from memory while nothing changed, and never stale: a post arriving from a peer, the user's
//! own post, a mute, a muted word and a delete each show in the very next page, a page read
//! while a write lands is not kept, and pages asked for during a read share it.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{Request, Response};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::Identity;
use wasm_bindgen_test::*;

/// A started background whose user follows Bob, with Bob's post `text` stored: the page port,
/// and Bob.
async fn following_bob(label: &str, text: &str) -> (Rc<App>, Rc<dyn PushSink>, Identity) {
    let app = App::start(&unique_config(label)).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let bob = identity(2);
    let follow = Request::Follow {
        public_key: bob.public_key().to_string(),
    };
    ask(&app, &port, follow).await;
    app.ingest(&[post(&bob, T0, text)]).await.unwrap();
    (app, port, bob)
}

async fn ask(app: &App, port: &Rc<dyn PushSink>, request: Request) -> Response {
    app.handle(request, port).await.expect("answered")
}

fn texts(items: &[phemossa_api::FeedItem]) -> Vec<String> {
    items.iter().map(|item| item.text.clone()).collect()
}

#[wasm_bindgen_test]
async fn the_first_page_is_kept_until_something_changes_and_is_never_stale() {
    let (app, port, bob) = following_bob("first-page-kept", "first light").await;

    let read = feed(&app, &port).await;
    assert_eq!(texts(&read), ["first light"]);
    let kept = app.first_pages_kept();
    let again = feed(&app, &port).await;
    assert_eq!(again, read, "the same page");
    assert_eq!(app.first_pages_kept(), kept + 1, "answered from memory");

    // A post from a peer.
    app.ingest(&[post(&bob, T0 + 1_000, "second light")])
        .await
        .unwrap();
    assert_eq!(
        texts(&feed(&app, &port).await),
        ["second light", "first light"]
    );
    let kept = app.first_pages_kept();
    feed(&app, &port).await;
    assert_eq!(app.first_pages_kept(), kept + 1, "kept again once read");

    // The user's own post.
    let own = Request::Post {
        text: "my own".into(),
        reply_to: None,
        images: vec![],
        mentions: vec![],
        work: None,
    };
    let Response::Posted(mine) = ask(&app, &port, own).await else {
        panic!("expected the post")
    };
    assert_eq!(texts(&feed(&app, &port).await)[0], "my own");

    // A muted word, then a mute of Bob.
    let words = Request::SetKeepOutSettings {
        muted_words: vec!["second".into()],
        per_author_per_day: phemossa_core::keep_out::DEFAULT_PER_AUTHOR_PER_DAY,
        per_author_mb: None,
        stranger_work_bits: None,
    };
    ask(&app, &port, words).await;
    let shown = feed(&app, &port).await;
    assert_eq!(
        shown[1].muted_word.as_deref(),
        Some("second"),
        "the muted word marks the post at once"
    );
    let mute = Request::SetStanding {
        public_key: bob.public_key().to_string(),
        standing: Some(Standing::Muted),
    };
    ask(&app, &port, mute).await;
    assert_eq!(texts(&feed(&app, &port).await), ["my own"], "Bob muted");
    assert_eq!(texts(&feed(&app, &port).await), ["my own"], "and still");

    // A delete of the user's own post.
    let delete = Request::DeletePosts {
        ids: vec![mine.id.to_hex()],
    };
    ask(&app, &port, delete).await;
    assert!(
        feed(&app, &port).await.is_empty(),
        "the deleted post is gone"
    );
}

#[wasm_bindgen_test]
async fn a_page_read_while_a_post_arrives_is_not_kept_stale() {
    let (app, port, bob) = following_bob("first-page-race", "before").await;

    // No page is kept since "before" was stored, so this one is read, while the new post is
    // stored; whichever ends first, the next page shows the new post.
    let later = [post(&bob, T0 + 1_000, "during")];
    let (_, stored) = futures::join!(feed(&app, &port), app.ingest(&later));
    assert_eq!(stored.unwrap().stored, 1);
    assert_eq!(texts(&feed(&app, &port).await), ["during", "before"]);
}

#[wasm_bindgen_test]
async fn first_pages_asked_for_during_a_read_share_it() {
    let (app, port, bob) = following_bob("first-page-shared", "shared light").await;

    // Nothing is kept since the post was stored: three popups opening at once cause one read,
    // and all three get its page.
    let reads = app.first_pages_read();
    let (a, b, c) = futures::join!(feed(&app, &port), feed(&app, &port), feed(&app, &port));
    assert_eq!(texts(&a), ["shared light"]);
    assert_eq!((&a, &a), (&b, &c), "the same page for each");
    assert_eq!(app.first_pages_read(), reads + 1, "read once");

    // Pages shared while a post is stored are never kept stale: the next page shows it.
    let later = [post(&bob, T0 + 1_000, "later light")];
    let (_, stored, _) = futures::join!(feed(&app, &port), app.ingest(&later), feed(&app, &port));
    assert_eq!(stored.unwrap().stored, 1);
    assert_eq!(
        texts(&feed(&app, &port).await),
        ["later light", "shared light"]
    );
}

#[wasm_bindgen_test]
async fn a_read_nobody_waits_for_stops_and_one_still_awaited_runs_on() {
    let (app, port, _) = following_bob("first-page-abandoned", "light").await;
    let ask_feed = |port: Rc<dyn PushSink>| {
        let app = Rc::clone(&app);
        async move {
            let request = Request::GetFeed {
                before: None,
                limit: 100,
            };
            app.handle(request, &port).await
        }
    };
    // The popup that asked closed before its page was read: the read stops, nothing is kept.
    let closed = Rc::new(Recorder::new(2));
    closed.open.set(false);
    let kept = app.first_pages_kept();
    let answer = ask_feed(closed.clone() as Rc<dyn PushSink>).await;
    assert!(
        matches!(answer, Err(phemossa_api::ApiError::Internal { ref reason }) if reason.contains("closed")),
        "stopped: {answer:?}"
    );
    // A page that closes while its read runs, with another page that joined it still open:
    // the read goes on, and both get the page.
    let closing = Rc::new(Recorder::new(3));
    let close = async {
        closing.open.set(false);
    };
    let (first, (), second) = futures::join!(
        ask_feed(closing.clone() as Rc<dyn PushSink>),
        close,
        ask_feed(Rc::clone(&port))
    );
    for answer in [first, second] {
        let Ok(Response::FeedPage(page)) = answer else {
            panic!("a page: {answer:?}")
        };
        assert_eq!(texts(&page.items), ["light"]);
    }
    // Kept now: the next page comes from memory.
    feed(&app, &port).await;
    assert_eq!(app.first_pages_kept(), kept + 1);
}
