//! Fuzzes the backup file reader with a fixed passphrase: never panic, never accept a file
//! whose secret does not match its public key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::backup;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let claimed = backup::claimed_public_key(text);
    if let Ok(identity) = backup::open(text, "fuzzing passphrase") {
        assert_eq!(Ok(identity.public_key()), claimed);
    }
});
