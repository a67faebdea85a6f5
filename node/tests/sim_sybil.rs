//! The simulator's Sybil scenario (issue 12, hole 6): 200 fresh identities register in the
//! rendezvous namespaces (the general one and a followed author's), dial every honest node and
//! stay silent. A follower that restarts among them must still reach the author it follows and
//! catch up on what it missed within a minute, with its connections and its peer table bounded. Run with
//! `cargo test -p phemossa-node --features sim`.

use phemossa_core::settings::DEFAULT_MAX_PEERS;
use phemossa_node::discovery::{author_namespace, GENERAL_NAMESPACE};
use phemossa_node::limits::MAX_KNOWN_PEERS;
use phemossa_node::sim::{NodeId, Role, Sim};

const SECOND: u64 = 1_000;

fn discover_for(sim: &mut Sim, ms: u64) {
    for _ in 0..ms / (10 * SECOND) {
        sim.discovery_round();
        sim.run_for(10 * SECOND);
    }
}

#[test]
fn a_sybil_swarm_does_not_cut_a_follower_off_from_its_author() {
    let mut sim = Sim::new(21);
    let author = sim.add(Role::Honest);
    let followers: Vec<NodeId> = (0..3).map(|_| sim.add(Role::Honest)).collect();
    sim.follow(author, &[]);
    for &f in &followers {
        sim.follow(f, &[author]);
    }
    sim.post(author, 20);
    discover_for(&mut sim, 60 * SECOND);
    for &f in &followers {
        assert!(sim.has_all_of(f, author), "first sync");
    }

    // The swarm: 200 identities in the general namespace and the author's.
    let sybils: Vec<NodeId> = (0..200).map(|_| sim.add(Role::Silent)).collect();
    let author_ns = author_namespace(&sim.node(author).public_key());
    for &s in &sybils {
        sim.register(s, GENERAL_NAMESPACE);
        sim.register(s, &author_ns);
    }
    // The first follower restarts (all its connections drop) and misses ten posts.
    let restarted = followers[0];
    let peers: Vec<NodeId> = sim.node(restarted).peers.iter().copied().collect();
    for peer in peers {
        sim.disconnect(restarted, peer);
    }
    for i in 0..10 {
        sim.publish(author, &format!("missed {i}"));
    }
    sim.run_for(SECOND);
    // Every Sybil dials every honest node before the follower finds anyone again.
    let honest: Vec<NodeId> = std::iter::once(author).chain(followers.clone()).collect();
    for &s in &sybils {
        for &h in &honest {
            sim.connect(s, h, sim.dial_link);
        }
    }
    discover_for(&mut sim, 60 * SECOND);

    assert!(
        sim.node(restarted).peers.contains(&author),
        "reconnected to its author"
    );
    // Within a minute: its pulls from peers that delivered events before go ahead of the 24
    // silent Sybils' (without that it takes 70 s here, and grows with the swarm).
    assert!(
        sim.has_all_of(restarted, author),
        "the restarted follower caught up with its author within a minute"
    );
    discover_for(&mut sim, 60 * SECOND);
    for &h in &honest {
        let connected = sim.node(h).peers.len();
        assert!(
            connected <= usize::from(DEFAULT_MAX_PEERS),
            "{h}: {connected} connections"
        );
        assert!(sim.known_peers(h) <= MAX_KNOWN_PEERS);
        assert_eq!(sim.blamed(h), vec![], "honest node {h} blamed");
    }
}
