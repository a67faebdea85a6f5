//! The hostile peer's bad input is really bad: core refuses every forged event and every
//! malformed message for the intended reason, while the envelopes around forged events are
//! well-formed, so a victim reaches the events and judges them.
#![cfg(not(target_arch = "wasm32"))]

use phemossa_core::{Error, Event, Identity, PublicKey};
use phemossa_gossip::message_id;
use phemossa_hostile_peer::forge::{
    malformed_request, random_garbage, ForgedKind, Forger, MalformedKind,
};
use phemossa_hostile_peer::responder::{Answered, Responder};
use phemossa_net::sync_codec::{read_message, write_message};
use phemossa_sync::limits::MAX_SYNC_MESSAGE_BYTES;
use phemossa_sync::{Message, Scope};

const NOW: u64 = 1_750_000_000_000;

fn victim_author() -> PublicKey {
    Identity::from_seed([7; 32]).public_key()
}

fn forger() -> Forger {
    Forger::new([9; 32], victim_author())
}

#[test]
fn bad_signature_events_fail_only_the_signature_check() {
    let mut forger = forger();
    for _ in 0..20 {
        let forged = forger.forge(ForgedKind::BadSignature, NOW).unwrap();
        let verdict = Event::from_json(&forged.json, NOW);
        assert!(
            matches!(verdict, Err(Error::BadSignature)),
            "{verdict:?} for {}",
            String::from_utf8_lossy(&forged.json)
        );
        let json: serde_json::Value = serde_json::from_slice(&forged.json).unwrap();
        assert_eq!(
            json["author"],
            victim_author().to_base64(),
            "claims the victim's author"
        );
        assert_eq!(json["id"], forged.claimed_id.to_hex());
    }
}

#[test]
fn wrong_id_events_fail_the_id_check() {
    let mut forger = forger();
    for _ in 0..20 {
        let forged = forger.forge(ForgedKind::WrongId, NOW).unwrap();
        let verdict = Event::from_json(&forged.json, NOW);
        match verdict {
            Err(Error::IdMismatch { claimed, .. }) => {
                assert_eq!(claimed, forged.claimed_id.to_hex())
            }
            other => panic!("{other:?} for {}", String::from_utf8_lossy(&forged.json)),
        }
    }
}

#[test]
fn every_forged_event_has_its_own_id() {
    let mut forger = forger();
    let mut ids = std::collections::HashSet::new();
    for i in 0..50 {
        let kind = if i % 2 == 0 {
            ForgedKind::WrongId
        } else {
            ForgedKind::BadSignature
        };
        assert!(ids.insert(forger.forge(kind, NOW).unwrap().claimed_id));
    }
}

#[test]
fn malformed_requests_do_not_decode() {
    let author = victim_author();
    for n in 0..300 {
        let kind = MalformedKind::cycle(n);
        let bytes = malformed_request(kind, n, author);
        let verdict = Message::decode(&bytes);
        assert!(verdict.is_err(), "{kind:?} #{n} decoded: {verdict:?}");
        if kind == MalformedKind::Oversized {
            assert!(bytes.len() > MAX_SYNC_MESSAGE_BYTES);
            assert!(
                matches!(verdict, Err(Error::SyncMessageTooLarge { .. })),
                "{verdict:?}"
            );
        }
    }
    for _ in 0..1000 {
        assert!(Message::decode(&random_garbage()).is_err());
    }
}

#[test]
fn forged_gossip_is_a_well_formed_new_event_with_an_invalid_event() {
    let mut forger = forger();
    for kind in [ForgedKind::WrongId, ForgedKind::BadSignature] {
        let (data, forged) = forger.gossip(kind, NOW).unwrap();
        assert!(data.len() <= MAX_SYNC_MESSAGE_BYTES);
        match Message::decode(&data) {
            Ok(Message::NewEvent { events }) => {
                assert_eq!(events, vec![forged.json.clone()]);
                assert!(Event::from_json(&events[0], NOW).is_err());
            }
            other => panic!("{other:?}"),
        }
        // gossipsub's message id is SHA-256 of the data, as every node computes it, not the
        // claimed event id: the forgery cannot take the id the real event travels under.
        assert_ne!(message_id(&data), forged.claimed_id.as_bytes().to_vec());
        assert_eq!(message_id(&data).len(), 32);
    }
}

#[test]
fn a_pull_is_answered_with_forged_ids_then_forged_events() {
    let mut forger = forger();
    let responder = Responder::new(&mut forger, 4, NOW).unwrap();
    let pull = Message::SyncRequest {
        req: 41,
        scope: Scope {
            authors: Some(vec![victim_author()]),
            since: None,
        },
        after: None,
    };
    let (bytes, answered) = responder.answer(&pull.encode());
    assert_eq!(answered, Answered::SyncRequest { forged_ids: 4 });
    let ids = match Message::decode(&bytes) {
        Ok(Message::SyncResponse {
            req: 41,
            ids,
            next: None,
        }) => ids,
        other => panic!("{other:?}"),
    };
    assert_eq!(ids.len(), 4);

    let ask = Message::EventRequest {
        req: 42,
        ids: ids.clone(),
    };
    let (bytes, answered) = responder.answer(&ask.encode());
    assert_eq!(
        answered,
        Answered::EventRequest {
            forged_events: 4,
            bad_signature: 2,
            wrong_id: 2
        }
    );
    let events = match Message::decode(&bytes) {
        Ok(Message::EventResponse {
            req: 42,
            events,
            unknown,
        }) => {
            assert!(unknown.is_empty());
            events
        }
        other => panic!("{other:?}"),
    };
    let mut codes: Vec<&str> = events
        .iter()
        .map(|json| Event::from_json(json, NOW).expect_err("forged").code())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "bad_signature",
            "bad_signature",
            "id_mismatch",
            "id_mismatch"
        ]
    );
}

#[test]
fn requests_it_cannot_use_get_garbage() {
    let responder = Responder::new(&mut forger(), 2, NOW).unwrap();
    for request in [
        vec![0xff, 0x00],
        Message::NewEvent { events: vec![] }.encode(),
    ] {
        let (bytes, answered) = responder.answer(&request);
        assert!(matches!(answered, Answered::Other { .. }));
        assert!(Message::decode(&bytes).is_err());
    }
}

#[tokio::test]
async fn the_codec_reads_to_the_end_but_stops_one_byte_past_64_kib() {
    use libp2p::futures::io::Cursor;

    let mut out = Cursor::new(Vec::new());
    write_message(&mut out, b"abc").await.unwrap();
    let mut back = Cursor::new(out.into_inner());
    assert_eq!(read_message(&mut back).await.unwrap(), b"abc");

    let mut exact = Cursor::new(vec![1u8; MAX_SYNC_MESSAGE_BYTES]);
    assert_eq!(
        read_message(&mut exact).await.unwrap().len(),
        MAX_SYNC_MESSAGE_BYTES
    );
    // Past the limit the reader stops one byte over, and the decoder refuses what it got.
    let oversized = malformed_request(MalformedKind::Oversized, 0, victim_author());
    let mut over = Cursor::new(oversized);
    let read = read_message(&mut over).await.unwrap();
    assert_eq!(read.len(), MAX_SYNC_MESSAGE_BYTES + 1);
    assert!(matches!(
        Message::decode(&read),
        Err(Error::SyncMessageTooLarge { .. })
    ));
}
