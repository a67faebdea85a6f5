//! Checks the implementation against docs/test-vectors.json, the file other implementations use.

use phemossa_core::event::canonical_bytes;
use phemossa_core::Event;
use serde_json::Value;

fn vectors() -> (u64, Vec<Value>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/test-vectors.json");
    let text = std::fs::read_to_string(path).expect("docs/test-vectors.json is readable");
    let doc: Value = serde_json::from_str(&text).expect("test vectors are JSON");
    let now = doc["now_ms"].as_u64().expect("now_ms");
    (now, doc["vectors"].as_array().expect("vectors").clone())
}

#[test]
fn every_vector_gets_its_verdict() {
    let (now, vectors) = vectors();
    assert!(vectors.len() >= 12, "at least 12 vectors");
    let mut valid = 0;
    for vector in &vectors {
        let name = vector["name"].as_str().unwrap();
        let json = vector["event"].as_str().unwrap();
        let verdict = Event::from_json(json.as_bytes(), now);
        match vector["verdict"].as_str().unwrap() {
            "valid" => {
                let event = verdict.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
                let canonical =
                    canonical_bytes(&event.author, event.timestamp, &event.content, event.work);
                assert_eq!(
                    hex::encode(canonical),
                    vector["canonical_hex"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(event.id.to_hex(), vector["id"].as_str().unwrap(), "{name}");
                assert_eq!(event.to_json(), json, "{name}: wire form is not reproduced");
                valid += 1;
            }
            "invalid" => {
                let error = verdict.err().unwrap_or_else(|| panic!("{name}: accepted"));
                assert_eq!(
                    error.code(),
                    vector["error"].as_str().unwrap(),
                    "{name}: {error}"
                );
            }
            other => panic!("{name}: unknown verdict {other}"),
        }
    }
    assert!(
        valid >= 4 && valid < vectors.len(),
        "both kinds are present"
    );
}

#[test]
fn vectors_are_judged_against_their_own_clock() {
    let (now, vectors) = vectors();
    let skewed = vectors
        .iter()
        .find(|v| v["name"].as_str().unwrap().starts_with("timestamp exactly"))
        .unwrap();
    let json = skewed["event"].as_str().unwrap().as_bytes();
    assert!(Event::from_json(json, now).is_ok());
    assert_eq!(
        Event::from_json(json, now - 1).unwrap_err().code(),
        "timestamp_in_future"
    );
}
