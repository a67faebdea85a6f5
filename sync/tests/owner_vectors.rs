//! Checks the owner protocol against docs/owner-test-vectors.json, the file other
//! implementations use (docs/protocol.md §13). The file was made with another ed25519
//! implementation (Python's cryptography): the claim signed here from the same seeds must be
//! byte for byte the file's, every listed answer must name the owner or be refused with its
//! code, and every listed request must be taken or refused as listed.

use phemossa_core::device_owner::{OwnerClaim, OWNER_CONTEXT};
use phemossa_core::Identity;
use phemossa_sync::owner::{check_request, owner_of, OwnerMessage};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/owner-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/owner-test-vectors.json is readable");
    serde_json::from_str(&text).expect("owner test vectors are JSON")
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("a hex string")).expect("valid hex")
}

fn seed(v: &Value) -> [u8; 32] {
    hex(v).try_into().expect("a 32-byte seed")
}

#[test]
fn the_claim_signed_here_is_the_files() {
    let v = vectors();
    assert_eq!(hex(&v["context_hex"]), OWNER_CONTEXT);
    let owner = Identity::from_seed(seed(&v["owner"]["seed"]));
    assert_eq!(
        owner.public_key().as_bytes().to_vec(),
        hex(&v["owner"]["public_key"])
    );
    let device = hex(&v["device"]["peer_id_bytes"]);
    let messages = v["messages"].as_array().expect("messages");
    let claim = messages
        .iter()
        .find(|m| m["kind"] == "owner-claim")
        .expect("a claim vector");
    let signed = OwnerClaim::sign(&owner, &device);
    assert_eq!(
        signed.signature.as_bytes().to_vec(),
        hex(&claim["signature"])
    );
    assert_eq!(OwnerMessage::Claim(signed).encode(), hex(&claim["bytes"]));
    let request = messages
        .iter()
        .find(|m| m["kind"] == "owner-request")
        .expect("a request vector");
    assert_eq!(OwnerMessage::Request.encode(), hex(&request["bytes"]));
}

#[test]
fn every_answer_names_its_owner_or_is_refused_with_its_code() {
    let v = vectors();
    let answers = v["answers"].as_array().expect("answers");
    assert!(answers.len() >= 10, "the file lists the refusals");
    for answer in answers {
        let from = answer["from"].as_str().expect("from");
        let device = hex(&v[from]["peer_id_bytes"]);
        let got = owner_of(&hex(&answer["bytes"]), &device);
        match answer["error"].as_str() {
            None => assert_eq!(
                got.map(|key| key.as_bytes().to_vec()),
                Ok(hex(&answer["owner"])),
                "{}",
                answer["name"]
            ),
            Some(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "{}", answer["name"]),
        }
    }
}

#[test]
fn every_request_is_taken_or_refused_as_listed() {
    let v = vectors();
    for request in v["requests"].as_array().expect("requests") {
        let got = check_request(&hex(&request["bytes"])).map_err(|e| e.code());
        match request["error"].as_str() {
            None => assert_eq!(got, Ok(()), "{}", request["name"]),
            Some(code) => assert_eq!(got, Err(code), "{}", request["name"]),
        }
    }
}
