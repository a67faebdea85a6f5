#!/usr/bin/env python3
"""Writes vectors.json: wire bytes built from the spec text alone, with a protobuf encoder of
its own (not the crate's), so that the crate and other implementations can check against them.

Run from this directory: python3 make_vectors.py > vectors.json
"""
import json


def varint(n):
    if n < 0:
        n += 1 << 64  # protobuf int32/enum: sign-extended to 64 bits
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, value):
    return bytes([field << 3 | 0]) + varint(value)


def f_bytes(field, value):
    return bytes([field << 3 | 2]) + varint(len(value)) + value


def prefixed(body):
    return varint(len(body)) + body


def signal(kind, data=None):
    body = f_varint(1, kind)  # type always written, also 0 (SDP_OFFER)
    if data is not None:
        body += f_bytes(2, data.encode())
    return prefixed(body)


def frame(flag=None, data=b""):
    body = b""
    if flag is not None:
        body += f_varint(1, flag)
    if data:
        body += f_bytes(2, data)
    return prefixed(body)


OFFER = ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
         "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
         "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\na=ice-options:trickle\r\n"
         "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
         "a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n")
ANSWER = OFFER.replace("a=setup:actpass", "a=setup:active").replace("EsAw", "Xq9m")
HOST = ('{"candidate":"candidate:1467250027 1 udp 2122260223 192.168.1.2 46243 typ host '
        'generation 0 ufrag EsAw network-id 1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}')
SRFLX = ('{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 46243 typ srflx raddr 192.168.1.2 '
         'rport 46243 generation 0 ufrag Xq9m network-id 1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Xq9m"}')


def v(name, raw, **kw):
    return dict(name=name, hex=raw.hex(), **kw)


signaling_valid = [
    v("SDP_OFFER: type 0 is written explicitly (08 00); 2-byte length prefix", signal(0, OFFER),
      type=0, data=OFFER, canonical=True),
    v("SDP_ANSWER", signal(1, ANSWER), type=1, data=ANSWER, canonical=True),
    v("ICE_CANDIDATE: host candidate", signal(2, HOST), type=2, data=HOST, canonical=True),
    v("ICE_CANDIDATE: server-reflexive candidate", signal(2, SRFLX), type=2, data=SRFLX, canonical=True),
    v("short SDP_OFFER", signal(0, "v=0"), type=0, data="v=0", canonical=True),
    v("ICE_CANDIDATE without data (end of candidates)", signal(2), type=2, data=None, canonical=True),
    v("ICE_CANDIDATE with empty data", signal(2, ""), type=2, data="", canonical=True),
    v("fields in reverse order", prefixed(f_bytes(2, b"v=0") + f_varint(1, 1)),
      type=1, data="v=0", canonical=False),
    v("unknown fields 3 (varint) and 4 (bytes) are skipped",
      prefixed(f_varint(1, 2) + f_varint(3, 9) + f_bytes(4, b"xy") + f_bytes(2, b"null")),
      type=2, data="null", canonical=False),
]

signaling_invalid = [
    v("no type field (an offer without 08 00)", prefixed(f_bytes(2, b"v=0")), error="missing_type"),
    v("empty body", prefixed(b""), error="missing_type"),
    v("unknown type 3", prefixed(f_varint(1, 3)), error="unknown_type"),
    v("negative type -1", prefixed(f_varint(1, -1)), error="unknown_type"),
    v("data is not UTF-8", prefixed(f_varint(1, 1) + bytes([0x12, 0x01, 0xFF])), error="invalid_utf8"),
    v("data field cut short inside the body", prefixed(f_varint(1, 0) + bytes([0x12, 0x05])),
      error="malformed_protobuf"),
    v("type with the length-delimited wire type", prefixed(bytes([0x0A, 0x00])), error="malformed_protobuf"),
    v("non-minimal length prefix", bytes([0x82, 0x00]) + f_varint(1, 0), error="malformed_length"),
    v("length prefix of 10 bytes", bytes([0x80] * 9 + [0x01]), error="malformed_length"),
    v("announces 65 537 bytes, over the 64 KiB default", varint(65537), error="message_too_large"),
    v("stream ends inside a message", signal(0, "v=0")[:-1], error="incomplete"),
]

def signal_size(name, body_len):
    # body = 08 00, 12, varint(n), n bytes of data
    n = body_len - 3
    while 3 + len(varint(n)) + n > body_len:
        n -= 1
    assert 3 + len(varint(n)) + n == body_len
    h = varint(body_len) + f_varint(1, 0) + bytes([0x12]) + varint(n)
    return dict(name=name, type=0, data_byte_hex="78", data_len=n, body_len=body_len,
                head_hex=h.hex(), accepted=body_len <= 65536)


signaling_sizes = [
    signal_size("SDP_OFFER whose body is exactly 65 536 bytes: accepted", 65536),
    signal_size("SDP_OFFER whose body is 65 537 bytes: refused", 65537),
]

candidates = [
    dict(name="host candidate", data=HOST, result="candidate"),
    dict(name="server-reflexive candidate", data=SRFLX, result="candidate"),
    dict(name="optional members null, extra member", data='{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null,"x":1}', result="candidate"),
    dict(name="absent data", data=None, result="end_of_candidates"),
    dict(name="empty data", data="", result="end_of_candidates"),
    dict(name="JSON null", data="null", result="end_of_candidates"),
    dict(name="JSON empty string", data='""', result="end_of_candidates"),
    dict(name="empty candidate string (W3C end-of-candidates)", data='{"candidate":"","sdpMid":"0","sdpMLineIndex":0}', result="end_of_candidates"),
    dict(name="bare candidate line, not JSON", data="candidate:1 1 udp 1 10.0.0.1 9 typ host", result="invalid"),
    dict(name="JSON array", data="[]", result="invalid"),
    dict(name="JSON string with a candidate line", data='"candidate:1 1 udp 1 10.0.0.1 9 typ host"', result="invalid"),
    dict(name="object without candidate", data='{"sdpMid":"0"}', result="invalid"),
    dict(name="candidate not a string", data='{"candidate":1}', result="invalid"),
    dict(name="sdpMid not a string", data='{"candidate":"c","sdpMid":0}', result="invalid"),
    dict(name="sdpMLineIndex negative", data='{"candidate":"c","sdpMLineIndex":-1}', result="invalid"),
    dict(name="sdpMLineIndex over 65535", data='{"candidate":"c","sdpMLineIndex":65536}', result="invalid"),
    dict(name="usernameFragment not a string", data='{"candidate":"c","usernameFragment":false}', result="invalid"),
]

D200 = bytes(range(200))
frames_valid = [
    v("FIN", frame(0), flag=0, data_hex="", canonical=True),
    v("STOP_SENDING", frame(1), flag=1, data_hex="", canonical=True),
    v("RESET_STREAM", frame(2), flag=2, data_hex="", canonical=True),
    v("FIN_ACK", frame(3), flag=3, data_hex="", canonical=True),
    v("data", frame(None, b"hello"), flag=None, data_hex=b"hello".hex(), canonical=True),
    v("200 bytes of data: 2-byte prefix and field length", frame(None, D200), flag=None, data_hex=D200.hex(), canonical=True),
    v("data and FIN in one frame", frame(0, b"bye"), flag=0, data_hex=b"bye".hex(), canonical=True),
    v("empty message", frame(), flag=None, data_hex="", canonical=True),
    v("unknown flag 4 (ignored by receivers)", frame(4), flag=4, data_hex="", canonical=True),
    v("message field present but empty", prefixed(f_bytes(2, b"")), flag=None, data_hex="", canonical=False),
    v("fields in reverse order, unknown field 3 skipped",
      prefixed(f_bytes(2, b"x") + f_varint(3, 1) + f_varint(1, 3)), flag=3, data_hex=b"x".hex(), canonical=False),
]


def head(flag, n):
    body_len = (0 if flag is None else len(f_varint(1, flag))) + 1 + len(varint(n)) + n
    h = varint(body_len)
    if flag is not None:
        h += f_varint(1, flag)
    return (h + bytes([0x12]) + varint(n)).hex(), len(varint(body_len)) + body_len


frames_sizes = []
for name, flag, n in [
    ("largest data frame: 16 379 bytes of data, 16 384 on the wire", None, 16379),
    ("data frame one byte too large: 16 385 on the wire", None, 16380),
    ("largest frame with FIN and data (the spec FAQ's 16 384 - 7)", 0, 16377),
]:
    h, total = head(flag, n)
    frames_sizes.append(dict(name=name, flag=flag, data_byte_hex="ab", data_len=n, encoded_len=total,
                             head_hex=h, accepted=total <= 16384))

frames_invalid = [
    v("announces 16 383 bytes: 16 385 with its prefix", bytes([0xFF, 0x7F]), error="message_too_large"),
    v("flag varint cut short", prefixed(bytes([0x08])), error="malformed_protobuf"),
    v("message with the varint wire type", prefixed(bytes([0x10, 0x01])), error="malformed_protobuf"),
    v("message longer than the body", prefixed(bytes([0x12, 0x05, 0x00])), error="malformed_protobuf"),
    v("non-minimal length prefix", bytes([0x80, 0x00]), error="malformed_length"),
    v("stream ends inside a frame", frame(None, b"hello")[:-2], error="incomplete"),
]

print(json.dumps({
    "about": "Wire vectors for libp2p WebRTC browser-to-browser: /webrtc-signaling/0.0.1 messages "
             "(libp2p/specs webrtc/webrtc.md) and data-channel frames (webrtc/README.md, Multiplexing). "
             "Every message is an unsigned-varint length prefix and a protobuf body. 'canonical' vectors are "
             "what an encoder should produce byte for byte. For 'sizes', the bytes are head_hex followed by "
             "data_len copies of data_byte_hex. 'candidates' gives how the data of an ICE_CANDIDATE is read. "
             "Error names: missing_type, unknown_type, invalid_utf8, malformed_protobuf, malformed_length, "
             "message_too_large, incomplete (more bytes needed; at the end of the stream: truncated).",
    "generator": "make_vectors.py",
    "signaling": {
        "max_message_len": 65536,
        "max_counts": "protobuf body, not the prefix",
        "valid": signaling_valid,
        "invalid": signaling_invalid,
        "sizes": signaling_sizes,
        "candidates": candidates,
    },
    "frames": {
        "max_frame_len": 16384,
        "max_counts": "prefix and body",
        "valid": frames_valid,
        "invalid": frames_invalid,
        "sizes": frames_sizes,
    },
}, indent=1))
