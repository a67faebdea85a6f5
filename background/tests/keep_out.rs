//! Browser tests of what the user keeps out (`core::keep_out`) through the request API: a muted
//! person leaves the feed and search and comes back whole, a blocked person's events are dropped
//! and refused, muted words mark posts, the daily limit holds a flood to exactly the limit
//! without fetching the rest again and counts an original carried by several reposts once, and
//! all of it outlives a restart.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, FeedItem, KeepOutStatus, Push, Request, Response, Topic};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::{Standing, DEFAULT_PER_AUTHOR_PER_DAY};
use phemossa_core::Event;
use wasm_bindgen_test::*;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

fn sink(recorder: &Rc<Recorder>) -> Rc<dyn PushSink> {
    Rc::clone(recorder) as Rc<dyn PushSink>
}

async fn feed(background: &App, port: &Rc<dyn PushSink>) -> Vec<FeedItem> {
    let request = Request::GetFeed {
        before: None,
        limit: 100,
    };
    match background.handle(request, port).await {
        Ok(Response::FeedPage(page)) => page.items,
        other => panic!("expected a feed page, got {other:?}"),
    }
}

async fn found(background: &App, port: &Rc<dyn PushSink>, query: &str) -> Vec<FeedItem> {
    let request = Request::SearchPosts {
        query: query.into(),
        limit: 100,
    };
    match background.handle(request, port).await {
        Ok(Response::Found(page)) => page.items,
        other => panic!("expected search results, got {other:?}"),
    }
}

async fn set_standing(
    background: &App,
    port: &Rc<dyn PushSink>,
    who: &phemossa_core::Identity,
    standing: Option<Standing>,
) -> KeepOutStatus {
    let request = Request::SetStanding {
        public_key: who.public_key().to_string(),
        standing,
    };
    keep_out(background, port, request).await.unwrap()
}

/// The keep-out status `request` answers, or the error it was refused with.
async fn keep_out(
    background: &App,
    port: &Rc<dyn PushSink>,
    request: Request,
) -> Result<KeepOutStatus, ApiError> {
    match background.handle(request, port).await {
        Ok(Response::KeepOut(status)) => Ok(status),
        Ok(other) => panic!("expected the keep-out status, got {other:?}"),
        Err(error) => Err(error),
    }
}

fn settings(muted_words: &[&str], per_author_per_day: u32) -> Request {
    Request::SetKeepOutSettings {
        muted_words: muted_words.iter().map(|w| (*w).to_owned()).collect(),
        per_author_per_day,
        per_author_mb: None,
        stranger_work_bits: None,
    }
}

fn stored_limit(per_author_mb: u32) -> Request {
    Request::SetKeepOutSettings {
        muted_words: Vec::new(),
        per_author_per_day: DEFAULT_PER_AUTHOR_PER_DAY,
        per_author_mb: Some(per_author_mb),
        stranger_work_bits: None,
    }
}

async fn follow_key(background: &App, port: &Rc<dyn PushSink>, who: &phemossa_core::Identity) {
    let request = Request::Follow {
        public_key: who.public_key().to_string(),
    };
    background.handle(request, port).await.unwrap();
}

fn texts(items: &[FeedItem]) -> Vec<&str> {
    items.iter().map(|item| item.text.as_str()).collect()
}

#[wasm_bindgen_test]
async fn a_muted_person_leaves_feed_and_search_and_comes_back_whole_after_a_restart() {
    let config = unique_config("mute");
    let background = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = sink(&recorder);
    let topics = vec![Topic::Feed, Topic::People];
    background
        .handle(Request::Subscribe { topics }, &port)
        .await
        .unwrap();
    let carol = identity(3);
    follow_key(&background, &port, &carol).await;
    let before: Vec<Event> = (0..3)
        .map(|n| post(&carol, T0 + n, &format!("moss note {n}")))
        .collect();
    background.ingest(&before).await.unwrap();
    assert_eq!(feed(&background, &port).await.len(), 3);
    recorder.take_pushes();

    let status = set_standing(&background, &port, &carol, Some(Standing::Muted)).await;
    assert_eq!(
        status.settings.standing(&carol.public_key()),
        Some(Standing::Muted)
    );
    assert_eq!(status.people[0].public_key, carol.public_key());
    let pushes = recorder.take_pushes();
    assert!(pushes
        .iter()
        .any(|p| matches!(p, Push::KeepOut(s) if s == &status)));
    assert!(pushes.contains(&Push::FeedReset), "pages reload the feed");
    assert!(
        feed(&background, &port).await.is_empty(),
        "hidden from the feed"
    );
    assert!(
        found(&background, &port, "moss").await.is_empty(),
        "and from search"
    );

    // Still synced and stored while muted: a new post is kept, not shown, not pushed.
    let later = post(&carol, T0 + 10, "moss note while muted");
    let report = background
        .ingest(std::slice::from_ref(&later))
        .await
        .unwrap();
    assert_eq!((report.stored, report.blocked, report.held_back), (1, 0, 0));
    assert!(!recorder
        .take_pushes()
        .iter()
        .any(|p| matches!(p, Push::FeedAdded(_))));

    // Kept across a restart.
    background.close();
    let background = App::start(&config).await.unwrap();
    assert!(
        feed(&background, &port).await.is_empty(),
        "still muted after a restart"
    );

    set_standing(&background, &port, &carol, None).await;
    let items = feed(&background, &port).await;
    assert_eq!(
        texts(&items),
        [
            "moss note while muted",
            "moss note 2",
            "moss note 1",
            "moss note 0"
        ],
        "everything is back, nothing missing"
    );
    assert_eq!(found(&background, &port, "moss").await.len(), 4);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_blocked_person_is_unfollowed_dropped_and_refused_until_unblocked() {
    let config = unique_config("block");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let (ada, bob) = (identity(1), identity(2));
    follow_key(&background, &port, &ada).await;
    follow_key(&background, &port, &bob).await;
    let ada_posts: Vec<Event> = (0..4)
        .map(|n| post(&ada, T0 + n, &format!("ada {n}")))
        .collect();
    let bob_post = post(&bob, T0, "bob stays");
    background.ingest(&ada_posts).await.unwrap();
    background
        .ingest(std::slice::from_ref(&bob_post))
        .await
        .unwrap();
    let stored_before = background.storage().count_events().await.unwrap();

    let status = set_standing(&background, &port, &ada, Some(Standing::Blocked)).await;
    assert!(status.settings.blocks(&ada.public_key()));
    let following = match background.handle(Request::GetFollowing, &port).await {
        Ok(Response::Following(list)) => list,
        other => panic!("expected the following list, got {other:?}"),
    };
    assert!(
        following.iter().all(|f| f.public_key != ada.public_key()),
        "blocking unfollows"
    );
    // Her events are gone, and the totals are what a recount gives.
    assert_author_totals_exact(background.storage()).await;
    let stats = background.storage().stats().await.unwrap();
    let recount = background.storage().count_events().await.unwrap();
    assert_eq!(stats.events, recount);
    assert_eq!(stats.pruned, 0, "a block is not retention's pruning");
    assert_eq!(
        recount,
        stored_before - 4 + 1,
        "her 4 posts gone, one unfollow event added"
    );
    for event in &ada_posts {
        assert_eq!(
            background.storage().event_json(&event.id).await.unwrap(),
            None
        );
    }
    assert_eq!(texts(&feed(&background, &port).await), ["bob stays"]);

    // Later events of hers are refused, whichever way they come, and counted; an honest
    // relaying peer is not blamed (they are not invalid).
    let later = post(&ada, T0 + 100, "ada again");
    let report = background
        .ingest(std::slice::from_ref(&later))
        .await
        .unwrap();
    assert_eq!(
        (report.stored, report.blocked, report.rejected.len()),
        (0, 1, 0)
    );
    let imported = background
        .handle(
            Request::ImportEvents {
                events: vec![ada_posts[0].to_json()],
                first_line: 1,
            },
            &port,
        )
        .await;
    assert!(matches!(imported, Ok(Response::Imported(r)) if r.kept_out == 1 && r.stored == 0));
    assert_eq!(background.rejected(), 0, "nothing counted as invalid");
    assert_eq!(
        background.storage().event_json(&later.id).await.unwrap(),
        None
    );
    assert_eq!(
        background
            .handle(
                Request::Follow {
                    public_key: ada.public_key().to_string()
                },
                &port
            )
            .await,
        Err(ApiError::FollowBlocked)
    );
    let status = keep_out(&background, &port, Request::GetKeepOut)
        .await
        .unwrap();
    assert_eq!(status.refused_blocked, 2);

    // Unblocked: she may be followed again and her events are taken again.
    set_standing(&background, &port, &ada, None).await;
    follow_key(&background, &port, &ada).await;
    let report = background.ingest(&ada_posts).await.unwrap();
    assert_eq!(report.stored, 4);
    assert_eq!(feed(&background, &port).await.len(), 5);

    // The user cannot keep themself out.
    let me = background.public_key().to_string();
    let refused = keep_out(
        &background,
        &port,
        Request::SetStanding {
            public_key: me,
            standing: Some(Standing::Muted),
        },
    )
    .await;
    assert!(
        matches!(refused, Err(ApiError::InvalidKeepOut { .. })),
        "{refused:?}"
    );
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn muted_words_mark_others_posts_but_never_the_users_own() {
    let config = unique_config("muted-words");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let dan = identity(4);
    follow_key(&background, &port, &dan).await;
    background
        .ingest(&[
            post(&dan, T0, "The season FINALE was wild"),
            post(&dan, T0 + 1, "a quiet day"),
        ])
        .await
        .unwrap();
    background
        .handle(
            Request::Post {
                text: "no finale spoilers from me, season fans".into(),
                reply_to: None,
                images: vec![],
                mentions: vec![],
                work: None,
            },
            &port,
        )
        .await
        .unwrap();
    let status = keep_out(&background, &port, settings(&["season finale", "  "], 500))
        .await
        .unwrap();
    assert_eq!(
        status.settings.muted_words,
        ["season finale"],
        "blank lines dropped"
    );
    assert_eq!(status.settings.per_author_per_day, 500);
    let items = feed(&background, &port).await;
    let marked: Vec<_> = items
        .iter()
        .map(|item| (item.text.as_str(), item.muted_word.as_deref()))
        .collect();
    assert!(marked.contains(&("The season FINALE was wild", Some("season finale"))));
    assert!(marked.contains(&("a quiet day", None)));
    assert!(
        marked.contains(&("no finale spoilers from me, season fans", None)),
        "own post"
    );

    // Checked again in the background: a page cannot save what the options page would refuse.
    for refused in [settings(&["🌿"], 500), settings(&[], 3)] {
        let refused = keep_out(&background, &port, refused).await;
        assert!(
            matches!(refused, Err(ApiError::InvalidKeepOut { .. })),
            "{refused:?}"
        );
    }
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_followed_authors_flood_is_held_to_the_daily_limit_and_not_fetched_again() {
    let config = unique_config("daily-limit");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let eve = identity(5);
    follow_key(&background, &port, &eve).await;
    let limit = u64::from(DEFAULT_PER_AUTHOR_PER_DAY);
    // 1,500 posts in one minute of one day, arriving in three batches (as a sync's pages would),
    // the first of them twice (a duplicate must not take a new event's room).
    let flood: Vec<Event> = (0..1_500)
        .map(|n| post(&eve, T0 + n * 40, &format!("flood {n}")))
        .collect();
    let mut stored = 0;
    let mut held = 0;
    for part in [
        &flood[..600],
        &flood[..600],
        &flood[600..1_100],
        &flood[1_100..],
    ] {
        let report = background.ingest(part).await.unwrap();
        assert!(report.rejected.is_empty());
        stored += report.stored as u64;
        held += report.held_back as u64;
    }
    assert_eq!(stored, limit, "exactly the limit is stored");
    assert_eq!(
        held,
        1_500 - limit,
        "the rest is held back, duplicates not counted"
    );
    let recount = background.storage().count_events().await.unwrap();
    assert_eq!(background.storage().stats().await.unwrap().events, recount);
    assert_eq!(
        background.rejected(),
        0,
        "no one is blamed for valid events"
    );

    // A sync does not fetch what was held back, nor what is stored; an unknown id it does.
    let other = post(&identity(6), T0, "unknown").id;
    let ids: Vec<_> = flood.iter().map(|e| e.id).chain([other]).collect();
    assert_eq!(background.missing_for_sync(&ids).await.unwrap(), [other]);

    // The next day has room again; the user's own events never count.
    let next_day = post(&eve, T0 + DAY_MS, "a new day");
    assert_eq!(background.ingest(&[next_day]).await.unwrap().stored, 1);
    let status = keep_out(&background, &port, Request::GetKeepOut)
        .await
        .unwrap();
    assert_eq!((status.held_back, status.held_back_authors), (500, 1));

    // A raised limit lets the held events be fetched again, and stored.
    keep_out(&background, &port, settings(&[], 2_000))
        .await
        .unwrap();
    let held: Vec<_> = flood[1_000..].iter().map(|e| e.id).collect();
    assert_eq!(background.missing_for_sync(&held).await.unwrap(), held);
    assert_eq!(
        background.ingest(&flood[1_000..]).await.unwrap().stored,
        500
    );
    keep_out(
        &background,
        &port,
        settings(&[], DEFAULT_PER_AUTHOR_PER_DAY),
    )
    .await
    .unwrap();

    // Two syncs at once (two peers serving the same flood of another day): still the limit.
    let later_day = T0 + 3 * DAY_MS;
    let flood: Vec<Event> = (0..1_400)
        .map(|n| post(&eve, later_day + n * 40, &format!("second flood {n}")))
        .collect();
    let (one, two) = futures::join!(
        background.ingest(&flood[..700]),
        background.ingest(&flood[700..])
    );
    assert_eq!(one.unwrap().stored + two.unwrap().stored, limit as usize);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn backdated_events_are_held_to_the_stored_limit_and_the_totals_stay_exact() {
    let config = unique_config("stored-limit");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let frank = identity(7);
    follow_key(&background, &port, &frank).await;
    let status = keep_out(&background, &port, stored_limit(1)).await.unwrap();
    assert_eq!(status.settings.per_author_mb, 1);
    assert_eq!(
        status.settings.per_author_per_day, DEFAULT_PER_AUTHOR_PER_DAY,
        "the other limit kept"
    );
    // One post a day, backdated over 1,200 days: far under the daily limit, about 1.1 MB each
    // 1,000 posts, so past a stored limit of 1 MB.
    let long = "moss ".repeat(180);
    let posts: Vec<Event> = (0..1_200)
        .map(|n| post(&frank, T0 - n * DAY_MS, &format!("{n} {long}")))
        .collect();
    let (mut stored, mut held) = (0, 0);
    for part in posts.chunks(300) {
        let report = background.ingest(part).await.unwrap();
        assert!(report.rejected.is_empty());
        stored += report.stored;
        held += report.held_back;
    }
    assert!(stored > 0 && held > 0, "{stored} stored, {held} held back");
    assert_eq!(stored + held, posts.len());
    let bytes = background
        .storage()
        .stored_bytes_of(&[frank.public_key()])
        .await
        .unwrap()[0];
    let largest = posts
        .iter()
        .map(|e| e.to_json().len() as u64)
        .max()
        .unwrap();
    assert!(
        bytes <= 1_000_000 && bytes + largest > 1_000_000,
        "filled to within one event of the limit: {bytes}"
    );
    let status = keep_out(&background, &port, Request::GetKeepOut)
        .await
        .unwrap();
    assert_eq!(
        (status.held_back, status.held_over_stored),
        (held as u64, held as u64)
    );
    assert_eq!(
        background.rejected(),
        0,
        "no one is blamed for valid events"
    );
    assert_author_totals_exact(background.storage()).await;
    let held_ids: Vec<_> = posts[stored..].iter().map(|e| e.id).collect();
    assert!(
        background
            .missing_for_sync(&held_ids)
            .await
            .unwrap()
            .is_empty(),
        "what was held back is not fetched again"
    );

    // Raised, the limit lets the rest be fetched and stored; the totals outlive a restart.
    keep_out(&background, &port, stored_limit(2)).await.unwrap();
    assert_eq!(
        background.missing_for_sync(&held_ids).await.unwrap(),
        held_ids
    );
    let report = background.ingest(&posts[stored..]).await.unwrap();
    assert_eq!(report.stored, held);
    background.close();
    let background = App::start(&config).await.unwrap();
    let after = background
        .storage()
        .stored_bytes_of(&[frank.public_key()])
        .await
        .unwrap()[0];
    let all: u64 = posts.iter().map(|e| e.to_json().len() as u64).sum();
    assert_eq!(after, all);
    assert_author_totals_exact(background.storage()).await;

    // Blocked, their totals go with their events.
    set_standing(&background, &port, &frank, Some(Standing::Blocked)).await;
    assert_eq!(
        background
            .storage()
            .stored_bytes_of(&[frank.public_key()])
            .await
            .unwrap(),
        [0]
    );
    assert_author_totals_exact(background.storage()).await;
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_reposted_original_counts_once_against_its_authors_daily_limit() {
    let config = unique_config("limit-reposts");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let (xena, bob) = (identity(8), identity(9));
    follow_key(&background, &port, &bob).await;
    keep_out(&background, &port, settings(&[], 10))
        .await
        .unwrap();
    let stored: Vec<Event> = (0..7)
        .map(|n| post(&xena, T0 + n, &format!("xena {n}")))
        .collect();
    assert_eq!(background.ingest(&stored).await.unwrap().stored, 7);
    // One response: three reposts of one new post of hers, each carrying it, and two more new
    // events of hers. Her 3 new events fit the 3 left of her day.
    let original = post(&xena, T0 + 100, "worth passing on");
    let mut batch: Vec<Event> = (0..3)
        .map(|n| {
            let content = phemossa_core::Content::Repost(phemossa_core::Repost {
                original: Box::new(original.clone()),
            });
            Event::create(&bob, T0 + 200 + n, content).expect("valid repost")
        })
        .collect();
    let more = [
        post(&xena, T0 + 300, "xena later"),
        post(&xena, T0 + 301, "xena last"),
    ];
    batch.extend(more.iter().cloned());
    let report = background.ingest(&batch).await.unwrap();
    assert_eq!(
        (report.stored, report.held_back),
        (3 + 1 + 2, 0),
        "the original counted once: her other events are not held back"
    );
    for event in more.iter().chain([&original]) {
        assert!(background
            .storage()
            .event_json(&event.id)
            .await
            .unwrap()
            .is_some());
    }
    // Her day is full now: one more is held back.
    let over = post(&xena, T0 + 400, "one too many");
    assert_eq!(background.ingest(&[over]).await.unwrap().held_back, 1);
    background.close();
    delete_config(&config).await;
}
