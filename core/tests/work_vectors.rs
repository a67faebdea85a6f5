//! docs/work-test-vectors.json, written from docs/protocol.md §5.5 by a separate Python
//! implementation: every event gets the verdict the file gives, the canonical encoding and the
//! search's prefix are byte for byte the file's, and a search over the prefix finds the nonce.

use phemossa_core::event::{canonical_bytes, canonical_prefix};
use phemossa_core::work::{leading_zero_bits, WorkSearch};
use phemossa_core::Event;
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/work-test-vectors.json"
    ))
    .expect("docs/work-test-vectors.json is readable");
    serde_json::from_str(&text).expect("the vector file is JSON")
}

#[test]
fn every_vector_gets_its_verdict() {
    let file = vectors();
    let now = file["now"].as_u64().unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 10);
    for vector in vectors {
        let name = vector["name"].as_str().unwrap();
        let json = serde_json::to_vec(&vector["event"]).unwrap();
        let verdict = Event::from_json(&json, now);
        if vector["valid"].as_bool().unwrap() {
            let event = verdict.unwrap_or_else(|e| panic!("{name}: refused with {e}"));
            let work = event.work.expect("a valid vector claims work");
            let canonical =
                canonical_bytes(&event.author, event.timestamp, &event.content, Some(work));
            assert_eq!(hex::encode(&canonical), vector["canonical_hex"], "{name}");
            let prefix = canonical_prefix(&event.author, event.timestamp, &event.content);
            assert_eq!(hex::encode(&prefix), vector["prefix_hex"], "{name}");
            assert_eq!(
                u64::from(leading_zero_bits(&event.id)),
                vector["zero_bits"].as_u64().unwrap(),
                "{name}"
            );
            // The search finds the same, first, nonce the Python search did.
            let search = WorkSearch::new(&prefix, work.bits).unwrap();
            assert_eq!(search.try_nonces(0, work.nonce + 1), Some(work), "{name}");
            // And the event writes back as the same JSON value.
            let written: Value = serde_json::from_str(&event.to_json()).unwrap();
            assert_eq!(written, vector["event"], "{name}");
        } else {
            let error = verdict.expect_err(name);
            assert_eq!(
                error.code(),
                vector["error"].as_str().unwrap(),
                "{name}: {error}"
            );
        }
    }
}
