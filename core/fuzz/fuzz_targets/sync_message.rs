//! Fuzzes the sync message decoder peers feed: it must never panic, and whatever it accepts must
//! re-encode to exactly the bytes it came from (one encoding per message).
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::sync::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::decode(data) {
        assert_eq!(message.encode(), data);
    }
});
