//! The simulator's gossip scenarios (issue 12, holes 4 and 5, and scale): a forged copy racing
//! the real event, replays of old valid events, many nodes with churn and loss, and a stranger's
//! reply reaching an inbox live, by catch-up, and after a hand-over lost it. Run with
//! `cargo test -p phemossa-node --features sim`.

use phemossa_core::EventId;
use phemossa_node::sim::{run_scale, LinkConfig, NodeId, Role, ScaleConfig, Sim};

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

#[test]
fn a_forged_copy_racing_the_real_event_does_not_censor_it() {
    let mut sim = Sim::new(11);
    let author = sim.add(Role::Honest);
    let forger = sim.add(Role::Forger);
    let followers: Vec<_> = (0..4).map(|_| sim.add(Role::Honest)).collect();
    sim.follow(author, &[]);
    for &f in &followers {
        sim.follow(f, &[author]);
    }
    // The forger is close to everyone; the author is far from its followers, so every forged
    // copy arrives well before the real one.
    let near = LinkConfig {
        latency_ms: 5,
        ..LinkConfig::default()
    };
    let far = LinkConfig {
        latency_ms: 300,
        ..LinkConfig::default()
    };
    sim.connect(author, forger, near);
    for &f in &followers {
        sim.connect(f, forger, near);
        sim.connect(f, author, far);
    }
    // Let the first pulls end, so only gossip can carry the post.
    sim.run_for(MINUTE);
    let id = sim.publish(author, "the real post").expect("signed");
    sim.run_for(5 * SECOND);

    for &f in &followers {
        assert!(
            sim.node(f).store.contains(&id),
            "follower {f} got the real post by gossip"
        );
        let blamed = sim.blamed(forger);
        assert!(
            blamed.iter().any(|(by, _)| *by == f),
            "follower {f} counted the forged copy"
        );
    }
    assert_eq!(sim.blamed(author), vec![]);
    for &f in &followers {
        assert_eq!(sim.blamed(f), vec![]);
    }
}

#[test]
fn a_replay_of_old_valid_events_is_counted_and_not_forwarded() {
    let mut sim = Sim::new(12);
    let author = sim.add(Role::Honest);
    let victim = sim.add(Role::Honest);
    let behind = sim.add(Role::Honest);
    let replayer = sim.add(Role::Replayer);
    sim.follow(author, &[]);
    sim.follow(victim, &[author]);
    sim.follow(behind, &[author]);
    sim.post(author, 50);
    for (a, b) in [
        (victim, author),
        (behind, victim),
        (behind, author),
        (replayer, victim),
    ] {
        sim.connect(a, b, LinkConfig::default());
    }
    sim.run_for(MINUTE);
    assert!(sim.has_all_of(victim, author) && sim.has_all_of(behind, author));

    // Past the seen-cache's 10 minutes, the replayed events are new to it but not to the
    // store.
    sim.run_for(11 * MINUTE);
    let forwarded = sim.node(victim).counters.gossip_forwarded;
    let received = sim.node(behind).counters.gossip_received;
    sim.replay(replayer, author);
    sim.run_for(10 * SECOND);

    assert!(
        sim.node(victim).counters.gossip_received > 0,
        "the replay arrived"
    );
    assert_eq!(
        sim.node(victim).counters.gossip_forwarded,
        forwarded,
        "the victim forwarded none of it"
    );
    assert_eq!(sim.node(behind).counters.gossip_received, received);
    let duplicates = sim
        .node_mut(victim)
        .state
        .as_mut()
        .and_then(|s| s.peers.get_mut(&replayer).map(|p| p.score.duplicates));
    assert_eq!(
        duplicates,
        Some(50),
        "each replayed event is counted as a duplicate"
    );
    // Duplicates are shown, never punished: an honest peer forwards what we got by sync.
    assert_eq!(sim.blamed(replayer), vec![]);
}

#[test]
fn at_scale_with_churn_and_loss_every_post_reaches_every_follower() {
    // The 1,000 nodes run as `cargo run --release -p phemossa-node --features sim
    // --example sim_scale`; here a hundred, the same churn and loss.
    let config = ScaleConfig {
        nodes: 100,
        ..ScaleConfig::default()
    };
    let report = run_scale(&config);
    assert!(report.posts > 150, "{report:?}");
    assert_eq!(report.delivered, report.expected, "{report:?}");
    assert_eq!(report.honest_blamed, 0, "{report:?}");
}

/// Two connected strangers (`seed`): neither follows the other, so no pull and no author topic
/// carries the replies, and the author asks 10 bits of work of strangers. The author has posted
/// `parent`, which the stranger answers. Returns the sim, the author, the stranger and `parent`.
fn strangers_thread(seed: u64) -> (Sim, NodeId, NodeId, EventId) {
    let mut sim = Sim::new(seed);
    let author = sim.add(Role::Honest);
    let stranger = sim.add(Role::Honest);
    sim.follow(author, &[]);
    sim.follow(stranger, &[]);
    sim.ask_work_of_strangers(author, 10);
    sim.connect(author, stranger, LinkConfig::default());
    sim.run_for(MINUTE);
    let parent = sim
        .publish(author, "a post anyone may answer")
        .expect("signed");
    sim.run_for(5 * SECOND);
    (sim, author, stranger, parent)
}

/// How many events `node` has held back for too little work.
fn held_back_for_work(sim: &Sim, node: NodeId) -> u64 {
    let state = sim
        .node(node)
        .state
        .as_ref()
        .expect("an honest node has a state");
    state.held_back_for_work()
}

#[test]
fn a_strangers_reply_reaches_the_inbox_only_with_enough_work_and_nobody_is_blamed() {
    let (mut sim, author, stranger, parent) = strangers_thread(17);

    let lazy = sim
        .reply(stranger, author, Some(parent), 6)
        .expect("signed");
    sim.run_for(5 * SECOND);
    assert!(
        !sim.node(author).store.contains(&lazy),
        "6 bits are less than the 10 asked"
    );
    assert_eq!(
        held_back_for_work(&sim, author),
        1,
        "counted for the author to see"
    );
    let worked = sim
        .reply(stranger, author, Some(parent), 10)
        .expect("signed");
    sim.run_for(5 * SECOND);
    assert!(
        sim.node(author).store.contains(&worked),
        "10 bits get a stranger's reply into the inbox"
    );
    let excused: Vec<_> = sim
        .faults(stranger)
        .into_iter()
        .filter(|(by, _)| *by == author)
        .collect();
    assert_eq!(
        excused.len(),
        0,
        "a dropped reply is not a fault: {excused:?}"
    );
    assert_eq!(sim.blamed(stranger), vec![]);
    assert_eq!(sim.blamed(author), vec![]);

    // Once the author follows the stranger, no work is needed.
    sim.follow(author, &[stranger]);
    let free = sim
        .reply(stranger, author, Some(parent), 0)
        .expect("signed");
    sim.run_for(5 * SECOND);
    assert!(sim.node(author).store.contains(&free));
}

#[test]
fn a_strangers_reply_sent_while_the_addressee_was_away_arrives_by_catch_up() {
    let (mut sim, author, stranger, parent) = strangers_thread(23);

    // The author goes away; the stranger answers twice, once without enough work.
    sim.disconnect(author, stranger);
    let lazy = sim
        .reply(stranger, author, Some(parent), 6)
        .expect("signed");
    let worked = sim
        .reply(stranger, author, Some(parent), 10)
        .expect("signed");
    sim.run_for(5 * SECOND);
    assert!(
        !sim.node(author).store.contains(&worked),
        "away: nothing live"
    );

    // Back: the catch-up brings what addressed the author, through the same gate.
    sim.connect(author, stranger, LinkConfig::default());
    sim.run_for(10 * SECOND);
    assert!(
        sim.node(author).store.contains(&worked),
        "caught up on the reply with enough work"
    );
    assert!(
        !sim.node(author).store.contains(&lazy),
        "6 bits are less than 10"
    );
    assert_eq!(
        held_back_for_work(&sim, author),
        1,
        "counted for the author to see"
    );
    assert_eq!(sim.blamed(stranger), vec![]);
    assert_eq!(sim.blamed(author), vec![]);
}

#[test]
fn a_strangers_reply_lost_with_a_closed_connection_arrives_by_the_catch_up_after_it() {
    let (mut sim, author, stranger, parent) = strangers_thread(29);

    // The reply goes to the author's inbox on gossip, into a connection that then closes
    // while another stays: the message is lost with it, and the author follows nobody, so no
    // pull names the stranger.
    let reply = sim
        .reply(stranger, author, Some(parent), 10)
        .expect("signed");
    sim.hand_over(author, stranger);
    sim.run_for(SECOND);
    assert!(
        !sim.node(author).store.contains(&reply),
        "lost with the connection"
    );

    // The catch-up pull 2 s after the close asks the author's inbox again.
    sim.run_for(5 * SECOND);
    assert!(
        sim.node(author).store.contains(&reply),
        "repaired by the inbox catch-up"
    );
    assert_eq!(sim.blamed(stranger), vec![]);
    assert_eq!(sim.blamed(author), vec![]);
}
