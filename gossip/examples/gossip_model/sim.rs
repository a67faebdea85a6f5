//! The discrete-event run: builds the peers on a random connection graph, opens the
//! connections over the first half minute, lets heartbeats build the mesh, then publishes
//! events one at a time from random subscribed peers and measures each.

use crate::config::{Config, UNITS_PER_HEARTBEAT};
use crate::graph::Graph;
use crate::net::{Counter, Delivery, MsgInfo, Net, FULL, GRAFT, KINDS, PRUNE};
use crate::node::{Link, Node};
use crate::payload;
use crate::rng::SplitMix64;
use crate::wire::Sizes;
use phemossa_core::Identity;

/// Model time of day 0, in ms (for timestamps and the verdict's clock).
const NOW_MS: u64 = 1_767_225_600_000;
const MS_PER_UNIT: u64 = 1000 / UNITS_PER_HEARTBEAT;
/// heartbeat_initial_delay (5 s), libp2p's default.
const HEARTBEAT_START: u64 = 5 * UNITS_PER_HEARTBEAT;
/// Connections open at random times in the first 30 s (discovery runs every 10 s).
const CONNECT_SPAN: u64 = 30 * UNITS_PER_HEARTBEAT;
/// Two minutes before the first event: past the 60 s prune backoffs of mesh building.
const WARMUP: u64 = 120 * UNITS_PER_HEARTBEAT;
/// Each event is watched for 10 heartbeats (its ids leave every mcache after 5); delivery is
/// read at 5.
const WINDOW: u64 = 10 * UNITS_PER_HEARTBEAT;
pub const DELIVERY_AT: u64 = 5 * UNITS_PER_HEARTBEAT;

pub struct Case {
    pub config: Config,
    pub peers: usize,
    pub max_peers: usize,
    pub subscribe_percent: usize,
    pub long_post: bool,
    pub events: usize,
    pub seed: u64,
    /// Each peer runs core's verdict on one message in this many.
    pub verdict_every: usize,
    /// Connections a follower first makes to other followers found in the author's rendezvous
    /// namespace; 0 for random connections only.
    pub author_slots: usize,
}

/// The network before the first event.
pub struct Setup {
    pub subscribers: usize,
    pub mean_degree: f64,
    pub mesh_mean: f64,
    pub mesh_min: usize,
    pub mesh_max: usize,
    /// Mesh building per subscribed peer: GRAFTs and PRUNEs sent.
    pub graft_prune_per_peer: f64,
    pub message_bytes: usize,
    pub publish_frame_bytes: usize,
}

/// One event's figures.
pub struct EventResult {
    /// Subscribed peers other than the publisher.
    pub others: usize,
    /// Of them, those connected to the publisher through subscribed peers.
    pub reachable: usize,
    pub by_delivery_at: usize,
    pub by_end: usize,
    /// Units (hops) until 50 %, 99 %, 100 % of `others` had it.
    pub t50: Option<u64>,
    pub t99: Option<u64>,
    pub t100: Option<u64>,
    pub max_hops: u16,
    /// Subscribed peers, the publisher included: what per-peer figures divide by.
    pub peers: usize,
    pub sent: [u64; KINDS],
    pub full_received: u64,
    pub bytes_sent: u64,
    pub publisher_sent: u32,
    /// Most full messages one peer other than the publisher sent / received.
    pub max_relay_sent: u32,
    pub max_received: u32,
}

struct Model {
    nodes: Vec<Node>,
    net: Net,
    spare: Vec<Delivery>,
    by_phase: Vec<Vec<u32>>,
    connects: Vec<(u64, u32, u16)>,
    next_connect: usize,
}

impl Model {
    fn step(&mut self) {
        let net = &mut self.net;
        std::mem::swap(&mut net.queue, &mut self.spare);
        net.now_ms = NOW_MS + net.now * MS_PER_UNIT;
        for d in self.spare.drain(..) {
            self.nodes[d.to as usize].on_rpc(d.to, d.from_slot, d.rpc, net);
        }
        while let Some(&(at, a, slot)) = self.connects.get(self.next_connect) {
            if at > net.now {
                break;
            }
            self.next_connect += 1;
            let link = &self.nodes[a as usize].links[slot as usize];
            let (b, back) = (link.peer, link.back);
            self.nodes[a as usize].connected(a, slot, net);
            self.nodes[b as usize].connected(b, back, net);
        }
        if net.now >= HEARTBEAT_START {
            for &p in &self.by_phase[(net.now % UNITS_PER_HEARTBEAT) as usize] {
                self.nodes[p as usize].heartbeat(p, net);
            }
        }
        net.now += 1;
    }

    fn run_until(&mut self, end: u64) {
        while self.net.now < end {
            self.step();
        }
    }

    fn publish(&mut self, publisher: u32, msg: u16) {
        self.net.now_ms = NOW_MS + self.net.now * MS_PER_UNIT;
        self.nodes[publisher as usize].publish(publisher, msg, &mut self.net);
    }

    /// Subscribed peers reachable from `from` over connections between subscribed peers.
    fn reachable(&self, from: u32) -> usize {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![from];
        seen[from as usize] = true;
        let mut count = 0;
        while let Some(p) = stack.pop() {
            for link in &self.nodes[p as usize].links {
                let q = link.peer as usize;
                if !seen[q] && self.nodes[q].subscribed {
                    seen[q] = true;
                    count += 1;
                    stack.push(link.peer);
                }
            }
        }
        count
    }
}

/// Runs one case: the setup, each event's figures, and how many verdicts core ran.
pub fn run(case: &Case) -> (Setup, Vec<EventResult>, u64) {
    let mut rng = SplitMix64::new(case.seed);
    let draw = |rng: &mut SplitMix64| -> Vec<bool> {
        (0..case.peers)
            .map(|_| rng.below(100) < case.subscribe_percent)
            .collect()
    };
    // Random-only rows draw the graph first, as they always have, so their figures stay put.
    let (graph, subscribed) = if case.author_slots == 0 {
        let graph = Graph::random(case.peers, case.max_peers, &mut rng);
        (graph, draw(&mut rng))
    } else {
        let subscribed = draw(&mut rng);
        let graph =
            Graph::with_author_slots(&subscribed, case.max_peers, case.author_slots, &mut rng);
        (graph, subscribed)
    };
    let nodes: Vec<Node> = graph
        .ends
        .iter()
        .zip(&subscribed)
        .map(|(ends, &s)| {
            let links = ends
                .iter()
                .map(|e| Link::new(e.peer, e.back, e.outbound))
                .collect();
            Node::new(s, links)
        })
        .collect();
    let mut by_phase = vec![Vec::new(); UNITS_PER_HEARTBEAT as usize];
    for (p, &s) in subscribed.iter().enumerate() {
        let phase = rng.below(UNITS_PER_HEARTBEAT as usize);
        if s {
            by_phase[phase].push(p as u32);
        }
    }
    let mut connects: Vec<(u64, u32, u16)> = graph
        .made
        .iter()
        .map(|&(a, slot)| (rng.below(CONNECT_SPAN as usize) as u64, a, slot))
        .collect();
    connects.sort_by_key(|c| c.0);
    let subscribers: Vec<u32> = (0..case.peers as u32)
        .filter(|&p| subscribed[p as usize])
        .collect();

    // One author; each event is published by a random subscribed peer (the author's node
    // placed somewhere else each time), on the author's topic.
    let author = Identity::from_seed([7; 32]);
    let mut msgs = Vec::new();
    let mut publishers = Vec::new();
    for k in 0..case.events {
        let at = WARMUP + k as u64 * WINDOW;
        let payload = payload::make(&author, k, case.long_post, NOW_MS + at * MS_PER_UNIT);
        let sizes = Sizes::new(payload.topic.len(), payload.data.len());
        let source = subscribers[rng.below(subscribers.len())];
        publishers.push(source);
        msgs.push(MsgInfo {
            payload,
            source,
            sizes,
        });
    }
    let mut model = Model {
        nodes,
        net: Net {
            config: case.config,
            verdict_every: case.verdict_every,
            verdicts: 0,
            refused: 0,
            queue: Vec::new(),
            counters: vec![Counter::default(); case.peers],
            msgs,
            now: 0,
            now_ms: NOW_MS,
            rng,
        },
        spare: Vec::new(),
        by_phase,
        connects,
        next_connect: 0,
    };
    model.run_until(WARMUP);

    let degrees: Vec<usize> = subscribers
        .iter()
        .map(|&p| model.nodes[p as usize].mesh.len())
        .collect();
    let grafts_prunes: u64 = model
        .net
        .counters
        .iter()
        .map(|c| u64::from(c.sent[GRAFT] + c.sent[PRUNE]))
        .sum();
    let setup = Setup {
        subscribers: subscribers.len(),
        mean_degree: graph.mean_degree(),
        mesh_mean: degrees.iter().sum::<usize>() as f64 / degrees.len() as f64,
        mesh_min: degrees.iter().copied().min().unwrap_or(0),
        mesh_max: degrees.iter().copied().max().unwrap_or(0),
        graft_prune_per_peer: grafts_prunes as f64 / subscribers.len() as f64,
        message_bytes: model.net.msgs[0].sizes.message,
        publish_frame_bytes: model.net.msgs[0].sizes.publish,
    };

    let mut results = Vec::new();
    for (k, &publisher) in publishers.iter().enumerate() {
        let start = model.net.now;
        model
            .net
            .counters
            .iter_mut()
            .for_each(|c| *c = Counter::default());
        model.publish(publisher, k as u16);
        model.run_until(start + WINDOW);
        results.push(measure(&model, &subscribers, publisher, k as u16, start));
    }
    assert_eq!(model.net.refused, 0, "core's verdict accepted every copy");
    (setup, results, model.net.verdicts)
}

fn measure(
    model: &Model,
    subscribers: &[u32],
    publisher: u32,
    msg: u16,
    start: u64,
) -> EventResult {
    let mut delays = Vec::new();
    let mut max_hops = 0;
    for &p in subscribers.iter().filter(|&&p| p != publisher) {
        if let Some(c) = model.nodes[p as usize].has(msg) {
            delays.push(c.at - start);
            max_hops = max_hops.max(c.hop);
        }
    }
    delays.sort_unstable();
    let others = subscribers.len() - 1;
    let until = |percent: usize| {
        let need = (percent * others).div_ceil(100).max(1);
        delays.get(need - 1).copied()
    };
    let mut sent = [0u64; KINDS];
    let (mut full_received, mut bytes_sent, mut max_relay_sent, mut max_received) = (0, 0, 0, 0);
    for (p, c) in model.net.counters.iter().enumerate() {
        for (total, &n) in sent.iter_mut().zip(&c.sent) {
            *total += u64::from(n);
        }
        full_received += u64::from(c.full_received);
        bytes_sent += c.bytes_sent;
        max_received = max_received.max(c.full_received);
        if p != publisher as usize {
            max_relay_sent = max_relay_sent.max(c.sent[FULL]);
        }
    }
    EventResult {
        others,
        reachable: model.reachable(publisher),
        by_delivery_at: delays.iter().filter(|&&d| d <= DELIVERY_AT).count(),
        by_end: delays.len(),
        t50: until(50),
        t99: until(99),
        t100: until(100),
        max_hops,
        peers: subscribers.len(),
        sent,
        full_received,
        bytes_sent,
        publisher_sent: model.net.counters[publisher as usize].sent[FULL],
        max_relay_sent,
        max_received,
    }
}
