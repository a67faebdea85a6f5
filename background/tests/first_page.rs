//! Browser tests of the feed's first page kept ready in memory (`first_page.rs`): it is answered
//! from memory while nothing changed, and never stale: a post arriving from a peer, the user's
//! own post, a mute, a muted word and a delete each show in the very next page, a page read
//! while a write lands is not kept, and pages asked for during a read share it.

mod common;

use std::rc::Rc;

use common::*;
use phemossa_api::{Request, Response};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn started(label: &str) -> (Rc<App>, Rc<dyn PushSink>) {
    let app = App::start(&unique_config(label)).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    (app, port)
}

async fn ask(app: &App, port: &Rc<dyn PushSink>, request: Request) -> Response {
    app.handle(request, port).await.expect("answered")
}

fn texts(items: &[phemossa_api::FeedItem]) -> Vec<String> {
    items.iter().map(|item| item.text.clone()).collect()
}

#[wasm_bindgen_test]
async fn the_first_page_is_kept_until_something_changes_and_is_never_stale() {
    let (app, port) = started("first-page-kept").await;
    let bob = identity(2);
    let follow = Request::Follow {
        public_key: bob.public_key().to_string(),
    };
    ask(&app, &port, follow).await;
    app.ingest(&[post(&bob, T0, "first light")]).await.unwrap();

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
    let (app, port) = started("first-page-race").await;
    let bob = identity(2);
    let follow = Request::Follow {
        public_key: bob.public_key().to_string(),
    };
    ask(&app, &port, follow).await;
    app.ingest(&[post(&bob, T0, "before")]).await.unwrap();

    // No page is kept since "before" was stored, so this one is read, while the new post is
    // stored; whichever ends first, the next page shows the new post.
    let later = [post(&bob, T0 + 1_000, "during")];
    let (_, stored) = futures::join!(feed(&app, &port), app.ingest(&later));
    assert_eq!(stored.unwrap().stored, 1);
    assert_eq!(texts(&feed(&app, &port).await), ["during", "before"]);
}

#[wasm_bindgen_test]
async fn first_pages_asked_for_during_a_read_share_it() {
    let (app, port) = started("first-page-shared").await;
    let bob = identity(2);
    let follow = Request::Follow {
        public_key: bob.public_key().to_string(),
    };
    ask(&app, &port, follow).await;
    app.ingest(&[post(&bob, T0, "shared light")]).await.unwrap();

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
