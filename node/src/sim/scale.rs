//! The scale scenario (issue 12): many honest nodes that follow each other post while some
//! leave and come back and links lose messages; afterwards, does every post reach every
//! follower within the anti-entropy period, and what did it cost each node?
//!
//! Who meets whom is rendezvous' and the node's: every 30 s each online node registers in and
//! looks up the namespaces of the authors it follows (docs/protocol.md §8.7), and its machine
//! decides whom to dial, under the default connection cap (32, 8 kept for peers that delivered
//! valid events); a few random peers each stand in for the general namespace, whose 1,000
//! listings a round the model leaves out for speed.

use std::collections::BTreeSet;

use rand::{RngExt as _, SeedableRng as _};

use super::{LinkConfig, NodeId, Role, Sim};
use crate::pulls::ANTI_ENTROPY_MS;

/// One run's shape.
#[derive(Debug, Clone)]
pub struct ScaleConfig {
    pub nodes: usize,
    /// Authors each node follows, at random.
    pub follows: usize,
    /// Further peers each node connects to, at random.
    pub extra_peers: usize,
    /// Share of the nodes that go offline each simulated minute, for one minute.
    pub churn_per_minute: f64,
    /// Share of all messages each link loses.
    pub loss: f64,
    /// How long nodes post (and churn), in minutes.
    pub minutes: u64,
    /// Posts each node makes over that time, at random moments.
    pub posts_per_node: usize,
    pub seed: u64,
}

impl Default for ScaleConfig {
    /// The full size: 1,000 nodes, 5 % churn a minute, 10 % loss.
    fn default() -> Self {
        Self {
            nodes: 1_000,
            follows: 5,
            extra_peers: 3,
            churn_per_minute: 0.05,
            loss: 0.10,
            minutes: 5,
            posts_per_node: 2,
            seed: 1,
        }
    }
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct ScaleReport {
    pub posts: usize,
    /// (post, follower) pairs: every follower should hold every post of whom it follows.
    pub expected: usize,
    /// Of those, held when the posting ended plus one anti-entropy period.
    pub delivered: usize,
    /// Of those, held one minute after the posting ended (gossip and catch-ups, before
    /// anti-entropy).
    pub delivered_within_a_minute: usize,
    /// Messages each node sent (sync and gossip): smallest, median, largest.
    pub messages_per_node: [u64; 3],
    /// Bytes each node sent: median and largest.
    pub bytes_per_node: [u64; 2],
    /// Faults honest nodes counted against honest nodes: must be none.
    pub honest_blamed: usize,
}

/// Runs the scale scenario.
pub fn run_scale(config: &ScaleConfig) -> ScaleReport {
    let mut sim = Sim::new(config.seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x5ca1e);
    let n = config.nodes;
    let ids: Vec<NodeId> = (0..n).map(|_| sim.add(Role::Honest)).collect();
    let mut followed: Vec<Vec<NodeId>> = Vec::with_capacity(n);
    for &me in &ids {
        let mut mine = BTreeSet::new();
        while mine.len() < config.follows.min(n - 1) {
            let other = ids[rng.random_range(0..n)];
            if other != me {
                mine.insert(other);
            }
        }
        followed.push(mine.into_iter().collect());
    }
    for &me in &ids {
        sim.follow(me, &followed[me as usize]);
    }
    let link = LinkConfig {
        loss: config.loss,
        ..LinkConfig::default()
    };
    sim.dial_link = link;
    // A few random peers each, as the general namespace would give; the followed authors and
    // their other followers are found by discovery.
    let mut links: BTreeSet<(NodeId, NodeId)> = BTreeSet::new();
    for &me in &ids {
        for _ in 0..config.extra_peers {
            let peer = ids[rng.random_range(0..n)];
            if peer != me {
                links.insert((me.min(peer), me.max(peer)));
            }
        }
    }
    for &(a, b) in &links {
        sim.connect(a, b, link);
    }
    let now = sim.now();
    advance(&mut sim, now + 60_000);

    // When each post is made, and who leaves each minute.
    let minute = 60_000;
    let span = config.minutes * minute;
    let mut plan: Vec<(u64, NodeId)> = ids
        .iter()
        .flat_map(|&id| std::iter::repeat_n(id, config.posts_per_node))
        .map(|id| (rng.random_range(0..span), id))
        .collect();
    plan.sort_unstable();
    let start = sim.now();
    let mut posts = Vec::new();
    let mut offline: BTreeSet<NodeId> = BTreeSet::new();
    let mut next_post = 0;
    for m in 0..config.minutes {
        // The ones that left a minute ago come back (their random peers reconnect, discovery
        // finds the rest); others leave.
        let back = std::mem::take(&mut offline);
        come_back(&mut sim, &back, &links, link);
        for &id in &ids {
            if rng.random_bool(config.churn_per_minute) {
                offline.insert(id);
            }
        }
        for &id in &offline {
            sim.set_online(id, false);
        }
        let end = start + (m + 1) * minute;
        while next_post < plan.len() && start + plan[next_post].0 < end {
            let (at, author) = plan[next_post];
            next_post += 1;
            advance(&mut sim, start + at);
            if offline.contains(&author) {
                continue;
            }
            let text = format!("post at {at} by {author}");
            if let Some(id) = sim.publish(author, &text) {
                posts.push((author, id));
            }
        }
        advance(&mut sim, end);
    }
    // Everyone comes back.
    come_back(&mut sim, &offline, &links, link);
    let count = |sim: &Sim| {
        posts
            .iter()
            .map(|(author, id)| {
                ids.iter()
                    .filter(|f| followed[**f as usize].contains(author))
                    .filter(|f| sim.node(**f).store.contains(id))
                    .count()
            })
            .sum::<usize>()
    };
    let now = sim.now();
    advance(&mut sim, now + minute);
    let delivered_within_a_minute = count(&sim);
    let now = sim.now();
    advance(&mut sim, now + ANTI_ENTROPY_MS);
    let delivered = count(&sim);
    if std::env::var("SIM_DEBUG").is_ok() {
        for (author, id) in &posts {
            for f in ids
                .iter()
                .filter(|f| followed[**f as usize].contains(author))
            {
                if !sim.node(*f).store.contains(id) {
                    let connected = sim.node(*f).peers.contains(author);
                    let has_author = sim.node(*f).store.len();
                    let c = &sim.node(*f).counters;
                    eprintln!("missing: follower {f} author {author} connected {connected} store {has_author} ok {} failed {} authorstore_has {}", c.pulls_ok, c.pulls_failed, sim.node(*author).store.contains(id));
                }
            }
        }
    }
    let expected = posts
        .iter()
        .map(|(author, _)| {
            ids.iter()
                .filter(|f| followed[**f as usize].contains(author))
                .count()
        })
        .sum();
    let mut messages: Vec<u64> = ids
        .iter()
        .map(|id| {
            let c = &sim.node(*id).counters;
            c.messages_sent + c.gossip_sent
        })
        .collect();
    messages.sort_unstable();
    let mut bytes: Vec<u64> = ids
        .iter()
        .map(|id| sim.node(*id).counters.bytes_sent)
        .collect();
    bytes.sort_unstable();
    let honest_blamed = ids.iter().map(|id| sim.blamed(*id).len()).sum();
    ScaleReport {
        posts: posts.len(),
        expected,
        delivered,
        delivered_within_a_minute,
        messages_per_node: [messages[0], messages[n / 2], messages[n - 1]],
        bytes_per_node: [bytes[n / 2], bytes[n - 1]],
        honest_blamed,
    }
}

/// How often each node runs a discovery round: its relay slot looks up every 30 s or so.
const DISCOVERY_EVERY_MS: u64 = 30_000;

/// Runs `sim` to `until`, with a discovery round every [`DISCOVERY_EVERY_MS`] of virtual time.
fn advance(sim: &mut Sim, until: u64) {
    loop {
        let next_round = (sim.now() / DISCOVERY_EVERY_MS + 1) * DISCOVERY_EVERY_MS;
        if next_round > until {
            sim.run_until(until);
            return;
        }
        sim.run_until(next_round);
        sim.author_discovery_round();
    }
}

/// Brings `nodes` back online, with their random peers.
fn come_back(
    sim: &mut Sim,
    nodes: &BTreeSet<NodeId>,
    links: &BTreeSet<(NodeId, NodeId)>,
    link: LinkConfig,
) {
    for &id in nodes {
        sim.set_online(id, true);
    }
    for &(a, b) in links
        .iter()
        .filter(|(a, b)| nodes.contains(a) || nodes.contains(b))
    {
        sim.connect(a, b, link);
    }
}
