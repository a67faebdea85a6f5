//! The store messages' one encoding: every message decodes to itself, ids are byte strings, and
//! no input makes a decoder panic or accept trailing bytes.

#![cfg(not(target_arch = "wasm32"))]

use phemossa_store_protocol::{
    decode, encode, Answer, ByteString, Bytes32, Failure, FailureKind, ProtocolError, Request,
    MAX_MESSAGE_BYTES,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn bytes32() -> impl Strategy<Value = Bytes32> {
    any::<[u8; 32]>().prop_map(Bytes32)
}

fn byte_string() -> impl Strategy<Value = ByteString> {
    vec(any::<u8>(), 0..300).prop_map(ByteString)
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (vec(byte_string(), 0..8), byte_string(), any::<u64>()).prop_map(
            |(events, verified, now_ms)| Request::Insert {
                events,
                verified,
                now_ms
            }
        ),
        (
            option::of(vec(bytes32(), 0..5)),
            option::of(any::<u64>()),
            option::of((any::<u64>(), bytes32())),
            any::<u32>()
        )
            .prop_map(|(authors, since, after, limit)| Request::ListIds {
                authors,
                since,
                after,
                limit
            }),
        vec(bytes32(), 0..20).prop_map(|ids| Request::MissingIds { ids }),
        vec(bytes32(), 0..20).prop_map(|ids| Request::LoadJson { ids }),
        Just(Request::EventCount),
    ]
}

fn failure_kind() -> impl Strategy<Value = FailureKind> {
    prop_oneof![
        Just(FailureKind::BadRequest),
        Just(FailureKind::Refused),
        Just(FailureKind::Unavailable),
        Just(FailureKind::NewerSchema),
        Just(FailureKind::Storage),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        vec(any::<bool>(), 0..20).prop_map(|new| Answer::Inserted { new }),
        (vec((any::<u64>(), bytes32()), 0..20), any::<bool>())
            .prop_map(|(page, more)| Answer::Ids { page, more }),
        vec(bytes32(), 0..20).prop_map(|ids| Answer::Missing { ids }),
        vec((bytes32(), byte_string()), 0..5).prop_map(|events| Answer::Loaded { events }),
        any::<u64>().prop_map(|events| Answer::Count { events }),
        (failure_kind(), ".{0,40}")
            .prop_map(|(kind, message)| Answer::Failed(Failure { kind, message })),
    ]
}

proptest! {
    #[test]
    fn every_request_decodes_to_itself(request in request()) {
        let bytes = encode(&request);
        prop_assert_eq!(decode::<Request>(&bytes), Ok(request));
    }

    #[test]
    fn every_answer_decodes_to_itself(answer in answer()) {
        let bytes = encode(&answer);
        prop_assert_eq!(decode::<Answer>(&bytes), Ok(answer));
    }

    #[test]
    fn a_message_with_bytes_after_it_is_refused(request in request(), extra in vec(any::<u8>(), 1..8)) {
        let mut bytes = encode(&request);
        bytes.extend(extra);
        prop_assert!(decode::<Request>(&bytes).is_err());
    }

    #[test]
    fn a_truncated_message_is_refused(request in request(), cut in any::<prop::sample::Index>()) {
        let bytes = encode(&request);
        let cut = cut.index(bytes.len());
        prop_assert!(decode::<Request>(&bytes[..cut]).is_err());
    }

    #[test]
    fn any_bytes_decode_or_fail_without_panicking(bytes in vec(any::<u8>(), 0..400)) {
        let _ = decode::<Request>(&bytes);
        let _ = decode::<Answer>(&bytes);
    }
}

#[test]
fn ids_travel_as_byte_strings() {
    let id = Bytes32([7; 32]);
    // A byte string of 32: its head (0x58, 0x20) and the bytes, not 32 integers.
    let bytes = encode(&id);
    assert_eq!(bytes.len(), 34);
    assert_eq!(&bytes[..2], &[0x58, 0x20]);
    let page = Answer::Missing {
        ids: vec![id; 1_000],
    };
    assert!(encode(&page).len() < 35_100, "{}", encode(&page).len());
}

#[test]
fn an_id_of_another_length_is_refused() {
    let short = encode(&ByteString(vec![1; 31]));
    assert!(matches!(
        decode::<Bytes32>(&short),
        Err(ProtocolError::Malformed(_))
    ));
}

#[test]
fn an_oversized_message_is_refused_before_it_is_parsed() {
    let bytes = vec![0u8; MAX_MESSAGE_BYTES + 1];
    assert_eq!(
        decode::<Request>(&bytes),
        Err(ProtocolError::TooLarge {
            bytes: MAX_MESSAGE_BYTES + 1,
            max: MAX_MESSAGE_BYTES
        })
    );
}
