//! Checks the gossipsub message id (docs/protocol.md §8.5) against the `gossip_message_ids` of
//! docs/sync-test-vectors.json: computed from the bytes of gossipsub's `data` field, nothing
//! else of the envelope.

use phemossa_gossip::message_id;
use serde_json::Value;

#[test]
fn message_ids_are_computed_from_the_data_field() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/sync-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/sync-test-vectors.json is readable");
    let doc: Value = serde_json::from_str(&text).expect("sync test vectors are JSON");
    let vectors = doc["gossip_message_ids"]
        .as_array()
        .expect("gossip_message_ids");
    assert!(vectors.len() >= 4);
    for vector in vectors {
        let name = vector["name"].as_str().unwrap_or_default();
        let data = decode_hex(vector["data"].as_str().unwrap_or_default());
        let id = decode_hex(vector["id"].as_str().unwrap_or_default());
        assert_eq!(message_id(&data), id, "{name}");
    }
}

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}
