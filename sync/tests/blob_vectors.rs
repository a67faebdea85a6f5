//! Checks blob transfer against docs/blob-test-vectors.json, the file other implementations use:
//! known messages encode to the listed bytes, bad inputs get their codes, and fetches from a peer
//! end as listed, with the blame each error gets (docs/protocol.md §12).

use phemossa_core::blob::{hash_of, BlobKind};
use phemossa_core::keys::BlobHash;
use phemossa_sync::blob::{
    answer, BlobFetch, BlobMessage, FetchStep, BLOB_CHUNK_BYTES, MAX_BLOB_MESSAGE_BYTES,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/blob-test-vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/blob-test-vectors.json is readable");
    serde_json::from_str(&text).expect("blob test vectors are JSON")
}

/// A byte value of the file: lowercase hex, or `prefix` + `repeat` × `times` + `suffix`
/// (`prefix` and `suffix` may be left out).
fn bytes(v: &Value) -> Vec<u8> {
    if let Some(text) = v.as_str() {
        return hex::decode(text).unwrap();
    }
    let part = |key: &str| hex::decode(v[key].as_str().unwrap_or("")).unwrap();
    let mut out = part("prefix");
    let repeat = part("repeat");
    assert!(!repeat.is_empty(), "a rule repeats something: {v}");
    for _ in 0..v["times"].as_u64().unwrap() {
        out.extend_from_slice(&repeat);
    }
    out.extend(part("suffix"));
    out
}

fn hash(v: &Value) -> BlobHash {
    BlobHash::from_bytes(
        hex::decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    )
}

/// Builds the message a vector describes in JSON.
fn message(m: &Value) -> BlobMessage {
    match m["kind"].as_str().unwrap() {
        "blob-request" => BlobMessage::Request {
            hash: hash(&m["hash"]),
            offset: m["offset"].as_u64().unwrap(),
        },
        "blob-chunk" => BlobMessage::Chunk {
            total: m["total"].as_u64().unwrap(),
            offset: m["offset"].as_u64().unwrap(),
            bytes: bytes(&m["bytes"]),
        },
        "blob-not-held" => BlobMessage::NotHeld,
        other => panic!("unknown kind {other}"),
    }
}

fn kind(v: &Value) -> BlobKind {
    match v.as_str().unwrap() {
        "avatar" => BlobKind::Avatar,
        "image" => BlobKind::Image,
        other => panic!("unknown blob kind {other}"),
    }
}

#[test]
fn valid_vectors_encode_and_decode_exactly() {
    let doc = vectors();
    let valid = doc["valid"].as_array().unwrap();
    assert!(valid.len() >= 4);
    for vector in valid {
        let name = vector["name"].as_str().unwrap();
        let expected = message(&vector["message"]);
        let encoding = bytes(&vector["encoding"]);
        assert!(
            encoding.len() <= MAX_BLOB_MESSAGE_BYTES,
            "{name}: within the limit"
        );
        // Full chunks are 64 KiB of hex: compare as hex only when short.
        let shown = |b: &[u8]| {
            if b.len() <= 64 {
                hex::encode(b)
            } else {
                format!("{} bytes", b.len())
            }
        };
        let encoded = expected.encode();
        assert!(
            encoded == encoding,
            "{name}: encoding gives {}, not {}",
            shown(&encoded),
            shown(&encoding)
        );
        assert!(
            BlobMessage::decode(&encoding) == Ok(expected),
            "{name}: decoding"
        );
    }
}

#[test]
fn every_kind_and_a_full_chunk_are_among_the_valid_vectors() {
    let doc = vectors();
    let messages: Vec<BlobMessage> = doc["valid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| message(&v["message"]))
        .collect();
    assert!(messages
        .iter()
        .any(|m| matches!(m, BlobMessage::Request { .. })));
    assert!(messages.contains(&BlobMessage::NotHeld));
    assert!(messages.iter().any(
        |m| matches!(m, BlobMessage::Chunk { bytes, .. } if bytes.len() as u64 == BLOB_CHUNK_BYTES)
    ));
    assert!(messages.iter().any(
        |m| matches!(m, BlobMessage::Chunk { bytes, .. } if (bytes.len() as u64) < BLOB_CHUNK_BYTES)
    ));
}

#[test]
fn invalid_vectors_are_refused_with_their_code() {
    let doc = vectors();
    let invalid = doc["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 10);
    for vector in invalid {
        let name = vector["name"].as_str().unwrap();
        let error = BlobMessage::decode(&bytes(&vector["input"]))
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
fn fetches_end_as_listed() {
    let doc = vectors();
    let fetches = doc["fetch"].as_array().unwrap();
    assert!(fetches.len() >= 3);
    for vector in fetches {
        let name = vector["name"].as_str().unwrap();
        let name_hash = hash(&vector["hash"]);
        let holder = (!vector["holder"].is_null()).then(|| bytes(&vector["holder"]));
        let mut responses = vector["responses"]
            .as_array()
            .map(|r| r.iter().map(bytes).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter();
        assert!(
            holder.is_some() != (responses.len() > 0),
            "{name}: a holder or responses"
        );
        let expected_requests: Vec<u64> = vector["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_u64().unwrap())
            .collect();

        let mut fetch = BlobFetch::new(name_hash, kind(&vector["kind"]));
        let mut request = fetch.request();
        let mut requests = Vec::new();
        let outcome = loop {
            // Every request goes on the wire and comes back as itself.
            let wire = request.encode();
            assert_eq!(BlobMessage::decode(&wire), Ok(request.clone()), "{name}");
            let BlobMessage::Request { hash, offset } = request else {
                panic!("{name}: the fetch asked with {request:?}")
            };
            assert_eq!(hash, name_hash, "{name}: the fetch asks for its blob");
            requests.push(offset);
            let reply = match &holder {
                Some(blob) => answer(Some(blob), offset).encode(),
                None => responses
                    .next()
                    .unwrap_or_else(|| panic!("{name}: no response left for offset {offset}")),
            };
            match fetch.on_response(&reply) {
                Ok(FetchStep::Request(next)) => request = next,
                Ok(FetchStep::Done(blob)) => {
                    assert_eq!(hash_of(&blob), name_hash, "{name}: the blob is its name's");
                    assert_eq!(
                        Sha256::digest(&blob).as_slice(),
                        name_hash.as_bytes(),
                        "{name}"
                    );
                    if let Some(held) = &holder {
                        assert_eq!(&blob, held, "{name}: the blob is what the holder holds");
                    }
                    break "done".to_owned();
                }
                Ok(FetchStep::NotHeld) => break "not_held".to_owned(),
                Err(error) => {
                    let blames = BlobFetch::blames_peer(&error);
                    break format!("{}, blames_peer {blames}", error.code());
                }
            }
        };
        let expected = match &vector["outcome"] {
            Value::String(s) => s.clone(),
            o => format!(
                "{}, blames_peer {}",
                o["error"].as_str().unwrap(),
                o["blames_peer"].as_bool().unwrap()
            ),
        };
        assert_eq!(outcome, expected, "{name}: outcome");
        assert_eq!(requests, expected_requests, "{name}: the offsets asked for");
        assert_eq!(responses.len(), 0, "{name}: every listed response was used");
    }
}
