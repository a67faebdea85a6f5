//! Fuzzes the invite reader and the follow box: never panic, and every invite accepted is
//! written back as text that reads as the same invite. The input is read twice: as text, and as
//! the records inside a correctly checksummed invite, which random text almost never reaches.
#![no_main]

use bech32::{Bech32m, Hrp};
use libfuzzer_sys::fuzz_target;
use phemossa_core::invite::{parse_person, Invite, MAX_INVITE_CHARS};

fn check_text(text: &str) {
    let invite = Invite::parse(text);
    if let Ok(invite) = &invite {
        let written = invite.to_text().expect("an invite read can be written");
        assert!(written.chars().count() <= MAX_INVITE_CHARS);
        assert_eq!(Invite::parse(&written).as_ref(), Ok(invite));
        assert_eq!(Invite::parse(&written.to_uppercase()).as_ref(), Ok(invite));
    }
    if let Ok(person) = parse_person(text) {
        if invite.is_ok() {
            assert_eq!(invite.as_ref(), Ok(&person));
        }
        let written = person.to_text().expect("a person read can be written");
        assert_eq!(Invite::parse(&written), Ok(person));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check_text(text);
    }
    if let Ok(text) = bech32::encode::<Bech32m>(Hrp::parse_unchecked("phemossa"), data) {
        check_text(&text);
    }
});
