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
