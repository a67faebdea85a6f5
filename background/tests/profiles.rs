//! Browser tests of profiles: only an author's newest profile is kept, superseded ids count as
//! held so no sync fetches them again, pruning forgets them, and the people requests (profile,
//! nickname, followers) answer and push what changed.

use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, AvatarEdit, Person, Push, Request, Response, Topic};
use phemossa_background::{App, PushSink, Storage};
use wasm_bindgen_test::*;

fn sink(recorder: &Rc<Recorder>) -> Rc<dyn PushSink> {
    Rc::clone(recorder) as Rc<dyn PushSink>
}

#[wasm_bindgen_test]
async fn a_newer_profile_replaces_the_older_whatever_order_they_arrive_in() {
    let name = unique_name("profiles");
    let storage = Storage::open(&name).await.unwrap();
    let alice = identity(1);
    let old = profile(&alice, T0, "Alice");
    let new = profile(&alice, T0 + 1, "Alice Liddell");
    let unrelated = post(&alice, T0 + 2, "a post stays");

    assert!(storage.insert(&old).await.unwrap());
    assert!(storage.insert(&unrelated).await.unwrap());
    assert!(
        storage.insert(&new).await.unwrap(),
        "the newer one is stored"
    );
    assert_eq!(
        storage.event_json(&old.id).await.unwrap(),
        None,
        "old one removed"
    );
    assert_eq!(
        storage.event_json(&new.id).await.unwrap(),
        Some(new.to_json())
    );
    let current = storage.profiles_of(&[alice.public_key()]).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        (current[0].id, current[0].name.as_str()),
        (new.id, "Alice Liddell")
    );

    // The totals are what a recount gives: the replaced profile's event and bytes are gone.
    let stats = storage.stats().await.unwrap();
    assert_eq!(stats.events, 2);
    assert_eq!(storage.count_events().await.unwrap(), 2);
    assert_eq!(stats.authors, 1);
    assert_eq!(stats.pruned, 0, "a replacement is not a pruning");
    assert_eq!(
        stats.bytes,
        (new.to_json().len() + unrelated.to_json().len()) as u64
    );
    assert_author_totals_exact(&storage).await;

    // The old one again, as a peer that still holds it would send: valid, not new, not stored.
    assert!(!storage.insert(&old).await.unwrap());
    assert_eq!(storage.count_events().await.unwrap(), 2);
    assert_eq!(storage.stats().await.unwrap(), stats);

    // A sync asking what it lacks counts the superseded id as held: never fetched again.
    let unknown = post(&identity(2), T0, "not here").id;
    assert_eq!(
        storage
            .missing_ids(&[old.id, new.id, unknown])
            .await
            .unwrap(),
        [unknown]
    );
    storage.close();

    // The other order, in one batch: the older one is turned away.
    let name2 = unique_name("profiles-batch");
    let storage = Storage::open(&name2).await.unwrap();
    let stored = storage
        .insert_all(&[new.clone(), old.clone()])
        .await
        .unwrap();
    assert_eq!(stored, [true, false]);
    assert_eq!(storage.count_events().await.unwrap(), 1);
    assert_eq!(storage.stats().await.unwrap().events, 1);
    assert_eq!(storage.missing_ids(&[old.id]).await.unwrap(), []);
    // In arrival order within one batch, the older first: the newer replaces it at once.
    let newest = profile(&alice, T0 + 5, "Alice L.");
    let newer_still = profile(&alice, T0 + 9, "Alice");
    let stored = storage
        .insert_all(&[newest.clone(), newer_still.clone()])
        .await
        .unwrap();
    assert_eq!(stored, [true, true]);
    assert_eq!(storage.count_events().await.unwrap(), 1);
    assert_eq!(storage.stats().await.unwrap().events, 1);
    let current = storage.profiles_of(&[alice.public_key()]).await.unwrap();
    assert_eq!(current[0].id, newer_still.id);
    assert_eq!(
        storage
            .missing_ids(&[old.id, new.id, newest.id])
            .await
            .unwrap(),
        []
    );
    storage.close();
    delete_database(&name).await;
    delete_database(&name2).await;
}

#[wasm_bindgen_test]
async fn pruning_a_current_profile_forgets_it_and_what_it_superseded() {
    let name = unique_name("profiles-prune");
    let storage = Storage::open(&name).await.unwrap();
    let bob = identity(2);
    let old = profile(&bob, T0, "Bob");
    let new = profile(&bob, T0 + 1, "Robert");
    storage
        .insert_all(&[old.clone(), new.clone()])
        .await
        .unwrap();
    assert_eq!(storage.delete_events(&[new.id]).await.unwrap(), 1);
    assert!(storage
        .profiles_of(&[bob.public_key()])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        storage.missing_ids(&[old.id, new.id]).await.unwrap(),
        [old.id, new.id],
        "with nothing of the author held, both may be fetched again"
    );
    let stats = storage.stats().await.unwrap();
    assert_eq!((stats.events, stats.authors, stats.bytes), (0, 0, 0));
    assert_eq!(stats.pruned, 1);
    assert_author_totals_exact(&storage).await;
    // Fetched again later, the old one is current until the newer arrives.
    assert!(storage.insert(&old).await.unwrap());
    assert!(storage.insert(&new).await.unwrap());
    assert_eq!(storage.count_events().await.unwrap(), 1);
    assert_author_totals_exact(&storage).await;
    storage.close();
    delete_database(&name).await;
}

async fn people(background: &App, port: &Rc<dyn PushSink>) -> Vec<Person> {
    match background.handle(Request::GetPeople, port).await {
        Ok(Response::People(people)) => people,
        other => panic!("expected people, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn the_users_profile_nicknames_and_followers_are_answered_and_pushed() {
    let config = unique_config("people");
    let background = App::start(&config).await.unwrap();
    let recorder = Rc::new(Recorder::new(1));
    let port = sink(&recorder);
    let topics = vec![Topic::People];
    background
        .handle(Request::Subscribe { topics }, &port)
        .await
        .unwrap();
    let me = background.public_key();

    // Before any profile the user is known by key alone.
    let before = people(&background, &port).await;
    assert_eq!(before, [Person::unknown(me)]);

    let saved = background
        .handle(
            Request::SetProfile {
                name: "  Ada  ".into(),
                about: "Counts things.".into(),
                avatar: AvatarEdit::Keep,
            },
            &port,
        )
        .await
        .unwrap();
    let Response::People(saved) = saved else {
        panic!("expected people, got {saved:?}");
    };
    assert_eq!(saved[0].name.as_deref(), Some("Ada"), "trimmed");
    assert_eq!(saved[0].about, "Counts things.");
    assert_eq!(recorder.take_pushes(), [Push::People(saved.clone())]);
    assert_eq!(people(&background, &port).await, saved);

    // Refused in words, nothing stored.
    let events = background.storage().count_events().await.unwrap();
    for (name, about) in [("", "x"), ("a\u{202E}b", ""), ("Ada", &*"x".repeat(501))] {
        let refused = background
            .handle(
                Request::SetProfile {
                    name: name.into(),
                    about: about.into(),
                    avatar: AvatarEdit::Keep,
                },
                &port,
            )
            .await;
        match refused {
            Err(ApiError::InvalidProfile { reason }) => assert!(!reason.is_empty()),
            other => panic!("{name:?} / {} chars: {other:?}", about.len()),
        }
    }
    assert_eq!(background.storage().count_events().await.unwrap(), events);
    assert!(recorder.take_pushes().is_empty());

    // A follower arrives (from a peer): pushed, listed, not yet followed back.
    let bob = identity(2);
    let report = background
        .ingest(&[profile(&bob, T0, "Bob"), follow(&bob, T0 + 1, me, true)])
        .await
        .unwrap();
    assert_eq!(report.stored, 2);
    let pushes = recorder.take_pushes();
    assert!(pushes.iter().any(|push| matches!(
        push,
        Push::People(people) if people.len() == 1 && people[0].name.as_deref() == Some("Bob")
    )));
    let Some(Push::Followers(followers)) = pushes
        .iter()
        .find(|push| matches!(push, Push::Followers(_)))
    else {
        panic!("no followers push in {pushes:?}");
    };
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0].public_key, bob.public_key());
    assert!(!followers[0].followed_back);
    let listed = people(&background, &port).await;
    assert!(listed.iter().any(|p| p.name.as_deref() == Some("Bob")));

    // A nickname overrides nothing stored, is pushed, and an empty one removes it.
    let bob_key = bob.public_key().to_base64();
    background
        .handle(
            Request::SetNickname {
                public_key: bob_key.clone(),
                nickname: " Bobby ".into(),
            },
            &port,
        )
        .await
        .unwrap();
    let pushed = recorder.take_pushes();
    assert!(matches!(
        &pushed[..],
        [Push::People(p)] if p[0].nickname.as_deref() == Some("Bobby") && p[0].name.as_deref() == Some("Bob")
    ));
    let refused = background
        .handle(
            Request::SetNickname {
                public_key: bob_key.clone(),
                nickname: "x".repeat(51),
            },
            &port,
        )
        .await;
    assert!(
        matches!(refused, Err(ApiError::InvalidProfile { reason }) if reason.contains("nickname"))
    );
    background
        .handle(
            Request::SetNickname {
                public_key: bob_key.clone(),
                nickname: "  ".into(),
            },
            &port,
        )
        .await
        .unwrap();
    let bob_now = people(&background, &port).await;
    assert!(bob_now
        .iter()
        .all(|p| p.public_key != bob.public_key() || p.nickname.is_none()));

    // Following back shows in the list.
    background
        .handle(
            Request::Follow {
                public_key: bob_key,
            },
            &port,
        )
        .await
        .unwrap();
    match background.handle(Request::GetFollowers, &port).await {
        Ok(Response::Followers(list)) => assert!(list[0].followed_back),
        other => panic!("expected followers, got {other:?}"),
    }

    // All of it survives a restart.
    background.close();
    let background = App::start(&config).await.unwrap();
    let after = people(&background, &port).await;
    assert!(after
        .iter()
        .any(|p| p.public_key == me && p.name.as_deref() == Some("Ada")));
    assert!(after.iter().any(|p| p.name.as_deref() == Some("Bob")));
    background.close();
    delete_config(&config).await;
}
