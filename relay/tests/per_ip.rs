//! Per-IP caps, end to end on loopback: one address opening many identities gets no more than
//! its share of reservations, rendezvous registrations and connections, while other addresses
//! still get theirs. Clients leave from 127.0.0.2, 127.0.0.3, … (all loopback on Linux). No
//! timing is asserted; every wait is bounded by `common::TIMEOUT`.

use crate::common;

use std::{net::IpAddr, time::Duration};

use common::{
    ip_client::{self, loopback, Outcome, Plan},
    RunningRelay, TIMEOUT,
};
use libp2p::{multiaddr::Protocol, rendezvous::Namespace};
use phemossa_relay::{Config, Limits};
use tokio::task::JoinHandle;

/// A relay on plain TCP (the clients are native) with the given limits.
fn tcp_config(limits: Limits) -> Config {
    Config {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("valid")],
        limits,
        ..Config::default()
    }
}

fn plan(relay: &RunningRelay, source: IpAddr, register: bool) -> Plan {
    let relay_addr = relay.listen_addrs[0].clone();
    assert!(relay_addr.iter().any(|p| matches!(p, Protocol::Tcp(_))));
    Plan {
        relay_addr,
        relay_id: relay.peer_id,
        source,
        register: register.then(|| Namespace::from_static("phemossa")),
        ttl: 120,
        discover_limit: None,
    }
}

/// Starts the clients at once and waits for every outcome; the tasks keep the slots alive.
async fn run_all(plans: Vec<Plan>) -> (Vec<Outcome>, Vec<JoinHandle<()>>) {
    let (rxs, tasks): (Vec<_>, Vec<_>) = plans.into_iter().map(ip_client::spawn).unzip();
    let mut outcomes = Vec::new();
    for rx in rxs {
        let o = tokio::time::timeout(TIMEOUT, rx)
            .await
            .expect("a client reported in time")
            .expect("the client task reported");
        outcomes.push(o);
    }
    (outcomes, tasks)
}

fn reserved(outcomes: &[Outcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Reserved { .. }))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_with_many_identities_gets_only_its_share_of_reservations() {
    common::init_logging();
    let relay = RunningRelay::start(tcp_config(Limits {
        max_reservations: 20,
        max_reservations_per_ip: 3,
        max_connections_per_ip: 100,
        ..Limits::default()
    }))
    .await;

    // Twelve identities from 127.0.0.2, all at once: three slots, whoever comes first.
    let crowd = (0..12).map(|_| plan(&relay, loopback(2), false)).collect();
    let (outcomes, mut keep) = run_all(crowd).await;
    assert_eq!(reserved(&outcomes), 3, "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == Outcome::ReservationRefused)
            .count(),
        9,
        "{outcomes:?}"
    );

    // Other addresses are unaffected, though the first one is still at its cap.
    let others = vec![
        plan(&relay, loopback(3), false),
        plan(&relay, loopback(3), false),
        plan(&relay, loopback(4), false),
    ];
    let (outcomes, more) = run_all(others).await;
    keep.extend(more);
    assert_eq!(reserved(&outcomes), 3, "{outcomes:?}");

    for t in keep {
        t.abort();
    }
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_and_registrations_are_capped_per_address() {
    common::init_logging();
    let relay = RunningRelay::start(tcp_config(Limits {
        max_connections_per_ip: 4,
        max_registrations_per_ip: 2,
        ..Limits::default()
    }))
    .await;
    let mut keep = Vec::new();

    // One at a time, so each new connection sees the registrations before it.
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let (o, t) = run_all(vec![plan(&relay, loopback(5), true)]).await;
        outcomes.extend(o);
        keep.extend(t);
    }
    let registered = |o: &Outcome| {
        matches!(
            o,
            Outcome::Reserved {
                registered: true,
                ..
            }
        )
    };
    assert_eq!(
        outcomes.iter().map(registered).collect::<Vec<_>>(),
        [true, true, false],
        "the third identity from the address finds rendezvous closed: {outcomes:?}"
    );
    // Another address registers.
    let (o, t) = run_all(vec![plan(&relay, loopback(6), true)]).await;
    keep.extend(t);
    assert!(registered(&o[0]), "{o:?}");

    // 127.0.0.5 holds three connections; of five more, one fits under the cap of four.
    let (outcomes, t) = run_all((0..5).map(|_| plan(&relay, loopback(5), false)).collect()).await;
    keep.extend(t);
    let not_connected = outcomes
        .iter()
        .filter(|o| **o == Outcome::NotConnected || **o == Outcome::ReservationRefused)
        .count();
    assert_eq!(reserved(&outcomes), 1, "{outcomes:?}");
    assert_eq!(not_connected, 4, "{outcomes:?}");
    // And 127.0.0.6 still connects.
    let (o, t) = run_all(vec![plan(&relay, loopback(6), false)]).await;
    keep.extend(t);
    assert_eq!(reserved(&o), 1, "{o:?}");

    for t in keep {
        t.abort();
    }
    // Aborted clients' connections close; give the relay a moment before it stops.
    tokio::time::sleep(Duration::from_millis(100)).await;
    relay.stop().await;
}
