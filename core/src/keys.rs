//! The fixed-size values events are made of, and their one text form each: public keys and
//! signatures in padded standard base64, event ids and blob hashes in lowercase hex.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An ed25519 public key: the canonical encoding of a curve point of large order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey([u8; 32]);

/// A key is looked up by its bytes in a set of keys (`event::VerifiedIds`): the derived `Hash`
/// and `Eq` are those of the bytes.
impl std::borrow::Borrow<[u8; 32]> for PublicKey {
    fn borrow(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A SHA-256 digest written as 64 lowercase hex characters: the one form of every hash that
/// names something (an event by its canonical encoding, a blob by its bytes). One macro, so the
/// two kinds share their checks but never mix: a blob hash cannot be passed as an event id.
macro_rules! sha256_name {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 32]);

        impl $name {
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            pub fn from_hex(text: &str, field: &'static str) -> Result<Self, Error> {
                let lowercase = text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if text.len() != 64 || !lowercase {
                    return Err(Error::MalformedId { field });
                }
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text, &mut bytes).map_err(|_| Error::MalformedId { field })?;
                Ok(Self(bytes))
            }

            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_hex())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::from_hex(&text, $what).map_err(serde::de::Error::custom)
            }
        }
    };
}

sha256_name!(
    /// SHA-256 of an event's canonical encoding.
    EventId,
    "event id"
);

sha256_name!(
    /// SHA-256 of a blob's bytes (an image): what a profile's avatar names.
    BlobHash,
    "blob hash"
);

/// An ed25519 signature over an event id.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

/// Decodes strict base64: padding required, no whitespace, no stray trailing bits, so that every
/// value has exactly one accepted text form.
fn decode_base64(text: &str, field: &'static str) -> Result<Vec<u8>, Error> {
    STANDARD
        .decode(text)
        .map_err(|_| Error::MalformedBase64 { field })
}

impl PublicKey {
    /// Accepts only the canonical encoding of a point of large order. A small-order ("weak")
    /// key lets anyone forge signatures that verify under it, and a non-canonical encoding would
    /// give one point two author names, so both are refused as `invalid_key`.
    pub fn from_bytes(bytes: [u8; 32], field: &'static str) -> Result<Self, Error> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| Error::InvalidKey { field })?;
        let canonical = key.to_edwards().compress().to_bytes() == bytes;
        if key.is_weak() || !canonical {
            return Err(Error::InvalidKey { field });
        }
        Ok(Self(bytes))
    }

    /// The smallest value in `PublicKey` order, used only as a bound for range scans: it is
    /// not a valid key and must never be stored or verified against.
    pub(crate) const RANGE_MIN: PublicKey = PublicKey([0; 32]);

    pub fn from_base64(text: &str, field: &'static str) -> Result<Self, Error> {
        Self::from_bytes(Self::bytes_from_base64(text, field)?, field)
    }

    /// The 32 bytes `text` encodes, before any check that they are a key.
    pub(crate) fn bytes_from_base64(text: &str, field: &'static str) -> Result<[u8; 32], Error> {
        let bytes = decode_base64(text, field)?;
        let len = bytes.len();
        bytes
            .try_into()
            .map_err(|_| Error::WrongKeyLength { field, len })
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short, recognisable form for display: the first 8 base64 characters.
    pub fn short(&self) -> String {
        let mut text = self.to_base64();
        text.truncate(8);
        text
    }

    pub(crate) fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        // The constructor proved the point decodes; this cannot fail for a `PublicKey`.
        // Not `expect`, which would keep the error's `Debug` code in the wasm for nothing.
        ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .unwrap_or_else(|_| unreachable!("PublicKey invariant: bytes decode to a curve point"))
    }
}

impl Signature {
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }

    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let bytes = decode_base64(text, "signature")?;
        let len = bytes.len();
        let bytes: [u8; 64] = bytes
            .try_into()
            .map_err(|_| Error::WrongSignatureLength { len })?;
        Ok(Self(bytes))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_base64(&text, "public key").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_round_trips_through_base64() {
        let key = crate::Identity::from_seed([7; 32]).public_key();
        let text = key.to_base64();
        assert_eq!(text.len(), 44);
        assert_eq!(PublicKey::from_base64(&text, "k").unwrap(), key);
        assert_eq!(key.short(), text[..8]);
    }

    #[test]
    fn public_key_rejects_each_kind_of_bad_text() {
        assert_eq!(
            PublicKey::from_base64("not base64!", "k"),
            Err(Error::MalformedBase64 { field: "k" })
        );
        assert_eq!(
            PublicKey::from_base64("AAAA", "k"),
            Err(Error::WrongKeyLength { field: "k", len: 3 })
        );
        // Unpadded text is refused so that each key has one text form.
        let key = crate::Identity::from_seed([7; 32]).public_key().to_base64();
        assert!(PublicKey::from_base64(key.trim_end_matches('='), "k").is_err());
    }

    #[test]
    fn public_key_rejects_bytes_off_the_curve() {
        // y = 2 has no x on edwards25519, so this 32-byte value is not a point.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        let text = STANDARD.encode(bytes);
        assert_eq!(
            PublicKey::from_base64(&text, "k"),
            Err(Error::InvalidKey { field: "k" })
        );
    }

    #[test]
    fn public_key_rejects_weak_and_non_canonical_encodings() {
        // The identity point (y = 1) has order 1: any "signature" could be made to verify.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::from_bytes(identity, "k"),
            Err(Error::InvalidKey { field: "k" })
        );
        // y = p + 1 (p = 2^255 - 19) is a second, non-canonical encoding of the identity point;
        // so is y = 1 with the sign bit set.
        let mut non_canonical = [0xff; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(PublicKey::from_bytes(non_canonical, "k").is_err());
        let mut signed_identity = identity;
        signed_identity[31] = 0x80;
        assert!(PublicKey::from_bytes(signed_identity, "k").is_err());
        // A real key still passes.
        let real = crate::Identity::from_seed([9; 32]).public_key();
        assert_eq!(PublicKey::from_bytes(*real.as_bytes(), "k"), Ok(real));
    }

    #[test]
    fn event_id_requires_64_lowercase_hex() {
        let id = EventId::from_bytes([0xab; 32]);
        assert_eq!(EventId::from_hex(&id.to_hex(), "id").unwrap(), id);
        assert!(EventId::from_hex(&id.to_hex().to_uppercase(), "id").is_err());
        assert!(EventId::from_hex("abc", "id").is_err());
        assert!(EventId::from_hex(&"g".repeat(64), "id").is_err());
    }

    #[test]
    fn signature_length_is_checked() {
        assert_eq!(
            Signature::from_base64(&STANDARD.encode([1u8; 63])),
            Err(Error::WrongSignatureLength { len: 63 })
        );
        let sig = Signature::from_bytes([9; 64]);
        assert_eq!(Signature::from_base64(&sig.to_base64()).unwrap(), sig);
    }
}
