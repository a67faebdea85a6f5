//! Invites: one copyable line that tells someone who a person is and where to reach them
//! (docs/protocol.md §11).
//!
//! An invite holds a public key, optionally a display name, and up to four relay addresses, as
//! type-length-value records written in bech32m (BIP-350) text after `phemossa1`, much as Nostr's
//! `nprofile` (NIP-19) does. Its 6-character checksum is what refuses a mistyped or truncated
//! invite, and every refusal is an [`Error::MalformedInvite`] whose reason is said for the person
//! who pasted it.
//!
//! [`parse_person`] is the follow box's one entry point: it takes an invite or a bare base64
//! public key, the form people pasted before invites existed.
//!
//! Nothing in an invite is authenticated: a name or relay in it is what the person who wrote it
//! says, no more. The key is what is followed; the name is a hint until the key's own profile
//! arrives, and the relays are places to look for it.

use bech32::primitives::decode::{CheckedHrpstring, CheckedHrpstringError, ChecksumError};
use bech32::{Bech32m, Fe32, Hrp};

use crate::keys::PublicKey;
use crate::profile::check_name;
use crate::settings::parse_bootstrap;
use crate::words::group_digits;
use crate::Error;

/// What every invite starts with: the human-readable part `phemossa` and bech32's separator `1`.
/// Upper case (`PHEMOSSA1…`, all of the invite) is accepted as well.
pub const INVITE_PREFIX: &str = "phemossa1";

/// Most characters an invite may have, prefix and checksum included. Checked before anything is
/// decoded. Below bech32m's own limit of 1,023 characters, and enough for a key, a 50-character
/// name and four relay addresses of usual length.
pub const MAX_INVITE_CHARS: usize = 1000;

/// Most relay addresses one invite may carry.
pub const MAX_INVITE_RELAYS: usize = 4;

/// Most bytes one record's value may have: its length is one byte.
pub const MAX_RECORD_BYTES: usize = 255;

/// Record types. Others are skipped when read, so later versions can add records.
const TYPE_KEY: u8 = 0;
const TYPE_NAME: u8 = 1;
const TYPE_RELAY: u8 = 2;

/// The human-readable part, without the separator.
const HRP: Hrp = Hrp::parse_unchecked("phemossa");

/// Characters of the checksum at the end of every invite.
const CHECKSUM_CHARS: usize = 6;

/// Characters an invite of `payload_bytes` bytes of records takes: the prefix, 5 bits to a
/// character (the last one padded with zero bits), and the checksum.
fn encoded_chars(payload_bytes: usize) -> usize {
    INVITE_PREFIX.len() + (payload_bytes * 8).div_ceil(5) + CHECKSUM_CHARS
}

/// What one invite says: whose key it is, what they call themself, and which relays they use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub public_key: PublicKey,
    /// A display name that passes [`check_name`]; a hint until the key's profile is fetched.
    pub name: Option<String>,
    /// Relay multiaddrs a browser can dial, each ending in `/p2p/<peer id>`, in the canonical
    /// text form the settings store; at most [`MAX_INVITE_RELAYS`].
    pub relays: Vec<String>,
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedInvite {
        reason: reason.into(),
    }
}

/// The reason a display name is refused, as part of an invite.
fn name_reason(error: &Error) -> String {
    let message = error.to_string();
    match message.strip_prefix("display name ") {
        Some(rest) => format!("the invite's display name {rest}"),
        None => format!("the invite's display name is refused: {message}"),
    }
}

/// Checks relay `number` (counted from 1) and returns its canonical text form.
fn check_relay(number: usize, relay: &str) -> Result<String, Error> {
    let relay = parse_bootstrap(relay).map_err(|reason| {
        malformed(format!(
            "the invite's relay {number} is not a relay address: {reason}"
        ))
    })?;
    if relay.len() > MAX_RECORD_BYTES {
        return Err(malformed(format!(
            "the invite's relay {number} is {} bytes long, more than {MAX_RECORD_BYTES}",
            relay.len()
        )));
    }
    Ok(relay)
}

impl Invite {
    /// An invite of just a key, the form a bare base64 key stands for.
    pub fn of_key(public_key: PublicKey) -> Self {
        Self {
            public_key,
            name: None,
            relays: Vec::new(),
        }
    }

    /// The invite a person shares: their key, their name when it is a valid one, and the first
    /// of `relays` (typically the settings' bootstrap addresses) that are valid relay addresses,
    /// not repeated, and still fit: at most [`MAX_INVITE_RELAYS`] of them and
    /// [`MAX_INVITE_CHARS`] characters in all. [`Invite::to_text`] never fails on what this
    /// returns.
    pub fn for_sharing<I>(public_key: PublicKey, name: Option<&str>, relays: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut invite = Self {
            public_key,
            name: name.filter(|n| check_name(n).is_ok()).map(str::to_owned),
            relays: Vec::new(),
        };
        for relay in relays {
            if invite.relays.len() == MAX_INVITE_RELAYS {
                break;
            }
            let Ok(relay) = check_relay(invite.relays.len() + 1, relay.as_ref()) else {
                continue;
            };
            if invite.relays.contains(&relay) {
                continue;
            }
            invite.relays.push(relay);
            if invite.payload().is_err() {
                invite.relays.pop();
            }
        }
        invite
    }

    /// Reads an invite (docs/protocol.md §11.4). White space around it is ignored;
    /// it may be all lower or all upper case. Records of unknown types are skipped.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let chars = text.chars().count();
        if chars > MAX_INVITE_CHARS {
            return Err(malformed(format!(
                "the invite is {} characters, more than {}",
                group_digits(chars as u64),
                group_digits(MAX_INVITE_CHARS as u64)
            )));
        }
        let prefixed = text
            .get(..INVITE_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(INVITE_PREFIX));
        if !prefixed {
            return Err(malformed(format!(
                "not an invite: it should start with {INVITE_PREFIX}"
            )));
        }
        let data = &text[INVITE_PREFIX.len()..];
        if let Some((index, c)) = data
            .chars()
            .enumerate()
            .find(|(_, c)| Fe32::from_char(*c).is_err())
        {
            return Err(malformed(format!(
                "character {} of the invite, {c:?}, cannot be in an invite: after {INVITE_PREFIX} \
                 it holds only letters and digits, and never 1, b, i or o",
                INVITE_PREFIX.len() + index + 1
            )));
        }
        if text.bytes().any(|b| b.is_ascii_uppercase())
            && text.bytes().any(|b| b.is_ascii_lowercase())
        {
            return Err(malformed(
                "the invite mixes upper- and lower-case letters: it is written all in one case",
            ));
        }
        if data.len() < CHECKSUM_CHARS {
            return Err(malformed(
                "the invite is cut short: it ends before its 6-character checksum",
            ));
        }
        let checked = CheckedHrpstring::new::<Bech32m>(text).map_err(|e| match e {
            CheckedHrpstringError::Checksum(ChecksumError::InvalidResidue) => {
                malformed("the invite's checksum does not match: a character was mistyped or lost")
            }
            other => malformed(format!("the invite is not well-formed bech32m: {other}")),
        })?;
        // The bits after the last whole byte must be fewer than 5, and zero, so that each invite
        // has one text form (BIP-173's rule for segwit addresses, which this checks).
        checked.validate_segwit_padding().map_err(|_| {
            malformed("the invite does not end on a whole byte: it was not written as an invite")
        })?;
        let payload: Vec<u8> = checked.byte_iter().collect();
        Self::from_payload(&payload)
    }

    /// Reads the records: the key first, then names, relays and unknown records in any order.
    fn from_payload(mut rest: &[u8]) -> Result<Self, Error> {
        let mut key = None;
        let mut name = None;
        let mut relays = Vec::new();
        let mut record = 0;
        while !rest.is_empty() {
            record += 1;
            let [kind, len, tail @ ..] = rest else {
                return Err(malformed(format!(
                    "the invite's record {record} is cut short: it has a type but no length"
                )));
            };
            let len = usize::from(*len);
            if tail.len() < len {
                return Err(malformed(format!(
                    "the invite's record {record} is cut short: it says {len} bytes, {} remain",
                    tail.len()
                )));
            }
            let (value, after) = tail.split_at(len);
            rest = after;
            match *kind {
                TYPE_KEY if key.is_some() => {
                    return Err(malformed("the invite holds two public keys"))
                }
                TYPE_KEY => key = Some(read_key(value)?),
                _ if key.is_none() => {
                    return Err(malformed(
                        "the invite holds no public key: its first record must be the key",
                    ))
                }
                TYPE_NAME if name.is_some() => {
                    return Err(malformed("the invite holds two display names"))
                }
                TYPE_NAME => {
                    let text = std::str::from_utf8(value)
                        .map_err(|_| malformed("the invite's display name is not UTF-8 text"))?;
                    check_name(text).map_err(|e| malformed(name_reason(&e)))?;
                    name = Some(text.to_owned());
                }
                TYPE_RELAY => {
                    let number = relays.len() + 1;
                    if number > MAX_INVITE_RELAYS {
                        return Err(malformed(format!(
                            "the invite holds more than {MAX_INVITE_RELAYS} relay addresses"
                        )));
                    }
                    let text = std::str::from_utf8(value).map_err(|_| {
                        malformed(format!("the invite's relay {number} is not UTF-8 text"))
                    })?;
                    relays.push(check_relay(number, text)?);
                }
                _ => {}
            }
        }
        let public_key = key.ok_or_else(|| malformed("the invite holds no public key"))?;
        let invite = Self {
            public_key,
            name,
            relays,
        };
        // Relays are kept in canonical form, which can differ in length from what was written:
        // refuse here what could not be written back, so every invite read can be shared again.
        invite.payload()?;
        Ok(invite)
    }

    /// The records, checked as [`Invite::parse`] checks them, so that what is written reads back.
    fn payload(&self) -> Result<Vec<u8>, Error> {
        fn push(out: &mut Vec<u8>, kind: u8, value: &[u8]) {
            // Every caller checked value.len() <= MAX_RECORD_BYTES.
            out.push(kind);
            out.push(value.len() as u8);
            out.extend_from_slice(value);
        }
        let mut out = Vec::new();
        push(&mut out, TYPE_KEY, self.public_key.as_bytes());
        if let Some(name) = &self.name {
            // A valid name is at most 50 characters, 200 bytes of UTF-8.
            check_name(name).map_err(|e| malformed(name_reason(&e)))?;
            push(&mut out, TYPE_NAME, name.as_bytes());
        }
        if self.relays.len() > MAX_INVITE_RELAYS {
            return Err(malformed(format!(
                "the invite holds more than {MAX_INVITE_RELAYS} relay addresses"
            )));
        }
        for (index, relay) in self.relays.iter().enumerate() {
            let relay = check_relay(index + 1, relay)?;
            push(&mut out, TYPE_RELAY, relay.as_bytes());
        }
        let chars = encoded_chars(out.len());
        if chars > MAX_INVITE_CHARS {
            return Err(malformed(format!(
                "the invite would be {} characters, more than {}: leave out a relay or shorten \
                 the name",
                group_digits(chars as u64),
                group_digits(MAX_INVITE_CHARS as u64)
            )));
        }
        Ok(out)
    }

    /// The invite's text: lower case, one line, at most [`MAX_INVITE_CHARS`] characters. Relays
    /// are written in their canonical form. Refused, with the reason [`Invite::parse`] would
    /// give, when a field would not read back: a name or relay that is not valid, more than
    /// [`MAX_INVITE_RELAYS`] relays, or more than [`MAX_INVITE_CHARS`] characters in all
    /// ([`Invite::for_sharing`] builds an invite that always fits).
    pub fn to_text(&self) -> Result<String, Error> {
        let payload = self.payload()?;
        bech32::encode::<Bech32m>(HRP, &payload)
            .map_err(|e| malformed(format!("the invite cannot be written: {e}")))
    }
}

fn read_key(value: &[u8]) -> Result<PublicKey, Error> {
    let bytes: [u8; 32] = value.try_into().map_err(|_| {
        malformed(format!(
            "the invite's public key is {} bytes, not 32",
            value.len()
        ))
    })?;
    PublicKey::from_bytes(bytes, "invite key")
        .map_err(|_| malformed("the invite's public key is not a valid ed25519 public key"))
}

/// What the follow box accepts: an invite (text starting with `phemossa1`, in either case), or a
/// bare public key in base64, which gives an invite with no name and no relays. A bare key is
/// refused with the key's own errors (`malformed_base64`, `wrong_key_length`, `invalid_key`),
/// as before invites; anything that starts like an invite with invite errors.
pub fn parse_person(text: &str) -> Result<Invite, Error> {
    let text = text.trim();
    let looks_like_invite = text
        .get(..INVITE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(INVITE_PREFIX));
    // A base64 key is 44 characters ending in '=', which bech32 never holds: a key whose text
    // happens to start with "phemossa1" is still read as a key.
    let base64_key = text.len() == 44 && text.ends_with('=');
    if looks_like_invite && !base64_key {
        Invite::parse(text)
    } else {
        PublicKey::from_base64(text, "public key").map(Invite::of_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;
    use proptest::prelude::*;

    const RELAY: &str =
        "/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
    const RELAY_DNS: &str = "/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

    fn key(seed: u8) -> PublicKey {
        Identity::from_seed([seed; 32]).public_key()
    }

    fn reason<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::MalformedInvite { reason }) => reason,
            other => panic!("expected malformed_invite, got {other:?}"),
        }
    }

    /// One record's type and value, for [`raw`].
    fn rec(kind: u8, value: impl AsRef<[u8]>) -> (u8, Vec<u8>) {
        (kind, value.as_ref().to_vec())
    }

    /// Records as raw bytes, bypassing the encoder's checks, written as an invite.
    fn raw(records: &[(u8, Vec<u8>)]) -> String {
        let mut payload = Vec::new();
        for (kind, value) in records {
            payload.push(*kind);
            payload.push(value.len() as u8);
            payload.extend_from_slice(value);
        }
        bech32::encode::<Bech32m>(HRP, &payload).unwrap()
    }

    fn full() -> Invite {
        Invite {
            public_key: key(1),
            name: Some("Ada Lovelace 🦀".into()),
            relays: vec![RELAY.into(), RELAY_DNS.into()],
        }
    }

    #[test]
    fn round_trips_and_accepts_upper_case_and_white_space() {
        for invite in [Invite::of_key(key(1)), full()] {
            let text = invite.to_text().unwrap();
            assert!(text.starts_with(INVITE_PREFIX), "{text}");
            assert!(text.chars().count() <= MAX_INVITE_CHARS);
            assert_eq!(Invite::parse(&text).unwrap(), invite);
            assert_eq!(Invite::parse(&text.to_uppercase()).unwrap(), invite);
            assert_eq!(Invite::parse(&format!("  {text}\n")).unwrap(), invite);
            assert_eq!(parse_person(&text).unwrap(), invite);
        }
        // A key alone is 70 characters.
        assert_eq!(Invite::of_key(key(1)).to_text().unwrap().len(), 70);
    }

    #[test]
    fn bare_keys_keep_their_errors() {
        let k = key(2);
        assert_eq!(parse_person(&format!(" {k}\n")).unwrap(), Invite::of_key(k));
        assert_eq!(parse_person("AAAA").unwrap_err().code(), "wrong_key_length");
        assert_eq!(
            parse_person("hello").unwrap_err().code(),
            "malformed_base64"
        );
        assert_eq!(parse_person("").unwrap_err().code(), "wrong_key_length");
        // Looks like an invite: invite errors.
        let error = parse_person("phemossa1qqqq").unwrap_err();
        assert_eq!(error.code(), "malformed_invite");
    }

    #[test]
    fn every_mistyped_character_is_a_checksum_error() {
        let text = full().to_text().unwrap();
        let charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        for position in INVITE_PREFIX.len()..text.len() {
            let original = text.as_bytes()[position] as char;
            for replacement in charset.chars().filter(|c| *c != original).step_by(7) {
                let mut typo = text.clone();
                typo.replace_range(position..=position, &replacement.to_string());
                let reason = reason(Invite::parse(&typo));
                assert!(
                    reason.contains("checksum does not match"),
                    "{position}: {reason}"
                );
            }
        }
    }

    #[test]
    fn swapped_lost_and_doubled_characters_are_refused() {
        let text = full().to_text().unwrap();
        let bytes = text.as_bytes();
        for (offset, pair) in bytes[INVITE_PREFIX.len()..].windows(2).enumerate() {
            if pair[0] == pair[1] {
                continue;
            }
            let position = INVITE_PREFIX.len() + offset;
            let mut swapped = bytes.to_vec();
            swapped.swap(position, position + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            let reason = reason(Invite::parse(&swapped));
            assert!(reason.contains("checksum"), "swap at {position}: {reason}");
        }
        for (position, c) in text.char_indices().skip(INVITE_PREFIX.len()) {
            let mut lost = text.clone();
            lost.remove(position);
            assert!(Invite::parse(&lost).is_err(), "lost {position}");
            let mut doubled = text.clone();
            doubled.insert(position, c);
            assert!(Invite::parse(&doubled).is_err(), "doubled {position}");
        }
        // Cut short, as a copy that missed the end.
        let cut = &text[..text.len() - 10];
        assert!(reason(Invite::parse(cut)).contains("checksum does not match"));
    }

    #[test]
    fn what_is_not_an_invite_is_said_so() {
        for text in ["", "hello", "npub1abc", "phemossa", "phemoss1qqqqqqqq"] {
            let reason = reason(Invite::parse(text));
            assert_eq!(
                reason, "not an invite: it should start with phemossa1",
                "{text:?}"
            );
        }
        let said = reason(Invite::parse("phemossa1qqbqqqqqqq"));
        assert!(
            said.starts_with("character 12 of the invite, 'b',"),
            "{said}"
        );
        let said = reason(Invite::parse("phemossa1qq qqqqqq"));
        assert!(
            said.starts_with("character 12 of the invite, ' ',"),
            "{said}"
        );
        let mut text = Invite::of_key(key(1)).to_text().unwrap();
        let letter = text[INVITE_PREFIX.len()..]
            .find(|c: char| c.is_ascii_lowercase())
            .unwrap()
            + INVITE_PREFIX.len();
        text.replace_range(letter..=letter, &text[letter..=letter].to_uppercase());
        assert!(reason(Invite::parse(&text)).contains("mixes upper- and lower-case"));
        assert!(reason(Invite::parse("phemossa1qqq")).contains("cut short"));
    }

    #[test]
    fn too_long_is_refused_before_decoding() {
        let text = format!("phemossa1{}", "q".repeat(1225));
        assert_eq!(
            reason(Invite::parse(&text)),
            "the invite is 1,234 characters, more than 1,000"
        );
    }

    #[test]
    fn each_bad_field_is_refused_with_its_reason() {
        let k = *key(1).as_bytes();
        let five_relays: Vec<_> = std::iter::once(rec(0, k))
            .chain(std::iter::repeat_n(rec(2, RELAY), 5))
            .collect();
        let cases: Vec<(String, &str)> = vec![
            (raw(&[]), "holds no public key"),
            (raw(&[rec(1, "Ada")]), "holds no public key"),
            (raw(&[rec(1, "Ada"), rec(0, k)]), "holds no public key"),
            (raw(&[rec(7, "x"), rec(0, k)]), "holds no public key"),
            (raw(&[rec(0, &k[..31])]), "public key is 31 bytes, not 32"),
            (raw(&[rec(0, [0u8; 32])]), "not a valid ed25519 public key"),
            (raw(&[rec(0, k), rec(0, k)]), "two public keys"),
            (
                raw(&[rec(0, k), rec(1, "Ada"), rec(1, "Bob")]),
                "two display names",
            ),
            (raw(&[rec(0, k), rec(1, "")]), "display name is empty"),
            (raw(&[rec(0, k), rec(1, "  ")]), "display name is empty"),
            (
                raw(&[rec(0, k), rec(1, b"\xff")]),
                "display name is not UTF-8",
            ),
            (
                raw(&[rec(0, k), rec(1, "evil\u{202E}moc")]),
                "display name holds a direction override",
            ),
            (
                raw(&[rec(0, k), rec(1, "x".repeat(51))]),
                "display name has 51 characters",
            ),
            (
                raw(&[rec(0, k), rec(2, RELAY), rec(2, "/ip4/1.2.3.4/tcp/1")]),
                "relay 2 is not a relay address: must end with /p2p/",
            ),
            (
                raw(&[rec(0, k), rec(2, "nonsense")]),
                "relay 1 is not a relay address: not a multiaddr",
            ),
            (raw(&[rec(0, k), rec(2, b"\xc3")]), "relay 1 is not UTF-8"),
            (raw(&five_relays), "more than 4 relay addresses"),
        ];
        for (text, expected) in cases {
            let reason = reason(Invite::parse(&text));
            assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
        }
        // A record that claims more bytes than remain.
        let mut payload = vec![0, 32];
        payload.extend_from_slice(&k);
        payload.extend_from_slice(&[1, 9, b'A']);
        let text = bech32::encode::<Bech32m>(HRP, &payload).unwrap();
        assert!(reason(Invite::parse(&text)).contains("record 2 is cut short: it says 9 bytes"));
        // Bech32 (BIP-173) is not bech32m.
        let text = bech32::encode::<bech32::Bech32>(HRP, &[0, 32]).unwrap();
        assert!(reason(Invite::parse(&text)).contains("checksum does not match"));
    }

    #[test]
    fn unknown_records_are_skipped() {
        let k = *key(1).as_bytes();
        let text = raw(&[
            rec(0, k),
            rec(9, "from the future"),
            rec(1, "Ada"),
            rec(255, ""),
        ]);
        let invite = Invite::parse(&text).unwrap();
        assert_eq!(invite.name.as_deref(), Some("Ada"));
        assert!(invite.relays.is_empty());
    }

    #[test]
    fn padding_must_be_zero_and_short() {
        // A key record (34 bytes) is 272 bits: 55 characters, 3 bits of padding. Two more data
        // characters would be 13 bits past the last byte: more than a character of padding.
        let k = *key(1).as_bytes();
        let mut payload = vec![0u8, 32];
        payload.extend_from_slice(&k);
        let hrp_fes = bech32::primitives::iter::ByteIterExt::bytes_to_fes(payload.iter().copied());
        let mut fes: Vec<Fe32> = hrp_fes.collect();
        fes.extend([Fe32::Q, Fe32::Q]);
        let with_extra = encode_fes(&fes);
        assert!(reason(Invite::parse(&with_extra)).contains("whole byte"));
        // The last character's padding bits set.
        fes.truncate(fes.len() - 2);
        assert_eq!(
            Invite::parse(&encode_fes(&fes)).unwrap(),
            Invite::of_key(key(1))
        );
        let last = fes.pop().unwrap();
        fes.push(Fe32::try_from(last.to_u8() | 1).unwrap());
        assert!(reason(Invite::parse(&encode_fes(&fes))).contains("whole byte"));
    }

    /// Writes field elements with a bech32m checksum, without the byte conversion's padding.
    fn encode_fes(fes: &[Fe32]) -> String {
        use bech32::primitives::iter::Fe32IterExt;
        fes.iter()
            .copied()
            .with_checksum::<Bech32m>(&HRP)
            .chars()
            .collect()
    }

    #[test]
    fn the_encoder_refuses_what_would_not_read_back() {
        let mut invite = full();
        invite.name = Some("bad\nname".into());
        assert!(reason(invite.to_text()).contains("display name holds a control character"));
        let mut invite = full();
        invite.relays.push("/ip4/1.2.3.4/tcp/1".into());
        assert!(reason(invite.to_text()).contains("relay 3 is not a relay address"));
        let mut invite = full();
        invite.relays = vec![RELAY.into(); 5];
        assert!(reason(invite.to_text()).contains("more than 4 relay addresses"));
        let long = format!(
            "/dns4/{}.example.org/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
            "r".repeat(100)
        );
        let mut invite = full();
        invite.relays = vec![long.clone(); 4];
        assert!(reason(invite.to_text()).contains("characters, more than 1,000"));
        invite.relays = vec![format!(
            "/dns4/{}.org/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
            "r".repeat(200)
        )];
        assert!(reason(invite.to_text()).contains("bytes long, more than 255"));
    }

    #[test]
    fn for_sharing_keeps_what_is_valid_and_fits() {
        let long = |n: usize| {
            format!(
                "/dns4/{}{n}.example.org/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
                "r".repeat(100)
            )
        };
        let relays = vec![
            "not an address".to_string(),
            RELAY.to_string(),
            RELAY.to_string(),
            long(1),
            long(2),
            long(3),
            RELAY_DNS.to_string(),
            "/ip4/10.0.0.1/tcp/1/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
                .into(),
        ];
        // Skipped: the invalid one, the repeat, and long(3), which no longer fits.
        let invite = Invite::for_sharing(key(1), Some("Ada"), &relays);
        assert_eq!(invite.name.as_deref(), Some("Ada"));
        assert_eq!(
            invite.relays,
            [RELAY.into(), long(1), long(2), RELAY_DNS.to_string()]
        );
        let text = invite.to_text().unwrap();
        assert!(text.len() <= MAX_INVITE_CHARS);
        assert_eq!(Invite::parse(&text).unwrap(), invite);
        // The longest name still leaves room for relays, fewer of them.
        let name = "é".repeat(50);
        let invite = Invite::for_sharing(key(1), Some(&name), &relays);
        assert_eq!(invite.name.as_deref(), Some(name.as_str()));
        assert_eq!(invite.relays, [RELAY.into(), long(1), long(2)]);
        assert_eq!(Invite::parse(&invite.to_text().unwrap()).unwrap(), invite);
        // A name that would be refused is left out.
        let invite = Invite::for_sharing(key(1), Some("a\u{202E}b"), [RELAY]);
        assert_eq!(invite.name, None);
        assert_eq!(invite.relays, vec![RELAY.to_string()]);
    }

    fn relay_strategy() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                any::<[u8; 4]>()
                    .prop_map(|ip| format!("/ip4/{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])),
                "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){1,2}".prop_map(|host| format!("/dns4/{host}")),
            ],
            1u16..,
            prop_oneof![
                Just("/ws"),
                Just("/wss"),
                Just("/tls/ws"),
                Just("/webtransport"),
                Just("/webrtc-direct")
            ],
            any::<[u8; 32]>(),
        )
            .prop_map(|(host, port, transport, peer)| {
                let proto = if transport == "/ws" || transport == "/wss" || transport == "/tls/ws" {
                    "tcp"
                } else {
                    "udp"
                };
                let quic = if transport == "/webtransport" {
                    "/quic-v1"
                } else {
                    ""
                };
                let mut identity = vec![0x08, 0x01, 0x12, 0x20];
                identity.extend_from_slice(&peer);
                let hash = multiaddr::multihash::Multihash::<64>::wrap(0, &identity).unwrap();
                let peer = multiaddr::PeerId::from_multihash(hash).unwrap();
                format!("{host}/{proto}/{port}{quic}{transport}/p2p/{peer}")
            })
    }

    proptest! {
        #[test]
        fn any_valid_invite_round_trips(
            seed in any::<[u8; 32]>(),
            name in proptest::option::of("\\PC{1,50}".prop_filter("a valid name", |n| check_name(n).is_ok())),
            relays in proptest::collection::vec(relay_strategy(), 0..=MAX_INVITE_RELAYS),
        ) {
            let invite = Invite {
                public_key: Identity::from_seed(seed).public_key(),
                name,
                relays,
            };
            for relay in &invite.relays {
                prop_assert_eq!(&parse_bootstrap(relay).unwrap(), relay);
            }
            let payload_bytes = 34
                + invite.name.as_ref().map_or(0, |n| 2 + n.len())
                + invite.relays.iter().map(|r| 2 + r.len()).sum::<usize>();
            match invite.to_text() {
                Ok(text) => {
                    prop_assert_eq!(text.chars().count(), encoded_chars(payload_bytes));
                    prop_assert!(text.chars().count() <= MAX_INVITE_CHARS);
                    prop_assert_eq!(Invite::parse(&text).unwrap(), invite.clone());
                    prop_assert_eq!(parse_person(&text.to_uppercase()).unwrap(), invite);
                }
                Err(error) => {
                    // Four long relays beside a long name do not fit: for_sharing drops relays.
                    prop_assert!(encoded_chars(payload_bytes) > MAX_INVITE_CHARS, "{}", error);
                    let shared = Invite::for_sharing(invite.public_key, invite.name.as_deref(), &invite.relays);
                    prop_assert!(shared.relays.len() < invite.relays.len());
                    prop_assert_eq!(Invite::parse(&shared.to_text().unwrap()).unwrap(), shared);
                }
            }
        }

        #[test]
        fn any_text_is_read_without_panicking(text in "\\PC{0,120}|phemossa1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{0,200}") {
            if let Ok(invite) = parse_person(&text) {
                prop_assert_eq!(Invite::parse(&invite.to_text().unwrap()).unwrap(), invite);
            }
        }
    }
}
