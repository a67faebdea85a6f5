#!/usr/bin/env python3
"""Writes docs/work-test-vectors.json: events with proof of work (docs/protocol.md section 5.5)
and the verdict each must get. Written from the protocol text alone, with Python's hashlib and
the cryptography package, not the Rust code, so the vectors check the implementation against
the specification. Run: python3 core/tests/make_work_vectors.py > docs/work-test-vectors.json"""

import base64
import hashlib
import json
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

TIMESTAMP = 1767225600000


def key(seed_byte):
    private = Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, public


def b64(data):
    return base64.b64encode(data).decode()


def zero_bits(digest):
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def post_prefix(author, timestamp, text, mentions):
    out = b"phemossa.event" + bytes([1, 0x01]) + author + struct.pack(">Q", timestamp)
    encoded = text.encode()
    out += struct.pack(">I", len(encoded)) + encoded
    out += struct.pack(">H", len(mentions)) + b"".join(mentions)
    return out + b"\x00"  # no reply_to


def reaction_prefix(author, timestamp, target, target_author, emoji):
    out = b"phemossa.event" + bytes([1, 0x07]) + author + struct.pack(">Q", timestamp)
    encoded = emoji.encode()
    return out + target + target_author + bytes([len(encoded)]) + encoded


def with_work(prefix, bits, nonce):
    return prefix + bytes([bits]) + struct.pack(">Q", nonce)


def mine(prefix, bits):
    nonce = 0
    while zero_bits(hashlib.sha256(with_work(prefix, bits, nonce)).digest()) < bits:
        nonce += 1
    return nonce


def event(private, public, kind, timestamp, content, canonical, work):
    digest = hashlib.sha256(canonical).digest()
    out = {
        "v": 1,
        "id": digest.hex(),
        "type": kind,
        "author": b64(public),
        "timestamp": timestamp,
        "signature": b64(private.sign(digest)),
        "content": content,
    }
    if work is not None:
        out["work"] = work
    return out, digest


def main():
    alice, alice_key = key(0x01)
    _, bob_key = key(0x02)
    text = "Hello, stranger: a reply that paid its way."
    prefix = post_prefix(alice_key, TIMESTAMP, text, [bob_key])
    content = {"text": text, "mentions": [b64(bob_key)], "reply_to": None}
    vectors = []

    nonce = mine(prefix, 12)
    canonical = with_work(prefix, 12, nonce)
    post, post_id = event(alice, alice_key, "post", TIMESTAMP, content, canonical, {"bits": 12, "nonce": nonce})
    vectors.append({"name": "post with 12 bits of work", "event": post, "valid": True,
                    "canonical_hex": canonical.hex(), "prefix_hex": prefix.hex(),
                    "zero_bits": zero_bits(post_id)})

    target = bytes.fromhex("ab" * 32)
    r_prefix = reaction_prefix(alice_key, TIMESTAMP + 1000, target, bob_key, "🎉")
    r_nonce = mine(r_prefix, 10)
    r_canonical = with_work(r_prefix, 10, r_nonce)
    r_content = {"target": target.hex(), "target_author": b64(bob_key), "emoji": "🎉"}
    reaction, reaction_id = event(alice, alice_key, "reaction", TIMESTAMP + 1000, r_content, r_canonical,
                                  {"bits": 10, "nonce": r_nonce})
    vectors.append({"name": "reaction with 10 bits of work", "event": reaction, "valid": True,
                    "canonical_hex": r_canonical.hex(), "prefix_hex": r_prefix.hex(),
                    "zero_bits": zero_bits(reaction_id)})

    # A claim its id does not hold: a nonce whose id has fewer than 16 zero bits, signed.
    false_nonce = 0
    while zero_bits(hashlib.sha256(with_work(prefix, 16, false_nonce)).digest()) >= 16:
        false_nonce += 1
    false, _ = event(alice, alice_key, "post", TIMESTAMP, content, with_work(prefix, 16, false_nonce),
                     {"bits": 16, "nonce": false_nonce})
    vectors.append({"name": "claims 16 bits its id does not have", "event": false, "valid": False,
                    "error": "work_not_done"})

    for name, bits, nonce in [("claims 0 bits", 0, 5), ("claims 33 bits", 33, 5),
                              ("nonce past 2^53 - 1", 8, 2 ** 53)]:
        bad, _ = event(alice, alice_key, "post", TIMESTAMP, content, with_work(prefix, bits, nonce),
                       {"bits": bits, "nonce": nonce})
        vectors.append({"name": name, "event": bad, "valid": False, "error": "malformed_work"})

    # The same post with its work taken away: the id no longer matches the encoding.
    stripped = dict(post)
    del stripped["work"]
    vectors.append({"name": "work removed from a post that had it", "event": stripped, "valid": False,
                    "error": "id_mismatch"})
    nulled = dict(post)
    nulled["work"] = None
    vectors.append({"name": "work null", "event": nulled, "valid": False, "error": "malformed_event"})
    extra = dict(post)
    extra["work"] = {"bits": 12, "nonce": nonce, "target": 20}
    vectors.append({"name": "work with an unknown field", "event": extra, "valid": False,
                    "error": "malformed_event"})

    # A repost whose original claims work its id does not have.
    repost_ts = TIMESTAMP + 5000
    _, carol_key = key(0x03)
    carol, _ = key(0x03)
    repost_canonical = (b"phemossa.event" + bytes([1, 0x08]) + carol_key + struct.pack(">Q", repost_ts)
                        + bytes.fromhex(false["id"]))
    repost, _ = event(carol, carol_key, "repost", repost_ts, false, repost_canonical, None)
    vectors.append({"name": "repost of an original whose work claim does not hold", "event": repost,
                    "valid": False, "error": "repost_original_invalid"})

    print(json.dumps({
        "description": "Proof of work (docs/protocol.md section 5.5) test vectors: each event's JSON and "
                       "the verdict it must get, validated at now = timestamp + 10 s. Keys are ed25519 "
                       "from 32-byte seeds (0x01 repeated is the author, 0x02 the one addressed, 0x03 a "
                       "reposter). Generated independently of the Rust code by core/tests/make_work_vectors.py, "
                       "with Python's hashlib and cryptography package.",
        "now": TIMESTAMP + 10000,
        "vectors": vectors,
    }, indent=2, ensure_ascii=False))


main()
