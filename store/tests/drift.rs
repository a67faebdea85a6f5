//! Every side table is empty again once every event is removed, whichever way
//! (deletes by their authors, retention, blocks, profiles replaced), with the user set so
//! notifications are written. Reads the tables with rusqlite over a file store.

use crate::common::*;
use phemossa_core::retention::RetentionSettings;
use phemossa_core::{BlobHash, Content, Event, ImagePost, Post, PostImage, Profile};
use phemossa_store::Store;
use rusqlite::Connection;

const T: u64 = 1_767_225_600_000;

fn counts(path: &std::path::Path) -> Vec<(String, i64)> {
    let connection = Connection::open(path).unwrap();
    let tables = [
        "events",
        "follows",
        "profiles",
        "addressed",
        "notifications",
        "event_blobs",
        "search_keys",
        "author_totals",
        "superseded",
    ];
    let mut out: Vec<(String, i64)> = tables
        .iter()
        .map(|t| {
            let n: i64 = connection
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect();
    let fts: i64 = connection
        .query_row(
            "SELECT count(*) FROM search WHERE search MATCH 'moss'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    out.push(("search 'moss'".into(), fts));
    out
}

fn all_events() -> (Vec<Event>, phemossa_core::Identity) {
    let me = identity(1);
    let (a, b) = (identity(2), identity(3));
    let mine = post(&me, T, "my moss");
    let reply = Event::create(
        &a,
        T + 1,
        Content::Post(Post {
            text: "moss reply".into(),
            mentions: vec![me.public_key()],
            reply_to: Some(mine.id),
        }),
    )
    .unwrap();
    let image = Event::create(
        &b,
        T + 2,
        Content::ImagePost(ImagePost {
            post: Post {
                text: "moss picture".into(),
                mentions: vec![],
                reply_to: None,
            },
            images: vec![PostImage {
                blob: BlobHash::from_bytes([7; 32]),
                alt: "alt".into(),
            }],
        }),
    )
    .unwrap();
    let avatar = Event::create(
        &a,
        T + 3,
        Content::Profile(Profile {
            name: "a".into(),
            about: String::new(),
            avatar: Some(BlobHash::from_bytes([8; 32])),
        }),
    )
    .unwrap();
    let newer_profile = profile(&a, T + 4, "a2");
    let follow = Event::create(
        &b,
        T + 5,
        Content::Follow {
            followee: me.public_key(),
        },
    )
    .unwrap();
    let unfollow = Event::create(
        &a,
        T + 6,
        Content::Unfollow {
            followee: b.public_key(),
        },
    )
    .unwrap();
    let liked = reaction(&b, T + 7, &mine, "🌿");
    let shared = repost(&a, T + 8, &image);
    (
        vec![
            mine,
            reply,
            image,
            avatar,
            newer_profile,
            follow,
            unfollow,
            liked,
            shared,
        ],
        me,
    )
}

#[test]
fn removing_everything_by_retention_leaves_no_side_rows() {
    let path = std::env::temp_dir().join(format!("review_drift_r_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (events, me) = all_events();
    {
        let mut store = Store::open(&path).unwrap();
        store.set_user(&me.public_key()).unwrap();
        store.insert_batch(&events).unwrap();
        store.index_pending(1000).unwrap();
        assert!(store.notifications(100).unwrap().len() >= 3);
        let removed = store
            .prune(
                |_| false,
                &RetentionSettings {
                    others_days: 1,
                    others_mb: 1,
                },
                T + 10 * 86_400_000,
            )
            .unwrap();
        assert!(removed > 0);
    }
    let left: Vec<_> = counts(&path).into_iter().filter(|(_, n)| *n != 0).collect();
    let _ = std::fs::remove_file(&path);
    assert!(left.is_empty(), "rows left: {left:?}");
}

#[test]
fn removing_everything_by_deletes_leaves_only_tombstones_and_deletes() {
    let path = std::env::temp_dir().join(format!("review_drift_d_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (events, me) = all_events();
    {
        let mut store = Store::open(&path).unwrap();
        store.set_user(&me.public_key()).unwrap();
        store.insert_batch(&events).unwrap();
        store.index_pending(1000).unwrap();
        // Each author deletes their own stored events.
        let mut deletes = Vec::new();
        for (seed, at) in [(1u8, 100u64), (2, 101), (3, 102)] {
            let who = identity(seed);
            let ids: Vec<_> = events
                .iter()
                .filter(|e| e.author == who.public_key())
                .map(|e| e.id)
                .collect();
            deletes.push(delete(&who, T + at, &ids));
        }
        store.insert_batch(&deletes).unwrap();
        store.index_pending(1000).unwrap();
        assert_eq!(store.event_count().unwrap(), 3);
        assert!(store.notifications(100).unwrap().is_empty());
    }
    let left: Vec<_> = counts(&path)
        .into_iter()
        .filter(|(t, n)| *n != 0 && !(t == "events" || t == "author_totals"))
        .collect();
    let _ = std::fs::remove_file(&path);
    assert!(left.is_empty(), "rows left: {left:?}");
}
