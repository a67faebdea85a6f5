//! The owner protocol signs a peer id's binary form (docs/protocol.md §13). This checks that
//! the vectors' bytes are what libp2p's `PeerId::to_bytes` gives for the peer ids they name, so
//! the browser, which signs and checks `to_bytes()`, agrees with the file other
//! implementations read.

use std::str::FromStr;

use libp2p::PeerId;

#[test]
fn the_vectors_peer_ids_are_libp2ps_binary_form() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/owner-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/owner-test-vectors.json is readable");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for device in ["device", "other_device"] {
        let text = v[device]["peer_id"].as_str().expect("a peer id");
        let bytes = hex::decode(v[device]["peer_id_bytes"].as_str().expect("hex")).expect("hex");
        let peer = PeerId::from_str(text).expect("a peer id libp2p reads");
        assert_eq!(peer.to_bytes(), bytes, "{device}");
        assert_eq!(
            PeerId::from_bytes(&bytes).expect("bytes libp2p reads"),
            peer
        );
    }
}
