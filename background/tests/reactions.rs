//! Browser tests of reactions (protocol.md §5.3) through the request API and the store: the
//! user's tap toggles (a reaction, then a delete of it), counts are of people, shown on feed and
//! thread pages and pushed when a peer's reaction arrives; muted people are not counted; an
//! emoji the grammar refuses and a post not stored are said in words, with nothing stored.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, PostReactions, Push, ReactionCount, Request, Response};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::{Content, Event, EventId, Identity, Reaction};
use wasm_bindgen_test::*;

fn reaction(author: &Identity, timestamp: u64, target: &Event, emoji: &str) -> Event {
    let content = Content::Reaction(Reaction {
        target: target.id,
        target_author: target.author,
        emoji: emoji.into(),
    });
    Event::create(author, timestamp, content).expect("valid reaction")
}

async fn react(app: &App, port: &Rc<dyn PushSink>, id: EventId, emoji: &str) -> PostReactions {
    let request = Request::React {
        id: id.to_hex(),
        emoji: emoji.into(),
        work: None,
    };
    // Proof of work where the post's author does not follow the user, as the popup finds it.
    match with_work(app, port, request).await {
        Ok(Response::Reactions(reactions)) => reactions,
        other => panic!("expected the post's reactions, got {other:?}"),
    }
}

fn count(emoji: &str, count: u32, mine: bool) -> ReactionCount {
    ReactionCount {
        emoji: emoji.into(),
        count,
        mine,
    }
}

#[wasm_bindgen_test]
async fn a_tap_toggles_and_counts_are_of_people_on_every_page() {
    let config = unique_config("reactions");
    let app = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = recorder.clone() as Rc<dyn PushSink>;
    app.handle(
        Request::Subscribe {
            topics: vec![phemossa_api::Topic::Feed],
        },
        &port,
    )
    .await
    .unwrap();
    let (ada, bob, cy) = (identity(1), identity(2), identity(3));
    for who in [&ada, &bob] {
        let request = Request::Follow {
            public_key: who.public_key().to_string(),
        };
        app.handle(request, &port).await.unwrap();
    }
    let root = post(&ada, T0, "a post to react to");
    app.ingest(std::slice::from_ref(&root)).await.unwrap();
    recorder.take_pushes();

    // Ada does not follow the user: the tap is first answered with the work it needs, and
    // nothing is stored until it comes back with it.
    let unproven = Request::React {
        id: root.id.to_hex(),
        emoji: "👍".into(),
        work: None,
    };
    let asked = app.handle(unproven, &port).await;
    assert!(
        matches!(
            asked,
            Ok(Response::WorkNeeded {
                bits: phemossa_core::work::DEFAULT_STRANGER_WORK_BITS,
                strangers: 1,
                ..
            })
        ),
        "{asked:?}"
    );
    // The user's tap: a reaction, counted as theirs.
    let first = react(&app, &port, root.id, "👍").await;
    assert_eq!(first.post, root.id);
    assert_eq!(first.reactions, [count("👍", 1, true)]);
    assert!(recorder.take_pushes().iter().any(
        |push| matches!(push, Push::Reactions(posts) if posts == std::slice::from_ref(&first))
    ));

    // Peers' reactions arrive: one push with the new counts. Bob's second 👍 (another device)
    // counts once; Cy is a stranger whose reaction was relayed to us.
    let report = app
        .ingest(&[
            reaction(&bob, T0 + 1, &root, "👍"),
            reaction(&bob, T0 + 2, &root, "👍"),
            reaction(&cy, T0 + 3, &root, "🎉"),
        ])
        .await
        .unwrap();
    assert_eq!(report.stored, 3);
    let expected = vec![count("👍", 2, true), count("🎉", 1, false)];
    let pushes = recorder.take_pushes();
    let pushed: Vec<_> = pushes
        .iter()
        .filter_map(|push| match push {
            Push::Reactions(posts) => Some(posts.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        pushed,
        [vec![PostReactions {
            post: root.id,
            reactions: expected.clone()
        }]]
    );
    assert_eq!(feed(&app, &port).await[0].reactions, expected);
    let thread = match app
        .handle(
            Request::GetThread {
                id: root.id.to_hex(),
                limit: None,
            },
            &port,
        )
        .await
    {
        Ok(Response::Thread(thread)) => thread,
        other => panic!("expected the thread, got {other:?}"),
    };
    assert_eq!(thread.root.reactions, expected);

    // Muting Cy leaves their reaction out of the counts.
    app.handle(
        Request::SetStanding {
            public_key: cy.public_key().to_string(),
            standing: Some(Standing::Muted),
        },
        &port,
    )
    .await
    .unwrap();
    assert_eq!(feed(&app, &port).await[0].reactions, [count("👍", 2, true)]);

    // A second tap withdraws the user's reaction with a delete; it stays withdrawn after a
    // restart, and a third tap reacts again.
    let second = react(&app, &port, root.id, "👍").await;
    assert_eq!(second.reactions, [count("👍", 1, false)]);
    app.close();
    let app = App::start(&config).await.unwrap();
    assert_eq!(
        feed(&app, &port).await[0].reactions,
        [count("👍", 1, false)]
    );
    let third = react(&app, &port, root.id, "👍").await;
    assert_eq!(third.reactions, [count("👍", 2, true)]);
    assert_author_totals_exact(app.storage()).await;
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_bad_emoji_or_an_unknown_post_is_refused_in_words_and_nothing_is_stored() {
    let config = unique_config("reactions-refused");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let request = Request::Post {
        text: "mine".into(),
        reply_to: None,
        images: vec![],
        mentions: vec![],
        work: None,
    };
    let Ok(Response::Posted(mine)) = app.handle(request, &port).await else {
        panic!("not posted");
    };
    let before = app.storage().stats().await.unwrap().events;
    for emoji in ["", "👍 ", "hello", "👍👍", "\u{200b}", &"👍".repeat(20)] {
        let refused = app
            .handle(
                Request::React {
                    id: mine.id.to_hex(),
                    emoji: emoji.into(),
                    work: None,
                },
                &port,
            )
            .await;
        match refused {
            Err(ApiError::InvalidRequest { reason }) => {
                assert!(reason.contains("emoji"), "{emoji:?}: {reason}")
            }
            other => panic!("{emoji:?}: expected a refusal, got {other:?}"),
        }
    }
    let unknown = app
        .handle(
            Request::React {
                id: EventId::from_bytes([5; 32]).to_hex(),
                emoji: "👍".into(),
                work: None,
            },
            &port,
        )
        .await;
    assert_eq!(unknown, Err(ApiError::PostNotFound));
    let not_hex = app
        .handle(
            Request::React {
                id: "post".into(),
                emoji: "👍".into(),
                work: None,
            },
            &port,
        )
        .await;
    assert!(
        matches!(not_hex, Err(ApiError::InvalidRequest { .. })),
        "{not_hex:?}"
    );
    assert_eq!(app.storage().stats().await.unwrap().events, before);
    app.close();
    delete_config(&config).await;
}
