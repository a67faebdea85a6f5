//! Property tests for the sync message codec: every message round-trips, and no input panics.

use phemossa_core::{EventId, Identity};
use phemossa_sync::{limits, Cursor, Message, Scope};
use proptest::collection::vec;
use proptest::prelude::*;

fn arb_id() -> impl Strategy<Value = EventId> {
    any::<[u8; 32]>().prop_map(EventId::from_bytes)
}

fn arb_cursor() -> impl Strategy<Value = Option<Cursor>> {
    proptest::option::of(
        (any::<u64>(), arb_id()).prop_map(|(timestamp, id)| Cursor { timestamp, id }),
    )
}

fn arb_events() -> impl Strategy<Value = Vec<Vec<u8>>> {
    vec(vec(any::<u8>(), 0..64), 0..8)
}

fn arb_message() -> impl Strategy<Value = Message> {
    let scope = (
        proptest::option::of(vec(1u8..=255, 0..5)),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(seeds, since)| Scope {
            authors: seeds.map(|s| {
                s.into_iter()
                    .map(|n| Identity::from_seed([n; 32]).public_key())
                    .collect()
            }),
            since,
        });
    prop_oneof![
        (any::<u64>(), scope, arb_cursor()).prop_map(|(req, scope, after)| Message::SyncRequest {
            req,
            scope,
            after
        }),
        (any::<u64>(), vec(arb_id(), 0..50), arb_cursor())
            .prop_map(|(req, ids, next)| Message::SyncResponse { req, ids, next }),
        (any::<u64>(), vec(arb_id(), 0..50))
            .prop_map(|(req, ids)| Message::EventRequest { req, ids }),
        (any::<u64>(), arb_events(), vec(arb_id(), 0..10)).prop_map(|(req, events, unknown)| {
            Message::EventResponse {
                req,
                events,
                unknown,
            }
        }),
        arb_events().prop_map(|events| Message::NewEvent { events }),
    ]
}

proptest! {
    #[test]
    fn every_message_round_trips(message in arb_message()) {
        let bytes = message.encode();
        prop_assert!(bytes.len() <= limits::MAX_SYNC_MESSAGE_BYTES);
        prop_assert_eq!(Message::decode(&bytes), Ok(message));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        if let Ok(message) = Message::decode(&bytes) {
            prop_assert_eq!(message.encode(), bytes);
        }
    }

    #[test]
    fn mutated_messages_never_panic(message in arb_message(), flips in vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut bytes = message.encode();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        if let Ok(decoded) = Message::decode(&bytes) {
            prop_assert_eq!(decoded.encode(), bytes);
        }
    }
}
