//! Browser tests of the running background through its request API: identity, posts, follows,
//! feed, ingest of events from elsewhere, stats and backups.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, FeedItem, FeedPage, IdentityInfo, Push, Request, Response, Topic};
use phemossa_background::{App, PushSink};
use phemossa_core::{backup, Event, PublicKey};
use wasm_bindgen_test::*;

fn sink(recorder: &Rc<Recorder>) -> Rc<dyn PushSink> {
    Rc::clone(recorder) as Rc<dyn PushSink>
}

async fn ask(
    background: &App,
    from: &Rc<dyn PushSink>,
    request: Request,
) -> Result<Response, ApiError> {
    background.handle(request, from).await
}

async fn feed(background: &App, from: &Rc<dyn PushSink>, limit: u32) -> FeedPage {
    match ask(
        background,
        from,
        Request::GetFeed {
            before: None,
            limit,
        },
    )
    .await
    {
        Ok(Response::FeedPage(page)) => page,
        other => panic!("expected a feed page, got {other:?}"),
    }
}

async fn following(background: &App, from: &Rc<dyn PushSink>) -> Vec<PublicKey> {
    match ask(background, from, Request::GetFollowing).await {
        Ok(Response::Following(list)) => list.into_iter().map(|e| e.public_key).collect(),
        other => panic!("expected following, got {other:?}"),
    }
}

async fn subscribed(background: &App, recorder: &Rc<Recorder>) {
    let topics = vec![Topic::Feed, Topic::Following, Topic::Identity];
    let answer = ask(background, &sink(recorder), Request::Subscribe { topics }).await;
    assert_eq!(answer, Ok(Response::Subscribed));
}

#[wasm_bindgen_test]
async fn identity_is_stable_across_restarts() {
    let config = unique_config("restart");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    let first = ask(&background, &port, Request::GetIdentity).await.unwrap();
    assert_eq!(
        first,
        Response::Identity(IdentityInfo::new(background.public_key()))
    );
    background.close();
    let background = App::start(&config).await.unwrap();
    assert_eq!(
        ask(&background, &port, Request::GetIdentity).await.unwrap(),
        first
    );
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn posts_are_validated_stored_answered_and_pushed() {
    let config = unique_config("post");
    let background = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = sink(&recorder);
    subscribed(&background, &recorder).await;

    let post = |text: &str| Request::Post {
        text: text.into(),
        reply_to: None,
        images: Vec::new(),
        mentions: vec![],
        work: None,
    };
    assert_eq!(
        ask(&background, &port, post("  \n")).await,
        Err(ApiError::EmptyPost)
    );
    assert_eq!(
        ask(&background, &port, post(&"x".repeat(1001))).await,
        Err(ApiError::PostTooLong {
            chars: 1001,
            max: 1000
        })
    );
    let bad_reply = Request::Post {
        text: "reply".into(),
        reply_to: Some("not an id".into()),
        images: Vec::new(),
        mentions: vec![],
        work: None,
    };
    assert!(matches!(
        ask(&background, &port, bad_reply).await,
        Err(ApiError::InvalidRequest { .. })
    ));
    assert!(recorder.take_pushes().is_empty(), "nothing was posted yet");

    let item: FeedItem = match ask(&background, &port, post("Hello, Phemossa!")).await {
        Ok(Response::Posted(item)) => item,
        other => panic!("expected Posted, got {other:?}"),
    };
    assert_eq!(item.text, "Hello, Phemossa!");
    assert_eq!(item.author, background.public_key());
    assert!(item.own);
    assert_eq!(
        recorder.take_pushes(),
        vec![Push::FeedAdded(vec![item.clone()])]
    );

    let reply = Request::Post {
        text: "a reply".into(),
        reply_to: Some(item.id.to_hex()),
        images: Vec::new(),
        mentions: vec![],
        work: None,
    };
    let Ok(Response::Posted(reply)) = ask(&background, &port, reply).await else {
        panic!("reply refused");
    };
    assert_eq!(reply.reply_to, Some(item.id));

    let page = feed(&background, &port, 10).await;
    let ids: Vec<_> = page.items.iter().map(|i| i.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&item.id) && ids.contains(&reply.id));
    let Ok(Response::Stats(stats)) = ask(&background, &port, Request::GetStats).await else {
        panic!("no stats");
    };
    assert_eq!((stats.events, stats.posts, stats.authors), (2, 2, 1));
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn feed_limit_is_clamped_to_one_through_the_maximum() {
    let config = unique_config("clamp");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    for text in ["a", "b", "c"] {
        let request = Request::Post {
            text: text.into(),
            reply_to: None,
            images: Vec::new(),
            mentions: vec![],
            work: None,
        };
        ask(&background, &port, request).await.unwrap();
    }
    let page = feed(&background, &port, 0).await;
    assert_eq!(page.items.len(), 1);
    assert!(page.next.is_some());
    let page = feed(&background, &port, u32::MAX).await;
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.next, None);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn follow_and_unfollow_change_following_feed_and_pushes() {
    let config = unique_config("follow");
    let background = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(7));
    let port = sink(&recorder);
    subscribed(&background, &recorder).await;
    let friend = identity(2);
    let friend_key = friend.public_key();
    let friends_post = post(&friend, T0, "from a friend");
    let report = background
        .ingest(std::slice::from_ref(&friends_post))
        .await
        .unwrap();
    assert_eq!(report.stored, 1);
    assert!(
        recorder.take_pushes().is_empty(),
        "not in the feed before following"
    );
    assert!(feed(&background, &port, 10).await.items.is_empty());

    let typed = format!("  {}\n", friend_key.to_base64());
    let answer = ask(&background, &port, Request::Follow { public_key: typed }).await;
    let Ok(Response::Following(list)) = answer else {
        panic!("follow refused: {answer:?}");
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].public_key, friend_key);
    let pushes = recorder.take_pushes();
    assert_eq!(pushes, vec![Push::Following(list.clone()), Push::FeedReset]);
    assert_eq!(following(&background, &port).await, vec![friend_key]);
    let page = feed(&background, &port, 10).await;
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![friends_post.id]
    );
    assert!(!page.items[0].own);

    // A new post by a followed author is pushed.
    let later = post(&friend, T0 + 1, "later");
    background
        .ingest(std::slice::from_ref(&later))
        .await
        .unwrap();
    let Push::FeedAdded(items) = &recorder.take_pushes()[0] else {
        panic!("expected FeedAdded");
    };
    assert_eq!(items[0].id, later.id);

    let unfollow = Request::Unfollow {
        public_key: friend_key.to_base64(),
    };
    assert_eq!(
        ask(&background, &port, unfollow).await,
        Ok(Response::Following(vec![]))
    );
    assert_eq!(
        recorder.take_pushes(),
        vec![Push::Following(vec![]), Push::FeedReset]
    );
    assert!(following(&background, &port).await.is_empty());
    assert!(feed(&background, &port, 10).await.items.is_empty());

    // Follow again within the same millisecond: each event of the edge is dated after the last.
    let again = Request::Follow {
        public_key: friend_key.to_base64(),
    };
    ask(&background, &port, again).await.unwrap();
    let mut records = background
        .storage()
        .follow_records(&background.public_key())
        .await
        .unwrap();
    records.sort_by_key(|r| r.timestamp);
    assert_eq!(records.len(), 3);
    assert!(records.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert_eq!(
        records.iter().map(|r| r.follows).collect::<Vec<_>>(),
        [true, false, true]
    );

    // The graph is rebuilt from storage on the next start.
    background.close();
    let background = App::start(&config).await.unwrap();
    assert_eq!(following(&background, &port).await, vec![friend_key]);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn follow_refuses_bad_keys_and_self() {
    let config = unique_config("badkeys");
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(1)));
    for text in [
        "",
        "not a key",
        "AAAA",
        &identity(2).public_key().to_base64()[..43],
    ] {
        let answer = ask(
            &background,
            &port,
            Request::Follow {
                public_key: text.into(),
            },
        )
        .await;
        assert!(
            matches!(answer, Err(ApiError::InvalidPublicKey { .. })),
            "{text:?} gave {answer:?}"
        );
    }
    let own = Request::Follow {
        public_key: background.public_key().to_base64(),
    };
    assert_eq!(
        ask(&background, &port, own).await,
        Err(ApiError::FollowSelf)
    );
    assert_eq!(background.storage().count_events().await.unwrap(), 0);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn ingest_stores_valid_events_and_counts_refused_ones() {
    let config = unique_config("ingest");
    let background = App::start(&config).await.unwrap();
    let stranger = identity(3);
    let valid = post(&stranger, T0, "valid");
    let json = valid.to_json();
    // Same event, other signature: parses, fails only the signature check.
    let other = post(&stranger, T0, "other").signature.to_base64();
    let forged = json.replace(&valid.signature.to_base64(), &other);
    assert_ne!(forged, json);
    let future = post(
        &stranger,
        js_sys::Date::now() as u64 + 3_600_000,
        "from the future",
    );
    let messages = vec![
        json.clone().into_bytes(),
        forged.into_bytes(),
        b"{not json".to_vec(),
        future.to_json().into_bytes(),
    ];
    let report = background.ingest_json(&messages).await.unwrap();
    assert_eq!(report.stored, 1);
    let codes: Vec<_> = report.rejected.iter().map(|(_, e)| e.code()).collect();
    assert_eq!(
        codes,
        ["bad_signature", "malformed_event", "timestamp_in_future"]
    );
    assert_eq!(background.rejected(), 3);
    assert_eq!(background.storage().count_events().await.unwrap(), 1);
    assert_eq!(
        background.storage().event_json(&future.id).await.unwrap(),
        None
    );

    let again = background.ingest_json(&[json.into_bytes()]).await.unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 1));
    assert_eq!(background.storage().stats().await.unwrap().events, 1);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn backups_export_inspect_and_restore() {
    let (source_config, target_config) = (unique_config("source"), unique_config("target"));
    let source = App::start(&source_config).await.unwrap();
    let target = App::start(&target_config).await.unwrap();
    let recorder = Rc::new(Recorder::new(3));
    let port = sink(&recorder);
    let (source_key, target_key) = (source.public_key(), target.public_key());
    assert_ne!(source_key, target_key);

    let export = |passphrase: &str| Request::ExportBackup {
        passphrase: passphrase.into(),
    };
    assert_eq!(
        ask(&source, &port, export("short")).await,
        Err(ApiError::WeakPassphrase { min: 8 })
    );
    let Ok(Response::Backup(file)) = ask(&source, &port, export("correct horse battery")).await
    else {
        panic!("export failed");
    };
    assert_eq!(file.file_name, backup::file_name(&source_key));
    assert_eq!(
        backup::claimed_public_key(&file.contents).unwrap(),
        source_key
    );

    // The target follows someone; after the restore its graph is the restored key's (empty).
    let follow = Request::Follow {
        public_key: identity(5).public_key().to_base64(),
    };
    ask(&target, &port, follow).await.unwrap();
    subscribed(&target, &recorder).await;
    recorder.take_pushes();

    let inspect = |passphrase: &str| Request::InspectBackup {
        backup: file.contents.clone(),
        passphrase: passphrase.into(),
    };
    assert_eq!(
        ask(&target, &port, inspect("wrong horse battery")).await,
        Err(ApiError::WrongPassphrase)
    );
    assert_eq!(
        ask(&target, &port, inspect("correct horse battery")).await,
        Ok(Response::BackupInspected(IdentityInfo::new(source_key)))
    );
    assert_eq!(
        target.public_key(),
        target_key,
        "inspecting changes nothing"
    );

    let damaged = Request::RestoreBackup {
        backup: file.contents.replacen("\"created\": ", "\"created\": 1", 1),
        passphrase: "correct horse battery".into(),
        replaces: target_key,
    };
    assert!(matches!(
        ask(&target, &port, damaged).await,
        Err(ApiError::DamagedBackup { .. })
    ));
    assert_eq!(
        target.public_key(),
        target_key,
        "a damaged file changes nothing"
    );
    assert!(recorder.take_pushes().is_empty());

    let restore = |replaces: PublicKey| Request::RestoreBackup {
        backup: file.contents.clone(),
        passphrase: "correct horse battery".into(),
        replaces,
    };
    // The page confirmed replacing a key that is not the current one (another tab restored).
    assert_eq!(
        ask(&target, &port, restore(identity(9).public_key())).await,
        Err(ApiError::IdentityChanged)
    );
    assert_eq!(
        target.public_key(),
        target_key,
        "a stale confirmation changes nothing"
    );
    assert_eq!(
        following(&target, &port).await,
        vec![identity(5).public_key()]
    );
    assert!(recorder.take_pushes().is_empty());

    let info = IdentityInfo::new(source_key);
    assert_eq!(
        ask(&target, &port, restore(target_key)).await,
        Ok(Response::Restored(info.clone()))
    );
    assert_eq!(target.public_key(), source_key);
    assert_eq!(
        recorder.take_pushes(),
        vec![
            Push::Identity(info),
            Push::Following(vec![]),
            Push::FeedReset
        ]
    );
    assert!(following(&target, &port).await.is_empty());
    // A second confirmation of the dialog opened before that restore names the old key.
    assert_eq!(
        ask(&target, &port, restore(target_key)).await,
        Err(ApiError::IdentityChanged)
    );
    assert_eq!(target.public_key(), source_key);
    assert!(recorder.take_pushes().is_empty());
    let posted = ask(
        &target,
        &port,
        Request::Post {
            text: "restored".into(),
            reply_to: None,
            images: Vec::new(),
            mentions: vec![],
            work: None,
        },
    )
    .await;
    let Ok(Response::Posted(item)) = posted else {
        panic!("post after restore failed");
    };
    assert_eq!(item.author, source_key);

    // The restored identity is the one loaded on the next start.
    target.close();
    let target = App::start(&target_config).await.unwrap();
    assert_eq!(target.public_key(), source_key);
    let now = js_sys::Date::now() as u64;
    let json = target
        .storage()
        .event_json(&item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Event::from_json(json.as_bytes(), now).unwrap().author,
        source_key
    );
    target.close();
    source.close();
    delete_config(&source_config).await;
    delete_config(&target_config).await;
}

/// A follow sent while an unfollow of the same key is still being stored must see the state
/// that unfollow will leave, so the last request sent decides, and both are stored.
#[wasm_bindgen_test]
async fn overlapping_follow_requests_are_decided_in_the_order_sent() {
    let config = unique_config("follow-race");
    let background = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(7));
    let port = sink(&recorder);
    let friend_key = identity(2).public_key().to_base64();
    let follow = || Request::Follow {
        public_key: friend_key.clone(),
    };
    ask(&background, &port, follow()).await.unwrap();
    let stats_before = match ask(&background, &port, Request::GetStats).await {
        Ok(Response::Stats(stats)) => stats,
        other => panic!("expected stats, got {other:?}"),
    };

    // Both start before either is stored: the join polls the unfollow first, up to its write.
    let unfollow = ask(
        &background,
        &port,
        Request::Unfollow {
            public_key: friend_key.clone(),
        },
    );
    let refollow = ask(&background, &port, follow());
    let (unfollowed, refollowed) = futures::join!(unfollow, refollow);
    unfollowed.unwrap();
    refollowed.unwrap();

    assert_eq!(
        following(&background, &port).await,
        vec![identity(2).public_key()],
        "the follow sent last must win"
    );
    let stats_after = match ask(&background, &port, Request::GetStats).await {
        Ok(Response::Stats(stats)) => stats,
        other => panic!("expected stats, got {other:?}"),
    };
    assert_eq!(
        stats_after.events,
        stats_before.events + 2,
        "both the unfollow and the follow are stored"
    );
}

async fn backup_status(background: &App, from: &Rc<dyn PushSink>) -> phemossa_api::BackupStatus {
    match ask(background, from, Request::GetBackupStatus).await {
        Ok(Response::BackupStatus(status)) => status,
        other => panic!("expected a backup status, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn the_backup_reminder_shows_until_a_backup_is_made_or_restored() {
    let (config, other_config) = (unique_config("reminder"), unique_config("reminder-other"));
    let background = App::start(&config).await.unwrap();
    let port = sink(&Rc::new(Recorder::new(9)));
    let fresh = backup_status(&background, &port).await;
    assert_eq!((fresh.exported_at, fresh.remind), (None, true));

    // "Remind me later" quiets it, across a restart, without counting as a backup.
    let later = ask(&background, &port, Request::DismissBackupReminder).await;
    assert!(matches!(later, Ok(Response::BackupStatus(s)) if !s.remind && s.exported_at.is_none()));
    background.close();
    let background = App::start(&config).await.unwrap();
    assert!(!backup_status(&background, &port).await.remind);

    // A refused export is not a backup; a made one is.
    let export = |passphrase: &str| Request::ExportBackup {
        passphrase: passphrase.into(),
    };
    assert!(ask(&background, &port, export("short")).await.is_err());
    assert_eq!(backup_status(&background, &port).await.exported_at, None);
    let Ok(Response::Backup(file)) = ask(&background, &port, export("correct horse battery")).await
    else {
        panic!("export failed");
    };
    let made = backup_status(&background, &port).await;
    assert!(made.exported_at.is_some() && !made.remind);

    // Another browser restoring that backup holds it too: no reminder there either.
    let other = App::start(&other_config).await.unwrap();
    assert!(backup_status(&other, &port).await.remind);
    let restore = Request::RestoreBackup {
        backup: file.contents,
        passphrase: "correct horse battery".into(),
        replaces: other.public_key(),
    };
    ask(&other, &port, restore).await.unwrap();
    let restored = backup_status(&other, &port).await;
    assert!(restored.exported_at.is_some() && !restored.remind);
    background.close();
    other.close();
    delete_config(&config).await;
    delete_config(&other_config).await;
}
