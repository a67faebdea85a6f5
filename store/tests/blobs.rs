//! Blobs through the store's public API: only bytes that hash to their name (and fit their kind)
//! are stored; what is held is read back; the sweep removes old blobs that no stored event names
//! and keeps those a post, a repost of it or a current profile still names, and what removing
//! or replacing those events takes back.

use crate::common::{delete, identity, post, repost};
use phemossa_core::blob::{hash_of, BlobKind};
use phemossa_core::limits::MAX_AVATAR_BYTES;
use phemossa_core::{BlobHash, Content, Event, Identity, ImagePost, Post, PostImage, Profile};
use phemossa_store::{Store, StoreError};

fn image_post(author: &Identity, timestamp: u64, blobs: &[BlobHash]) -> Event {
    let content = Content::ImagePost(ImagePost {
        post: Post {
            text: format!("pictures at {timestamp}"),
            mentions: vec![],
            reply_to: None,
        },
        images: blobs
            .iter()
            .map(|blob| PostImage {
                blob: *blob,
                alt: "a picture".into(),
            })
            .collect(),
    });
    Event::create(author, timestamp, content).expect("a valid image post")
}

fn profile_with(author: &Identity, timestamp: u64, avatar: Option<BlobHash>) -> Event {
    let content = Content::Profile(Profile {
        name: "Ada".into(),
        about: String::new(),
        avatar,
    });
    Event::create(author, timestamp, content).expect("a valid profile")
}

/// A picture's bytes, and its name.
fn picture(n: u8) -> (Vec<u8>, BlobHash) {
    let bytes = [b"\x89PNG\r\n\x1a\n".as_slice(), &[n; 64]].concat();
    let hash = hash_of(&bytes);
    (bytes, hash)
}

/// A store holding pictures `ns`, each stored at `at`.
fn store_holding(ns: &[u8], at: u64) -> (Store, Vec<BlobHash>) {
    let mut store = Store::open_in_memory().unwrap();
    let hashes = ns
        .iter()
        .map(|n| {
            let (bytes, hash) = picture(*n);
            store.put_blob(&hash, BlobKind::Image, &bytes, at).unwrap();
            hash
        })
        .collect();
    (store, hashes)
}

#[test]
fn only_bytes_that_are_their_name_are_stored() {
    let mut store = Store::open_in_memory().unwrap();
    let (bytes, hash) = picture(1);
    let (_, other) = picture(2);
    let refused = store.put_blob(&other, BlobKind::Image, &bytes, 1);
    assert!(
        matches!(refused, Err(StoreError::BlobRefused(ref e)) if e.code() == "blob_hash_mismatch"),
        "{refused:?}"
    );
    let big = vec![7u8; MAX_AVATAR_BYTES as usize + 1];
    let refused = store.put_blob(&hash_of(&big), BlobKind::Avatar, &big, 1);
    assert!(
        matches!(refused, Err(StoreError::BlobRefused(ref e)) if e.code() == "blob_too_large"),
        "{refused:?}"
    );
    assert_eq!(
        store.held_blobs(&[other, hash_of(&big)]).unwrap(),
        [false, false]
    );
    assert_eq!(store.blob(&other).unwrap(), None);
    // The same bytes are a post image within its larger limit.
    store
        .put_blob(&hash_of(&big), BlobKind::Image, &big, 1)
        .unwrap();
    store.put_blob(&hash, BlobKind::Avatar, &bytes, 1).unwrap();
    assert_eq!(store.blob(&hash).unwrap(), Some(bytes));
    assert_eq!(store.blob(&hash_of(&big)).unwrap(), Some(big));
}

#[test]
fn held_blobs_answers_in_the_order_asked() {
    let (store, hashes) = store_holding(&[1, 2], 1);
    let (_, missing) = picture(3);
    assert_eq!(
        store
            .held_blobs(&[missing, hashes[1], hashes[0], missing, hashes[1]])
            .unwrap(),
        [false, true, true, false, true]
    );
    assert_eq!(store.held_blobs(&[]).unwrap(), Vec::<bool>::new());
}

#[test]
fn the_sweep_removes_only_old_blobs_nothing_names() {
    let ada = identity(1);
    let (mut store, h) = store_holding(&[1, 2, 3, 4, 5, 6], 100);
    let shown = image_post(&ada, 10, &[h[0], h[0]]);
    store
        .insert_batch(&[
            shown,
            profile_with(&ada, 11, Some(h[1])),
            post(&ada, 12, "no pictures"),
        ])
        .unwrap();
    // Stored at 100: a sweep of what is older than 100 takes nothing.
    assert_eq!(store.sweep_blobs(100).unwrap(), 0);
    // Picture 6 stored again later: spared as new.
    let (bytes, _) = picture(6);
    store.put_blob(&h[5], BlobKind::Image, &bytes, 300).unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 3);
    assert_eq!(
        store.held_blobs(&h).unwrap(),
        [true, true, false, false, false, true]
    );
    assert_eq!(store.sweep_blobs(u64::MAX).unwrap(), 1, "then 6 goes too");
    assert_eq!(store.held_blobs(&h[..2]).unwrap(), [true, true]);
}

#[test]
fn a_repost_keeps_its_originals_pictures_after_the_original_goes() {
    let (ada, bob) = (identity(1), identity(2));
    let (mut store, h) = store_holding(&[1, 2], 100);
    let original = image_post(&ada, 10, &[h[0]]);
    let shared = repost(&bob, 11, &original);
    let alone = image_post(&ada, 12, &[h[1]]);
    store
        .insert_batch(&[original.clone(), shared.clone(), alone.clone()])
        .unwrap();
    store
        .insert_batch(&[delete(&ada, 20, &[original.id, alone.id])])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 1);
    assert_eq!(store.held_blobs(&h).unwrap(), [true, false]);
    // Once the repost goes too, nothing names it.
    store
        .insert_batch(&[delete(&bob, 21, &[shared.id])])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 1);
    assert_eq!(store.held_blobs(&h).unwrap(), [false, false]);
}

#[test]
fn a_superseded_or_removed_profile_no_longer_names_its_avatar() {
    let ada = identity(1);
    let (mut store, h) = store_holding(&[1, 2, 3], 100);
    store
        .insert_batch(&[profile_with(&ada, 10, Some(h[0]))])
        .unwrap();
    // A newer profile replaces it: its avatar is named, the old one is not.
    let newer = profile_with(&ada, 11, Some(h[1]));
    store.insert_batch(std::slice::from_ref(&newer)).unwrap();
    // An older profile arriving now is never stored: it names nothing.
    store
        .insert_batch(&[profile_with(&ada, 5, Some(h[2]))])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 2);
    assert_eq!(store.held_blobs(&h).unwrap(), [false, true, false]);
    // The current profile deleted: its avatar goes at the next sweep.
    store
        .insert_batch(&[delete(&ada, 12, &[newer.id])])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 1);
    assert_eq!(store.held_blobs(&h).unwrap(), [false, false, false]);
}

#[test]
fn a_picture_named_by_two_posts_stays_until_both_go() {
    let ada = identity(1);
    let (mut store, h) = store_holding(&[1], 100);
    let first = image_post(&ada, 10, &[h[0]]);
    let second = image_post(&ada, 11, &[h[0]]);
    store
        .insert_batch(&[first.clone(), second.clone()])
        .unwrap();
    store
        .insert_batch(&[delete(&ada, 12, &[first.id])])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 0);
    store
        .insert_batch(&[delete(&ada, 13, &[second.id])])
        .unwrap();
    assert_eq!(store.sweep_blobs(200).unwrap(), 1);
    assert_eq!(store.blob(&h[0]).unwrap(), None);
}
