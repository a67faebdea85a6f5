//! Byte sizes of the gossipsub RPCs the model counts, as libp2p-gossipsub 0.50 frames them
//! (one protobuf `RPC` per message, prefixed with its varint length), worked out from the field
//! sizes of `rpc.proto` so the example needs no protobuf crate. Transport framing (yamux,
//! noise, WebRTC) is not included.

/// An Ed25519 peer id: identity multihash of the 36-byte protobuf public key.
const PEER_ID_BYTES: usize = 38;
const SEQNO_BYTES: usize = 8;
const SIGNATURE_BYTES: usize = 64;
/// Phemossa's message id is 32 bytes, SHA-256 of the data (`phemossa_gossip::message_id`).
pub const MESSAGE_ID_BYTES: usize = 32;
/// `prune_backoff` (60 s) as the PRUNE's `backoff` field, in seconds.
const PRUNE_BACKOFF_SECONDS: usize = 60;

fn varint_len(mut value: usize) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}

/// A length-delimited field with a one-byte tag (field numbers below 16).
fn field(len: usize) -> usize {
    1 + varint_len(len) + len
}

/// An `RPC` of `body` bytes (one field of it) on the stream, with its length prefix.
fn framed(body: usize) -> usize {
    let rpc = field(body);
    varint_len(rpc) + rpc
}

/// The frame sizes for one topic and one message.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    topic: usize,
    /// The signed gossipsub `Message` alone: what `raw_protobuf_len` measures, and what
    /// `idontwant_message_size_threshold` is compared with.
    pub message: usize,
    pub publish: usize,
    pub graft: usize,
    pub prune: usize,
    pub subscribe: usize,
    pub idontwant: usize,
}

impl Sizes {
    pub fn new(topic_len: usize, data_len: usize) -> Self {
        let message = field(PEER_ID_BYTES)
            + field(data_len)
            + field(SEQNO_BYTES)
            + field(topic_len)
            + field(SIGNATURE_BYTES);
        let control = |inner: usize| framed(field(inner));
        Self {
            topic: topic_len,
            message,
            publish: framed(message),
            graft: control(field(topic_len)),
            prune: control(field(topic_len) + 1 + varint_len(PRUNE_BACKOFF_SECONDS)),
            subscribe: framed(2 + field(topic_len)),
            idontwant: control(field(MESSAGE_ID_BYTES)),
        }
    }

    pub fn ihave(&self, ids: usize) -> usize {
        framed(field(field(self.topic) + ids * field(MESSAGE_ID_BYTES)))
    }

    pub fn iwant(&self, ids: usize) -> usize {
        framed(field(ids * field(MESSAGE_ID_BYTES)))
    }
}
