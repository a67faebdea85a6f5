//! A user's signing identity: an ed25519 key pair made from 32 secret bytes the caller supplies.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};
use zeroize::Zeroizing;

use crate::keys::{EventId, PublicKey, Signature};

/// The secret half of an identity. Its `Debug` never prints the secret.
#[derive(Clone)]
pub struct Identity {
    signing_key: SigningKey,
}

impl Identity {
    /// Builds the identity from a 32-byte secret seed, which the caller draws from a CSPRNG.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            signing_key: SigningKey::from_bytes(&seed),
        }
    }

    /// The secret seed, for persisting or sealing into a backup; wiped from memory when dropped.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing_key.to_bytes())
    }

    pub fn public_key(&self) -> PublicKey {
        // Not `expect`: that would format the error with `Debug`, which keeps `Error`'s Debug
        // code (3.6 KB) in the background's wasm for a branch that cannot be taken.
        PublicKey::from_bytes(self.signing_key.verifying_key().to_bytes(), "own key")
            .unwrap_or_else(|_| unreachable!("a signing key's public half is always a valid point"))
    }

    pub(crate) fn sign_id(&self, id: &EventId) -> Signature {
        self.sign_bytes(id.as_bytes())
    }

    /// Signs `message` as is. Only for messages that can never be 32 bytes long, so that
    /// nothing signed here can pass for an event's signature (`device_owner`).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> Signature {
        Signature::from_bytes(self.signing_key.sign(message).to_bytes())
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({})", self.public_key())
    }
}
