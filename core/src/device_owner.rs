//! Who runs a device: an owner claim, the user's signature over one device's libp2p peer id,
//! so a peer table can name the person behind a peer (docs/protocol.md §13).
//!
//! A peer id is a device key of its own (§8.7), not the user's identity, so nothing else ties
//! a connection to a person. The claim signs the peer id's binary form under a fixed context,
//! and the receiver checks it against the peer id the transport authenticated (Noise or
//! WebRTC's DTLS fingerprint). So a claim proves only what it says: "the holder of this user
//! key says this device is theirs". Copying Alice's claim gains nothing, since it names her
//! device's id and a copier's connection has another.
//!
//! The signed message is the context (39 bytes) followed by the peer id (38 bytes for an
//! ed25519 device key), so always longer than 32 bytes. An event's signature covers exactly its
//! 32-byte id (§2), so no claim can be taken for an event's signature or the other way round.

use ed25519_dalek::Signature as DalekSignature;

use crate::identity::Identity;
use crate::keys::{PublicKey, Signature};
use crate::Error;

/// What every claim signs before the peer id: the protocol, the purpose and a version. Longer
/// than 32 bytes on its own, so no claim's message has an event id's length.
pub const OWNER_CONTEXT: &[u8] = b"phemossa device owner claim, version 1\0";

/// The longest peer id a claim is made or checked for: libp2p's limit on a peer id's
/// multihash (an identity multihash of a protobuf-encoded key of at most 42 bytes, so 44)
/// with room to spare. An ed25519 device key's peer id is 38 bytes.
pub const MAX_DEVICE_BYTES: usize = 64;

/// "The holder of `owner` says the device whose peer id was signed is theirs."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerClaim {
    pub owner: PublicKey,
    pub signature: Signature,
}

impl OwnerClaim {
    /// The claim `identity` makes for the device whose peer id is `device` (its binary form:
    /// libp2p's `PeerId::to_bytes`).
    pub fn sign(identity: &Identity, device: &[u8]) -> Self {
        OwnerClaim {
            owner: identity.public_key(),
            signature: identity.sign_bytes(&signed_message(device)),
        }
    }

    /// Checks the claim for the device whose peer id the transport authenticated as `device`:
    /// `bad_signature` unless `owner` signed exactly that peer id (strict verification, as for
    /// events, §2), `malformed_owner_message` for a peer id longer than any libp2p makes.
    pub fn verify(&self, device: &[u8]) -> Result<(), Error> {
        if device.len() > MAX_DEVICE_BYTES {
            return Err(Error::MalformedOwnerMessage {
                reason: format!(
                    "a peer id of {} bytes, more than {MAX_DEVICE_BYTES}",
                    device.len()
                ),
            });
        }
        let signature = DalekSignature::from_bytes(self.signature.as_bytes());
        self.owner
            .verifying_key()
            .verify_strict(&signed_message(device), &signature)
            .map_err(|_| Error::BadSignature)
    }
}

/// The bytes a claim signs: the context, then the peer id.
fn signed_message(device: &[u8]) -> Vec<u8> {
    [OWNER_CONTEXT, device].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ed25519 device's peer id: identity multihash (0x00, length 36) of the protobuf key
    /// (type 1 = Ed25519, then 32 key bytes).
    fn peer_id(seed: u8) -> Vec<u8> {
        let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        bytes.extend([seed; 32]);
        bytes
    }

    #[test]
    fn a_claim_holds_for_its_device_only() {
        let alice = Identity::from_seed([1; 32]);
        let claim = OwnerClaim::sign(&alice, &peer_id(7));
        assert_eq!(claim.owner, alice.public_key());
        assert_eq!(claim.verify(&peer_id(7)), Ok(()));
        // Replayed by another device: refused.
        assert_eq!(claim.verify(&peer_id(8)), Err(Error::BadSignature));
    }

    #[test]
    fn a_claim_with_another_owner_named_is_refused() {
        let alice = Identity::from_seed([1; 32]);
        let bob = Identity::from_seed([2; 32]);
        let mut claim = OwnerClaim::sign(&alice, &peer_id(7));
        claim.owner = bob.public_key();
        assert_eq!(claim.verify(&peer_id(7)), Err(Error::BadSignature));
    }

    #[test]
    fn the_signed_message_is_never_an_event_id() {
        // An event's signature covers its 32-byte id; a claim's message is longer even for an
        // empty peer id, so neither signature can stand for the other.
        assert!(signed_message(&[]).len() > 32);
        assert_eq!(signed_message(&peer_id(7)).len(), OWNER_CONTEXT.len() + 38);
    }

    #[test]
    fn an_oversized_peer_id_is_refused_in_words() {
        let alice = Identity::from_seed([1; 32]);
        let long = vec![0; MAX_DEVICE_BYTES + 1];
        let claim = OwnerClaim::sign(&alice, &long);
        let error = claim.verify(&long).unwrap_err();
        assert_eq!(error.code(), "malformed_owner_message");
    }
}
