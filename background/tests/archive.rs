//! Browser tests of the event archive (import, export) and of retention, through the
//! background's request API against a real IndexedDB.

use std::collections::HashSet;
use std::rc::Rc;

use crate::common::*;
use phemossa_api::{ApiError, ImportReport, Request, Response, StorageStats};
use phemossa_background::{App, PushSink};
use phemossa_core::retention::RetentionSettings;
use phemossa_core::Event;
use wasm_bindgen_test::*;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

fn port() -> Rc<dyn PushSink> {
    Rc::new(Recorder::new(1)) as Rc<dyn PushSink>
}

async fn import(background: &App, events: &[&Event], extra: &[&str]) -> ImportReport {
    let mut lines: Vec<String> = events.iter().map(|e| e.to_json()).collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    import_lines(background, lines, 10).await
}

async fn import_lines(background: &App, lines: Vec<String>, first_line: u64) -> ImportReport {
    let request = Request::ImportEvents {
        events: lines,
        first_line,
    };
    match background.handle(request, &port()).await {
        Ok(Response::Imported(report)) => report,
        other => panic!("expected an import report, got {other:?}"),
    }
}

async fn stats(background: &App) -> StorageStats {
    match background.handle(Request::GetStats, &port()).await {
        Ok(Response::Stats(stats)) => stats,
        other => panic!("expected stats, got {other:?}"),
    }
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// The worker pool (src/verify_pool.rs) sends batches of 16 events or more to its workers. This
/// runner does not serve their script, so the pool turns itself off at the first batch, and the
/// document checks every signature itself: the verdicts are those of the workers' end-to-end
/// test (tests/e2e/archive.test.mjs), by the same lines, and nothing is counted as checked by a
/// worker that never ran.
#[wasm_bindgen_test]
async fn an_import_without_its_signature_workers_gives_the_same_verdicts() {
    let config = unique_config("import-no-workers");
    let background = App::start(&config).await.unwrap();
    let alice = identity(1);
    let events: Vec<Event> = (0..40)
        .map(|n| post(&alice, T0 + n, &format!("post {n}")))
        .collect();
    let forged_at = [4, 16, 32];
    let lines: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let json = event.to_json();
            if !forged_at.contains(&index) {
                return json;
            }
            let signature = event.signature.to_base64();
            let flipped = if signature.as_bytes()[10] == b'A' {
                "B"
            } else {
                "A"
            };
            let forged = format!("{}{flipped}{}", &signature[..10], &signature[11..]);
            json.replace(&signature, &forged)
        })
        .collect();
    for round in 0..2 {
        let report = import_lines(&background, lines.clone(), 1).await;
        let expected: Vec<String> = forged_at
            .iter()
            .map(|index| {
                format!(
                    "line {}: signature does not verify against the author's key",
                    index + 1
                )
            })
            .collect();
        assert_eq!(report.reasons, expected, "round {round}");
        let stored = if round == 0 { (37, 0) } else { (0, 37) };
        assert_eq!((report.stored, report.duplicates), stored, "round {round}");
    }
    let stats = stats(&background).await;
    assert_eq!(stats.events, 37, "forged lines are never stored");
    assert_eq!(
        (stats.worker_checked, stats.worker_memory_bytes),
        (0, 0),
        "no worker ran here"
    );
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn imports_store_valid_lines_name_refused_ones_and_count_duplicates() {
    let config = unique_config("import");
    let background = App::start(&config).await.unwrap();
    let alice = identity(1);
    let (first, second) = (post(&alice, T0, "one"), post(&alice, T0 + 1, "two"));
    let mut forged = serde_json::from_str::<serde_json::Value>(&first.to_json()).unwrap();
    forged["content"]["text"] = "changed after signing".into();
    let forged = forged.to_string();

    let report = import(&background, &[&first, &second], &["not json", &forged]).await;
    assert_eq!(
        (report.stored, report.duplicates, report.rejected),
        (2, 0, 2)
    );
    assert!(
        report.reasons[0].starts_with("line 12: "),
        "{:?}",
        report.reasons
    );
    assert!(
        report.reasons[1].starts_with("line 13: id does not match"),
        "{:?}",
        report.reasons
    );
    assert_eq!(
        stats(&background).await.events,
        2,
        "refused lines are never stored"
    );

    let again = import(&background, &[&first, &second], &[]).await;
    assert_eq!((again.stored, again.duplicates, again.rejected), (0, 2, 0));

    let too_many = Request::ImportEvents {
        events: vec![first.to_json(); phemossa_api::MAX_IMPORT_EVENTS + 1],
        first_line: 1,
    };
    assert!(matches!(
        background.handle(too_many, &port()).await,
        Err(ApiError::InvalidRequest { .. })
    ));
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn an_export_pages_through_every_event_once() {
    let config = unique_config("export");
    let background = App::start(&config).await.unwrap();
    let alice = identity(2);
    let events: Vec<Event> = (0..25)
        .map(|i| post(&alice, T0 + i, &format!("exported {i}")))
        .collect();
    let refs: Vec<&Event> = events.iter().collect();
    assert_eq!(import(&background, &refs, &[]).await.stored, 25);

    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let request = Request::ExportEvents { after, limit: 10 };
        let page = match background.handle(request, &port()).await {
            Ok(Response::Events(page)) => page,
            other => panic!("expected an events page, got {other:?}"),
        };
        pages += 1;
        seen.extend(page.events);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3, "10 + 10 + 5");
    let expected: HashSet<String> = events.iter().map(Event::to_json).collect();
    assert_eq!(seen.len(), 25, "no event twice");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
    background.close();
    delete_config(&config).await;
}

#[wasm_bindgen_test]
async fn retention_prunes_only_old_events_of_authors_not_followed() {
    let config = unique_config("retention");
    let background = App::start(&config).await.unwrap();
    let (friend, stranger) = (identity(3), identity(4));
    let answer = background
        .handle(
            Request::Follow {
                public_key: friend.public_key().to_base64(),
            },
            &port(),
        )
        .await;
    assert!(answer.is_ok(), "{answer:?}");
    let posted = background
        .handle(
            Request::Post {
                text: "my own".into(),
                reply_to: None,
                images: Vec::new(),
                mentions: vec![],
                work: None,
            },
            &port(),
        )
        .await;
    assert!(posted.is_ok(), "{posted:?}");
    let friend_old = post(&friend, T0, "a friend's, long ago");
    let stranger_old = post(&stranger, now() - 40 * DAY_MS, "a stranger's, 40 days ago");
    let stranger_new = post(&stranger, now() - DAY_MS, "a stranger's, yesterday");
    let report = import(
        &background,
        &[&friend_old, &stranger_old, &stranger_new],
        &[],
    )
    .await;
    assert_eq!(report.stored, 3);
    let before = stats(&background).await;
    // own post + own follow event + 3 imported
    assert_eq!((before.events, before.authors, before.pruned), (5, 3, 0));

    let keep = RetentionSettings {
        others_days: 30,
        others_mb: 50,
    };
    let saved = background
        .handle(Request::SetRetention { retention: keep }, &port())
        .await;
    assert_eq!(saved, Ok(Response::Retention(keep)));
    let after = stats(&background).await;
    assert_eq!((after.events, after.authors, after.pruned), (4, 3, 1));
    assert_eq!(
        after.bytes,
        before.bytes - stranger_old.to_json().len() as u64
    );
    let storage = background.storage();
    assert!(storage
        .event_json(&stranger_old.id)
        .await
        .unwrap()
        .is_none());
    for kept in [&friend_old, &stranger_new] {
        assert!(storage.event_json(&kept.id).await.unwrap().is_some());
    }

    // One day: the stranger's last event goes, and with it the stranger from the author count.
    let one_day = RetentionSettings {
        others_days: 1,
        others_mb: 50,
    };
    let saved = background
        .handle(Request::SetRetention { retention: one_day }, &port())
        .await;
    assert!(saved.is_ok(), "{saved:?}");
    let last = stats(&background).await;
    assert_eq!((last.events, last.authors, last.pruned), (3, 2, 2));
    assert_eq!(
        storage.count_events().await.unwrap(),
        3,
        "totals match the store"
    );

    let refused = RetentionSettings {
        others_days: 0,
        others_mb: 50,
    };
    assert!(matches!(
        background
            .handle(Request::SetRetention { retention: refused }, &port())
            .await,
        Err(ApiError::InvalidRequest { .. })
    ));
    assert_eq!(
        background.handle(Request::GetRetention, &port()).await,
        Ok(Response::Retention(one_day)),
        "a refused change keeps the saved limits"
    );
    background.close();
    delete_config(&config).await;
}
