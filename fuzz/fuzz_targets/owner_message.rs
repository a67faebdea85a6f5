//! Fuzzes what reads owner-protocol bytes from peers (docs/protocol.md §13): the decoder must
//! never panic, what it accepts must re-encode to exactly the bytes it came from, and as an
//! answer or a request any bytes are either accepted or refused with one of the protocol's
//! codes. A random answer never names an owner: it would need a signature over the peer id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_sync::owner::{check_request, owner_of, OwnerMessage};

/// An ed25519 device's peer id, as the transport authenticates it.
const DEVICE: [u8; 38] = {
    let mut bytes = [7u8; 38];
    let head = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    let mut i = 0;
    while i < head.len() {
        bytes[i] = head[i];
        i += 1;
    }
    bytes
};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = OwnerMessage::decode(data) {
        assert_eq!(message.encode(), data);
    }
    match owner_of(data, &DEVICE) {
        Ok(_) => panic!("random bytes carried a valid signature over the device's id"),
        Err(error) => assert!(matches!(
            error.code(),
            "malformed_owner_message" | "invalid_key" | "bad_signature"
        )),
    }
    if let Err(error) = check_request(data) {
        assert!(matches!(
            error.code(),
            "malformed_owner_message" | "invalid_key"
        ));
    }
});
