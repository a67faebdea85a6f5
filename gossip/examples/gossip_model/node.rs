//! One peer's gossipsub router for the one topic, doing what libp2p-gossipsub 0.50.1's
//! `Behaviour` does with this project's config (net/src/gossip_config.rs): GRAFT on
//! a subscription while the mesh is below mesh_n_low, the heartbeat's mesh upkeep, lazy gossip
//! (IHAVE), IWANT answers, GRAFT/PRUNE with backoff, IDONTWANT for large messages, and
//! forwarding each message id once to the mesh. Function by function it follows `behaviour.rs`
//! of that crate; peer scoring is off there (no `with_peer_score`), so it is off here.

use crate::config::{
    BACKOFF_SLACK, GOSSIP_FACTOR, GOSSIP_RETRANSMISSION, HISTORY_GOSSIP, HISTORY_LENGTH,
    IDONTWANT_THRESHOLD, PRUNE_BACKOFF,
};
use crate::net::{Net, Rpc};
use crate::payload::Receiver;

/// A connection as this peer's router sees it.
pub struct Link {
    pub peer: u32,
    pub back: u16,
    pub outbound: bool,
    /// The peer told us it subscribes to the topic.
    pub subscribed: bool,
    backoff_until: Option<u64>,
    /// Message ids the peer sent IDONTWANT for.
    dont_send: Vec<u16>,
}

impl Link {
    pub fn new(peer: u32, back: u16, outbound: bool) -> Self {
        Self {
            peer,
            back,
            outbound,
            subscribed: false,
            backoff_until: None,
            dont_send: Vec::new(),
        }
    }

    fn backoff_with_slack(&self, now: u64) -> bool {
        self.backoff_until.is_some_and(|u| now < u + BACKOFF_SLACK)
    }

    fn update_backoff(&mut self, until: u64) {
        self.backoff_until = Some(self.backoff_until.map_or(until, |u| u.max(until)));
    }
}

/// A message this peer has: duplicate cache and mcache in one.
pub struct Cached {
    pub msg: u16,
    pub at: u64,
    pub hop: u16,
    put_shift: u32,
    iwant_counts: Vec<(u16, u32)>,
}

pub struct Node {
    pub subscribed: bool,
    pub links: Vec<Link>,
    pub mesh: Vec<u16>,
    pub cache: Vec<Cached>,
    /// (message, peer asked) for IWANTs not yet answered: gossip promises.
    promises: Vec<(u16, u16)>,
    /// Heartbeats so far: the mcache's shifts.
    shifts: u32,
    receiver: Option<Receiver>,
}

impl Node {
    pub fn new(subscribed: bool, links: Vec<Link>) -> Self {
        Self {
            subscribed,
            links,
            mesh: Vec::new(),
            cache: Vec::new(),
            promises: Vec::new(),
            shifts: 0,
            receiver: subscribed.then(Receiver::new),
        }
    }

    pub fn has(&self, msg: u16) -> Option<&Cached> {
        self.cache.iter().find(|c| c.msg == msg)
    }

    fn in_mesh(&self, slot: u16) -> bool {
        self.mesh.contains(&slot)
    }

    /// A connection opened: send our subscription (the hello RPC).
    pub fn connected(&self, me: u32, slot: u16, net: &mut Net) {
        if self.subscribed {
            net.send(me, &self.links[slot as usize], Rpc::Subscribe);
        }
    }

    /// `publish` with flood_publish: to every connected peer subscribed to the topic.
    pub fn publish(&mut self, me: u32, msg: u16, net: &mut Net) {
        if let Some(receiver) = &mut self.receiver {
            receiver.published(&net.msgs[msg as usize].payload, net.now_ms);
        }
        self.cache.push(Cached {
            msg,
            at: net.now,
            hop: 0,
            put_shift: self.shifts,
            iwant_counts: Vec::new(),
        });
        for link in self.links.iter().filter(|l| l.subscribed) {
            net.send(me, link, Rpc::Publish { msg, hop: 1 });
        }
    }

    pub fn on_rpc(&mut self, me: u32, slot: u16, rpc: Rpc, net: &mut Net) {
        match rpc {
            Rpc::Subscribe => {
                self.links[slot as usize].subscribed = true;
                let link = &self.links[slot as usize];
                if self.subscribed
                    && !link.backoff_with_slack(net.now)
                    && self.mesh.len() < net.config.mesh_n_low
                    && !self.in_mesh(slot)
                {
                    self.mesh.push(slot);
                    net.send(me, link, Rpc::Graft);
                }
            }
            Rpc::Publish { msg, hop } => self.on_message(me, slot, msg, hop, net),
            Rpc::IHave(ids) => self.on_ihave(me, slot, ids, net),
            Rpc::IWant(ids) => self.on_iwant(me, slot, ids, net),
            Rpc::Graft => self.on_graft(me, slot, net),
            Rpc::Prune => {
                if self.subscribed {
                    self.mesh.retain(|&s| s != slot);
                    self.links[slot as usize].update_backoff(net.now + PRUNE_BACKOFF);
                }
            }
            Rpc::IDontWant(msg) => self.links[slot as usize].dont_send.push(msg),
        }
    }

    /// `handle_received_message` and, validation being immediate, `forward_msg`.
    fn on_message(&mut self, me: u32, slot: u16, msg: u16, hop: u16, net: &mut Net) {
        let info = &net.msgs[msg as usize];
        let source = info.source;
        let first = self.has(msg).is_none();
        if first && info.sizes.message > IDONTWANT_THRESHOLD {
            let mut to: Vec<u16> = self.mesh.clone();
            to.extend(self.promises.iter().filter(|p| p.0 == msg).map(|p| p.1));
            to.sort_unstable();
            to.dedup();
            for s in to {
                let link = &self.links[s as usize];
                if s != slot && link.peer != source {
                    net.send(me, link, Rpc::IDontWant(msg));
                }
            }
        }
        if !first {
            return;
        }
        self.promises.retain(|p| p.0 != msg);
        self.cache.push(Cached {
            msg,
            at: net.now,
            hop,
            put_shift: self.shifts,
            iwant_counts: Vec::new(),
        });
        // Every copy is the published bytes, so core's verdict is the same on each; where it is
        // sampled (see `main.rs`) that is only for time.
        if (me as usize + msg as usize).is_multiple_of(net.verdict_every) {
            let receiver = self
                .receiver
                .as_mut()
                .expect("only subscribers get messages");
            net.verdicts += 1;
            if !receiver.accepts(&net.msgs[msg as usize].payload, net.now_ms) {
                net.refused += 1;
                return;
            }
        }
        for &s in &self.mesh {
            let link = &self.links[s as usize];
            if s != slot && link.peer != source && !link.dont_send.contains(&msg) {
                net.send(me, link, Rpc::Publish { msg, hop: hop + 1 });
            }
        }
    }

    fn on_ihave(&mut self, me: u32, slot: u16, ids: Vec<u16>, net: &mut Net) {
        if !self.subscribed {
            return;
        }
        let mut want: Vec<u16> = ids
            .into_iter()
            .filter(|&id| self.has(id).is_none() && !self.promises.iter().any(|p| p.0 == id))
            .collect();
        if want.is_empty() {
            return;
        }
        net.rng.shuffle(&mut want);
        self.promises.extend(want.iter().map(|&id| (id, slot)));
        net.send(me, &self.links[slot as usize], Rpc::IWant(want));
    }

    fn on_iwant(&mut self, me: u32, slot: u16, ids: Vec<u16>, net: &mut Net) {
        let shifts = self.shifts;
        for id in ids {
            let Some(cached) = self
                .cache
                .iter_mut()
                .find(|c| c.msg == id && shifts - c.put_shift < HISTORY_LENGTH)
            else {
                continue;
            };
            let count = match cached.iwant_counts.iter_mut().find(|c| c.0 == slot) {
                Some(c) => {
                    c.1 += 1;
                    c.1
                }
                None => {
                    cached.iwant_counts.push((slot, 1));
                    1
                }
            };
            let link = &self.links[slot as usize];
            if count > GOSSIP_RETRANSMISSION || link.dont_send.contains(&id) {
                continue;
            }
            let hop = cached.hop + 1;
            net.send(me, link, Rpc::Publish { msg: id, hop });
        }
    }

    fn on_graft(&mut self, me: u32, slot: u16, net: &mut Net) {
        if !self.subscribed || self.in_mesh(slot) {
            return;
        }
        let now = net.now;
        let link = &self.links[slot as usize];
        let in_backoff = link.backoff_until.is_some_and(|u| u > now);
        if !in_backoff && !link.subscribed {
            return;
        }
        if in_backoff || (self.mesh.len() >= net.config.mesh_n_high && !link.outbound) {
            self.prune(me, slot, net);
            return;
        }
        self.mesh.push(slot);
    }

    /// `make_prune` and its send: PRUNE with our backoff, which we keep too.
    fn prune(&mut self, me: u32, slot: u16, net: &mut Net) {
        let link = &mut self.links[slot as usize];
        link.update_backoff(net.now + PRUNE_BACKOFF);
        net.send(me, link, Rpc::Prune);
    }

    /// Subscribed peers we may graft: not in the mesh, not backing off, passing `extra`.
    fn candidates(&self, now: u64, extra: impl Fn(&Link) -> bool) -> Vec<u16> {
        (0..self.links.len() as u16)
            .filter(|&s| {
                let l = &self.links[s as usize];
                l.subscribed && !self.in_mesh(s) && !l.backoff_with_slack(now) && extra(l)
            })
            .collect()
    }

    /// `heartbeat`: mesh upkeep, `emit_gossip`, `send_graft_prune`, `mcache.shift`.
    pub fn heartbeat(&mut self, me: u32, net: &mut Net) {
        let now = net.now;
        let config = net.config;
        let mut to_graft = Vec::new();
        let mut to_prune = Vec::new();
        if self.mesh.len() < config.mesh_n_low {
            let mut peers = self.candidates(now, |_| true);
            net.rng
                .keep_random(&mut peers, config.mesh_n - self.mesh.len());
            self.mesh.extend(&peers);
            to_graft.extend(peers);
        }
        if self.mesh.len() >= config.mesh_n_high {
            // Scores are all 0, so libp2p's sort by score leaves its shuffle as it was.
            let excess = self.mesh.len() - config.mesh_n;
            let mut shuffled = self.mesh.clone();
            net.rng.shuffle(&mut shuffled);
            let is_out = |s: &u16| self.links[*s as usize].outbound;
            let mut outbound = shuffled.iter().filter(|s| is_out(s)).count();
            for s in shuffled {
                if to_prune.len() == excess {
                    break;
                }
                if is_out(&s) {
                    if outbound <= config.mesh_outbound_min {
                        continue;
                    }
                    outbound -= 1;
                }
                to_prune.push(s);
            }
            self.mesh.retain(|s| !to_prune.contains(s));
        }
        if self.mesh.len() >= config.mesh_n_low {
            let outbound = self
                .mesh
                .iter()
                .filter(|&&s| self.links[s as usize].outbound)
                .count();
            if outbound < config.mesh_outbound_min {
                let mut peers = self.candidates(now, |l| l.outbound);
                net.rng
                    .keep_random(&mut peers, config.mesh_outbound_min - outbound);
                self.mesh.extend(&peers);
                to_graft.extend(peers);
            }
        }
        self.emit_gossip(me, net);
        for s in to_graft {
            net.send(me, &self.links[s as usize], Rpc::Graft);
        }
        for s in to_prune {
            self.prune(me, s, net);
        }
        self.shifts += 1;
    }

    fn emit_gossip(&self, me: u32, net: &mut Net) {
        let ids: Vec<u16> = self
            .cache
            .iter()
            .filter(|c| self.shifts - c.put_shift < HISTORY_GOSSIP)
            .map(|c| c.msg)
            .collect();
        if ids.is_empty() {
            return;
        }
        let mut peers: Vec<u16> = (0..self.links.len() as u16)
            .filter(|&s| self.links[s as usize].subscribed && !self.in_mesh(s))
            .collect();
        let n = net
            .config
            .gossip_lazy
            .max((GOSSIP_FACTOR * peers.len() as f64) as usize);
        net.rng.keep_random(&mut peers, n);
        for s in peers {
            let mut ids = ids.clone();
            net.rng.shuffle(&mut ids);
            net.send(me, &self.links[s as usize], Rpc::IHave(ids));
        }
    }
}
