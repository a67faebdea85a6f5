//! Prints docs/invite-test-vectors.json: invites from fixed keys, valid and invalid, with what
//! each must read as. Run:
//! `cargo run -p phemossa-core --example make_invite_vectors > docs/invite-test-vectors.json`.
//!
//! Invalid invites are written from raw records with the bech32 crate directly (bypassing
//! `Invite::to_text`'s checks) or by editing valid text, so each fails for exactly the reason its
//! vector names. Every vector is checked against this implementation before it is printed.

use bech32::primitives::iter::{ByteIterExt as _, Fe32IterExt as _};
use bech32::{Bech32, Bech32m, Fe32, Hrp};
use phemossa_core::invite::{parse_person, Invite};
use phemossa_core::{Identity, PublicKey};
use serde_json::{json, Value};

const HRP: Hrp = Hrp::parse_unchecked("phemossa");

/// A relay's peer id from the same repeated-byte seeds, as an identity multihash of the
/// protobuf-encoded ed25519 key, written as libp2p does.
fn peer_id(seed: u8) -> String {
    let key = Identity::from_seed([seed; 32]).public_key();
    let mut protobuf = vec![0x08, 0x01, 0x12, 0x20];
    protobuf.extend_from_slice(key.as_bytes());
    let hash = multiaddr::multihash::Multihash::<64>::wrap(0, &protobuf).unwrap();
    multiaddr::PeerId::from_multihash(hash).unwrap().to_string()
}

fn key(seed: u8) -> PublicKey {
    Identity::from_seed([seed; 32]).public_key()
}

/// Records, each a type and a value, as bytes.
fn payload(records: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, value) in records {
        out.push(*kind);
        out.push(value.len() as u8);
        out.extend_from_slice(value);
    }
    out
}

fn raw(records: &[(u8, &[u8])]) -> String {
    bech32::encode::<Bech32m>(HRP, &payload(records)).unwrap()
}

/// Bech32m text from 5-bit values, without the byte conversion's padding rules.
fn raw_fes(fes: &[Fe32]) -> String {
    fes.iter()
        .copied()
        .with_checksum::<Bech32m>(&HRP)
        .chars()
        .collect()
}

fn valid(name: &str, text: String) -> Value {
    let invite = Invite::parse(&text).unwrap_or_else(|e| panic!("{name}: refused: {e}"));
    json!({
        "name": name,
        "invite": text,
        "verdict": "valid",
        "public_key": invite.public_key.to_base64(),
        "display_name": invite.name,
        "relays": invite.relays,
        "written_as": invite.to_text().unwrap(),
    })
}

fn invalid(name: &str, text: String, reason: &str) -> Value {
    let error = Invite::parse(&text)
        .err()
        .unwrap_or_else(|| panic!("{name}: accepted"));
    assert_eq!(error.code(), "malformed_invite", "{name}");
    assert!(
        error.to_string().contains(reason),
        "{name}: {reason:?} is not in {error}"
    );
    json!({
        "name": name,
        "invite": text,
        "verdict": "invalid",
        "error": error.code(),
        "reason_contains": reason,
    })
}

fn follow_box(name: &str, text: String, expected: Result<&str, &str>) -> Value {
    let got = parse_person(&text);
    match expected {
        Ok(key) => {
            let invite = got.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
            assert_eq!(invite.public_key.to_base64(), key, "{name}");
            json!({"name": name, "input": text, "verdict": "valid", "public_key": key})
        }
        Err(code) => {
            let error = got.err().unwrap_or_else(|| panic!("{name}: accepted"));
            assert_eq!(error.code(), code, "{name}: {error}");
            json!({"name": name, "input": text, "verdict": "invalid", "error": code})
        }
    }
}

fn main() {
    let alice = key(1);
    let bob = key(2);
    let a = *alice.as_bytes();
    let relay_ws = format!("/ip4/127.0.0.1/tcp/4001/ws/p2p/{}", peer_id(3));
    let relay_wss = format!("/dns4/relay.example.org/tcp/443/wss/p2p/{}", peer_id(4));
    let relay_wt = format!(
        "/ip4/192.0.2.7/udp/4433/quic-v1/webtransport/p2p/{}",
        peer_id(5)
    );
    let relay_rtc = format!("/ip6/2001:db8::1/udp/9090/webrtc-direct/p2p/{}", peer_id(6));
    let text = |invite: Invite| invite.to_text().unwrap();

    let key_only = text(Invite::of_key(alice));
    let named = text(Invite {
        public_key: alice,
        name: Some("Alice".into()),
        relays: vec![],
    });
    let bob_full = text(Invite {
        public_key: bob,
        name: Some("Bób 🦀 مريم".into()),
        relays: vec![relay_ws.clone(), relay_wss.clone()],
    });
    let four_relays = text(Invite {
        public_key: bob,
        name: None,
        relays: vec![
            relay_ws.clone(),
            relay_wss.clone(),
            relay_wt.clone(),
            relay_rtc.clone(),
        ],
    });
    let longest_name = text(Invite {
        public_key: alice,
        name: Some("é".repeat(50)),
        relays: vec![relay_wss.clone()],
    });

    // Edits of a valid invite.
    let mistyped = {
        let mut t = named.clone();
        let at = 20;
        let c = if &t[at..=at] == "q" { "p" } else { "q" };
        t.replace_range(at..=at, c);
        t
    };
    let swapped = {
        let mut b = named.clone().into_bytes();
        let at = (20..b.len() - 1).find(|&i| b[i] != b[i + 1]).unwrap();
        b.swap(at, at + 1);
        String::from_utf8(b).unwrap()
    };
    let mixed_case = {
        let at = named[9..].find(|c: char| c.is_ascii_lowercase()).unwrap() + 9;
        let mut t = named.clone();
        t.replace_range(at..=at, &named[at..=at].to_uppercase());
        t
    };
    let padded = |extra: &[Fe32], set_last_bit: bool| {
        let mut fes: Vec<Fe32> = payload(&[(0, &a)]).into_iter().bytes_to_fes().collect();
        if set_last_bit {
            let last = fes.pop().unwrap();
            fes.push(Fe32::try_from(last.to_u8() | 1).unwrap());
        }
        fes.extend_from_slice(extra);
        raw_fes(&fes)
    };
    let five = [(2u8, relay_ws.as_bytes()); 5];
    let mut five_relays = vec![(0u8, &a[..])];
    five_relays.extend_from_slice(&five);

    let vectors = vec![
        valid("key only", key_only.clone()),
        valid("key and name", named.clone()),
        valid("name in several scripts, two relays", bob_full.clone()),
        valid("four relays, one of each browser transport", four_relays),
        valid("longest name", longest_name),
        valid("all upper case", named.to_uppercase()),
        valid("white space around it is ignored", format!("  {named}\n")),
        valid(
            "records after the key in any order; relays keep theirs",
            raw(&[
                (0, &a),
                (2, relay_wss.as_bytes()),
                (1, b"Alice"),
                (2, relay_ws.as_bytes()),
            ]),
        ),
        valid(
            "unknown record types are skipped",
            raw(&[
                (0, &a),
                (9, b"from a later version"),
                (1, b"Alice"),
                (255, b""),
            ]),
        ),
        invalid(
            "one character mistyped",
            mistyped,
            "checksum does not match",
        ),
        invalid("two characters swapped", swapped, "checksum does not match"),
        invalid(
            "last character lost",
            named[..named.len() - 1].to_string(),
            "checksum does not match",
        ),
        invalid(
            "bech32 checksum instead of bech32m",
            bech32::encode::<Bech32>(HRP, &payload(&[(0, &a)])).unwrap(),
            "checksum does not match",
        ),
        invalid(
            "1,001 characters",
            format!("phemossa1{}", "q".repeat(992)),
            "the invite is 1,001 characters, more than 1,000",
        ),
        invalid(
            "another prefix",
            bech32::encode::<Bech32m>(Hrp::parse_unchecked("nprofile"), &payload(&[(0, &a)]))
                .unwrap(),
            "not an invite: it should start with phemossa1",
        ),
        invalid(
            "a bare base64 key is not an invite",
            alice.to_base64(),
            "not an invite",
        ),
        invalid(
            "a character outside bech32's",
            format!("phemossa1qqbq{}", &key_only[13..]),
            "character 12 of the invite, 'b', cannot be in an invite",
        ),
        invalid("mixed case", mixed_case, "mixes upper- and lower-case"),
        invalid(
            "shorter than a checksum",
            "phemossa1qqq".into(),
            "cut short",
        ),
        invalid("no records", raw(&[]), "holds no public key"),
        invalid(
            "name before the key",
            raw(&[(1, b"Alice"), (0, &a)]),
            "holds no public key",
        ),
        invalid(
            "key of 31 bytes",
            raw(&[(0, &a[..31])]),
            "public key is 31 bytes, not 32",
        ),
        invalid(
            "key of small order",
            raw(&[(0, &[0u8; 32])]),
            "not a valid ed25519 public key",
        ),
        invalid("two keys", raw(&[(0, &a), (0, &a)]), "two public keys"),
        invalid(
            "two names",
            raw(&[(0, &a), (1, b"Alice"), (1, b"Ada")]),
            "two display names",
        ),
        invalid(
            "empty name",
            raw(&[(0, &a), (1, b"")]),
            "display name is empty",
        ),
        invalid(
            "name with a direction override",
            raw(&[(0, &a), (1, "evil\u{202E}moc".as_bytes())]),
            "display name holds a direction override (U+202E)",
        ),
        invalid(
            "name of 51 characters",
            raw(&[(0, &a), (1, "x".repeat(51).as_bytes())]),
            "display name has 51 characters",
        ),
        invalid(
            "name not UTF-8",
            raw(&[(0, &a), (1, b"\xff")]),
            "display name is not UTF-8",
        ),
        invalid(
            "relay without a peer id",
            raw(&[
                (0, &a),
                (2, relay_ws.as_bytes()),
                (2, b"/ip4/192.0.2.1/tcp/443/wss"),
            ]),
            "relay 2 is not a relay address: must end with /p2p/",
        ),
        invalid(
            "relay a browser cannot dial",
            raw(&[
                (0, &a),
                (
                    2,
                    format!("/ip4/192.0.2.1/tcp/4001/p2p/{}", peer_id(3)).as_bytes(),
                ),
            ]),
            "relay 1 is not a relay address: a browser can dial only",
        ),
        invalid(
            "relay not a multiaddr",
            raw(&[(0, &a), (2, b"https://relay.example.org")]),
            "relay 1 is not a relay address: not a multiaddr",
        ),
        invalid(
            "five relays",
            raw(&five_relays),
            "more than 4 relay addresses",
        ),
        invalid(
            "record longer than what remains",
            bech32::encode::<Bech32m>(HRP, &[&payload(&[(0, &a)])[..], &[1, 9, b'A']].concat())
                .unwrap(),
            "record 2 is cut short: it says 9 bytes, 1 remain",
        ),
        invalid(
            "record with a type but no length",
            bech32::encode::<Bech32m>(HRP, &[&payload(&[(0, &a)])[..], &[1]].concat()).unwrap(),
            "record 2 is cut short: it has a type but no length",
        ),
        invalid(
            "padding of 5 bits or more",
            padded(&[Fe32::Q, Fe32::Q], false),
            "does not end on a whole byte",
        ),
        invalid(
            "padding bits not zero",
            padded(&[], true),
            "does not end on a whole byte",
        ),
    ];
    let follow = vec![
        follow_box("an invite", named.clone(), Ok(&alice.to_base64())),
        follow_box(
            "a bare base64 key",
            format!(" {}\n", bob.to_base64()),
            Ok(&bob.to_base64()),
        ),
        follow_box(
            "a bare key of the wrong length",
            "AAAA".into(),
            Err("wrong_key_length"),
        ),
        follow_box(
            "neither an invite nor base64",
            "Alice".into(),
            Err("malformed_base64"),
        ),
        follow_box(
            "a mistyped invite",
            named[..named.len() - 1].to_string(),
            Err("malformed_invite"),
        ),
    ];
    let doc = json!({
        "description": "Phemossa invite test vectors (docs/protocol.md §11). Read each `invite` with the invite parser: a valid one must give `public_key` (base64), `display_name` (null when absent) and `relays`, and be written back as `written_as`; an invalid one must be refused with the error code `error`, the reason holding `reason_contains`. `follow_box` vectors are read with the follow box's parser, which also takes a bare base64 key.",
        "seeds": "Ed25519 secret seeds are 32 bytes of the same value: alice = 0x01 repeated, bob = 0x02 repeated; relays' peer ids are the keys of seeds 0x03 to 0x06.",
        "vectors": vectors,
        "follow_box": follow,
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap());
}
