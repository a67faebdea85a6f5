//! Load test of the relay, loopback only and bounded in time (5 minutes at most):
//!
//! ```sh
//! cargo run --profile native -p phemossa-relay --example load -- [HONEST] [HOSTILE]
//! ```
//!
//! The relay runs in a child process (this program started again with `serve`), so its memory
//! is measured alone: VmRSS from /proc/<pid>/status before and after. All clients live in this
//! process, each with its own peer id and a loopback source address of its own choosing
//! (127.0.0.0/8 is all loopback on Linux):
//! 1. HONEST clients (default 1000), 16 per address, reserve a slot, register in rendezvous
//!    and discover (at most 20 back). Memory per reserved client = RSS delta / HONEST.
//! 2. One address (127.66.0.1) opens HOSTILE identities (default 2000), all trying to reserve
//!    and register: it must get no more than its per-IP caps.
//! 3. Sixteen clients from four fresh addresses must still get slots.
//! 4. Sixteen more from four other fresh addresses meet the relay's total reservation cap
//!    (set to leave room for eight): eight in, eight refused.
//!
//! Then it prints the relay's own refusal counters from /metrics.
//! The relay uses the default limits except `max-reservations`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../tests/common/ip_client.rs"]
mod ip_client;

use std::{
    io::{BufRead, BufReader},
    net::{IpAddr, SocketAddr},
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use ip_client::{Outcome, Plan};
use libp2p::{rendezvous::Namespace, Multiaddr, PeerId};
use phemossa_relay::{Config, Limits, Relay};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    task::JoinHandle,
};

/// The whole run ends by then, whatever happens.
const DEADLINE: Duration = Duration::from_secs(300);
/// One client's wait for its outcome.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// Honest clients per source address: half the default per-IP reservation cap of 32.
const PER_ADDRESS: usize = 16;
/// Clients started at once (the relay's accept backlog and two cores set the pace).
const WAVE: usize = 100;
/// Room left under the total reservation cap for phase 4.
const ROOM: usize = 8;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.first().map(String::as_str) == Some("serve") {
        runtime.block_on(serve(args.get(1).and_then(|a| a.parse().ok())))
    } else {
        let honest = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
        let hostile = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
        runtime.block_on(async {
            tokio::time::timeout(DEADLINE, drive(honest, hostile))
                .await
                .unwrap_or_else(|_| Err(format!("did not finish within {} s", DEADLINE.as_secs())))
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The child: a relay on plain TCP with metrics, until stdin closes.
async fn serve(max_reservations: Option<usize>) -> Result<(), String> {
    let limits = Limits {
        max_reservations: max_reservations.unwrap_or(Limits::default().max_reservations),
        ..Limits::default()
    };
    let config = Config {
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().map_err(|e| format!("{e}"))?],
        metrics: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        limits,
        ..Config::default()
    };
    let relay = Relay::start(config).await.map_err(|e| e.to_string())?;
    let addr = relay
        .listen_addrs()
        .first()
        .cloned()
        .ok_or("no listen address")?;
    let metrics = relay.metrics_addr().ok_or("no metrics address")?;
    println!("ADDR {addr}\nMETRICS {metrics}");
    relay
        .run(async {
            let mut buf = [0u8; 1];
            let _ = tokio::io::stdin().read(&mut buf).await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS line".into())
}

/// Source address number `k` of a block: 127.<block>.<k / 250>.<k % 250 + 1>.
fn address(block: u8, k: usize) -> IpAddr {
    IpAddr::from([127, block, (k / 250) as u8, (k % 250 + 1) as u8])
}

struct Target {
    addr: Multiaddr,
    id: PeerId,
}

#[derive(Default, Debug)]
struct Tally {
    reserved: usize,
    registered: usize,
    discovered: usize,
    refused_after_connecting: usize,
    not_connected: usize,
    timed_out: usize,
}

/// Runs clients from `sources` in waves; returns the tally and the tasks holding the slots.
async fn wave(target: &Target, sources: Vec<IpAddr>, tasks: &mut Vec<JoinHandle<()>>) -> Tally {
    let mut tally = Tally::default();
    for chunk in sources.chunks(WAVE) {
        let mut rxs = Vec::new();
        for &source in chunk {
            let (rx, task) = ip_client::spawn(Plan {
                relay_addr: target.addr.clone(),
                relay_id: target.id,
                source,
                register: Some(Namespace::from_static("phemossa")),
                ttl: 120,
                discover_limit: Some(20),
            });
            rxs.push(rx);
            tasks.push(task);
        }
        for rx in rxs {
            match tokio::time::timeout(CLIENT_TIMEOUT, rx).await {
                Ok(Ok(Outcome::Reserved {
                    registered,
                    discovered,
                })) => {
                    tally.reserved += 1;
                    tally.registered += usize::from(registered);
                    tally.discovered += usize::from(discovered > 0);
                }
                Ok(Ok(Outcome::ReservationRefused)) => tally.refused_after_connecting += 1,
                Ok(Ok(Outcome::NotConnected)) => tally.not_connected += 1,
                Ok(Err(_)) | Err(_) => tally.timed_out += 1,
            }
        }
    }
    tally
}

async fn fetch_metrics(addr: SocketAddr) -> Result<String, String> {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)
        .await
        .map_err(|e| e.to_string())?;
    Ok(raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default())
}

async fn drive(honest: usize, hostile: usize) -> Result<(), String> {
    let started = Instant::now();
    let caps = Limits::default();
    // Honest slots, the hostile address's share, phase 3's sixteen, and room for eight more.
    let max_reservations = honest + caps.max_reservations_per_ip + 16 + ROOM;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["serve", &max_reservations.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the relay: {e}"))?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or("no relay stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut read = |tag: &str| -> Result<String, String> {
        let line = lines
            .next()
            .ok_or("relay exited")?
            .map_err(|e| e.to_string())?;
        line.strip_prefix(tag)
            .map(|v| v.trim().to_owned())
            .ok_or_else(|| format!("expected {tag}, got {line:?}"))
    };
    let addr: Multiaddr = read("ADDR")?.parse().map_err(|e| format!("{e}"))?;
    let metrics: SocketAddr = read("METRICS")?.parse().map_err(|e| format!("{e}"))?;
    let id = match addr.iter().last() {
        Some(libp2p::multiaddr::Protocol::P2p(id)) => id,
        _ => return Err("relay address has no /p2p/".into()),
    };
    let target = Target { addr, id };
    let mut tasks = Vec::new();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = rss_kib(pid)?;

    println!("relay pid {pid}, limits: defaults, max-reservations {max_reservations}");
    println!(
        "per-IP caps: {} connections, {} reservations, {} registrations; rate limits {:?} per peer, {:?} per IP",
        caps.max_connections_per_ip,
        caps.max_reservations_per_ip,
        caps.max_registrations_per_ip,
        caps.rate_limit_per_peer.map(|r| r.to_string()),
        caps.rate_limit_per_ip.map(|r| r.to_string()),
    );
    println!("relay VmRSS at start: {rss0} KiB");

    // 1. Honest clients.
    let t = Instant::now();
    let sources = (0..honest).map(|i| address(10, i / PER_ADDRESS)).collect();
    let a = wave(&target, sources, &mut tasks).await;
    let took = t.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = rss_kib(pid)?;
    let per = (rss1.saturating_sub(rss0) as f64 * 1024.0) / a.reserved.max(1) as f64;
    println!(
        "\n1. {honest} honest clients from {} addresses in {:.1} s: {a:?}",
        honest.div_ceil(PER_ADDRESS),
        took.as_secs_f64()
    );
    println!(
        "   relay VmRSS {rss1} KiB: +{} KiB, {:.1} KiB per reserved client (connection, slot, one registration)",
        rss1.saturating_sub(rss0),
        per / 1024.0
    );
    let gib = 1024.0 * 1024.0 * 1024.0;
    println!(
        "   extrapolated: {:.0} such clients within 1 GiB of relay memory ((1 GiB - {rss0} KiB baseline) / {:.1} KiB; linear extrapolation, not measured)",
        (gib - rss0 as f64 * 1024.0) / per.max(1.0),
        per / 1024.0
    );

    // 2. One address, many identities.
    let t = Instant::now();
    let b = wave(&target, vec![address(66, 0); hostile], &mut tasks).await;
    println!(
        "\n2. {hostile} identities from one address (127.66.0.1) in {:.1} s: {b:?}",
        t.elapsed().as_secs_f64()
    );

    // 3. Fresh addresses still get in.
    let c = wave(
        &target,
        (0..16).map(|i| address(20, i / 4)).collect(),
        &mut tasks,
    )
    .await;
    println!("\n3. 16 clients from 4 fresh addresses afterwards: {c:?}");

    // 4. The total cap.
    let d = wave(
        &target,
        (0..16).map(|i| address(30, i / 4)).collect(),
        &mut tasks,
    )
    .await;
    println!("\n4. 16 more with room for {ROOM} under max-reservations: {d:?}");

    let body = fetch_metrics(metrics).await?;
    println!("\n/metrics after the run:");
    for l in body
        .lines()
        .filter(|l| l.starts_with("phemossa_relay_") || l.starts_with("libp2p_relay_events_total"))
    {
        println!("   {l}");
    }
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());

    for t in tasks {
        t.abort();
    }
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();

    let mut failures = Vec::new();
    if a.reserved != honest {
        failures.push(format!(
            "{} of {honest} honest clients got no slot",
            honest - a.reserved
        ));
    }
    if b.reserved > caps.max_reservations_per_ip {
        failures.push(format!("one address took {} slots", b.reserved));
    }
    if c.reserved != 16 {
        failures.push(format!("fresh addresses got {} of 16 slots", c.reserved));
    }
    if d.reserved != ROOM {
        failures.push(format!(
            "the total cap let {} of 16 in, not {ROOM}",
            d.reserved
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}
