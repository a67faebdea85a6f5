//! Browser tests of pictures: the user's avatar is checked, stored as a blob by its SHA-256 and
//! named by their profile; a page gets it back with the MIME type its bytes say; what is not a
//! picture, too large, or not the blob its hash names is refused and nothing is stored; the
//! sweep removes pictures only superseded profiles named.

use std::rc::Rc;

use crate::common::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use phemossa_api::{ApiError, AvatarEdit, BlobPurpose, FeedImage, Person, Request, Response};
use phemossa_background::{App, PushSink};
use phemossa_core::blob::{hash_of, BlobKind};
use phemossa_core::keys::BlobHash;
use phemossa_core::limits::MAX_AVATAR_BYTES;
use phemossa_core::{Content, Event, Identity, Profile};
use wasm_bindgen_test::*;

/// A 1×1 PNG: the smallest real picture.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

async fn set_profile(
    app: &App,
    port: &Rc<dyn PushSink>,
    avatar: AvatarEdit,
) -> Result<Person, ApiError> {
    let request = Request::SetProfile {
        name: "Ada".into(),
        about: String::new(),
        avatar,
    };
    match app.handle(request, port).await? {
        Response::People(mut people) => Ok(people.remove(0)),
        other => panic!("expected people, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn an_avatar_is_stored_by_its_hash_and_given_back_as_a_picture() {
    let config = unique_config("avatar");
    let app = App::start(&config).await.unwrap();
    let port: Rc<dyn PushSink> = Rc::new(Recorder::new(1));

    let me = set_profile(
        &app,
        &port,
        AvatarEdit::Set {
            base64: STANDARD.encode(PNG),
        },
    )
    .await
    .unwrap();
    assert_eq!(me.avatar, Some(hash_of(PNG)));

    let got = app
        .handle(
            Request::GetBlob {
                hash: hash_of(PNG),
                purpose: BlobPurpose::Avatar,
            },
            &port,
        )
        .await
        .unwrap();
    let Response::Blob(data) = got else {
        panic!("expected the picture, got {got:?}");
    };
    assert_eq!(data.mime, "image/png");
    assert_eq!(STANDARD.decode(&data.base64).unwrap(), PNG);
    assert!(data
        .data_url()
        .starts_with("data:image/png;base64,iVBORw0KGgo"));

    // A new name keeps the avatar; removing it leaves none.
    assert_eq!(
        set_profile(&app, &port, AvatarEdit::Keep)
            .await
            .unwrap()
            .avatar,
        Some(hash_of(PNG))
    );
    assert_eq!(
        set_profile(&app, &port, AvatarEdit::Remove)
            .await
            .unwrap()
            .avatar,
        None
    );

    // Survives a restart.
    app.close();
    let app = App::start(&config).await.unwrap();
    assert_eq!(
        app.storage().held_blobs(&[hash_of(PNG)]).await.unwrap(),
        [true]
    );
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn what_is_no_picture_or_too_large_is_refused_in_words_and_nothing_is_stored() {
    let config = unique_config("bad-avatar");
    let app = App::start(&config).await.unwrap();
    let port: Rc<dyn PushSink> = Rc::new(Recorder::new(1));
    let events = app.storage().count_events().await.unwrap();

    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    let mut huge = PNG.to_vec();
    huge.resize(MAX_AVATAR_BYTES as usize + 1, 0);
    for bad in [svg.clone(), huge.clone()] {
        match set_profile(
            &app,
            &port,
            AvatarEdit::Set {
                base64: STANDARD.encode(&bad),
            },
        )
        .await
        {
            Err(ApiError::InvalidPicture { reason }) => assert!(!reason.is_empty()),
            other => panic!("{} bytes: {other:?}", bad.len()),
        }
    }
    match set_profile(
        &app,
        &port,
        AvatarEdit::Set {
            base64: "not base64!".into(),
        },
    )
    .await
    {
        Err(ApiError::InvalidPicture { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(app.storage().count_events().await.unwrap(), events);
    assert_eq!(
        app.storage()
            .held_blobs(&[hash_of(&svg), hash_of(&huge)])
            .await
            .unwrap(),
        [false, false]
    );

    // The store itself refuses bytes that are not the blob named.
    let refused = app
        .storage()
        .put_blob(&hash_of(b"other"), BlobKind::Avatar, PNG)
        .await;
    assert!(refused.is_err());
    assert_eq!(
        app.storage()
            .held_blobs(&[hash_of(b"other")])
            .await
            .unwrap(),
        [false]
    );

    // A picture not held is fetched from peers: the page is told to wait for it.
    let missing = hash_of(b"someone else's avatar");
    let pending = app
        .handle(
            Request::GetBlob {
                hash: missing,
                purpose: BlobPurpose::Avatar,
            },
            &port,
        )
        .await
        .unwrap();
    assert_eq!(pending, Response::BlobPending(missing));
    app.close();
    delete_config(&config).await;
}

/// A profile of `author` naming `avatar`.
fn profile_with(author: &Identity, timestamp: u64, avatar: BlobHash) -> Event {
    let profile = Profile {
        name: "Bob".into(),
        about: String::new(),
        avatar: Some(avatar),
    };
    Event::create(author, timestamp, Content::Profile(profile)).unwrap()
}

#[wasm_bindgen_test]
async fn the_sweep_removes_pictures_only_superseded_profiles_named() {
    let config = unique_config("sweep");
    let app = App::start(&config).await.unwrap();
    let port: Rc<dyn PushSink> = Rc::new(Recorder::new(1));
    let storage = app.storage();
    let pictures: Vec<Vec<u8>> = (0..3u8).map(|i| [PNG, &[i]].concat()).collect();
    let [h1, h2, h3] = [0, 1, 2].map(|i| hash_of(&pictures[i]));
    let later = js_sys::Date::now() as u64 + 60_000;

    // The user's own avatar, and Bob's profile naming the first picture.
    let mine = set_profile(
        &app,
        &port,
        AvatarEdit::Set {
            base64: STANDARD.encode(PNG),
        },
    )
    .await
    .unwrap()
    .avatar
    .unwrap();
    let bob = identity(2);
    app.ingest(&[profile_with(&bob, T0, h1)]).await.unwrap();
    for picture in &pictures {
        storage
            .put_blob(&hash_of(picture), BlobKind::Avatar, picture)
            .await
            .unwrap();
    }
    // Stored just now: spared, whatever names them.
    assert_eq!(storage.sweep_blobs(0).await.unwrap(), 0);
    // Older than the cut: the two nothing names go; Bob's and the user's stay.
    assert_eq!(storage.sweep_blobs(later).await.unwrap(), 2);
    assert_eq!(
        storage.held_blobs(&[mine, h1, h2, h3]).await.unwrap(),
        [true, true, false, false]
    );

    // Bob's newer profile names another picture: the one only the old profile named goes.
    storage
        .put_blob(&h2, BlobKind::Avatar, &pictures[1])
        .await
        .unwrap();
    app.ingest(&[profile_with(&bob, T0 + 1, h2)]).await.unwrap();
    assert_eq!(storage.sweep_blobs(later).await.unwrap(), 1);
    assert_eq!(
        storage.held_blobs(&[mine, h1, h2]).await.unwrap(),
        [true, false, true]
    );
    app.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn a_post_names_its_stored_images_and_keeps_them_from_the_sweep() {
    let config = unique_config("image-post");
    let app = App::start(&config).await.unwrap();
    let port: Rc<dyn PushSink> = Rc::new(Recorder::new(1));
    let store = |bytes: Vec<u8>| {
        let app = &app;
        let port = &port;
        async move {
            app.handle(
                Request::StoreImage {
                    base64: STANDARD.encode(bytes),
                },
                port,
            )
            .await
        }
    };
    let photos: Vec<Vec<u8>> = (0..2u8).map(|i| [PNG, &[i, i]].concat()).collect();
    let mut images = Vec::new();
    for (photo, alt) in photos.iter().zip(["A fern", " A stone, wet "]) {
        let Response::ImageStored(blob) = store(photo.clone()).await.unwrap() else {
            panic!("expected the image's name");
        };
        assert_eq!(blob, hash_of(photo));
        images.push(FeedImage {
            blob,
            alt: alt.into(),
        });
    }
    // No text is needed with pictures; descriptions are trimmed.
    let posted = app
        .handle(
            Request::Post {
                text: String::new(),
                reply_to: None,
                images: images.clone(),
                mentions: vec![],
                work: None,
            },
            &port,
        )
        .await
        .unwrap();
    let Response::Posted(item) = posted else {
        panic!("expected the post, got {posted:?}");
    };
    assert_eq!(item.images.len(), 2);
    assert_eq!(item.images[1].alt, "A stone, wet");
    let stored = app.storage().event_json(&item.id).await.unwrap().unwrap();
    assert!(stored.contains(r#""type":"image_post""#), "{stored}");
    let Response::FeedPage(page) = app
        .handle(
            Request::GetFeed {
                before: None,
                limit: 10,
            },
            &port,
        )
        .await
        .unwrap()
    else {
        panic!("expected a feed page");
    };
    assert_eq!(
        page.items[0].images, item.images,
        "the feed shows the images"
    );

    // The sweep keeps what a stored post names, and drops a stored image no post names.
    let orphan = [PNG, b"orphan"].concat();
    store(orphan.clone()).await.unwrap();
    let later = js_sys::Date::now() as u64 + 60_000;
    assert_eq!(app.storage().sweep_blobs(later).await.unwrap(), 1);
    assert_eq!(
        app.storage()
            .held_blobs(&[hash_of(&photos[0]), hash_of(&photos[1]), hash_of(&orphan)])
            .await
            .unwrap(),
        [true, true, false]
    );

    // Refused in words: a picture not stored, five pictures, a description too long, no picture.
    let events = app.storage().count_events().await.unwrap();
    let attempts = [
        vec![FeedImage {
            blob: hash_of(b"never stored"),
            alt: String::new(),
        }],
        vec![images[0].clone(); 5],
        vec![FeedImage {
            blob: images[0].blob,
            alt: "a".repeat(301),
        }],
    ];
    for images in attempts {
        let refused = app
            .handle(
                Request::Post {
                    text: "with pictures".into(),
                    reply_to: None,
                    images,
                    mentions: vec![],
                    work: None,
                },
                &port,
            )
            .await;
        assert!(
            matches!(refused, Err(ApiError::InvalidPicture { .. })),
            "{refused:?}"
        );
    }
    match store(b"GIF? no, text".to_vec()).await {
        Err(ApiError::InvalidPicture { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(app.storage().count_events().await.unwrap(), events);
    app.close();
    delete_config(&config).await;
}
