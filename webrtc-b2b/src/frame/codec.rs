//! Length-prefixed `webrtc.pb.Message` frames.

use prost::encoding::encoded_len_varint;
use prost::Message as _;

use super::{Flag, Frame, MIN_FRAME_LEN};
use crate::length_prefix::{self, Limit};
use crate::{proto, Codec, Error};

/// Bytes `frame` takes on the wire with a flag `flag` (or none) and `data_len` bytes of data,
/// prefix included.
pub fn encoded_len(flag: Option<Flag>, data_len: usize) -> usize {
    // int32 values are varints of their sign-extended 64-bit form.
    let flag_len = flag.map_or(0, |f| 1 + encoded_len_varint(i64::from(f.to_wire()) as u64));
    let data_len = match data_len {
        0 => 0,
        n => 1 + encoded_len_varint(n as u64) + n,
    };
    let body = flag_len + data_len;
    length_prefix::prefix_len(body) + body
}

/// The most data one frame without a flag can carry within `max_frame_len` (0 if none fits).
pub fn max_payload(max_frame_len: usize) -> usize {
    // The overhead is at most 1 + 2 × 9 bytes, so this loop runs a handful of times.
    let mut n = max_frame_len;
    while n > 0 && encoded_len(None, n) > max_frame_len {
        n -= 1;
    }
    n
}

/// Encodes one frame with its length prefix; refuses one larger than `max_frame_len`. An
/// empty `data` is left out of the message, as js-libp2p does for flag-only frames.
pub fn encode_frame(frame: &Frame, max_frame_len: usize) -> Result<Vec<u8>, Error> {
    let len = encoded_len(frame.flag, frame.data.len());
    if len > max_frame_len {
        return Err(Error::OutboundTooLarge {
            codec: Codec::Frame,
            len,
            max: max_frame_len,
        });
    }
    let body = proto::FrameMessage {
        flag: frame.flag.map(Flag::to_wire),
        message: (!frame.data.is_empty()).then(|| frame.data.clone()),
    }
    .encode_to_vec();
    let mut out = Vec::with_capacity(len);
    length_prefix::put_prefix(&mut out, body.len());
    out.extend_from_slice(&body);
    debug_assert_eq!(out.len(), len);
    Ok(out)
}

/// Splits `data` into as few data frames as fit in `max_frame_len` each (raised to
/// [`MIN_FRAME_LEN`] if smaller); each is meant to be sent as one data-channel message.
/// No frames for empty data.
pub fn encode_data(data: &[u8], max_frame_len: usize) -> Vec<Vec<u8>> {
    let max_frame_len = max_frame_len.max(MIN_FRAME_LEN);
    let chunk = max_payload(max_frame_len);
    data.chunks(chunk)
        .map(|chunk| {
            let mut out = Vec::with_capacity(encoded_len(None, chunk.len()));
            let body_len = 1 + encoded_len_varint(chunk.len() as u64) + chunk.len();
            length_prefix::put_prefix(&mut out, body_len);
            // Field 2, wire type 2 (length-delimited): tag byte 0x12.
            out.push(0x12);
            length_prefix::put_prefix(&mut out, chunk.len());
            out.extend_from_slice(chunk);
            out
        })
        .collect()
}

/// Decodes one protobuf body (without its length prefix). Unknown fields are skipped and an
/// unknown flag value is kept as [`Flag::Unknown`].
pub fn decode_frame(body: &[u8]) -> Result<Frame, Error> {
    let raw = proto::FrameMessage::decode(body).map_err(|e| Error::MalformedProtobuf {
        codec: Codec::Frame,
        reason: e.to_string(),
    })?;
    Ok(Frame {
        flag: raw.flag.map(Flag::from_wire),
        data: raw.message.unwrap_or_default(),
    })
}

/// Splits the bytes received on a data channel into frames, whatever the message boundaries.
#[derive(Debug)]
pub struct FrameDecoder {
    inner: length_prefix::Decoder,
}

impl FrameDecoder {
    /// A decoder refusing frames longer than `max_frame_len`, prefix included.
    pub fn new(max_frame_len: usize) -> Self {
        Self {
            inner: length_prefix::Decoder::new(Codec::Frame, Limit::Total(max_frame_len)),
        }
    }

    /// Appends one received data-channel message.
    pub fn push(&mut self, bytes: &[u8]) {
        self.inner.push(bytes)
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed. After an error every call
    /// returns that error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        self.inner.next(decode_frame)
    }

    /// Bytes received but not yet returned in a frame.
    pub fn buffered(&self) -> usize {
        self.inner.buffered()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_DATA_PER_FRAME, MAX_FRAME_LEN};
    use super::*;

    #[test]
    fn flags_and_data_encode_per_the_spec() {
        for (flag, byte) in [
            (Flag::Fin, 0),
            (Flag::StopSending, 1),
            (Flag::ResetStream, 2),
            (Flag::FinAck, 3),
        ] {
            assert_eq!(
                encode_frame(&Frame::flag(flag), MAX_FRAME_LEN).unwrap(),
                [0x02, 0x08, byte]
            );
        }
        assert_eq!(
            encode_frame(&Frame::data(*b"hi"), MAX_FRAME_LEN).unwrap(),
            [0x04, 0x12, 0x02, b'h', b'i']
        );
        assert_eq!(
            encode_frame(
                &Frame {
                    flag: Some(Flag::Fin),
                    data: b"hi".to_vec()
                },
                MAX_FRAME_LEN
            )
            .unwrap(),
            [0x06, 0x08, 0x00, 0x12, 0x02, b'h', b'i']
        );
        assert_eq!(
            encode_frame(&Frame::default(), MAX_FRAME_LEN).unwrap(),
            [0x00]
        );
        assert_eq!(
            encode_frame(&Frame::flag(Flag::Unknown(-1)), MAX_FRAME_LEN)
                .unwrap()
                .len(),
            12
        );
    }

    #[test]
    fn the_largest_frames_are_exactly_16_kib() {
        assert_eq!(max_payload(MAX_FRAME_LEN), MAX_DATA_PER_FRAME);
        assert_eq!(encoded_len(None, MAX_DATA_PER_FRAME), MAX_FRAME_LEN);
        assert_eq!(encoded_len(None, MAX_DATA_PER_FRAME + 1), MAX_FRAME_LEN + 1);
        // The spec FAQ's case: a flag and data.
        assert_eq!(encoded_len(Some(Flag::Fin), 16_377), MAX_FRAME_LEN);
        let frame = Frame::data(vec![7; MAX_DATA_PER_FRAME]);
        let bytes = encode_frame(&frame, MAX_FRAME_LEN).unwrap();
        assert_eq!(bytes.len(), MAX_FRAME_LEN);
        assert_eq!(&bytes[..5], [0xfe, 0x7f, 0x12, 0xfb, 0x7f]);
        assert_eq!(
            encode_frame(&Frame::data(vec![7; MAX_DATA_PER_FRAME + 1]), MAX_FRAME_LEN),
            Err(Error::OutboundTooLarge {
                codec: Codec::Frame,
                len: MAX_FRAME_LEN + 1,
                max: MAX_FRAME_LEN
            })
        );
    }

    #[test]
    fn max_payload_fits_for_every_limit() {
        for max in 0..3000 {
            let n = max_payload(max);
            if n > 0 {
                assert!(encoded_len(None, n) <= max, "{max}");
            }
            assert!(encoded_len(None, n + 1) > max, "{max}");
        }
        assert_eq!(max_payload(8 * 1024), 8 * 1024 - 5);
    }

    #[test]
    fn encode_data_splits_to_fit() {
        let data: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
        let frames = encode_data(&data, MAX_FRAME_LEN);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].len(), MAX_FRAME_LEN);
        assert_eq!(frames[1].len(), MAX_FRAME_LEN);
        let mut decoder = FrameDecoder::new(MAX_FRAME_LEN);
        let mut back = Vec::new();
        for frame in &frames {
            assert!(frame.len() <= MAX_FRAME_LEN);
            decoder.push(frame);
            let decoded = decoder.next_frame().unwrap().unwrap();
            assert_eq!(decoded.flag, None);
            back.extend(decoded.data);
        }
        assert_eq!(back, data);
        assert!(encode_data(&[], MAX_FRAME_LEN).is_empty());
        // A limit below the minimum is raised, never an endless loop.
        let frames = encode_data(b"abcdefghijklmnopqrstuvwxyz", 0);
        assert!(frames.iter().all(|f| f.len() <= MIN_FRAME_LEN));
        assert_eq!(frames.len(), 2);
    }

    #[test]
    fn decode_keeps_unknown_flags_and_skips_unknown_fields() {
        assert_eq!(
            decode_frame(&[0x08, 0x07]),
            Ok(Frame::flag(Flag::Unknown(7)))
        );
        assert_eq!(decode_frame(&[]), Ok(Frame::default()));
        assert_eq!(decode_frame(&[0x12, 0x00]), Ok(Frame::default()));
        assert_eq!(
            decode_frame(&[0x12, 0x01, b'x', 0x18, 0x01, 0x08, 0x00]),
            Ok(Frame {
                flag: Some(Flag::Fin),
                data: b"x".to_vec()
            })
        );
    }

    #[test]
    fn decode_refuses_malformed_protobuf() {
        for body in [
            &[0x08][..],
            &[0x12, 0x02, 0x00],
            &[0x10, 0x01],
            &[0x0a, 0x00],
            &[0x0f],
        ] {
            assert!(
                matches!(
                    decode_frame(body),
                    Err(Error::MalformedProtobuf {
                        codec: Codec::Frame,
                        ..
                    })
                ),
                "{body:02x?}"
            );
        }
    }

    #[test]
    fn decoder_refuses_frames_over_the_limit_counting_the_prefix() {
        let mut d = FrameDecoder::new(MAX_FRAME_LEN);
        d.push(&[0xfe, 0x7f]); // 16 382 + 2 = 16 384: waits for the body
        assert_eq!(d.next_frame(), Ok(None));
        let mut d = FrameDecoder::new(MAX_FRAME_LEN);
        d.push(&[0xff, 0x7f]); // 16 383 + 2
        assert_eq!(
            d.next_frame(),
            Err(Error::MessageTooLarge {
                codec: Codec::Frame,
                len: 16_385,
                max: MAX_FRAME_LEN
            })
        );
    }
}
