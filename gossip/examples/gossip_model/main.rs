//! Benchmark 5 of issue 5, "many peers": a deterministic discrete-event model of gossipsub as
//! this project configures it (libp2p-gossipsub 0.50.1; net/src/gossip_config.rs from gossip/src/params.rs:
//! mesh_n_low 2, mesh_n 3, mesh_n_high 6, mesh_outbound_min 1, gossip_lazy 3, heartbeat 1 s,
//! flood_publish, validate_messages with ids from core; libp2p defaults for the rest), run over
//! 1,000 and 10,000 peers, fed by core's real message code (`payload.rs`: a signed post,
//! batched and encoded by core, core's message id, and core's verdict run by the receiving
//! peers), printing delivery, messages per peer per event, hops, and bytes.
//!
//! Run: `cargo run --release -p phemossa-gossip --example gossip_model` (add `-- 1000` for the
//! 1,000-peer rows alone).
//!
//! Modelled: a random connection graph of at most `max_peers` (32) connections per peer;
//! subscriptions sent on connect and GRAFT while the mesh is below mesh_n_low; heartbeats at
//! random phases with mesh upkeep (graft to mesh_n when below mesh_n_low, prune to mesh_n at
//! mesh_n_high, keep mesh_outbound_min outbound peers), PRUNE backoff (60 s + 1 heartbeat of
//! slack) on both sides, GRAFT refused with PRUNE over mesh_n_high unless outbound; flood
//! publishing; forwarding once per message id to mesh peers but the sender and the publisher;
//! IHAVE at each heartbeat to max(gossip_lazy, 0.25 × non-mesh subscribed peers) for ids of the
//! last 3 heartbeats, IWANT for unseen ids not already promised, answered from the 5-heartbeat
//! mcache at most 3 times per peer; IDONTWANT to mesh peers for messages over 1,000 bytes.
//! Every hop takes one time unit, a heartbeat is 10 units (a hop is 100 ms).
//!
//! Not modelled: peer scoring and what needs it (opportunistic grafting, graylisting, IWANT
//! promise penalties) — off in this project's config, so their absence is faithful; fanout
//! (publishers here subscribe to their own topic, as the node does); peer exchange (do_px is
//! off); churn, disconnections and new connections after the first 30 s; message loss, queue
//! limits and varying latency; validation time; transport framing (bytes are gossipsub's
//! protobuf frames); the 200 ms batching delay before publishing; the IHAVE flood limits
//! (max_ihave_messages 10 per peer per heartbeat, never reached with one topic).

mod config;
mod graph;
mod net;
mod node;
mod payload;
mod rng;
mod sim;
mod wire;

use std::time::Instant;

use config::{Config, PROJECT, UNITS_PER_HEARTBEAT};
use net::{FULL, GRAFT, IDONTWANT, IHAVE, IWANT, PRUNE};
use sim::{Case, EventResult, Setup};

const EVENTS: usize = 20;
/// Connections the driver keeps for peers found in author namespaces (AUTHOR_PEER_SLOTS).
const AUTHOR_SLOTS: usize = 8;
/// The driver's default connection cap (core::settings DEFAULT_MAX_PEERS).
const MAX_PEERS: usize = 32;
/// Rows of more peers than this run core's verdict on one message in `EVENTS` per peer (each
/// peer still checks one; each message is checked by 1 peer in 20). Since the release profile
/// builds the signature crates at opt-level 3, every copy is checked in every row here.
const VERDICT_ON_EVERY_COPY_UP_TO: usize = 10_000;

fn main() {
    // The setting before this model's figures changed it: graft only while the mesh is empty.
    let variant = Config {
        mesh_n_low: 1,
        ..PROJECT
    };
    // (config, peers, % subscribed, long post, author slots): author slots 0 are random
    // connections only; 8 is the driver's author namespaces (core's sync::discovery).
    let rows = [
        (PROJECT, 1_000, 100, false, 0),
        (PROJECT, 1_000, 10, false, 0),
        (PROJECT, 1_000, 100, true, 0),
        (PROJECT, 10_000, 100, false, 0),
        (PROJECT, 10_000, 10, false, 0),
        (PROJECT, 10_000, 1, false, 0),
        (PROJECT, 10_000, 100, true, 0),
        (variant, 10_000, 100, false, 0),
        (variant, 10_000, 10, false, 0),
        (PROJECT, 1_000, 10, false, AUTHOR_SLOTS),
        (PROJECT, 10_000, 10, false, AUTHOR_SLOTS),
        (PROJECT, 10_000, 1, false, AUTHOR_SLOTS),
    ];
    // An argument (a peer count) runs only the rows of that size.
    let only: Option<usize> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    println!(
        "gossipsub model: {EVENTS} events per row from random subscribed publishers; a hop is 1 \
         unit, a heartbeat {UNITS_PER_HEARTBEAT}; max_peers {MAX_PEERS}"
    );
    let total = Instant::now();
    let mut done = Vec::new();
    let mut verdicts = 0;
    for &(config, peers, subscribe_percent, long_post, author_slots) in &rows {
        if only.is_some_and(|n| n != peers) {
            continue;
        }
        let case = Case {
            config,
            peers,
            max_peers: MAX_PEERS,
            subscribe_percent,
            long_post,
            events: EVENTS,
            // Rows that differ only in config share the graph, subscribers and publishers.
            seed: 0x5EED
                ^ ((peers as u64) << 8)
                ^ ((subscribe_percent as u64) << 40)
                ^ (u64::from(long_post) << 50),
            verdict_every: if peers <= VERDICT_ON_EVERY_COPY_UP_TO {
                1
            } else {
                EVENTS
            },
            author_slots,
        };
        let started = Instant::now();
        let (setup, results, run) = sim::run(&case);
        verdicts += run;
        done.push((case, setup, results, started.elapsed().as_secs_f64()));
    }
    print_setup(&done);
    print_delivery(&done);
    print_cost(&done);
    println!(
        "the gossip verdict (phemossa_gossip::receive) ran on {verdicts} first copies and accepted all"
    );
    println!(
        "wall time, all rows: {:.1} s",
        total.elapsed().as_secs_f64()
    );
}

type Row = (Case, Setup, Vec<EventResult>, f64);

fn label(case: &Case) -> String {
    let post = if case.long_post { "long" } else { "short" };
    format!(
        "{:>6} {:>4}% {:>5} {:>3} {:>4}",
        case.peers, case.subscribe_percent, post, case.config.mesh_n_low, case.author_slots
    )
}

const LABEL: &str = " peers  subs  post low auth";

fn print_setup(rows: &[Row]) {
    println!();
    println!("the network after 120 s (connections open in the first 30 s; mesh by heartbeats):");
    println!(
        "{LABEL} | {:>6} {:>5} | {:>13} | {:>11} | {:>5} {:>5} | {:>6}",
        "subscr", "conns", "mesh degree", "GRAFT+PRUNE", "msg B", "frame", "wall s"
    );
    for (case, setup, _, wall) in rows {
        println!(
            "{} | {:>6} {:>5.1} | {:>4.2} ({}-{:>2}) | {:>11.2} | {:>5} {:>5} | {:>6.1}",
            label(case),
            setup.subscribers,
            setup.mean_degree,
            setup.mesh_mean,
            setup.mesh_min,
            setup.mesh_max,
            setup.graft_prune_per_peer,
            setup.message_bytes,
            setup.publish_frame_bytes,
            wall
        );
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n.max(1) as f64
}

/// "mean/max" of a time over the events, or in how many events it never came.
fn times(results: &[EventResult], pick: impl Fn(&EventResult) -> Option<u64>) -> String {
    let got: Vec<u64> = results.iter().filter_map(&pick).collect();
    if got.len() < results.len() {
        return format!("never in {}", results.len() - got.len());
    }
    let avg = mean(got.iter().map(|&t| t as f64));
    format!("{avg:.1}/{}", got.iter().max().unwrap_or(&0))
}

fn print_delivery(rows: &[Row]) {
    println!();
    println!(
        "delivery to the other subscribed peers, % mean/min over events: reachable over \
         subscribed peers' connections, got it by 5 heartbeats; summed over events: reachable \
         but never got it (10 heartbeats), got it only after 5; hops (units) until 50/99/100 % \
         got it, mean/max; longest path of a first copy"
    );
    println!(
        "{LABEL} | {:>13} {:>13} | {:>6} {:>4} | {:>8} {:>8} {:>11} | {:>4}",
        "reachable", "got by 5 hb", "missed", "late", "hops 50%", "hops 99%", "hops 100%", "path"
    );
    for (case, _, results, _) in rows {
        let share = |f: &dyn Fn(&EventResult) -> usize| {
            let shares: Vec<f64> = results
                .iter()
                .map(|r| 100.0 * f(r) as f64 / r.others as f64)
                .collect();
            let min = shares.iter().copied().fold(f64::INFINITY, f64::min);
            format!("{:.2}/{:.2}", mean(shares.iter().copied()), min)
        };
        let sum = |f: &dyn Fn(&EventResult) -> usize| results.iter().map(f).sum::<usize>();
        println!(
            "{} | {:>13} {:>13} | {:>6} {:>4} | {:>8} {:>8} {:>11} | {:>4}",
            label(case),
            share(&|r| r.reachable),
            share(&|r| r.by_delivery_at),
            sum(&|r| r.reachable - r.by_end),
            sum(&|r| r.by_end - r.by_delivery_at),
            times(results, |r| r.t50),
            times(results, |r| r.t99),
            times(results, |r| r.t100),
            results.iter().map(|r| r.max_hops).max().unwrap_or(0)
        );
    }
}

fn print_cost(rows: &[Row]) {
    println!();
    println!(
        "sent per subscribed peer per event, mean over events (the publisher included): full \
         messages (the target's messages), the most one relay and the publisher sent; full \
         messages received; control messages; all bytes"
    );
    println!(
        "{LABEL} | {:>5} {:>5} {:>5} | {:>5} {:>4} | {:>5} {:>5} {:>5} {:>5} {:>6} | {:>5}",
        "full",
        "relay",
        "publ",
        "recv",
        "max",
        "IHAVE",
        "IWANT",
        "GRAFT",
        "PRUNE",
        "IDONTW",
        "bytes"
    );
    for (case, _, results, _) in rows {
        let per_peer = |f: &dyn Fn(&EventResult) -> u64| {
            mean(results.iter().map(|r| f(r) as f64 / r.peers as f64))
        };
        let max = |f: &dyn Fn(&EventResult) -> u32| results.iter().map(f).max().unwrap_or(0);
        println!(
            "{} | {:>5.2} {:>5} {:>5} | {:>5.2} {:>4} | {:>5.2} {:>5.3} {:>5.3} {:>5.3} {:>6.2} | {:>5.0}",
            label(case),
            per_peer(&|r| r.sent[FULL]),
            max(&|r| r.max_relay_sent),
            max(&|r| r.publisher_sent),
            per_peer(&|r| r.full_received),
            max(&|r| r.max_received),
            per_peer(&|r| r.sent[IHAVE]),
            per_peer(&|r| r.sent[IWANT]),
            per_peer(&|r| r.sent[GRAFT]),
            per_peer(&|r| r.sent[PRUNE]),
            per_peer(&|r| r.sent[IDONTWANT]),
            per_peer(&|r| r.bytes_sent),
        );
    }
}
