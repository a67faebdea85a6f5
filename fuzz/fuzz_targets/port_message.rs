//! Fuzzes the port message decoders: never panic; accepted messages round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_api::{ClientMessage, ServerMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(message) = ClientMessage::from_json(text) {
        assert_eq!(ClientMessage::from_json(&message.to_json()).unwrap(), message);
    }
    if let Ok(message) = ServerMessage::from_json(text) {
        assert_eq!(ServerMessage::from_json(&message.to_json()).unwrap(), message);
    }
});
