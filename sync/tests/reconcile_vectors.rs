//! Checks sync v2 against docs/reconcile-test-vectors.json, the file other implementations use:
//! known messages encode to the listed bytes, bad inputs get their error codes, and a full
//! reconciliation of two fixed item sets exchanges exactly the listed messages.
//!
//! `PHEMOSSA_BLESS=1 cargo test -p phemossa-sync --test integration reconcile_vectors::`
//! rewrites the file from this implementation (then review the diff: a change is a protocol
//! change).

use phemossa_core::{EventId, Identity, PublicKey};
use phemossa_sync::{Cursor, Output, ReconcileMessage, Reconciler, Scope};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../docs/reconcile-test-vectors.json"
);
const NOW: u64 = 1_767_225_600_000;
const ITEMS: u64 = 1_000;

/// Item i of the fixed universe: id = SHA-256("phemossa reconcile vector <i>"), two items per
/// timestamp.
fn item(i: u64) -> Cursor {
    let id: [u8; 32] = Sha256::digest(format!("phemossa reconcile vector {i}")).into();
    Cursor {
        timestamp: NOW - 1_000 * (i / 2),
        id: EventId::from_bytes(id),
    }
}

fn set(keep: impl Fn(u64) -> bool) -> Vec<Cursor> {
    let mut items: Vec<Cursor> = (0..ITEMS).filter(|i| keep(*i)).map(item).collect();
    items.sort();
    items
}

fn a_items() -> Vec<Cursor> {
    set(|i| i % 97 != 3)
}

fn b_items() -> Vec<Cursor> {
    set(|i| i % 89 != 5)
}

/// Answers every store query of `session` from `items` (no events held); returns its messages
/// and the ids it asked the store about as missing.
fn drain(session: &mut Reconciler, items: &[Cursor], need: &mut Vec<EventId>) -> Vec<Vec<u8>> {
    let mut sent = Vec::new();
    while let Some(output) = session.poll_output() {
        match output {
            Output::ListIds {
                query,
                after,
                limit,
                ..
            } => {
                let rest: Vec<Cursor> = items
                    .iter()
                    .filter(|c| after.is_none_or(|a| **c > a))
                    .copied()
                    .collect();
                let more = rest.len() > limit;
                session.answer_ids(query, rest.into_iter().take(limit).collect(), more);
            }
            Output::FindMissing { query, ids } => {
                need.extend(&ids);
                // Claim to hold them all, so the transcript is the reconciliation alone.
                session.answer_missing(query, vec![], NOW);
            }
            Output::Request(bytes) | Output::Respond { bytes, .. } => sent.push(bytes),
            _ => {}
        }
    }
    sent
}

/// A reconciles with B: every message in order, and the ids A learnt it lacks.
fn transcript() -> (Vec<Value>, Vec<EventId>) {
    let (a_set, b_set) = (a_items(), b_items());
    let mut a = Reconciler::default();
    let mut b = Reconciler::default();
    let mut need = Vec::new();
    a.start(Scope::default(), NOW);
    let mut messages = Vec::new();
    let mut to_b = drain(&mut a, &a_set, &mut need);
    while let Some(request) = to_b.pop() {
        messages.push(transcribed("A", &request));
        b.handle_message(&request, NOW);
        for response in drain(&mut b, &b_set, &mut Vec::new()) {
            messages.push(transcribed("B", &response));
            a.handle_message(&response, NOW);
        }
        to_b.extend(drain(&mut a, &a_set, &mut need));
    }
    assert!(!a.is_pulling(), "the reconciliation ended");
    need.sort();
    (messages, need)
}

/// One message of the transcript, with the negentropy message it carries.
fn transcribed(from: &str, bytes: &[u8]) -> Value {
    let negentropy = match ReconcileMessage::decode(bytes).unwrap() {
        ReconcileMessage::Open { negentropy, .. }
        | ReconcileMessage::Next { negentropy, .. }
        | ReconcileMessage::Response {
            negentropy: Some(negentropy),
            ..
        } => negentropy,
        other => panic!("not a reconciliation message: {other:?}"),
    };
    json!({"from": from, "hex": hex::encode(bytes), "negentropy": hex::encode(negentropy)})
}

fn key(n: u8) -> PublicKey {
    Identity::from_seed([n; 32]).public_key()
}

fn valid() -> Vec<(&'static str, ReconcileMessage)> {
    let id = item(0).id;
    vec![
        (
            "reconcile-open over everything, sets equal",
            ReconcileMessage::Open {
                req: 1,
                scope: Scope::default(),
                negentropy: vec![0x61],
            },
        ),
        (
            "reconcile-open scoped to two authors since a time",
            ReconcileMessage::Open {
                req: 70_000,
                scope: Scope {
                    authors: Some(vec![key(1), key(2)]),
                    since: Some(NOW - 60_000),
                },
                negentropy: vec![0x61, 0x00, 0x00, 0x02, 0x00],
            },
        ),
        (
            "reconcile-next",
            ReconcileMessage::Next {
                req: 2,
                negentropy: vec![0x61, 0x00, 0x00, 0x00],
            },
        ),
        (
            "reconcile-response",
            ReconcileMessage::Response {
                req: 2,
                negentropy: Some(vec![0x61]),
            },
        ),
        (
            "reconcile-response refusing",
            ReconcileMessage::Response {
                req: 3,
                negentropy: None,
            },
        ),
        (
            "event-request (as v1)",
            ReconcileMessage::EventRequest {
                req: 4,
                ids: vec![id],
            },
        ),
        (
            "event-response (as v1)",
            ReconcileMessage::EventResponse {
                req: 4,
                events: vec![],
                unknown: vec![id],
            },
        ),
    ]
}

/// An input as the vectors file writes it: `prefix` + `repeat` × `times` + `suffix` (hex).
struct Input {
    prefix: String,
    repeat: String,
    times: usize,
    suffix: &'static str,
}

impl Input {
    fn hex(text: impl Into<String>) -> Input {
        Input {
            prefix: text.into(),
            repeat: String::new(),
            times: 0,
            suffix: "",
        }
    }

    fn bytes(&self) -> Vec<u8> {
        hex::decode(self.prefix.clone() + &self.repeat.repeat(self.times) + self.suffix).unwrap()
    }

    fn to_json(&self) -> Value {
        if self.times == 0 {
            json!({"hex": self.prefix})
        } else {
            json!({"prefix": self.prefix, "repeat": self.repeat, "times": self.times, "suffix": self.suffix})
        }
    }
}

/// Inputs refused by the decoder, with their codes.
fn invalid_messages() -> Vec<(&'static str, Input, &'static str)> {
    let too_many = Input {
        prefix: "840501829903e9".into(),
        repeat: format!("5820{}", hex::encode(key(1).as_bytes())),
        times: 1_001,
        suffix: "f64161",
    };
    let too_large = Input {
        prefix: "83060159ffff".into(),
        repeat: "00".into(),
        times: 0xffff,
        suffix: "",
    };
    let malformed = "malformed_sync_message";
    vec![
        ("empty input", Input::hex(""), malformed),
        ("not an array", Input::hex("05"), malformed),
        (
            "v1 sync-request kind",
            Input::hex("84000182f6f6f6"),
            "unknown_sync_message",
        ),
        (
            "unknown kind 8",
            Input::hex("830801f6"),
            "unknown_sync_message",
        ),
        ("open without negentropy", Input::hex("830501"), malformed),
        ("negentropy not bytes", Input::hex("83060161"), malformed),
        (
            "response negentropy neither bytes nor null",
            Input::hex("83070100"),
            malformed,
        ),
        ("extra item", Input::hex("8407014161f6"), malformed),
        ("non-minimal req", Input::hex("830618014161"), malformed),
        ("trailing byte", Input::hex("830601416100"), malformed),
        (
            "scope author not 32 bytes",
            Input::hex("840501828141aaf64161"),
            malformed,
        ),
        (
            "scope author not a valid key",
            Input::hex(format!(
                "84050182815820{}f64161",
                "02".to_owned() + &"00".repeat(31)
            )),
            "invalid_key",
        ),
        ("1,001 scope authors", too_many, "too_many_authors"),
        ("over 65,536 bytes", too_large, "sync_message_too_large"),
    ]
}

/// Well-formed messages whose negentropy bytes a responder holding B's items refuses.
fn invalid_negentropy() -> Vec<(&'static str, &'static str)> {
    vec![
        ("no version byte", ""),
        ("version byte outside 0x60..0x6f", "10"),
        ("unknown mode 7", "61000007"),
        ("bound id longer than 32 bytes", "610021"),
        ("id list longer than the message", "6100000205"),
        ("fingerprint cut short", "61000001aabb"),
    ]
}

fn document() -> Value {
    let (messages, need) = transcript();
    let a = a_items();
    let b = b_items();
    let a_only: Vec<String> = a
        .iter()
        .filter(|c| !b.contains(c))
        .map(|c| c.id.to_hex())
        .collect();
    json!({
        "description": "Phemossa sync v2 test vectors (docs/protocol.md §9). `valid`: each `message` must encode to `hex` byte for byte and `hex` must decode to it. `invalid`: each input (`hex`, or `prefix` + `repeat` × `times` + `suffix`) must be refused by the decoder with the error code `error`. `invalid_negentropy`: a reconcile-next carrying each `negentropy` (hex), sent to a responder whose reconciliation with the `transcript`'s B items is open, must be refused with `malformed_reconciliation` and not answered. `transcript`: the items are i in 0..1000 with id = SHA-256 of the ASCII text `phemossa reconcile vector <i>` and timestamp = 1767225600000 - 1000 * floor(i / 2) ms, so negentropy timestamp (whole seconds) 1767225600 - floor(i / 2); A holds those with i % 97 != 3, B those with i % 89 != 5; A (negentropy frame size limit 60000, scope everything) reconciles with B (the same limit); `messages` are every message in order (with the negentropy message each carries), and `a_lacks` the ids A learns B holds and A lacks.",
        "valid": valid().into_iter().map(|(name, message)| json!({
            "name": name,
            "message": describe(&message),
            "hex": hex::encode(message.encode()),
        })).collect::<Vec<_>>(),
        "invalid": invalid_messages().into_iter().map(|(name, input, error)| {
            let mut vector = input.to_json();
            vector["name"] = json!(name);
            vector["error"] = json!(error);
            vector
        }).collect::<Vec<_>>(),
        "invalid_negentropy": invalid_negentropy().into_iter().map(|(name, hex)| json!({
            "name": name, "negentropy": hex, "error": "malformed_reconciliation",
        })).collect::<Vec<_>>(),
        "transcript": {
            "a_count": a.len(),
            "b_count": b.len(),
            "a_only": a_only,
            "messages": messages,
            "a_lacks": need.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
        },
    })
}

fn describe(message: &ReconcileMessage) -> Value {
    let ids = |ids: &[EventId]| ids.iter().map(|i| i.to_hex()).collect::<Vec<_>>();
    match message {
        ReconcileMessage::Open {
            req,
            scope,
            negentropy,
        } => json!({
            "kind": "reconcile-open", "req": req,
            "authors": scope.authors.as_ref().map(|a| a.iter().map(|k| hex::encode(k.as_bytes())).collect::<Vec<_>>()),
            "since": scope.since, "negentropy": hex::encode(negentropy),
        }),
        ReconcileMessage::Next { req, negentropy } => {
            json!({"kind": "reconcile-next", "req": req, "negentropy": hex::encode(negentropy)})
        }
        ReconcileMessage::Response { req, negentropy } => json!({
            "kind": "reconcile-response", "req": req, "negentropy": negentropy.as_ref().map(hex::encode),
        }),
        ReconcileMessage::EventRequest { req, ids: list } => {
            json!({"kind": "event-request", "req": req, "ids": ids(list)})
        }
        ReconcileMessage::EventResponse {
            req,
            events,
            unknown,
        } => json!({
            "kind": "event-response", "req": req,
            "events": events.iter().map(|e| String::from_utf8_lossy(e)).collect::<Vec<_>>(),
            "unknown": ids(unknown),
        }),
    }
}

#[test]
fn the_vectors_file_matches_this_implementation() {
    let expected = document();
    if std::env::var_os("PHEMOSSA_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    let text = std::fs::read_to_string(PATH).expect("docs/reconcile-test-vectors.json");
    let on_file: Value = serde_json::from_str(&text).expect("JSON");
    for part in ["valid", "invalid", "invalid_negentropy", "transcript"] {
        assert_eq!(
            on_file[part], expected[part],
            "{part} differs from the file"
        );
    }
}

#[test]
fn valid_vectors_decode_to_their_messages() {
    for (name, message) in valid() {
        let bytes = message.encode();
        assert_eq!(ReconcileMessage::decode(&bytes), Ok(message), "{name}");
    }
}

#[test]
fn invalid_vectors_are_refused_with_their_code() {
    for (name, input, code) in invalid_messages() {
        let bytes = input.bytes();
        let error = ReconcileMessage::decode(&bytes).expect_err(name);
        assert_eq!(error.code(), code, "{name}: {error}");
    }
}

#[test]
fn invalid_negentropy_is_refused_unanswered() {
    let (_, _, open) = open_from_a();
    for (name, text) in invalid_negentropy() {
        let mut b = Reconciler::default();
        b.handle_message(&open, NOW);
        drain(&mut b, &b_items(), &mut Vec::new());
        let next = ReconcileMessage::Next {
            req: 99,
            negentropy: hex::decode(text).unwrap(),
        };
        b.handle_message(&next.encode(), NOW);
        let outputs: Vec<Output> = std::iter::from_fn(|| b.poll_output()).collect();
        assert!(
            matches!(outputs.as_slice(), [Output::Misbehaved(fault)] if fault.error().code() == "malformed_reconciliation"),
            "{name}: {outputs:?}"
        );
    }
}

fn open_from_a() -> (Reconciler, Vec<EventId>, Vec<u8>) {
    let mut a = Reconciler::default();
    let mut need = Vec::new();
    a.start(Scope::default(), NOW);
    let open = drain(&mut a, &a_items(), &mut need).pop().unwrap();
    (a, need, open)
}

#[test]
fn the_transcript_finds_exactly_what_a_lacks() {
    let (messages, need) = transcript();
    let a = a_items();
    let mut expected: Vec<EventId> = b_items()
        .into_iter()
        .filter(|c| !a.contains(c))
        .map(|c| c.id)
        .collect();
    expected.sort();
    assert_eq!(need, expected);
    assert!(
        messages.len() >= 4,
        "more than one round: {}",
        messages.len()
    );
}
