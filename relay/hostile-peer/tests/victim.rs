//! End to end on loopback: an in-process relay, the hostile peer, and a native victim that
//! follows the attacked author and judges input with core as a browser does. The hostile peer
//! finds the victim in rendezvous, dials it through the relay and sends all three kinds of bad
//! input; the victim sees each (malformed requests, forged gossip, forged sync events) and
//! hangs up; the hostile peer reports that, redials once, is hung up on again, and stops.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::time::Duration;

use libp2p::{
    futures::StreamExt, gossipsub, multiaddr::Protocol, rendezvous, request_response,
    swarm::SwarmEvent, Multiaddr, PeerId,
};
use phemossa_core::{Event, Identity};
use phemossa_gossip::{author_topic, SeenCache};
use phemossa_gossip::{receive, Acceptance};
use phemossa_hostile_peer::Args;
use phemossa_relay::{Config as RelayConfig, Relay};
use phemossa_sync::{Message, PeerScore, Scope};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::common;
use common::{now_ms, victim, VictimEvent, TIMEOUT};

/// What the victim has judged bad, by where it came from.
#[derive(Debug, Default)]
struct Seen {
    malformed_requests: BTreeSet<&'static str>,
    gossip_errors: BTreeSet<&'static str>,
    sync_errors: BTreeSet<&'static str>,
}

impl Seen {
    fn all_kinds(&self) -> bool {
        self.malformed_requests.len() >= 2 // malformed_sync_message and sync_message_too_large
            && self.gossip_errors.contains("id_mismatch")
            && self.gossip_errors.contains("bad_signature")
            && self.sync_errors.contains("id_mismatch")
            && self.sync_errors.contains("bad_signature")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_victim_sees_every_kind_of_bad_input_and_the_tool_reports_the_hang_up() {
    let relay = Relay::start(RelayConfig::loopback_any_port())
        .await
        .unwrap();
    let relay_id = relay.peer_id();
    let relay_ws: Multiaddr = relay
        .listen_addrs()
        .into_iter()
        .find(|a| a.iter().any(|p| matches!(p, Protocol::Ws(_))))
        .expect("a /ws address");
    let (stop_relay, relay_stopped) = oneshot::channel::<()>();
    let relay_task = tokio::spawn(relay.run(async {
        let _ = relay_stopped.await;
    }));

    let author = Identity::from_seed([3; 32]).public_key();
    let topic = gossipsub::IdentTopic::new(author_topic(&author));
    let mut v = victim().await;
    let victim_id = *v.local_peer_id();
    v.behaviour_mut().gossipsub.subscribe(&topic).unwrap();
    v.listen_on(relay_ws.clone().with(Protocol::P2pCircuit))
        .unwrap();

    let config = Args {
        relay: relay_ws.clone(),
        victim_author: author.to_base64(),
        target: Some(victim_id),
        malformed: 9,
        gossip: 5,
        bad_signaling: 0,
        forged_events: 4,
        interval_ms: 100,
        redials: 1,
        discover_interval_secs: 1,
        silent: false,
        slow_drip: false,
        drip_ms: 9_500,
        replay: false,
        replay_interval_ms: 1_000,
    }
    .into_config()
    .unwrap();
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<Value>();
    let (stop_hostile, hostile_stopped) = oneshot::channel::<()>();
    let hostile = async move {
        let mut report = move |line: Value| {
            let _ = lines_tx.send(line);
        };
        phemossa_hostile_peer::run(
            config,
            async {
                let _ = hostile_stopped.await;
            },
            &mut report,
        )
        .await
    };
    let hostile = tokio::spawn(hostile);

    let namespace = rendezvous::Namespace::from_static("phemossa");
    let mut score = PeerScore::default();
    let mut seen_cache = SeenCache::new(1000, 600_000);
    let mut seen = Seen::default();
    let mut banned: Option<PeerId> = None;
    let mut registered = false;
    let mut log: Vec<Value> = Vec::new();
    let mut hung_up = 0;

    let outcome = tokio::time::timeout(TIMEOUT, async {
        // Done when the hostile peer has been hung up on twice (first connection and the one
        // redial) and then reports nothing new for 3 s, i.e. it did not dial a third time.
        loop {
            let quiet = tokio::time::sleep(Duration::from_secs(3));
            tokio::select! {
                _ = quiet, if hung_up >= 2 => break,
                line = lines.recv() => {
                    let Some(line) = line else { panic!("the hostile peer stopped: {log:#?}") };
                    if line.get("disconnected_by").and_then(Value::as_str) == Some(&victim_id.to_string()) {
                        hung_up += 1;
                    }
                    assert!(line.get("fatal").is_none(), "{line}");
                    log.push(line);
                }
                event = v.select_next_some() => match event {
                    SwarmEvent::ExternalAddrConfirmed { address }
                        if address.iter().any(|p| matches!(p, Protocol::P2pCircuit)) && !registered =>
                    {
                        v.behaviour_mut().rendezvous.register(namespace.clone(), relay_id, Some(60)).unwrap();
                        registered = true;
                    }
                    SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id != relay_id => {
                        if banned == Some(peer_id) {
                            // Past the threshold: new connections are closed at once.
                            let _ = v.disconnect_peer_id(peer_id);
                        } else {
                            let pull = Message::SyncRequest {
                                req: 1,
                                scope: Scope { authors: Some(vec![author]), since: None },
                                after: None,
                            };
                            v.behaviour_mut().sync.send_request(&peer_id, pull.encode());
                        }
                    }
                    SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                        message: request_response::Message::Request { request, .. }, ..
                    })) => {
                        // Every request the hostile peer sends is malformed; the codec hands
                        // oversized ones over cut one byte past the limit.
                        let error = Message::decode(&request).expect_err("a malformed request");
                        score.malformed_message(&error);
                        seen.malformed_requests.insert(error.code());
                    }
                    SwarmEvent::Behaviour(VictimEvent::Sync(request_response::Event::Message {
                        peer, message: request_response::Message::Response { response, .. }, ..
                    })) => match Message::decode(&response).expect("a well-formed response") {
                        Message::SyncResponse { ids, .. } => {
                            let ask = Message::EventRequest { req: 2, ids };
                            v.behaviour_mut().sync.send_request(&peer, ask.encode());
                        }
                        Message::EventResponse { events, .. } => {
                            for json in events {
                                let error = Event::from_json(&json, now_ms()).expect_err("forged");
                                score.invalid_event(&error);
                                seen.sync_errors.insert(error.code());
                            }
                        }
                        other => panic!("unexpected response {other:?}"),
                    },
                    SwarmEvent::Behaviour(VictimEvent::Gossipsub(gossipsub::Event::Message {
                        propagation_source, message_id, message,
                    })) => {
                        let verdict = receive(&message.data, message.topic.as_str(), now_ms(), &mut seen_cache, &mut score);
                        assert_eq!(verdict.acceptance, Acceptance::Reject);
                        for error in &verdict.errors {
                            seen.gossip_errors.insert(error.code());
                        }
                        v.behaviour_mut().gossipsub.report_message_validation_result(
                            &message_id, &propagation_source, gossipsub::MessageAcceptance::Reject,
                        );
                    }
                    _ => {}
                },
            }
            // Like a browser: hang up past the threshold; here also only once every kind of
            // bad input has arrived, so the test proves the tool sends each.
            if banned.is_none() && seen.all_kinds() && score.should_disconnect() {
                let hostile_id = log
                    .iter()
                    .find_map(|l| l.get("peer_id").and_then(Value::as_str))
                    .and_then(|id| id.parse::<PeerId>().ok())
                    .expect("the hostile peer reported its id");
                banned = Some(hostile_id);
                let _ = v.disconnect_peer_id(hostile_id);
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out; victim saw {seen:?}, score {score:?}; hostile reported:\n{}",
        log.iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );

    let count = |key: &str, value: &str| {
        log.iter()
            .filter(|l| l.get(key).and_then(Value::as_str) == Some(value))
            .count()
    };
    assert!(count("sent", "malformed_request") >= 3, "{log:#?}");
    assert!(count("sent", "forged_gossip") >= 2, "{log:#?}");
    assert!(count("sent", "forged_events") >= 1, "{log:#?}");
    assert!(count("answered", "sync_request") >= 1, "{log:#?}");
    assert_eq!(
        count("disconnected_by", &victim_id.to_string()),
        2,
        "{log:#?}"
    );
    let redials = log
        .iter()
        .filter(|l| l.get("dialing").is_some() && l.get("redial") == Some(&Value::Bool(true)))
        .count();
    assert_eq!(redials, 1, "exactly one redial: {log:#?}");

    let _ = stop_hostile.send(());
    tokio::time::timeout(TIMEOUT, hostile)
        .await
        .expect("the hostile peer stopped in time")
        .expect("no panic")
        .expect("clean exit");
    drop(v);
    let _ = stop_relay.send(());
    let _ = tokio::time::timeout(TIMEOUT, relay_task).await;
}
