//! Fuzzes the options page's settings parser: never panic; accepted settings round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::settings::NetworkSettings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\u{1f}');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let Ok(settings) = NetworkSettings::parse(a, b, c) {
        let (a, b, c) = settings.to_lines();
        assert_eq!(NetworkSettings::parse(&a, &b, &c).unwrap(), settings);
    }
});
