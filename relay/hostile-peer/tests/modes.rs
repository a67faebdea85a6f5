//! The three modes that stall or repeat rather than lie, on loopback: an in-process relay, the
//! hostile peer with its own faults off, and a native victim (tests/common) that pulls from it
//! or holds events for it. Each test checks one mode's wire behaviour:
//! - `--silent` answers no request, and the victim's own timeout ends the wait;
//! - `--slow-drip` answers each request after its delay with an empty page and a cursor that
//!   moves on, and event-requests with every id unknown;
//! - `--replay` pulls the victim's events and publishes them again, real and unchanged, in
//!   ever new gossip messages, which the victim drops as duplicates and counts nothing for.
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, Instant};

use libp2p::{
    futures::StreamExt, gossipsub, multiaddr::Protocol, rendezvous, request_response,
    swarm::SwarmEvent, PeerId, Swarm,
};
use phemossa_core::{Content, Event, EventId, Identity, Post};
use phemossa_gossip::{author_topic, receive, Acceptance, SeenCache};
use phemossa_hostile_peer::replay::list_everything as pull;
use phemossa_sync::{Cursor, Message, PeerScore};
use serde_json::Value;

use crate::common;
use common::{mode_args, now_ms, victim_with_timeout, Hostile, TestRelay, Victim, VictimEvent};

/// The victim's own request timeout: short, so `--silent` is seen to time it out.
const VICTIM_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole test.
const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A relay and a victim behind it, listening on a circuit and subscribed to `topic`.
async fn victim_behind_relay(topic: &gossipsub::IdentTopic) -> (TestRelay, Swarm<Victim>) {
    let relay = TestRelay::start().await;
    let mut v = victim_with_timeout(VICTIM_TIMEOUT).await;
    v.behaviour_mut().gossipsub.subscribe(topic).unwrap();
    v.listen_on(relay.ws.clone().with(Protocol::P2pCircuit))
        .unwrap();
    (relay, v)
}

/// Registers the victim in rendezvous once its relayed address is confirmed, so the hostile
/// peer finds it. Returns whether the event was that.
fn register_when_reserved(
    v: &mut Swarm<Victim>,
    relay_id: PeerId,
    event: &SwarmEvent<VictimEvent>,
) -> bool {
    if let SwarmEvent::ExternalAddrConfirmed { address } = event {
        if address.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
            let ns = rendezvous::Namespace::from_static("phemossa");
            v.behaviour_mut()
                .rendezvous
                .register(ns, relay_id, Some(60))
                .unwrap();
            return true;
        }
    }
    false
}

fn lines_text(log: &[Value]) -> String {
    log.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_answers_no_request_and_the_victim_times_out() {
    let author = Identity::from_seed([3; 32]).public_key();
    let topic = gossipsub::IdentTopic::new(author_topic(&author));
    let (relay, mut v) = victim_behind_relay(&topic).await;
    let victim_id = *v.local_peer_id();
    let mut hostile = Hostile::spawn(mode_args(&relay.ws, &author, victim_id, &["--silent"]));
    let (mut log, mut held, mut timed_out, mut answered) = (Vec::new(), 0, 0, 0);
    let outcome = tokio::time::timeout(TEST_TIMEOUT, async {
        while !(held >= 2 && timed_out >= 2) {
            tokio::select! {
                line = hostile.lines.recv() => {
                    let line = line.expect("the hostile peer runs");
                    assert!(line.get("fatal").is_none(), "{line}");
                    if line.get("held").is_some() {
                        held += 1;
                    }
                    log.push(line);
                }
                event = v.select_next_some() => {
                    if register_when_reserved(&mut v, relay.id, &event) {
                        continue;
                    }
                    match event {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id != relay.id => {
                            // A pull and an event-request: neither gets an answer.
                            v.behaviour_mut().sync.send_request(&peer_id, pull(1, None));
                            let ask = Message::EventRequest { req: 2, ids: vec![EventId::from_bytes([1; 32])] };
                            v.behaviour_mut().sync.send_request(&peer_id, ask.encode());
                        }
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::OutboundFailure {
                            error: request_response::OutboundFailure::Timeout, ..
                        })) => timed_out += 1,
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                            message: request_response::Message::Response { .. }, ..
                        })) => answered += 1,
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                            message: request_response::Message::Request { .. }, ..
                        })) => panic!("the silent peer sends no request of its own"),
                        SwarmEvent::Behaviour(VictimEvent::Gossipsub(gossipsub::Event::Message { .. })) => {
                            panic!("the silent peer publishes nothing")
                        }
                        _ => {}
                    }
                }
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out; hostile reported:\n{}",
        lines_text(&log)
    );
    assert_eq!(answered, 0, "{}", lines_text(&log));
    let kinds: Vec<&str> = log
        .iter()
        .filter_map(|l| l.get("held").and_then(Value::as_str))
        .collect();
    assert!(
        kinds.contains(&"sync_request") && kinds.contains(&"event_request"),
        "{kinds:?}"
    );
    hostile.stop().await;
    drop(v);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_drip_answers_after_its_delay_with_empty_pages_and_a_moving_cursor() {
    const DRIP_MS: u64 = 500;
    let author = Identity::from_seed([3; 32]).public_key();
    let topic = gossipsub::IdentTopic::new(author_topic(&author));
    let (relay, mut v) = victim_behind_relay(&topic).await;
    let victim_id = *v.local_peer_id();
    let drip = DRIP_MS.to_string();
    let mut hostile = Hostile::spawn(mode_args(
        &relay.ws,
        &author,
        victim_id,
        &["--slow-drip", "--drip-ms", &drip],
    ));
    let mut log = Vec::new();
    let mut sent_at = Instant::now();
    let mut cursors: Vec<Cursor> = Vec::new();
    let mut unknown_answered = false;
    // What a request it cannot read gets: the stream closed with nothing written.
    let mut unreadable: Option<Vec<u8>> = None;
    // The hostile peer's report that it ignored that request. It races the closed stream to us
    // (its stdout against the relay circuit), so the wait is for both.
    let mut ignored_malformed = false;
    let outcome = tokio::time::timeout(TEST_TIMEOUT, async {
        while unreadable.is_none() || !ignored_malformed {
            tokio::select! {
                line = hostile.lines.recv() => {
                    let line = line.expect("the hostile peer runs");
                    assert!(line.get("fatal").is_none(), "{line}");
                    if line.get("ignored") == Some(&Value::from("malformed")) {
                        ignored_malformed = true;
                    }
                    log.push(line);
                }
                event = v.select_next_some() => {
                    if register_when_reserved(&mut v, relay.id, &event) {
                        continue;
                    }
                    match event {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id != relay.id => {
                            sent_at = Instant::now();
                            v.behaviour_mut().sync.send_request(&peer_id, pull(1, None));
                        }
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                            peer, message: request_response::Message::Response { response, .. }, ..
                        })) => {
                            if cursors.len() >= 3 && unknown_answered {
                                unreadable = Some(response);
                                continue;
                            }
                            let waited = sent_at.elapsed();
                            assert!(waited >= Duration::from_millis(DRIP_MS - 50), "answered after {waited:?}");
                            match Message::decode(&response).expect("a well-formed answer") {
                                Message::SyncResponse { ids, next, .. } => {
                                    assert!(ids.is_empty(), "an empty page");
                                    let next = next.expect("with a cursor");
                                    if let Some(last) = cursors.last() {
                                        assert!(next > *last, "the cursor moves on");
                                    }
                                    cursors.push(next);
                                    let req = cursors.len() as u64 + 1;
                                    sent_at = Instant::now();
                                    let ask = if cursors.len() < 3 {
                                        pull(req, Some(next))
                                    } else {
                                        Message::EventRequest { req, ids: vec![EventId::from_bytes([1; 32])] }.encode()
                                    };
                                    v.behaviour_mut().sync.send_request(&peer, ask);
                                }
                                Message::EventResponse { events, unknown, .. } => {
                                    assert!(events.is_empty());
                                    assert_eq!(unknown, vec![EventId::from_bytes([1; 32])]);
                                    unknown_answered = true;
                                    v.behaviour_mut().sync.send_request(&peer, b"\xff".to_vec());
                                }
                                other => panic!("unexpected answer {other:?}"),
                            }
                        }
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::OutboundFailure { error, .. })) => {
                            panic!("every request is answered before the victim's timeout: {error}")
                        }
                        _ => {}
                    }
                }
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out; hostile reported:\n{}",
        lines_text(&log)
    );
    // libp2p closes a stream whose channel is dropped without writing: the requester reads an
    // empty answer, not a failure. (Why `--silent` keeps its streams open past the browser's
    // timeout: closing them would be an answer, and an undecodable one.)
    assert_eq!(unreadable, Some(Vec::new()));
    let empty = Message::decode(&[]).expect_err("an empty answer is no message");
    assert_eq!(empty.code(), "malformed_sync_message");
    hostile.stop().await;
    drop(v);
    relay.stop().await;
}

fn post(identity: &Identity, n: u64) -> Event {
    let content = Content::Post(Post {
        text: format!("a real post {n}"),
        mentions: vec![],
        reply_to: None,
    });
    Event::create(identity, now_ms() - 60_000 + n, content).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_publishes_the_victims_own_events_again_and_they_are_only_duplicates() {
    let identity = Identity::from_seed([5; 32]);
    let author = identity.public_key();
    let store: Vec<Event> = (1..=3).map(|n| post(&identity, n)).collect();
    let topic = gossipsub::IdentTopic::new(author_topic(&author));
    let (relay, mut v) = victim_behind_relay(&topic).await;
    let victim_id = *v.local_peer_id();
    let mut hostile = Hostile::spawn(mode_args(
        &relay.ws,
        &author,
        victim_id,
        &["--replay", "--replay-interval-ms", "200"],
    ));
    // The victim took its store's events already: any of them again is a duplicate.
    let mut seen = SeenCache::new(1000, 600_000);
    for event in &store {
        seen.insert(event.id, now_ms());
    }
    let mut score = PeerScore::default();
    let (mut log, mut replays, mut batches) = (Vec::new(), 0, 0);
    // Its report that it captured the victim's events by a pull: waited for in the loop, as its
    // stdout is not ordered with the gossip it then publishes.
    let mut captured_by_sync = false;
    let outcome = tokio::time::timeout(TEST_TIMEOUT, async {
        while !(replays >= store.len() + 2 && batches >= 2 && captured_by_sync) {
            tokio::select! {
                line = hostile.lines.recv() => {
                    let line = line.expect("the hostile peer runs");
                    assert!(line.get("fatal").is_none(), "{line}");
                    if line.get("captured").is_some() && line.get("from") == Some(&Value::from("sync")) {
                        captured_by_sync = true;
                    }
                    log.push(line);
                }
                event = v.select_next_some() => {
                    if register_when_reserved(&mut v, relay.id, &event) {
                        continue;
                    }
                    match event {
                        // The victim answers the capture pull as an honest responder.
                        SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                            message: request_response::Message::Request { request, channel, .. }, ..
                        })) => {
                            let answer = match Message::decode(&request).expect("a well-formed request") {
                                Message::SyncRequest { req, after: None, scope } => {
                                    assert_eq!(scope.authors, None, "every author");
                                    let mut ids: Vec<(u64, EventId)> = store.iter().map(|e| (e.timestamp, e.id)).collect();
                                    ids.sort();
                                    Message::SyncResponse { req, ids: ids.into_iter().map(|(_, id)| id).collect(), next: None }
                                }
                                Message::EventRequest { req, ids } => Message::EventResponse {
                                    req,
                                    events: store.iter().filter(|e| ids.contains(&e.id)).map(|e| e.to_json().into_bytes()).collect(),
                                    unknown: vec![],
                                },
                                other => panic!("not a capture pull's request: {other:?}"),
                            };
                            let _ = v.behaviour_mut().sync.send_response(channel, answer.encode());
                        }
                        SwarmEvent::Behaviour(VictimEvent::Gossipsub(gossipsub::Event::Message {
                            propagation_source, message_id, message,
                        })) => {
                            let verdict = receive(&message.data, message.topic.as_str(), now_ms(), &mut seen, &mut score);
                            assert_eq!(verdict.acceptance, Acceptance::Ignore, "{:?}", verdict.errors);
                            assert!(verdict.errors.is_empty(), "{:?}", verdict.errors);
                            let Ok(Message::NewEvent { events }) = Message::decode(&message.data) else {
                                panic!("a new-event");
                            };
                            replays += 1;
                            if events.len() > 1 {
                                batches += 1;
                            }
                            v.behaviour_mut().gossipsub.report_message_validation_result(
                                &message_id, &propagation_source, gossipsub::MessageAcceptance::Ignore,
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out after {replays} replays ({batches} batches); hostile reported:\n{}",
        lines_text(&log)
    );
    // Only duplicates: nothing counted towards a disconnect.
    assert_eq!(score.inexcusable(), 0, "{score:?}");
    assert_eq!(score.total_invalid(), 0, "{score:?}");
    assert!(score.duplicates as usize >= store.len(), "{score:?}");
    hostile.stop().await;
    drop(v);
    relay.stop().await;
}
