//! Checks the sync message codec against docs/sync-test-vectors.json, the file other
//! implementations use: known messages encode to the listed bytes, bad inputs get their codes.

use phemossa_core::{EventId, PublicKey};
use phemossa_sync::testing::Scored;
use phemossa_sync::{Cursor, Message, Scope};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/sync-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/sync-test-vectors.json is readable");
    serde_json::from_str(&text).expect("sync test vectors are JSON")
}

fn bytes32(v: &Value) -> [u8; 32] {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn ids(v: &Value) -> Vec<EventId> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| EventId::from_bytes(bytes32(i)))
        .collect()
}

fn events(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().as_bytes().to_vec())
        .collect()
}

fn cursor(v: &Value) -> Option<Cursor> {
    v.as_array().map(|c| Cursor {
        timestamp: c[0].as_u64().unwrap(),
        id: EventId::from_bytes(bytes32(&c[1])),
    })
}

/// Builds the message a vector describes in JSON.
fn message(m: &Value) -> Message {
    let req = m["req"].as_u64().unwrap_or(0);
    match m["kind"].as_str().unwrap() {
        "sync-request" => Message::SyncRequest {
            req,
            scope: Scope {
                authors: m["authors"].as_array().map(|keys| {
                    keys.iter()
                        .map(|k| PublicKey::from_bytes(bytes32(k), "author").unwrap())
                        .collect()
                }),
                since: m["since"].as_u64(),
            },
            after: cursor(&m["after"]),
        },
        "sync-response" => Message::SyncResponse {
            req,
            ids: ids(&m["ids"]),
            next: cursor(&m["next"]),
        },
        "event-request" => Message::EventRequest {
            req,
            ids: ids(&m["ids"]),
        },
        "event-response" => Message::EventResponse {
            req,
            events: events(&m["events"]),
            unknown: ids(&m["unknown"]),
        },
        "new-event" => Message::NewEvent {
            events: events(&m["events"]),
        },
        other => panic!("unknown kind {other}"),
    }
}

fn input(v: &Value) -> Vec<u8> {
    if let Some(text) = v["hex"].as_str() {
        return hex::decode(text).unwrap();
    }
    let mut bytes = hex::decode(v["prefix"].as_str().unwrap()).unwrap();
    let repeat = hex::decode(v["repeat"].as_str().unwrap()).unwrap();
    for _ in 0..v["times"].as_u64().unwrap() {
        bytes.extend_from_slice(&repeat);
    }
    bytes.extend(hex::decode(v["suffix"].as_str().unwrap()).unwrap());
    bytes
}

#[test]
fn valid_vectors_encode_and_decode_exactly() {
    let doc = vectors();
    let valid = doc["valid"].as_array().unwrap();
    assert!(valid.len() >= 5);
    for vector in valid {
        let name = vector["name"].as_str().unwrap();
        let expected = message(&vector["message"]);
        let hex_text = vector["hex"].as_str().unwrap();
        assert_eq!(hex::encode(expected.encode()), hex_text, "{name}: encoding");
        let decoded = Message::decode(&hex::decode(hex_text).unwrap());
        assert_eq!(decoded, Ok(expected), "{name}: decoding");
    }
}

#[test]
fn invalid_vectors_are_refused_with_their_code() {
    let doc = vectors();
    let invalid = doc["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 10);
    for vector in invalid {
        let name = vector["name"].as_str().unwrap();
        let error = Message::decode(&input(vector))
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(
            error.code(),
            vector["error"].as_str().unwrap(),
            "{name}: {error}"
        );
    }
}

#[test]
fn puller_refusals_end_the_pull_with_their_code_and_blame() {
    use phemossa_sync::{Output, Session};
    let doc = vectors();
    let refused = doc["refused_by_puller"].as_array().unwrap();
    assert!(refused.len() >= 3);
    for vector in refused {
        let name = vector["name"].as_str().unwrap();
        let now = vector["now"].as_u64().unwrap();
        let response = message(&vector["response"]);
        let bytes = hex::decode(vector["hex"].as_str().unwrap()).unwrap();
        assert_eq!(response.encode(), bytes, "{name}: encoding");
        let mut session = Scored::new(Session::default());
        assert!(session.start(Scope::default(), cursor(&vector["after"]), now));
        let first = std::iter::from_fn(|| session.poll_output()).next();
        let Some(Output::Request(request)) = first else {
            panic!("{name}: a first request, got {first:?}")
        };
        assert_eq!(Message::decode(&request).unwrap().req(), Some(1), "{name}");
        session.handle_message(&bytes, now);
        let outputs: Vec<Output> = std::iter::from_fn(|| session.poll_output()).collect();
        let ended = outputs.iter().find_map(|o| match o {
            Output::Finished(Err(error)) => Some(error.code()),
            _ => None,
        });
        assert_eq!(ended, vector["error"].as_str(), "{name}: {outputs:?}");
        let score = session.score();
        let (total, toward) = (score.total_invalid(), score.inexcusable());
        match vector["blame"].as_str().unwrap() {
            "counted" => assert_eq!((total, toward), (1, 1), "{name}"),
            "shown" => assert_eq!((total, toward), (1, 0), "{name}"),
            "none" => assert_eq!(total, 0, "{name}"),
            other => panic!("{name}: unknown blame {other}"),
        }
    }
}
