//! Fuzzes the event decoder peers feed: it must never panic, and whatever it accepts must
//! re-encode to JSON that decodes to the same event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::Event;

const NOW: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = Event::from_json(data, NOW) {
        let again = Event::from_json(event.to_json().as_bytes(), NOW).expect("re-encoded event is valid");
        assert_eq!(again, event);
    }
});
