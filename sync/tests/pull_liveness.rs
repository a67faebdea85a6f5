//! Liveness of one pull (docs/protocol.md §8.4, §9.4): a responder cannot keep a pull alive
//! forever (empty pages with a cursor, one id per page, slow answers), a slow peer is cut off
//! without blame, and answers that arrive after their request was resent or given up on are
//! taken or excused, never counted. Time is virtual: every `now` is fed in.

use phemossa_core::{Content, Event, EventId, Identity, Post};
use phemossa_sync::limits::LATE_ANSWER_WINDOW_MS;
use phemossa_sync::testing::v2::{Direction, Link, Peer, Store};
use phemossa_sync::testing::Scored;
use phemossa_sync::{Cursor, Message, Output, ReconcileConfig, Scope, Session};

const NOW: u64 = 1_767_225_600_000;

fn outputs(session: &mut Scored<Session>) -> Vec<Output> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

fn finished(outputs: &[Output]) -> Option<Result<(), &'static str>> {
    outputs.iter().find_map(|o| match o {
        Output::Finished(result) => Some(result.as_ref().map(|_| ()).map_err(|e| e.code())),
        _ => None,
    })
}

fn requests(outputs: &[Output]) -> Vec<Message> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Request(bytes) => Message::decode(bytes).ok(),
            _ => None,
        })
        .collect()
}

fn fake_id(n: u64) -> EventId {
    let mut bytes = [0xee; 32];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    EventId::from_bytes(bytes)
}

/// A fresh pull's first request and its `req`.
fn started(session: &mut Scored<Session>, now: u64) -> u64 {
    assert!(session.start(Scope::default(), None, now));
    let sent = requests(&outputs(session));
    let [Message::SyncRequest { req, .. }] = sent.as_slice() else {
        panic!("one sync-request, got {sent:?}")
    };
    *req
}

#[test]
fn an_empty_page_with_a_cursor_ends_the_pull_and_is_counted() {
    let mut session = Scored::new(Session::default());
    let req = started(&mut session, NOW);
    let empty = Message::SyncResponse {
        req,
        ids: vec![],
        next: Some(Cursor {
            timestamp: NOW - 1_000,
            id: fake_id(1),
        }),
    };
    session.handle_message(&empty.encode(), NOW);
    let out = outputs(&mut session);
    assert_eq!(finished(&out), Some(Err("empty_sync_page")), "{out:?}");
    assert!(requests(&out).is_empty(), "no next page is asked for");
    assert_eq!(session.score().inexcusable(), 1, "no honest peer sends it");
}

/// Drives a pull against a peer that lists one new fake id per page, forever, answering each
/// request `delay_ms` after it was sent; the store already holds every id. Returns how the pull
/// ended, the requests it sent and the time, or `None` after `max_requests`.
fn drip(
    session: &mut Scored<Session>,
    delay_ms: u64,
    max_requests: u64,
) -> Option<(Result<(), &'static str>, u64, u64)> {
    let mut now = NOW;
    session.start(Scope::default(), None, now);
    let mut sent = 0;
    let mut listed = 0;
    while sent < max_requests {
        let mut replies = vec![];
        while let Some(output) = session.poll_output() {
            match output {
                Output::Finished(result) => {
                    return Some((result.map(|_| ()).map_err(|e| e.code()), sent, now))
                }
                Output::FindMissing { query, .. } => session.answer_missing(query, vec![], now),
                Output::Request(bytes) => {
                    sent += 1;
                    let Ok(Message::SyncRequest { req, .. }) = Message::decode(&bytes) else {
                        panic!("only id pages are asked for")
                    };
                    listed += 1;
                    let id = fake_id(listed);
                    let next = Some(Cursor {
                        timestamp: NOW - 1_000_000 + listed,
                        id,
                    });
                    replies.push(Message::SyncResponse {
                        req,
                        ids: vec![id],
                        next,
                    });
                }
                _ => {}
            }
        }
        now += delay_ms;
        session.handle_timeout(now);
        for reply in replies {
            session.handle_message(&reply.encode(), now);
        }
    }
    None
}

#[test]
fn one_id_per_page_ends_at_the_request_budget_without_blame() {
    let mut session = Scored::new(Session::default());
    let ended = drip(&mut session, 0, 10_000);
    let Some((result, sent, _)) = ended else {
        panic!("a peer listing one id per page must not hold a pull for 10,000 requests")
    };
    assert_eq!(result, Err("pull_too_long"));
    assert_eq!(sent, 4_096, "the documented request budget");
    assert_eq!(session.score().total_invalid(), 0, "not blamed");
    assert!(
        session.checkpoint().is_some(),
        "the next pull resumes there"
    );
}

#[test]
fn a_slow_peer_is_cut_off_at_the_pull_deadline_without_blame() {
    let mut session = Scored::new(Session::default());
    // Each answer comes 9 s after its request: never a resend, never a timeout.
    let ended = drip(&mut session, 9_000, 1_000);
    let Some((result, _, at)) = ended else {
        panic!("a slow peer must not hold a pull for 1,000 requests (2.5 hours)")
    };
    assert_eq!(result, Err("pull_deadline"));
    assert!(at - NOW <= 300_000 + 9_000, "ended {} ms in", at - NOW);
    assert_eq!(session.score().total_invalid(), 0, "slowness is not blamed");
    assert!(
        session.checkpoint().is_some(),
        "the next pull resumes there"
    );
}

#[test]
fn the_pull_deadline_fires_as_a_timer_even_without_answers() {
    let mut session = Scored::new(Session::default());
    let _ = started(&mut session, NOW);
    let deadline = session.next_deadline().expect("a timer");
    assert_eq!(deadline, NOW + 10_000, "the first resend comes first");
    // Far later (a suspended worker wakes up): the pull ends at once, without blame.
    session.handle_timeout(NOW + 400_000);
    let out = outputs(&mut session);
    assert_eq!(finished(&out), Some(Err("pull_deadline")), "{out:?}");
    assert_eq!(session.score().total_invalid(), 0);
}

/// The `req`s of all three sends of a pull's first request, and the time it gave up.
fn given_up(session: &mut Scored<Session>) -> (Vec<u64>, u64) {
    let mut reqs = vec![started(session, NOW)];
    let now = loop {
        let now = session.next_deadline().expect("waiting");
        session.handle_timeout(now);
        let out = outputs(session);
        reqs.extend(requests(&out).iter().filter_map(Message::req));
        if let Some(result) = finished(&out) {
            assert_eq!(result, Err("sync_timeout"));
            break now;
        }
    };
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        now,
        NOW + 30_000,
        "resent at 10 s and 20 s, given up at 30 s"
    );
    (reqs, now)
}

#[test]
fn late_answers_after_the_pull_gave_up_are_not_blamed() {
    let mut session = Scored::new(Session::default());
    let (reqs, gave_up) = given_up(&mut session);
    for req in reqs {
        let late = Message::SyncResponse {
            req,
            ids: vec![],
            next: None,
        };
        session.handle_message(&late.encode(), gave_up + 1_000);
    }
    assert_eq!(session.score().total_invalid(), 0);
    assert!(!session.is_pulling());
}

#[test]
fn an_answer_long_after_the_late_answer_window_is_counted() {
    let mut session = Scored::new(Session::default());
    let (reqs, gave_up) = given_up(&mut session);
    let late = Message::SyncResponse {
        req: reqs[2],
        ids: vec![],
        next: None,
    };
    // Sent 10 s before the pull gave up: its window ended LATE_ANSWER_WINDOW_MS after that.
    session.handle_message(&late.encode(), gave_up + LATE_ANSWER_WINDOW_MS);
    assert_eq!(session.score().unexpected, 1);
}

#[test]
fn an_answer_to_an_earlier_send_of_the_request_in_flight_is_taken() {
    let mut session = Scored::new(Session::default());
    let first = started(&mut session, NOW);
    session.handle_timeout(NOW + 10_000);
    assert_eq!(requests(&outputs(&mut session)).len(), 1, "resent");
    // The first send's stream is still open: its answer, 12 s in, is as good as the resend's.
    let answer = Message::SyncResponse {
        req: first,
        ids: vec![],
        next: None,
    };
    session.handle_message(&answer.encode(), NOW + 12_000);
    let out = outputs(&mut session);
    assert_eq!(finished(&out), Some(Ok(())), "{out:?}");
    assert_eq!(session.score().total_invalid(), 0);
}

// ---- v2 ----

fn universe(n: usize) -> Store {
    let author = Identity::from_seed([1; 32]);
    let mut store = Store::default();
    for i in 0..n {
        let content = Content::Post(Post {
            text: format!("post {i}"),
            mentions: vec![],
            reply_to: None,
        });
        store.insert(Event::create(&author, NOW - 1_000 * i as u64, content).unwrap());
    }
    store
}

fn one_at_a_time() -> ReconcileConfig {
    ReconcileConfig {
        event_batch: 1,
        ..ReconcileConfig::default()
    }
}

#[test]
fn v2_late_answers_after_the_run_gave_up_are_not_blamed() {
    let mut link = Link::new(
        Peer::new(Store::default(), one_at_a_time()),
        Peer::new(universe(3), one_at_a_time()),
        NOW,
    );
    link.a.session.start(Scope::default(), NOW);
    // Hold back every request of A: B answers them all only after A gave up.
    let mut held = vec![];
    while link.step(&mut |direction, bytes: &mut Vec<u8>| {
        if direction == Direction::AToB {
            held.push(bytes.clone());
            return false;
        }
        true
    }) {}
    assert_eq!(held.len(), 3);
    assert_eq!(
        link.a
            .finished
            .as_ref()
            .unwrap()
            .as_ref()
            .unwrap_err()
            .code(),
        "sync_timeout"
    );
    link.now_ms += 1_000;
    for request in held {
        link.b.session.handle_message(&request, link.now_ms);
    }
    link.run();
    assert_eq!(link.a.score.total_invalid(), 0, "{:?}", link.a.misbehaved);
}

#[test]
fn v2_a_slow_peer_is_cut_off_at_the_pull_deadline_without_blame() {
    let mut link = Link::new(
        Peer::new(Store::default(), one_at_a_time()),
        Peer::new(universe(60), one_at_a_time()),
        NOW,
    );
    link.a.session.start(Scope::default(), NOW);
    // Every message takes 4 s: 8 s a round trip, under the 10 s resend, and 60 fetches of one
    // event each take 480 s, past the 300 s deadline.
    for _ in 0..10_000 {
        link.now_ms += 4_000;
        link.a.session.handle_timeout(link.now_ms);
        link.b.session.handle_timeout(link.now_ms);
        if !link.step(&mut |_, _| true) || link.a.finished.is_some() {
            break;
        }
    }
    let result = link.a.finished.as_ref().expect("the run ended");
    assert_eq!(
        result.as_ref().map(|_| ()).map_err(|e| e.code()),
        Err("pull_deadline")
    );
    assert!(link.now_ms - NOW <= 300_000 + 4_000);
    let got = link.a.store.len();
    assert!(got > 0 && got < 60, "kept what it fetched: {got}");
    assert_eq!(link.a.score.total_invalid(), 0);
}
