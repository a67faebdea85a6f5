//! The wire between the model's peers: the RPCs, the queue that delivers them one unit later,
//! and what each peer sent and received (counts by kind, bytes).

use crate::config::Config;
use crate::node::Link;
use crate::payload::Payload;
use crate::rng::SplitMix64;
use crate::wire::Sizes;

/// What travels between two peers; each is one gossipsub RPC frame.
pub enum Rpc {
    Subscribe,
    Publish { msg: u16, hop: u16 },
    IHave(Vec<u16>),
    IWant(Vec<u16>),
    Graft,
    Prune,
    IDontWant(u16),
}

/// Counter slots: full messages, then each control message, then subscriptions.
pub const FULL: usize = 0;
pub const IHAVE: usize = 1;
pub const IWANT: usize = 2;
pub const GRAFT: usize = 3;
pub const PRUNE: usize = 4;
pub const IDONTWANT: usize = 5;
pub const SUBSCRIBE: usize = 6;
pub const KINDS: usize = 7;

pub struct Delivery {
    pub to: u32,
    pub from_slot: u16,
    pub rpc: Rpc,
}

/// What one peer sent and received.
#[derive(Debug, Default, Clone)]
pub struct Counter {
    pub sent: [u32; KINDS],
    pub full_received: u32,
    pub bytes_sent: u64,
}

/// A gossiped message: the payload, who published it, its frame sizes.
pub struct MsgInfo {
    pub payload: Payload,
    pub source: u32,
    pub sizes: Sizes,
}

/// Everything a handler may touch besides its own peer: the wire, the counters, the clock.
pub struct Net {
    pub config: Config,
    /// A peer runs core's verdict on message `m` when `(peer + m) % verdict_every == 0`.
    pub verdict_every: usize,
    pub verdicts: u64,
    /// Copies core's verdict did not accept (must stay 0).
    pub refused: u64,
    /// What was sent this unit, delivered the next.
    pub queue: Vec<Delivery>,
    pub counters: Vec<Counter>,
    pub msgs: Vec<MsgInfo>,
    pub now: u64,
    pub now_ms: u64,
    pub rng: SplitMix64,
}

impl Net {
    pub fn send(&mut self, from: u32, link: &Link, rpc: Rpc) {
        let sizes = &self.msgs[0].sizes;
        let (kind, bytes) = match &rpc {
            Rpc::Subscribe => (SUBSCRIBE, sizes.subscribe),
            Rpc::Publish { msg, .. } => (FULL, self.msgs[*msg as usize].sizes.publish),
            Rpc::IHave(ids) => (IHAVE, sizes.ihave(ids.len())),
            Rpc::IWant(ids) => (IWANT, sizes.iwant(ids.len())),
            Rpc::Graft => (GRAFT, sizes.graft),
            Rpc::Prune => (PRUNE, sizes.prune),
            Rpc::IDontWant(_) => (IDONTWANT, sizes.idontwant),
        };
        let counter = &mut self.counters[from as usize];
        counter.sent[kind] += 1;
        counter.bytes_sent += bytes as u64;
        if kind == FULL {
            self.counters[link.peer as usize].full_received += 1;
        }
        self.queue.push(Delivery {
            to: link.peer,
            from_slot: link.back,
            rpc,
        });
    }
}
