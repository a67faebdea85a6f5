//! Checks the messages `/phemossa/sync/2.1.0` adds to sync v2, thread fetch's (kinds 8 and 9)
//! and inbox catch-up's (kinds 10 and 11), against docs/replies-test-vectors.json, the file
//! other implementations use (docs/protocol.md §8.10, §8.9). Its CBOR was assembled byte by
//! byte in Python, not by this codec: every `valid` message must encode to its bytes and decode
//! from them (and be told from a v2 message by its first bytes), every `invalid` input must be
//! refused with its code, and every `judged` replies-response and `judged_inbox` inbox-response
//! must give the events, next cursor and faults listed.

use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::{EventId, PublicKey};
use phemossa_sync::replies::{
    is_replies_message, take_inbox_response, take_response, RepliesMessage, RepliesPage,
};
use phemossa_sync::Cursor;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/replies-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/replies-test-vectors.json is readable");
    serde_json::from_str(&text).expect("replies test vectors are JSON")
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("a hex string")).expect("valid hex")
}

fn id(v: &Value) -> EventId {
    EventId::from_bytes(bytes(v).try_into().expect("a 32-byte id"))
}

fn ids(v: &Value) -> Vec<EventId> {
    v.as_array()
        .expect("a list of ids")
        .iter()
        .map(id)
        .collect()
}

fn cursor(v: &Value) -> Option<Cursor> {
    if v.is_null() {
        return None;
    }
    Some(Cursor {
        timestamp: v[0].as_u64().expect("a timestamp"),
        id: id(&v[1]),
    })
}

fn key(v: &Value) -> PublicKey {
    PublicKey::from_bytes(bytes(v).try_into().expect("a 32-byte key"), "addressee")
        .expect("a valid key")
}

fn events(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .expect("events")
        .iter()
        .map(|e| e.as_str().expect("event JSON text").as_bytes().to_vec())
        .collect()
}

fn message(m: &Value) -> RepliesMessage {
    match m["kind"].as_str().expect("a kind") {
        "replies-request" => RepliesMessage::Request {
            parents: ids(&m["parents"]),
            after: cursor(&m["after"]),
        },
        "replies-response" => RepliesMessage::Response {
            events: events(&m["events"]),
            next: cursor(&m["next"]),
        },
        "inbox-request" => RepliesMessage::InboxRequest {
            addressee: key(&m["addressee"]),
            after: cursor(&m["after"]).expect("an inbox-request's after is never null"),
        },
        "inbox-response" => RepliesMessage::InboxResponse {
            events: events(&m["events"]),
            next: cursor(&m["next"]),
        },
        other => panic!("unknown kind {other}"),
    }
}

/// `hex`, or `prefix` + `repeat` × `times` + `suffix` for input too long to write out.
fn input(v: &Value) -> Vec<u8> {
    if v["hex"].is_string() {
        return bytes(&v["hex"]);
    }
    let mut out = bytes(&v["prefix"]);
    let repeat = bytes(&v["repeat"]);
    for _ in 0..v["times"].as_u64().expect("times") {
        out.extend_from_slice(&repeat);
    }
    out.extend(bytes(&v["suffix"]));
    out
}

#[test]
fn valid_vectors_encode_and_decode_exactly() {
    let doc = vectors();
    let valid = doc["valid"].as_array().expect("valid");
    assert!(valid.len() >= 11);
    let kinds: Vec<&str> = valid
        .iter()
        .map(|v| v["message"]["kind"].as_str().expect("kind"))
        .collect();
    for kind in [
        "replies-request",
        "replies-response",
        "inbox-request",
        "inbox-response",
    ] {
        assert!(kinds.contains(&kind), "no valid {kind}");
    }
    for vector in valid {
        let name = vector["name"].as_str().expect("name");
        let expected = message(&vector["message"]);
        let hex_text = vector["hex"].as_str().expect("hex");
        assert_eq!(hex::encode(expected.encode()), hex_text, "{name}: encoding");
        let decoded = RepliesMessage::decode(&bytes(&vector["hex"]));
        assert_eq!(decoded, Ok(expected), "{name}: decoding");
        assert!(
            is_replies_message(&bytes(&vector["hex"])),
            "{name}: routing"
        );
    }
}

#[test]
fn invalid_vectors_are_refused_with_their_code() {
    let doc = vectors();
    let invalid = doc["invalid"].as_array().expect("invalid");
    assert!(invalid.len() >= 30);
    for vector in invalid {
        let name = vector["name"].as_str().expect("name");
        let error = RepliesMessage::decode(&input(vector))
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(
            error.code(),
            vector["error"].as_str().expect("error"),
            "{name}: {error}"
        );
    }
}

#[test]
fn judged_responses_give_their_replies_next_and_faults() {
    let doc = vectors();
    let now = doc["now_ms"].as_u64().expect("now_ms");
    let judged = doc["judged"].as_array().expect("judged");
    assert!(judged.len() >= 5);
    for vector in judged {
        let name = vector["name"].as_str().expect("name");
        let page = take_response(
            &bytes(&vector["hex"]),
            &ids(&vector["parents"]),
            cursor(&vector["after"]),
            now,
            &VerifiedIds::default(),
        );
        check_page(&page, vector, "replies", name);
    }
}

#[test]
fn judged_inbox_responses_give_their_events_next_and_faults() {
    let doc = vectors();
    let now = doc["now_ms"].as_u64().expect("now_ms");
    let judged = doc["judged_inbox"].as_array().expect("judged_inbox");
    assert!(judged.len() >= 10);
    for vector in judged {
        let name = vector["name"].as_str().expect("name");
        let page = take_inbox_response(
            &bytes(&vector["hex"]),
            &key(&vector["addressee"]),
            cursor(&vector["after"]).expect("an inbox-request's after is never null"),
            now,
            &VerifiedIds::default(),
        );
        check_page(&page, vector, "events", name);
    }
}

/// `page` took the ids listed under `taken`, and the `next` and `faults` listed.
fn check_page(page: &RepliesPage, vector: &Value, taken: &str, name: &str) {
    let got: Vec<EventId> = page.replies.iter().map(|e| e.id).collect();
    assert_eq!(got, ids(&vector[taken]), "{name}: {taken}");
    assert_eq!(page.next, cursor(&vector["next"]), "{name}: next");
    let faults: Vec<&str> = page.faults.iter().map(|e| e.code()).collect();
    let expected: Vec<&str> = vector["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .map(|c| c.as_str().expect("a code"))
        .collect();
    assert_eq!(faults, expected, "{name}: faults");
}
