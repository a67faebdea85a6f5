//! End to end on loopback: two native clients meet through the relay the way browsers will.
//! A reserves a slot and registers in rendezvous namespace "phemossa"; B discovers A there,
//! dials A through the circuit, and they ping each other over it.
#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use common::{client, init_logging, is_relayed, ClientEvent, RunningRelay, TIMEOUT};
use libp2p::{
    futures::StreamExt,
    multiaddr::Protocol,
    relay, rendezvous,
    swarm::{dial_opts::DialOpts, SwarmEvent},
};
use phemossa_relay::{Config, RENDEZVOUS_NAMESPACE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_meet_via_rendezvous_and_ping_over_a_circuit() {
    init_logging();
    let relay = RunningRelay::start(Config::loopback_any_port()).await;
    let relay_id = relay.peer_id;
    let relay_ws = relay.addr(false);
    let namespace = rendezvous::Namespace::from_static(RENDEZVOUS_NAMESPACE);

    let mut a = client().await;
    let mut b = client().await;
    let (a_id, b_id) = (*a.local_peer_id(), *b.local_peer_id());

    // A reserves a slot: listening on <relay>/p2p-circuit makes it dial the relay and reserve.
    a.listen_on(relay_ws.clone().with(Protocol::P2pCircuit))
        .unwrap();
    b.dial(relay_ws.clone()).unwrap();

    #[derive(Debug, Default)]
    struct Progress {
        a_reserved: bool,
        a_register_sent: bool,
        a_registered: bool,
        b_connected_to_relay: bool,
        b_discover_sent: bool,
        b_dialled_a: bool,
        circuit_up: bool,
        b_pinged_a: bool,
        a_pinged_b: bool,
    }
    let mut p = Progress::default();

    let outcome = tokio::time::timeout(TIMEOUT, async {
        while !(p.b_pinged_a && p.a_pinged_b) {
            tokio::select! {
                event = a.select_next_some() => match event {
                    SwarmEvent::Behaviour(ClientEvent::Relay(
                        relay::client::Event::ReservationReqAccepted { relay_peer_id, .. },
                    )) => {
                        assert_eq!(relay_peer_id, relay_id);
                        p.a_reserved = true;
                    }
                    // The relay client confirms A's circuit address once the reservation stands;
                    // rendezvous registers A's external addresses, so register only now.
                    SwarmEvent::ExternalAddrConfirmed { address } if is_relayed(&address) && !p.a_register_sent => {
                        a.behaviour_mut()
                            .rendezvous
                            .register(namespace.clone(), relay_id, Some(120))
                            .expect("A has an external address to register");
                        p.a_register_sent = true;
                    }
                    SwarmEvent::Behaviour(ClientEvent::Rendezvous(e)) => match e {
                        rendezvous::client::Event::Registered { namespace: ns, .. } => {
                            assert_eq!(ns, namespace);
                            p.a_registered = true;
                        }
                        rendezvous::client::Event::RegisterFailed { error, .. } => {
                            panic!("A's rendezvous registration failed: {error:?}")
                        }
                        _ => {}
                    },
                    SwarmEvent::Behaviour(ClientEvent::Ping(e)) if e.peer == b_id && e.result.is_ok() => {
                        p.a_pinged_b = true;
                    }
                    SwarmEvent::ListenerClosed { reason, .. } => panic!("A's relay listener closed: {reason:?}"),
                    _ => {}
                },
                event = b.select_next_some() => match event {
                    SwarmEvent::ConnectionEstablished { peer_id, endpoint, .. } if peer_id == relay_id => {
                        assert!(!is_relayed(endpoint.get_remote_address()));
                        p.b_connected_to_relay = true;
                    }
                    SwarmEvent::ConnectionEstablished { peer_id, endpoint, .. } if peer_id == a_id => {
                        assert!(is_relayed(endpoint.get_remote_address()), "B reached A through the relay");
                        p.circuit_up = true;
                    }
                    SwarmEvent::Behaviour(ClientEvent::Rendezvous(e)) => match e {
                        rendezvous::client::Event::Discovered { registrations, .. } => {
                            let found = registrations
                                .iter()
                                .find(|r| r.record.peer_id() == a_id)
                                .expect("A is registered under the namespace");
                            let addrs = found.record.addresses().to_vec();
                            assert!(addrs.iter().all(common::is_relayed), "A registered relayed addresses: {addrs:?}");
                            b.dial(DialOpts::peer_id(a_id).addresses(addrs).build()).unwrap();
                            p.b_dialled_a = true;
                        }
                        rendezvous::client::Event::DiscoverFailed { error, .. } => {
                            panic!("B's rendezvous discovery failed: {error:?}")
                        }
                        _ => {}
                    },
                    SwarmEvent::Behaviour(ClientEvent::Ping(e)) if e.peer == a_id && e.result.is_ok() => {
                        p.b_pinged_a = true;
                    }
                    SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                        panic!("B's dial to {peer_id:?} failed: {error}")
                    }
                    _ => {}
                },
            }
            if p.a_registered && p.b_connected_to_relay && !p.b_discover_sent {
                b.behaviour_mut().rendezvous.discover(Some(namespace.clone()), None, None, relay_id);
                p.b_discover_sent = true;
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out after {TIMEOUT:?}; progress: {p:?}"
    );
    assert!(p.a_reserved && p.circuit_up, "{p:?}");

    drop((a, b));
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reserves_a_slot_over_webrtc_direct() {
    init_logging();
    let relay = RunningRelay::start(Config::loopback_any_port()).await;
    let relay_id = relay.peer_id;
    let relay_webrtc = relay.addr(true);
    assert!(
        relay_webrtc
            .iter()
            .any(|p| matches!(p, Protocol::Certhash(_))),
        "the printed WebRTC-direct address carries the certhash: {relay_webrtc}"
    );

    let mut c = client().await;
    // libp2p-webrtc dials only from a bound UDP socket.
    c.listen_on("/ip4/127.0.0.1/udp/0/webrtc-direct".parse().unwrap())
        .unwrap();
    c.listen_on(relay_webrtc.clone().with(Protocol::P2pCircuit))
        .unwrap();

    let (mut reserved, mut pinged) = (false, false);
    let outcome = tokio::time::timeout(TIMEOUT, async {
        while !(reserved && pinged) {
            match c.select_next_some().await {
                SwarmEvent::Behaviour(ClientEvent::Relay(
                    relay::client::Event::ReservationReqAccepted { relay_peer_id, .. },
                )) => {
                    assert_eq!(relay_peer_id, relay_id);
                    reserved = true;
                }
                SwarmEvent::Behaviour(ClientEvent::Ping(e))
                    if e.peer == relay_id && e.result.is_ok() =>
                {
                    pinged = true
                }
                SwarmEvent::ConnectionEstablished {
                    peer_id, endpoint, ..
                } if peer_id == relay_id => {
                    let remote = endpoint.get_remote_address();
                    assert!(
                        remote.iter().any(|p| matches!(p, Protocol::WebRTCDirect)),
                        "{remote}"
                    );
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => panic!("dial failed: {error}"),
                _ => {}
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "timed out: reserved={reserved} pinged={pinged}"
    );

    drop(c);
    relay.stop().await;
}
