//! Checks the invite reader and writer against docs/invite-test-vectors.json, the file other
//! implementations use (docs/protocol.md §11).

use phemossa_core::invite::{parse_person, Invite};
use serde_json::Value;

fn document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/invite-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/invite-test-vectors.json is readable");
    serde_json::from_str(&text).expect("invite test vectors are JSON")
}

#[test]
fn every_invite_vector_gets_its_verdict() {
    let doc = document();
    let vectors = doc["vectors"].as_array().expect("vectors");
    let mut valid = 0;
    for vector in vectors {
        let name = vector["name"].as_str().unwrap();
        let text = vector["invite"].as_str().unwrap();
        let verdict = Invite::parse(text);
        match vector["verdict"].as_str().unwrap() {
            "valid" => {
                let invite = verdict.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
                assert_eq!(
                    invite.public_key.to_base64(),
                    vector["public_key"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    invite.name.as_deref(),
                    vector["display_name"].as_str(),
                    "{name}"
                );
                let relays: Vec<&str> = vector["relays"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap())
                    .collect();
                assert_eq!(invite.relays, relays, "{name}");
                let written = invite.to_text().unwrap();
                assert_eq!(written, vector["written_as"].as_str().unwrap(), "{name}");
                assert_eq!(Invite::parse(&written).unwrap(), invite, "{name}");
                valid += 1;
            }
            "invalid" => {
                let error = verdict.err().unwrap_or_else(|| panic!("{name}: accepted"));
                assert_eq!(error.code(), vector["error"].as_str().unwrap(), "{name}");
                let reason = vector["reason_contains"].as_str().unwrap();
                assert!(
                    error.to_string().contains(reason),
                    "{name}: {reason:?} is not in {error:?}"
                );
            }
            other => panic!("{name}: unknown verdict {other}"),
        }
    }
    assert!(
        valid >= 5 && vectors.len() >= valid + 20,
        "both kinds are present"
    );
}

#[test]
fn every_follow_box_vector_gets_its_verdict() {
    let doc = document();
    let vectors = doc["follow_box"].as_array().expect("follow_box");
    assert!(vectors.len() >= 4);
    for vector in vectors {
        let name = vector["name"].as_str().unwrap();
        let verdict = parse_person(vector["input"].as_str().unwrap());
        match vector["verdict"].as_str().unwrap() {
            "valid" => {
                let invite = verdict.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
                assert_eq!(
                    invite.public_key.to_base64(),
                    vector["public_key"].as_str().unwrap(),
                    "{name}"
                );
            }
            "invalid" => {
                let error = verdict.err().unwrap_or_else(|| panic!("{name}: accepted"));
                assert_eq!(error.code(), vector["error"].as_str().unwrap(), "{name}");
            }
            other => panic!("{name}: unknown verdict {other}"),
        }
    }
}
