//! Length-prefixed signaling messages.

use prost::Message as _;

use super::{Message, MessageType};
use crate::length_prefix::{self, Limit};
use crate::{proto, Codec, Error};

/// Encodes `message` with its length prefix. `type` is always written, so an SDP_OFFER body
/// starts `08 00`. Refuses a body longer than `max_len`.
pub fn encode(message: &Message, max_len: usize) -> Result<Vec<u8>, Error> {
    let body = proto::SignalingMessage {
        r#type: Some(message.kind.to_wire()),
        data: message.data.as_ref().map(|d| d.as_bytes().to_vec()),
    }
    .encode_to_vec();
    if body.len() > max_len {
        return Err(Error::OutboundTooLarge {
            codec: Codec::Signaling,
            len: body.len(),
            max: max_len,
        });
    }
    let mut out = Vec::with_capacity(length_prefix::prefix_len(body.len()) + body.len());
    length_prefix::put_prefix(&mut out, body.len());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes one protobuf body (without its length prefix). Unknown fields are skipped, as
/// protobuf requires; a missing or unknown `type` and non-UTF-8 `data` are refused.
pub fn decode(body: &[u8]) -> Result<Message, Error> {
    let raw = proto::SignalingMessage::decode(body).map_err(|e| Error::MalformedProtobuf {
        codec: Codec::Signaling,
        reason: e.to_string(),
    })?;
    let wire = raw.r#type.ok_or(Error::MissingType)?;
    let kind = MessageType::from_wire(wire).ok_or(Error::UnknownType(wire))?;
    let data = match raw.data {
        None => None,
        Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| Error::InvalidUtf8 { kind })?),
    };
    Ok(Message { kind, data })
}

/// Splits the bytes read from a signaling stream into messages, however they arrive.
#[derive(Debug)]
pub struct Decoder {
    inner: length_prefix::Decoder,
}

impl Decoder {
    /// A decoder refusing bodies longer than `max_len`.
    pub fn new(max_len: usize) -> Self {
        Self {
            inner: length_prefix::Decoder::new(Codec::Signaling, Limit::Body(max_len)),
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.inner.push(bytes)
    }

    /// The next complete message, `Ok(None)` if more bytes are needed. After an error every
    /// call returns that error: the stream cannot be resynchronised.
    pub fn next_message(&mut self) -> Result<Option<Message>, Error> {
        self.inner.next(decode)
    }

    /// Call when the stream has ended: the error if it ended inside a message.
    pub fn check_end(&self) -> Option<Error> {
        self.inner.check_end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_puts_its_type_on_the_wire_even_though_it_is_zero() {
        let bytes = encode(&Message::offer("v=0"), 100).unwrap();
        assert_eq!(bytes, [0x07, 0x08, 0x00, 0x12, 0x03, b'v', b'=', b'0']);
        let bytes = encode(
            &Message {
                kind: MessageType::SdpOffer,
                data: None,
            },
            100,
        )
        .unwrap();
        assert_eq!(bytes, [0x02, 0x08, 0x00]);
    }

    #[test]
    fn answer_and_candidate_encode_their_type() {
        assert_eq!(
            encode(&Message::answer("a"), 100).unwrap(),
            [5, 0x08, 1, 0x12, 1, b'a']
        );
        assert_eq!(
            encode(&Message::candidate("{}"), 100).unwrap(),
            [6, 0x08, 2, 0x12, 2, b'{', b'}']
        );
    }

    #[test]
    fn encode_refuses_a_body_over_the_maximum() {
        // Body: 08 00 12 05 + 5 bytes = 9.
        assert!(encode(&Message::offer("12345"), 9).is_ok());
        assert_eq!(
            encode(&Message::offer("123456"), 9),
            Err(Error::OutboundTooLarge {
                codec: Codec::Signaling,
                len: 10,
                max: 9
            })
        );
    }

    #[test]
    fn decode_refusals() {
        assert_eq!(decode(&[]), Err(Error::MissingType));
        assert_eq!(decode(&[0x12, 0x01, b'x']), Err(Error::MissingType));
        assert_eq!(decode(&[0x08, 0x03]), Err(Error::UnknownType(3)));
        // -1 as a ten-byte varint.
        let minus_one = [
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(decode(&minus_one), Err(Error::UnknownType(-1)));
        assert_eq!(
            decode(&[0x08, 0x01, 0x12, 0x01, 0xff]),
            Err(Error::InvalidUtf8 {
                kind: MessageType::SdpAnswer
            })
        );
        for malformed in [
            &[0x08][..],               // varint cut short
            &[0x08, 0x00, 0x12, 0x05], // data shorter than its length
            &[0x0a, 0x00],             // field 1 with the wrong wire type
            &[0x07],                   // wire type 7 does not exist
            &[0x00, 0x00],             // field number 0
        ] {
            assert!(
                matches!(
                    decode(malformed),
                    Err(Error::MalformedProtobuf {
                        codec: Codec::Signaling,
                        ..
                    })
                ),
                "{malformed:02x?}"
            );
        }
    }

    #[test]
    fn decode_keeps_absent_and_empty_data_apart_and_skips_unknown_fields() {
        assert_eq!(
            decode(&[0x08, 0x02]),
            Ok(Message {
                kind: MessageType::IceCandidate,
                data: None
            })
        );
        assert_eq!(
            decode(&[0x08, 0x02, 0x12, 0x00]),
            Ok(Message {
                kind: MessageType::IceCandidate,
                data: Some(String::new())
            })
        );
        // Field 3 (varint) and field 4 (bytes) are skipped; data before type is fine.
        assert_eq!(
            decode(&[0x12, 0x01, b'x', 0x18, 0x05, 0x22, 0x01, 0x00, 0x08, 0x01]),
            Ok(Message::answer("x"))
        );
    }

    #[test]
    fn decoder_splits_a_stream_into_messages() {
        let mut stream = encode(&Message::offer("o"), 100).unwrap();
        stream.extend(encode(&Message::candidate("{}"), 100).unwrap());
        let mut d = Decoder::new(100);
        let mut out = Vec::new();
        for byte in &stream {
            d.push(std::slice::from_ref(byte));
            while let Some(m) = d.next_message().unwrap() {
                out.push(m);
            }
        }
        assert_eq!(out, [Message::offer("o"), Message::candidate("{}")]);
        assert_eq!(d.check_end(), None);
    }
}
