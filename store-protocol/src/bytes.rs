//! Thirty-two bytes (an id, a key, a hash) as one CBOR byte string.

use std::fmt;

use phemossa_core::{EventId, PublicKey};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id, key or hash on the store's messages: a CBOR byte string of exactly 32 bytes. Serde's
/// own `[u8; 32]` is an array of 32 integers, up to twice the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes32(pub [u8; 32]);

impl From<EventId> for Bytes32 {
    fn from(id: EventId) -> Self {
        Self(*id.as_bytes())
    }
}

impl From<Bytes32> for EventId {
    fn from(bytes: Bytes32) -> Self {
        EventId::from_bytes(bytes.0)
    }
}

impl From<PublicKey> for Bytes32 {
    fn from(key: PublicKey) -> Self {
        Self(*key.as_bytes())
    }
}

impl Serialize for Bytes32 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(Bytes32Visitor)
    }
}

struct Bytes32Visitor;

impl<'de> Visitor<'de> for Bytes32Visitor {
    type Value = Bytes32;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a byte string of 32 bytes")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes32, E> {
        <[u8; 32]>::try_from(bytes)
            .map(Bytes32)
            .map_err(|_| E::invalid_length(bytes.len(), &self))
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes32, E> {
        self.visit_bytes(&bytes)
    }
}

/// Bytes of any length (an event's wire JSON, a run of signature pairs) as one CBOR byte
/// string, not serde's array of integers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ByteString(pub Vec<u8>);

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_byte_buf(ByteStringVisitor)
    }
}

struct ByteStringVisitor;

impl<'de> Visitor<'de> for ByteStringVisitor {
    type Value = ByteString;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<ByteString, E> {
        Ok(ByteString(bytes.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<ByteString, E> {
        Ok(ByteString(bytes))
    }
}

/// Core's 32-byte values (ids, keys, blob hashes) as a [`Bytes32`] each on the wire, for
/// `#[serde(with = ...)]` on the records' fields: the records keep core's types, and the wire
/// keeps one byte string per value rather than core's hex or base64 text.
pub(crate) trait Fixed32: Sized {
    fn fixed_bytes(&self) -> [u8; 32];
    /// The value these bytes are; a key that is not one (`PublicKey::from_bytes`) fails the
    /// message's decoding, so a record never holds an unchecked key.
    fn from_fixed(bytes: [u8; 32]) -> Result<Self, String>;
}

impl Fixed32 for EventId {
    fn fixed_bytes(&self) -> [u8; 32] {
        *self.as_bytes()
    }
    fn from_fixed(bytes: [u8; 32]) -> Result<Self, String> {
        Ok(EventId::from_bytes(bytes))
    }
}

impl Fixed32 for phemossa_core::BlobHash {
    fn fixed_bytes(&self) -> [u8; 32] {
        *self.as_bytes()
    }
    fn from_fixed(bytes: [u8; 32]) -> Result<Self, String> {
        Ok(phemossa_core::BlobHash::from_bytes(bytes))
    }
}

impl Fixed32 for PublicKey {
    fn fixed_bytes(&self) -> [u8; 32] {
        *self.as_bytes()
    }
    fn from_fixed(bytes: [u8; 32]) -> Result<Self, String> {
        PublicKey::from_bytes(bytes, "key").map_err(|error| error.to_string())
    }
}

/// One [`Fixed32`] value.
pub(crate) mod fixed {
    use super::{Bytes32, Fixed32};
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Fixed32, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Bytes32(value.fixed_bytes()).serialize(serializer)
    }

    pub fn deserialize<'de, T: Fixed32, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        T::from_fixed(Bytes32::deserialize(deserializer)?.0).map_err(de::Error::custom)
    }
}

/// An optional [`Fixed32`] value.
pub(crate) mod fixed_option {
    use super::{Bytes32, Fixed32};
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Fixed32, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value
            .as_ref()
            .map(|value| Bytes32(value.fixed_bytes()))
            .serialize(serializer)
    }

    pub fn deserialize<'de, T: Fixed32, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<Bytes32>::deserialize(deserializer)?
            .map(|bytes| T::from_fixed(bytes.0))
            .transpose()
            .map_err(de::Error::custom)
    }
}

/// A list of [`Fixed32`] values.
pub(crate) mod fixed_vec {
    use super::{Bytes32, Fixed32};
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Fixed32, S: Serializer>(
        values: &[T],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|value| Bytes32(value.fixed_bytes())))
    }

    pub fn deserialize<'de, T: Fixed32, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<T>, D::Error> {
        Vec::<Bytes32>::deserialize(deserializer)?
            .into_iter()
            .map(|bytes| T::from_fixed(bytes.0))
            .collect::<Result<_, _>>()
            .map_err(de::Error::custom)
    }
}
