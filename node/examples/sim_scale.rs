//! The simulator's scale scenario at the full size, with its figures:
//! `cargo run --release -p phemossa-node --features sim --example sim_scale [nodes] [seed]`.
//! 1,000 nodes by default, each following 5 and meeting 3 more, 5 % churn a minute and 10 %
//! loss on every link, 5 minutes of posts, then one anti-entropy period.

use std::time::Instant;

use phemossa_node::sim::{run_scale, ScaleConfig};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut config = ScaleConfig::default();
    if let Some(nodes) = args.next().and_then(|a| a.parse().ok()) {
        config.nodes = nodes;
    }
    if let Some(seed) = args.next().and_then(|a| a.parse().ok()) {
        config.seed = seed;
    }
    let started = Instant::now();
    let report = run_scale(&config);
    let share = |n: usize| 100.0 * n as f64 / report.expected.max(1) as f64;
    println!(
        "nodes {}  follows {}  extra peers {}  churn {:.0} %/min  loss {:.0} %  seed {}",
        config.nodes,
        config.follows,
        config.extra_peers,
        config.churn_per_minute * 100.0,
        config.loss * 100.0,
        config.seed
    );
    println!(
        "posts {}  (post, follower) pairs {}",
        report.posts, report.expected
    );
    println!(
        "delivered within 1 min of the last post: {} ({:.2} %)",
        report.delivered_within_a_minute,
        share(report.delivered_within_a_minute)
    );
    println!(
        "delivered within one anti-entropy period: {} ({:.2} %)",
        report.delivered,
        share(report.delivered)
    );
    let [least, median, most] = report.messages_per_node;
    println!("messages sent per node: min {least}  median {median}  max {most}");
    let [median, most] = report.bytes_per_node;
    println!("bytes sent per node: median {median}  max {most}");
    println!("honest nodes blamed: {}", report.honest_blamed);
    println!("wall time {:.1} s", started.elapsed().as_secs_f64());
}
