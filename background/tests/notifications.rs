//! Browser tests of notifications through the request API: replies to the user's posts,
//! mentions, reactions and new followers become notifications, newest first, counted unread
//! and pushed; people the user mutes and events since deleted are left out, and a deleted or
//! pruned event's notification goes with it, the count pushed at once; opening the view
//! marks them read, which holds after a restart; the user's own events and repeats never notify.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{NotificationKind, NotificationsPage, Push, Request, Response, Topic};
use phemossa_background::{App, PushSink};
use phemossa_core::keep_out::Standing;
use phemossa_core::{Content, Event, EventId, Identity, Post, Reaction};
use wasm_bindgen_test::*;

fn reply(
    author: &Identity,
    timestamp: u64,
    to: EventId,
    mentions: Vec<phemossa_core::PublicKey>,
    text: &str,
) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions,
        reply_to: Some(to),
    });
    Event::create(author, timestamp, content).expect("valid reply")
}

async fn notifications(app: &App, port: &Rc<dyn PushSink>) -> NotificationsPage {
    match app
        .handle(Request::GetNotifications { limit: 50 }, port)
        .await
    {
        Ok(Response::Notifications(page)) => page,
        other => panic!("expected notifications, got {other:?}"),
    }
}

fn unread_pushes(recorder: &Recorder) -> Vec<u32> {
    recorder
        .take_pushes()
        .into_iter()
        .filter_map(|push| match push {
            Push::Unread(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn news_for_the_user_is_listed_counted_and_read_once() {
    let config = unique_config("notifications");
    let app = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = recorder.clone() as Rc<dyn PushSink>;
    app.handle(
        Request::Subscribe {
            topics: vec![Topic::Feed],
        },
        &port,
    )
    .await
    .unwrap();
    let me = app.public_key();
    let (ada, bob, cy, dee) = (identity(1), identity(2), identity(3), identity(4));
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
    let theirs = post(&bob, T0, "not mine");
    app.ingest(std::slice::from_ref(&theirs)).await.unwrap();
    recorder.take_pushes();

    // A reply that also mentions the user is one notification; a reply to someone else is none.
    let answer = reply(&ada, T0 + 1, mine.id, vec![me], "an answer");
    let elsewhere = reply(&ada, T0 + 2, theirs.id, vec![], "to Bob");
    let mention = Event::create(
        &bob,
        T0 + 3,
        Content::Post(Post {
            text: "hello, you".into(),
            mentions: vec![me],
            reply_to: None,
        }),
    )
    .unwrap();
    let reaction = Event::create(
        &cy,
        T0 + 4,
        Content::Reaction(Reaction {
            target: mine.id,
            target_author: me,
            emoji: "🎉".into(),
        }),
    )
    .unwrap();
    let follow = Event::create(&dee, T0 + 5, Content::Follow { followee: me }).unwrap();
    let report = app
        .ingest(&[
            answer.clone(),
            elsewhere,
            mention.clone(),
            reaction.clone(),
            follow.clone(),
        ])
        .await
        .unwrap();
    assert_eq!(report.stored, 5);
    assert_eq!(unread_pushes(&recorder), [4]);

    let page = notifications(&app, &port).await;
    assert_eq!(page.unread, 4);
    let seen: Vec<_> = page
        .items
        .iter()
        .map(|n| (n.kind.clone(), n.from, n.post, n.unread))
        .collect();
    assert_eq!(
        seen,
        [
            (NotificationKind::Follow, dee.public_key(), None, true),
            (
                NotificationKind::Reaction,
                cy.public_key(),
                Some(mine.id),
                true
            ),
            (
                NotificationKind::Mention,
                bob.public_key(),
                Some(mention.id),
                true
            ),
            (
                NotificationKind::Reply,
                ada.public_key(),
                Some(answer.id),
                true
            ),
        ]
    );
    assert_eq!(page.items[1].emoji.as_deref(), Some("🎉"));
    assert_eq!(page.items[3].text.as_deref(), Some("an answer"));

    // Repeats notify no one again.
    app.ingest(&[answer.clone(), follow]).await.unwrap();
    assert_eq!(notifications(&app, &port).await.unread, 4);

    // Muting Bob leaves his mention out, counted or listed.
    app.handle(
        Request::SetStanding {
            public_key: bob.public_key().to_string(),
            standing: Some(Standing::Muted),
        },
        &port,
    )
    .await
    .unwrap();
    let page = notifications(&app, &port).await;
    assert_eq!((page.unread, page.items.len()), (3, 3));

    // Ada deletes her reply: its notification goes.
    let withdraw = Event::create(
        &ada,
        T0 + 10,
        Content::Delete {
            targets: vec![answer.id],
        },
    )
    .unwrap();
    app.ingest(&[withdraw]).await.unwrap();
    let page = notifications(&app, &port).await;
    assert!(page.items.iter().all(|n| n.id != answer.id), "{page:?}");
    recorder.take_pushes();

    // Opening the view marks them read: counted 0, pushed, and so after a restart.
    let read = match app.handle(Request::MarkNotificationsRead, &port).await {
        Ok(Response::Notifications(page)) => page,
        other => panic!("expected notifications, got {other:?}"),
    };
    assert_eq!(read.unread, 0);
    assert!(read.items.iter().all(|n| !n.unread));
    assert_eq!(unread_pushes(&recorder), [0]);
    app.close();
    let app = App::start(&config).await.unwrap();
    let page = notifications(&app, &port).await;
    assert_eq!(page.unread, 0);
    assert_eq!(page.items.len(), 2, "the reaction and the follow");

    // The user's own reply to their post is not news.
    let request = Request::Post {
        text: "answering myself".into(),
        reply_to: Some(mine.id.to_hex()),
        images: vec![],
        mentions: vec![],
        work: None,
    };
    app.handle(request, &port).await.unwrap();
    assert_eq!(notifications(&app, &port).await.unread, 0);
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_new_follower_is_news_once_however_often_the_follow_is_signed() {
    let config = unique_config("notifications-follow-once");
    let app = App::start(&config).await.unwrap();
    let port = Rc::new(Recorder::new(1)) as Rc<dyn PushSink>;
    let me = app.public_key();
    let ada = identity(1);
    let follows = |page: &NotificationsPage| {
        page.items
            .iter()
            .filter(|item| item.kind == NotificationKind::Follow)
            .count()
    };
    // The follow, then the same edge signed again (as a follow announced with proof of work
    // is), in one batch and in the next: one notification.
    app.ingest(&[follow(&ada, T0, me, true), follow(&ada, T0 + 1, me, true)])
        .await
        .unwrap();
    app.ingest(&[follow(&ada, T0 + 2, me, true)]).await.unwrap();
    assert_eq!(follows(&notifications(&app, &port).await), 1);
    // Unfollowed, then followed again: news again.
    app.ingest(&[follow(&ada, T0 + 3, me, false)])
        .await
        .unwrap();
    app.ingest(&[follow(&ada, T0 + 4, me, true)]).await.unwrap();
    assert_eq!(follows(&notifications(&app, &port).await), 2);
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_withdrawn_or_pruned_events_notification_goes_with_it() {
    let config = unique_config("notifications-removed");
    let app = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = recorder.clone() as Rc<dyn PushSink>;
    app.handle(
        Request::Subscribe {
            topics: vec![Topic::Feed],
        },
        &port,
    )
    .await
    .unwrap();
    let me = app.public_key();
    let (ada, cy) = (identity(1), identity(3));
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
    let reaction = Event::create(
        &cy,
        T0 + 1,
        Content::Reaction(Reaction {
            target: mine.id,
            target_author: me,
            emoji: "🎉".into(),
        }),
    )
    .unwrap();
    let answer = reply(&ada, T0 + 2, mine.id, vec![], "an answer");
    app.ingest(&[reaction.clone(), answer.clone()])
        .await
        .unwrap();
    assert_eq!(unread_pushes(&recorder), [2]);

    // Cy takes the reaction back: its notification goes with it, and the count that pages and
    // the badge show drops at once, without the view opened.
    let withdraw = Event::create(
        &cy,
        T0 + 10,
        Content::Delete {
            targets: vec![reaction.id],
        },
    )
    .unwrap();
    assert_eq!(app.ingest(&[withdraw]).await.unwrap().stored, 1);
    assert_eq!(unread_pushes(&recorder), [1]);
    let left = app.storage().notifications(50).await.unwrap();
    assert_eq!(left.iter().map(|n| n.id).collect::<Vec<_>>(), [answer.id]);

    // Retention prunes Ada's reply: its notification goes too.
    assert_eq!(app.storage().delete_events(&[answer.id]).await.unwrap(), 1);
    assert!(app.storage().notifications(50).await.unwrap().is_empty());
    assert!(app
        .storage()
        .unread_notifications()
        .await
        .unwrap()
        .is_empty());
    let page = notifications(&app, &port).await;
    assert_eq!((page.unread, page.items.len()), (0, 0));
    app.close();
    delete_config(&config).await;
}
