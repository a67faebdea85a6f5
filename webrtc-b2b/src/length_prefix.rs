//! The unsigned-varint length prefix both wire formats put before each protobuf message
//! (multiformats unsigned-varint: little-endian base 128, minimal, at most 9 bytes).

use crate::{Codec, Error};

/// The multiformats spec caps an unsigned varint at 9 bytes (63 bits).
const MAX_VARINT_BYTES: usize = 9;

/// What the maximum of a [`Decoder`] counts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// The protobuf body only (signaling).
    Body(usize),
    /// Prefix and body together (frames: "including their length prefix").
    Total(usize),
}

/// Appends the prefix for a body of `len` bytes.
pub(crate) fn put_prefix(out: &mut Vec<u8>, len: usize) {
    let mut buf = unsigned_varint::encode::u64_buffer();
    out.extend_from_slice(unsigned_varint::encode::u64(len as u64, &mut buf));
}

/// Bytes the prefix for a body of `len` bytes takes.
pub(crate) fn prefix_len(len: usize) -> usize {
    let mut buf = unsigned_varint::encode::u64_buffer();
    unsigned_varint::encode::u64(len as u64, &mut buf).len()
}

/// Splits a byte stream into message bodies, however the bytes arrive: a message may span
/// several pushes, and one push may hold several messages. Holds at most what was pushed and
/// not yet taken out. After the first error it is poisoned and returns that error forever, as
/// there is no way to find the next message boundary.
#[derive(Debug)]
pub(crate) struct Decoder {
    codec: Codec,
    limit: Limit,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    start: usize,
    failed: Option<Error>,
}

impl Decoder {
    pub(crate) fn new(codec: Codec, limit: Limit) -> Self {
        Self {
            codec,
            limit,
            buf: Vec::new(),
            start: 0,
            failed: None,
        }
    }

    /// Appends received bytes. Ignored once the decoder has failed.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes pushed but not yet returned as part of a message.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Takes the next complete message body out, if one has arrived, and decodes it with
    /// `decode`. An error from `decode` poisons the decoder like a framing error.
    pub(crate) fn next<T>(
        &mut self,
        decode: impl FnOnce(&[u8]) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let pending = &self.buf[self.start..];
        let (len, rest) = match unsigned_varint::decode::u64(pending) {
            Ok(ok) => ok,
            Err(unsigned_varint::decode::Error::Insufficient) => return Ok(None),
            Err(_) => return Err(self.fail(Error::MalformedLength { codec: self.codec })),
        };
        let prefix = pending.len() - rest.len();
        if prefix > MAX_VARINT_BYTES {
            return Err(self.fail(Error::MalformedLength { codec: self.codec }));
        }
        let (counted, max) = match self.limit {
            Limit::Body(max) => (len, max),
            Limit::Total(max) => (len.saturating_add(prefix as u64), max),
        };
        if counted > max as u64 {
            return Err(self.fail(Error::MessageTooLarge {
                codec: self.codec,
                len: counted,
                max,
            }));
        }
        // `len <= max`, which is a usize, so this cannot truncate.
        let len = len as usize;
        if rest.len() < len {
            return Ok(None);
        }
        let body_start = self.start + prefix;
        let decoded = decode(&self.buf[body_start..body_start + len]);
        self.start = body_start + len;
        match decoded {
            Ok(value) => Ok(Some(value)),
            Err(error) => Err(self.fail(error)),
        }
    }

    /// The error for a stream that ended now: `None` if it ended between messages.
    pub(crate) fn check_end(&self) -> Option<Error> {
        if let Some(error) = &self.failed {
            return Some(error.clone());
        }
        match self.buffered() {
            0 => None,
            buffered => Some(Error::Truncated {
                codec: self.codec,
                buffered,
            }),
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.failed = Some(error.clone());
        self.buf = Vec::new();
        self.start = 0;
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(d: &mut Decoder) -> Result<Option<Vec<u8>>, Error> {
        d.next(|b| Ok(b.to_vec()))
    }

    #[test]
    fn prefix_round_trips_and_is_minimal() {
        for len in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 20] {
            let mut out = Vec::new();
            put_prefix(&mut out, len);
            assert_eq!(out.len(), prefix_len(len));
            let (back, rest) = unsigned_varint::decode::u64(&out).unwrap();
            assert_eq!(back, len as u64);
            assert!(rest.is_empty());
        }
        let mut out = Vec::new();
        put_prefix(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
    }

    #[test]
    fn waits_for_a_split_prefix_and_body() {
        let mut d = Decoder::new(Codec::Frame, Limit::Body(1000));
        d.push(&[0x82]);
        assert_eq!(body(&mut d), Ok(None));
        d.push(&[0x01]); // 130
        assert_eq!(body(&mut d), Ok(None));
        d.push(&[7; 129]);
        assert_eq!(body(&mut d), Ok(None));
        assert_eq!(
            d.check_end(),
            Some(Error::Truncated {
                codec: Codec::Frame,
                buffered: 131
            })
        );
        d.push(&[7, 0x01, 9]);
        assert_eq!(body(&mut d), Ok(Some(vec![7; 130])));
        assert_eq!(body(&mut d), Ok(Some(vec![9])));
        assert_eq!(body(&mut d), Ok(None));
        assert_eq!(d.check_end(), None);
    }

    #[test]
    fn refuses_non_minimal_and_overlong_prefixes_and_stays_failed() {
        let mut d = Decoder::new(Codec::Signaling, Limit::Body(1000));
        d.push(&[0x81, 0x00]);
        let error = Error::MalformedLength {
            codec: Codec::Signaling,
        };
        assert_eq!(body(&mut d), Err(error.clone()));
        d.push(&[0x00]);
        assert_eq!(body(&mut d), Err(error.clone()));
        assert_eq!(d.check_end(), Some(error));

        // Ten bytes: one more than the multiformats spec allows, even if the value is small.
        let mut d = Decoder::new(Codec::Signaling, Limit::Body(1000));
        d.push(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
        assert_eq!(
            body(&mut d),
            Err(Error::MalformedLength {
                codec: Codec::Signaling
            })
        );
        let mut d = Decoder::new(Codec::Signaling, Limit::Body(1000));
        d.push(&[0xff; 10]);
        assert_eq!(
            body(&mut d),
            Err(Error::MalformedLength {
                codec: Codec::Signaling
            })
        );
    }

    #[test]
    fn refuses_oversized_before_the_body_arrives() {
        let mut d = Decoder::new(Codec::Signaling, Limit::Body(10));
        d.push(&[11]);
        assert_eq!(
            body(&mut d),
            Err(Error::MessageTooLarge {
                codec: Codec::Signaling,
                len: 11,
                max: 10
            })
        );
        let mut d = Decoder::new(Codec::Frame, Limit::Total(10));
        d.push(&[9]); // 1 + 9 = 10: allowed
        d.push(&[0; 9]);
        assert_eq!(body(&mut d), Ok(Some(vec![0; 9])));
        d.push(&[10]); // 1 + 10 = 11
        assert_eq!(
            body(&mut d),
            Err(Error::MessageTooLarge {
                codec: Codec::Frame,
                len: 11,
                max: 10
            })
        );
        let mut d = Decoder::new(Codec::Frame, Limit::Total(10));
        d.push(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(body(&mut d), Err(Error::MessageTooLarge { .. })));
    }

    #[test]
    fn a_decode_error_poisons() {
        let mut d = Decoder::new(Codec::Frame, Limit::Body(10));
        d.push(&[1, 0, 1, 0]);
        let bad = Error::MalformedProtobuf {
            codec: Codec::Frame,
            reason: "x".into(),
        };
        assert_eq!(d.next(|_| Err::<(), _>(bad.clone())), Err(bad.clone()));
        assert_eq!(body(&mut d), Err(bad));
    }
}
