//! The `/metrics` endpoint, end to end: a relay serving metrics on a loopback port, a client
//! that reserves a slot, registers and discovers, and one whose registration is refused for
//! its TTL; then a plain HTTP GET of /metrics must name every promised series with the values
//! this traffic implies.

use crate::common;

use common::{
    ip_client::{self, loopback, Outcome, Plan},
    RunningRelay, TIMEOUT,
};
use libp2p::rendezvous::Namespace;
use phemossa_relay::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// GET `path` over HTTP/1.0 (the server closes after answering); returns status line and body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("metrics endpoint accepts");
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut raw = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut raw))
        .await
        .expect("answered in time")
        .expect("response read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers end");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// The value of the sample line that starts with `series` (name and labels, exactly).
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_name_connections_reservations_registrations_bytes_and_refusals() {
    common::init_logging();
    let relay = RunningRelay::start(Config {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("valid")],
        metrics: Some("127.0.0.1:0".parse().expect("valid")),
        ..Config::default()
    })
    .await;
    let metrics_addr = relay.metrics_addr.expect("metrics are served");
    assert!(metrics_addr.ip().is_loopback());

    let plan = |source, ttl| Plan {
        relay_addr: relay.listen_addrs[0].clone(),
        relay_id: relay.peer_id,
        source,
        register: Some(Namespace::from_static("phemossa")),
        ttl,
        discover_limit: Some(10),
    };
    // One client that does everything a browser does, one asking for a 10-hour registration.
    let (good, good_task) = ip_client::spawn(plan(loopback(7), 120));
    let (long, long_task) = ip_client::spawn(plan(loopback(8), 36_000));
    let good = tokio::time::timeout(TIMEOUT, good)
        .await
        .expect("in time")
        .expect("reported");
    let long = tokio::time::timeout(TIMEOUT, long)
        .await
        .expect("in time")
        .expect("reported");
    assert_eq!(
        good,
        Outcome::Reserved {
            registered: true,
            discovered: 1
        }
    );
    assert_eq!(
        long,
        Outcome::Reserved {
            registered: false,
            discovered: 0
        }
    );

    let (status, body) = http_get(metrics_addr, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    let v =
        |series: &str| value(&body, series).unwrap_or_else(|| panic!("no {series} in:\n{body}"));
    assert_eq!(v("phemossa_relay_connections"), 2.0);
    assert_eq!(v("phemossa_relay_reservations"), 2.0);
    assert_eq!(v("phemossa_relay_circuits"), 0.0);
    assert_eq!(v("phemossa_relay_registrations"), 1.0);
    assert_eq!(
        v("phemossa_relay_refused_total{reason=\"registration_ttl\"}"),
        1.0
    );
    // libp2p-metrics' own series: relay events and transport bytes.
    assert_eq!(
        v("libp2p_relay_events_total{event=\"ReservationReqAccepted\"}"),
        2.0
    );
    let bytes_in: f64 = body
        .lines()
        .filter(|l| l.starts_with("libp2p_bandwidth_bytes_total") && l.contains("Inbound"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(bytes_in > 0.0, "no inbound bytes counted:\n{body}");
    assert!(
        body.contains("libp2p_swarm_connections_incoming_total"),
        "{body}"
    );

    let (status, _) = http_get(metrics_addr, "/other").await;
    assert!(status.contains("404"), "{status}");

    good_task.abort();
    long_task.abort();
    relay.stop().await;
}
