//! Who runs a peer (`/phemossa/owner/1.0.0`, docs/protocol.md §13): the protocol's two
//! messages, their one CBOR encoding (a fixed byte layout each), and checking an answer against
//! the peer id the transport authenticated. The claim itself and its signature are `phemossa_core::device_owner`.
//!
//! A node asks each peer once per connection (after identify lists the protocol) and answers
//! anyone who asks: the claim says no more than the peer's rendezvous registration in its
//! user's author namespace already suggests (§8.7).

use phemossa_core::device_owner::OwnerClaim;
use phemossa_core::keys::{PublicKey, Signature};
use phemossa_core::Error;

/// The request-response protocol id of owner claims.
pub const OWNER_PROTOCOL: &str = "/phemossa/owner/1.0.0";

/// Largest encoded owner message, checked before anything else: a claim is 102 bytes.
pub const MAX_OWNER_MESSAGE_BYTES: usize = 128;

/// `[0]`: a CBOR array of one item (0x81) holding the unsigned integer 0.
const REQUEST: [u8; 2] = [0x81, 0x00];

/// `[1, owner, signature]`: a CBOR array of three items (0x83), the integer 1, then the two
/// byte strings with their one-byte length heads (0x58 0x20: 32 bytes; 0x58 0x40: 64 bytes).
const CLAIM_HEAD: [u8; 4] = [0x83, 0x01, 0x58, 0x20];
const SIGNATURE_HEAD: [u8; 2] = [0x58, 0x40];
const CLAIM_BYTES: usize = CLAIM_HEAD.len() + 32 + SIGNATURE_HEAD.len() + 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerMessage {
    /// "Who runs your device?"
    Request,
    /// "This user does": the answer.
    Claim(OwnerClaim),
}

impl OwnerMessage {
    /// The CBOR bytes of this message: its one (preferred) encoding.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            OwnerMessage::Request => REQUEST.to_vec(),
            OwnerMessage::Claim(claim) => [
                &CLAIM_HEAD[..],
                claim.owner.as_bytes(),
                &SIGNATURE_HEAD,
                claim.signature.as_bytes(),
            ]
            .concat(),
        }
    }

    /// Decodes and checks one message from a peer; never panics on any input. A claim's key
    /// must be a valid key (`invalid_key`, as in events); every other refusal is
    /// `malformed_owner_message`. The signature is not checked here: [`owner_of`] does that,
    /// knowing the peer.
    ///
    /// Both messages have fixed-size fields, and decoders accept only the one canonical
    /// encoding (docs/protocol.md §13.2, as §8.2), so each message has exactly one byte layout
    /// and checking it is the whole decoder: no CBOR parser is needed, which keeps the
    /// background's wasm within its budget.
    pub fn decode(bytes: &[u8]) -> Result<OwnerMessage, Error> {
        if bytes.len() > MAX_OWNER_MESSAGE_BYTES {
            return Err(malformed(format!(
                "{} bytes, more than the {MAX_OWNER_MESSAGE_BYTES}-byte limit",
                bytes.len()
            )));
        }
        if bytes == REQUEST {
            return Ok(OwnerMessage::Request);
        }
        let (head, rest) = bytes.split_at(bytes.len().min(CLAIM_HEAD.len()));
        if head != CLAIM_HEAD || bytes.len() != CLAIM_BYTES {
            return Err(malformed(
                "not the encoding of [0] or of [1, 32-byte key, 64-byte signature]",
            ));
        }
        let (owner, rest) = rest.split_at(32);
        let (signature_head, signature) = rest.split_at(SIGNATURE_HEAD.len());
        if signature_head != SIGNATURE_HEAD {
            return Err(malformed("the signature is not a 64-byte string"));
        }
        let owner: [u8; 32] = owner
            .try_into()
            .map_err(|_| malformed("the owner is not 32 bytes"))?;
        let signature: [u8; 64] = signature
            .try_into()
            .map_err(|_| malformed("the signature is not 64 bytes"))?;
        Ok(OwnerMessage::Claim(OwnerClaim {
            owner: PublicKey::from_bytes(owner, "owner")?,
            signature: Signature::from_bytes(signature),
        }))
    }
}

/// Who runs the peer whose peer id (binary form) is `device`, from its answer `bytes`: the
/// claim's owner when the claim decodes and its signature covers that peer id. Any error is the
/// peer's fault (it answered for itself), counted as its invalid input (§13).
pub fn owner_of(bytes: &[u8], device: &[u8]) -> Result<PublicKey, Error> {
    match OwnerMessage::decode(bytes)? {
        OwnerMessage::Claim(claim) => {
            claim.verify(device)?;
            Ok(claim.owner)
        }
        OwnerMessage::Request => Err(malformed("answered a request with a request")),
    }
}

/// Checks that a peer's request `bytes` is the one request this protocol has; anything else is
/// the peer's fault, counted, and not answered (§13).
pub fn check_request(bytes: &[u8]) -> Result<(), Error> {
    match OwnerMessage::decode(bytes)? {
        OwnerMessage::Request => Ok(()),
        OwnerMessage::Claim(_) => Err(malformed("sent a claim where a request goes")),
    }
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedOwnerMessage {
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;
    use proptest::prelude::*;

    fn device(seed: u8) -> Vec<u8> {
        let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        bytes.extend([seed; 32]);
        bytes
    }

    fn claim_bytes(identity: &Identity, device: &[u8]) -> Vec<u8> {
        OwnerMessage::Claim(OwnerClaim::sign(identity, device)).encode()
    }

    #[test]
    fn an_answer_names_the_owner_of_the_device_that_sent_it() {
        let alice = Identity::from_seed([1; 32]);
        let answer = claim_bytes(&alice, &device(7));
        assert_eq!(answer.len(), 102);
        assert_eq!(owner_of(&answer, &device(7)), Ok(alice.public_key()));
    }

    #[test]
    fn a_claim_relayed_by_another_device_is_a_bad_signature() {
        let alice = Identity::from_seed([1; 32]);
        let answer = claim_bytes(&alice, &device(7));
        assert_eq!(
            owner_of(&answer, &device(8)).map_err(|e| e.code()),
            Err("bad_signature")
        );
    }

    #[test]
    fn the_request_is_one_byte_pair() {
        assert_eq!(OwnerMessage::Request.encode(), vec![0x81, 0x00]);
        assert_eq!(check_request(&[0x81, 0x00]), Ok(()));
        let alice = Identity::from_seed([1; 32]);
        for bad in [
            vec![0x81, 0x01],
            vec![0x80],
            claim_bytes(&alice, &device(7)),
        ] {
            assert_eq!(
                check_request(&bad).map_err(|e| e.code()),
                Err("malformed_owner_message")
            );
        }
    }

    #[test]
    fn bad_answers_are_refused_with_their_codes() {
        let alice = Identity::from_seed([1; 32]);
        let good = claim_bytes(&alice, &device(7));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (good[..good.len() - 1].to_vec(), "malformed_owner_message"),
            ([good.as_slice(), &[0]].concat(), "malformed_owner_message"),
            (
                vec![0; MAX_OWNER_MESSAGE_BYTES + 1],
                "malformed_owner_message",
            ),
            (vec![0x81, 0x02], "malformed_owner_message"),
            (vec![0x81, 0x00], "malformed_owner_message"),
            // A non-minimal kind: 0x18 0x01 is 1 in two bytes.
            (
                vec![0x83, 0x18, 0x01, 0x40, 0x40],
                "malformed_owner_message",
            ),
            // A claim naming the all-zero key, a small-order point.
            (
                OwnerMessage::Claim(OwnerClaim {
                    owner: PublicKey::from_bytes(*alice.public_key().as_bytes(), "k").unwrap(),
                    signature: Signature::from_bytes([0; 64]),
                })
                .encode()
                .iter()
                .enumerate()
                .map(|(i, b)| if (4..36).contains(&i) { 0 } else { *b })
                .collect(),
                "invalid_key",
            ),
        ];
        for (bytes, code) in cases {
            assert_eq!(
                owner_of(&bytes, &device(7)).map_err(|e| e.code()),
                Err(code),
                "{}",
                hex::encode(&bytes)
            );
        }
    }

    /// The fixed layouts are CBOR's preferred encoding of the two messages, as a CBOR library
    /// writes them, and the library reads them back as the arrays §13.2 describes.
    #[test]
    fn the_layouts_are_cbors_own_encoding() {
        use ciborium::value::Value;
        let write = |value: &Value| {
            let mut out = Vec::new();
            ciborium::ser::into_writer(value, &mut out).expect("writing to a Vec");
            out
        };
        let request = Value::Array(vec![Value::Integer(0.into())]);
        assert_eq!(OwnerMessage::Request.encode(), write(&request));
        let alice = Identity::from_seed([1; 32]);
        let claim = OwnerClaim::sign(&alice, &device(7));
        let value = Value::Array(vec![
            Value::Integer(1.into()),
            Value::Bytes(claim.owner.as_bytes().to_vec()),
            Value::Bytes(claim.signature.as_bytes().to_vec()),
        ]);
        assert_eq!(OwnerMessage::Claim(claim).encode(), write(&value));
    }

    proptest! {
        #[test]
        fn any_claim_round_trips(seed in any::<[u8; 32]>(), id in proptest::collection::vec(any::<u8>(), 0..64)) {
            let identity = Identity::from_seed(seed);
            let message = OwnerMessage::Claim(OwnerClaim::sign(&identity, &id));
            prop_assert_eq!(OwnerMessage::decode(&message.encode()), Ok(message));
            prop_assert_eq!(owner_of(&claim_bytes(&identity, &id), &id), Ok(identity.public_key()));
        }

        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = owner_of(&bytes, &device(7));
        }
    }
}
