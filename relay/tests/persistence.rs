//! The key file keeps the peer id, and the certificate file keeps the WebRTC-direct certhash,
//! the same across two starts; the address file holds what the relay advertises.
#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use common::{init_logging, RunningRelay};
use libp2p::multiaddr::Protocol;
use phemossa_relay::{addrs_file, Config};

fn certhash_of(addrs: &[libp2p::Multiaddr]) -> String {
    addrs
        .iter()
        .flat_map(|a| a.iter())
        .find_map(|p| match p {
            Protocol::Certhash(h) => Some(format!("{h:?}")),
            _ => None,
        })
        .expect("a WebRTC-direct address with certhash")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_and_cert_files_keep_peer_id_and_certhash_across_restarts() {
    init_logging();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        key_file: Some(dir.path().join("node.key")),
        cert_file: Some(dir.path().join("webrtc.pem")),
        addrs_file: Some(dir.path().join("relay.addrs")),
        ..Config::loopback_any_port()
    };

    let first = RunningRelay::start(config.clone()).await;
    let (id1, hash1) = (first.peer_id, certhash_of(&first.listen_addrs));
    let written = std::fs::read_to_string(dir.path().join("relay.addrs")).unwrap();
    assert_eq!(addrs_file::parse(&written).unwrap(), first.advertised_addrs);
    assert_eq!(
        first.advertised_addrs, first.listen_addrs,
        "no --external: the bound addresses are advertised"
    );
    first.stop().await;
    assert!(
        !dir.path().join("relay.addrs").exists(),
        "a clean shutdown removes the address file"
    );

    let second = RunningRelay::start(config.clone()).await;
    assert_eq!(second.peer_id, id1, "same peer id from the key file");
    assert_eq!(
        certhash_of(&second.listen_addrs),
        hash1,
        "same certhash from the certificate file"
    );
    second.stop().await;

    // Without the files, both change.
    let third = RunningRelay::start(Config::loopback_any_port()).await;
    assert_ne!(third.peer_id, id1);
    assert_ne!(certhash_of(&third.listen_addrs), hash1);
    third.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_addresses_are_advertised_with_certhash_and_peer_id() {
    init_logging();
    let config = Config {
        external: vec![
            "/ip4/127.0.0.1/tcp/4999/ws".parse().unwrap(),
            "/ip4/127.0.0.1/udp/4998/webrtc-direct".parse().unwrap(),
        ],
        ..Config::loopback_any_port()
    };
    let relay = RunningRelay::start(config).await;
    let advertised: Vec<String> = relay
        .advertised_addrs
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(advertised.len(), 2);
    assert_eq!(
        advertised[0],
        format!("/ip4/127.0.0.1/tcp/4999/ws/p2p/{}", relay.peer_id)
    );
    assert!(
        advertised[1].starts_with("/ip4/127.0.0.1/udp/4998/webrtc-direct/certhash/"),
        "{}",
        advertised[1]
    );
    assert!(advertised[1].ends_with(&format!("/p2p/{}", relay.peer_id)));
    assert_eq!(
        certhash_of(&relay.advertised_addrs),
        certhash_of(&relay.listen_addrs)
    );
    relay.stop().await;
}
