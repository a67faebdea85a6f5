//! Checks the codecs against `vectors.json`: bytes written from the spec text by an encoder of
//! its own (`make_vectors.py`), not by this crate.

use serde_json::Value;
use webrtc_b2b::frame::{self, Flag, Frame, FrameDecoder, MAX_FRAME_LEN};
use webrtc_b2b::signal::{self, Candidate, Message, MessageType, DEFAULT_MAX_MESSAGE_LEN};
use webrtc_b2b::{Error, Side};

const VECTORS: &str = include_str!("vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors.json is JSON")
}

fn list<'a>(v: &'a Value, section: &str, kind: &str) -> &'a Vec<Value> {
    v[section][kind].as_array().expect("a list of vectors")
}

fn name(v: &Value) -> &str {
    v["name"].as_str().unwrap()
}

fn bytes(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

/// `head_hex` followed by `data_len` copies of `data_byte_hex`.
fn sized(v: &Value) -> Vec<u8> {
    let mut out = bytes(v, "head_hex");
    let byte = bytes(v, "data_byte_hex")[0];
    out.resize(out.len() + v["data_len"].as_u64().unwrap() as usize, byte);
    out
}

/// The vectors' name for an error, `incomplete` for "more bytes needed".
fn error_name(result: Result<(), Error>) -> &'static str {
    match result {
        Ok(()) => "incomplete",
        Err(Error::MissingType) => "missing_type",
        Err(Error::UnknownType(_)) => "unknown_type",
        Err(Error::InvalidUtf8 { .. }) => "invalid_utf8",
        Err(Error::MalformedProtobuf { .. }) => "malformed_protobuf",
        Err(Error::MalformedLength { .. }) => "malformed_length",
        Err(Error::MessageTooLarge { .. }) => "message_too_large",
        Err(other) => panic!("an error the vectors do not name: {other:?}"),
    }
}

fn decode_signal(wire: &[u8], max: usize) -> Result<Option<Message>, Error> {
    let mut decoder = signal::Decoder::new(max);
    decoder.push(wire);
    let message = decoder.next_message()?;
    if message.is_some() {
        assert_eq!(
            decoder.next_message(),
            Ok(None),
            "one message, nothing left over"
        );
    }
    Ok(message)
}

fn decode_one_frame(wire: &[u8]) -> Result<Option<Frame>, Error> {
    let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
    decoder.push(wire);
    let frame = decoder.next_frame()?;
    if frame.is_some() {
        assert_eq!(decoder.buffered(), 0, "one frame, nothing left over");
    }
    Ok(frame)
}

#[test]
fn the_vectors_use_this_crates_limits() {
    let v = vectors();
    assert_eq!(v["signaling"]["max_message_len"], DEFAULT_MAX_MESSAGE_LEN);
    assert_eq!(v["frames"]["max_frame_len"], MAX_FRAME_LEN);
}

#[test]
fn signaling_valid() {
    let v = vectors();
    let cases = list(&v, "signaling", "valid");
    assert!(cases.len() >= 9);
    for case in cases {
        let wire = bytes(case, "hex");
        let kind = MessageType::from_wire(case["type"].as_i64().unwrap() as i32).unwrap();
        let data = case["data"].as_str().map(str::to_owned);
        let expected = Message { kind, data };
        assert_eq!(
            decode_signal(&wire, DEFAULT_MAX_MESSAGE_LEN),
            Ok(Some(expected.clone())),
            "{}",
            name(case)
        );
        if case["canonical"].as_bool().unwrap() {
            assert_eq!(
                signal::encode(&expected, DEFAULT_MAX_MESSAGE_LEN).unwrap(),
                wire,
                "{}",
                name(case)
            );
        }
    }
}

#[test]
fn signaling_offer_has_its_type_on_the_wire() {
    let v = vectors();
    let offer = &list(&v, "signaling", "valid")[0];
    assert!(name(offer).contains("08 00"));
    let wire = bytes(offer, "hex");
    // Two-byte prefix, then field 1 = 0.
    assert_eq!(&wire[2..4], [0x08, 0x00]);
}

#[test]
fn signaling_invalid() {
    let v = vectors();
    let cases = list(&v, "signaling", "invalid");
    assert!(cases.len() >= 10);
    for case in cases {
        let wire = bytes(case, "hex");
        let result = decode_signal(&wire, DEFAULT_MAX_MESSAGE_LEN).map(|m| {
            assert_eq!(m, None, "{}", name(case));
        });
        assert_eq!(
            error_name(result),
            case["error"].as_str().unwrap(),
            "{}",
            name(case)
        );
    }
}

#[test]
fn signaling_sizes() {
    let v = vectors();
    for case in list(&v, "signaling", "sizes") {
        let wire = sized(case);
        let accepted = case["accepted"].as_bool().unwrap();
        match decode_signal(&wire, DEFAULT_MAX_MESSAGE_LEN) {
            Ok(Some(message)) => {
                assert!(accepted, "{}", name(case));
                assert_eq!(message.kind, MessageType::SdpOffer);
                let encoded = signal::encode(&message, DEFAULT_MAX_MESSAGE_LEN).unwrap();
                assert_eq!(encoded, wire);
            }
            Err(Error::MessageTooLarge { len, .. }) => {
                assert!(!accepted, "{}", name(case));
                assert_eq!(len, case["body_len"].as_u64().unwrap());
                let data = "x".repeat(case["data_len"].as_u64().unwrap() as usize);
                assert!(matches!(
                    signal::encode(&Message::offer(data), DEFAULT_MAX_MESSAGE_LEN),
                    Err(Error::OutboundTooLarge { .. })
                ));
            }
            other => panic!("{}: {other:?}", name(case)),
        }
    }
}

#[test]
fn signaling_candidates() {
    let v = vectors();
    let cases = list(&v, "signaling", "candidates");
    assert!(cases.len() >= 15);
    for case in cases {
        let data = case["data"].as_str();
        let got = match signal::parse_candidate(data, Side::Remote) {
            Ok(Candidate::Candidate(json)) => {
                assert_eq!(Some(json.as_str()), data);
                "candidate"
            }
            Ok(Candidate::EndOfCandidates) => "end_of_candidates",
            Err(Error::BadCandidate {
                origin: Side::Remote,
                ..
            }) => "invalid",
            Err(other) => panic!("{}: {other:?}", name(case)),
        };
        assert_eq!(got, case["result"].as_str().unwrap(), "{}", name(case));
    }
}

#[test]
fn frames_valid() {
    let v = vectors();
    let cases = list(&v, "frames", "valid");
    assert!(cases.len() >= 10);
    for case in cases {
        let wire = bytes(case, "hex");
        let expected = Frame {
            flag: case["flag"].as_i64().map(|f| Flag::from_wire(f as i32)),
            data: bytes(case, "data_hex"),
        };
        assert_eq!(
            decode_one_frame(&wire),
            Ok(Some(expected.clone())),
            "{}",
            name(case)
        );
        if case["canonical"].as_bool().unwrap() {
            assert_eq!(
                frame::encode_frame(&expected, MAX_FRAME_LEN).unwrap(),
                wire,
                "{}",
                name(case)
            );
        }
    }
}

#[test]
fn frames_invalid() {
    let v = vectors();
    let cases = list(&v, "frames", "invalid");
    assert!(cases.len() >= 6);
    for case in cases {
        let wire = bytes(case, "hex");
        let result = decode_one_frame(&wire).map(|f| assert_eq!(f, None, "{}", name(case)));
        assert_eq!(
            error_name(result),
            case["error"].as_str().unwrap(),
            "{}",
            name(case)
        );
    }
}

#[test]
fn frames_sizes() {
    let v = vectors();
    for case in list(&v, "frames", "sizes") {
        let wire = sized(case);
        assert_eq!(
            wire.len() as u64,
            case["encoded_len"].as_u64().unwrap(),
            "{}",
            name(case)
        );
        let flag = case["flag"].as_i64().map(|f| Flag::from_wire(f as i32));
        let data_len = case["data_len"].as_u64().unwrap() as usize;
        assert_eq!(
            frame::encoded_len(flag, data_len),
            wire.len(),
            "{}",
            name(case)
        );
        let expected = Frame {
            flag,
            data: vec![0xab; data_len],
        };
        if case["accepted"].as_bool().unwrap() {
            assert_eq!(
                decode_one_frame(&wire),
                Ok(Some(expected.clone())),
                "{}",
                name(case)
            );
            assert_eq!(frame::encode_frame(&expected, MAX_FRAME_LEN).unwrap(), wire);
        } else {
            assert!(
                matches!(decode_one_frame(&wire), Err(Error::MessageTooLarge { .. })),
                "{}",
                name(case)
            );
            assert!(frame::encode_frame(&expected, MAX_FRAME_LEN).is_err());
            // The splitting encoder never makes such a frame.
            let frames = frame::encode_data(&expected.data, MAX_FRAME_LEN);
            assert!(frames.iter().all(|f| f.len() <= MAX_FRAME_LEN));
        }
    }
}
