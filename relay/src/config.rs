//! Command-line flags (each with an environment variable fallback) and their translation into
//! the relay's checked [`Config`].

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use libp2p::Multiaddr;

use crate::{
    addrs::validate_listen,
    error::Error,
    limits::{Limits, RateLimit},
};

/// Default listen addresses: loopback only, so a relay started by hand exposes nothing.
pub const DEFAULT_LISTEN: [&str; 2] = [
    "/ip4/127.0.0.1/tcp/4001/ws",
    "/ip4/127.0.0.1/udp/4002/webrtc-direct",
];

/// Everything the relay needs to start, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to bind. WebRTC-direct addresses carry no certhash here.
    pub listen: Vec<Multiaddr>,
    /// Addresses to advertise to clients instead of the bound ones (empty: advertise the bound
    /// ones). WebRTC-direct entries may leave the certhash out; the relay adds its own.
    pub external: Vec<Multiaddr>,
    /// Node key file (protobuf-encoded keypair); created if missing. None: a new peer id each run.
    pub key_file: Option<PathBuf>,
    /// WebRTC-direct certificate PEM; created if missing. None: a new certhash each run.
    pub cert_file: Option<PathBuf>,
    /// File to write the advertised full addresses to once every listener is up.
    pub addrs_file: Option<PathBuf>,
    pub limits: Limits,
    /// Connections with nothing going on (no reservation, circuit or stream) close after this.
    pub idle_timeout: Duration,
    /// At shutdown, how long to wait for connections to close before giving up on them.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN
                .iter()
                .map(|a| a.parse().expect("valid default"))
                .collect(),
            external: Vec::new(),
            key_file: None,
            cert_file: None,
            addrs_file: None,
            limits: Limits::default(),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

impl Config {
    /// Loopback listeners on ports the OS picks (WebSocket and WebRTC-direct), for tests.
    pub fn loopback_any_port() -> Self {
        Config {
            listen: vec![
                "/ip4/127.0.0.1/tcp/0/ws".parse().expect("valid"),
                "/ip4/127.0.0.1/udp/0/webrtc-direct".parse().expect("valid"),
            ],
            ..Config::default()
        }
    }

    /// Checks what libp2p would otherwise reject later, or panic on.
    pub fn validate(&self) -> Result<(), Error> {
        if self.listen.is_empty() {
            return Err(Error::Config(
                "at least one --listen address is needed".into(),
            ));
        }
        for a in &self.listen {
            validate_listen(a).map_err(Error::Config)?;
        }
        self.limits.validate().map_err(Error::Config)?;
        if self.idle_timeout.is_zero() {
            return Err(Error::Config("idle-timeout-secs must be at least 1".into()));
        }
        Ok(())
    }
}

/// phemossa-relay: Phemossa's bootstrap node. A libp2p circuit relay v2 server and rendezvous
/// point that browsers reach over WebSocket or WebRTC-direct. It stores no user data.
#[derive(Debug, Parser)]
#[command(name = "phemossa-relay", version, about, long_about = None)]
pub struct Args {
    /// Multiaddr to listen on (repeatable; env: comma-separated). WebRTC-direct addresses are
    /// given without certhash, e.g. /ip4/0.0.0.0/udp/4002/webrtc-direct.
    #[arg(long, env = "PHEMOSSA_RELAY_LISTEN", value_delimiter = ',', num_args = 1,
          default_values = DEFAULT_LISTEN)]
    pub listen: Vec<Multiaddr>,

    /// Multiaddr to advertise to browsers (repeatable; env: comma-separated), e.g. a public IP.
    /// Default: the bound listen addresses. WebRTC-direct ones get the certhash added.
    #[arg(
        long,
        env = "PHEMOSSA_RELAY_EXTERNAL",
        value_delimiter = ',',
        num_args = 1
    )]
    pub external: Vec<Multiaddr>,

    /// Node key file (ed25519, protobuf-encoded), created with mode 0600 if missing, so the
    /// peer id stays the same across restarts. Without it the peer id changes every start.
    #[arg(long, env = "PHEMOSSA_RELAY_KEY_FILE")]
    pub key_file: Option<PathBuf>,

    /// WebRTC-direct certificate (PEM with private key), created with mode 0600 if missing, so
    /// the certhash stays the same across restarts. Without it the certhash changes every start.
    #[arg(long, env = "PHEMOSSA_RELAY_CERT_FILE")]
    pub cert_file: Option<PathBuf>,

    /// Write the full advertised multiaddrs (one per line, ending in /p2p/<id>) here once all
    /// listeners are up; written atomically, removed at start and at clean shutdown.
    #[arg(long, env = "PHEMOSSA_RELAY_ADDRS_FILE")]
    pub addrs_file: Option<PathBuf>,

    /// Reservations (relayed browsers) held at once.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_RESERVATIONS", default_value_t = Limits::default().max_reservations)]
    pub max_reservations: usize,

    /// Reservations one peer may hold at once.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_RESERVATIONS_PER_PEER", default_value_t = Limits::default().max_reservations_per_peer)]
    pub max_reservations_per_peer: usize,

    /// Seconds a reservation lasts before the client renews it.
    #[arg(long, env = "PHEMOSSA_RELAY_RESERVATION_DURATION_SECS", default_value_t = Limits::default().reservation_duration.as_secs())]
    pub reservation_duration_secs: u64,

    /// Relayed circuits open at once.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUITS", default_value_t = Limits::default().max_circuits)]
    pub max_circuits: usize,

    /// Relayed circuits one peer may have open at once.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUITS_PER_PEER", default_value_t = Limits::default().max_circuits_per_peer)]
    pub max_circuits_per_peer: usize,

    /// Seconds after which a circuit is closed (libp2p's own default is 120).
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUIT_DURATION_SECS", default_value_t = Limits::default().max_circuit_duration.as_secs())]
    pub max_circuit_duration_secs: u64,

    /// Bytes a circuit may relay in each direction before it is closed; 0 = unlimited
    /// (libp2p's own default is 131072).
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUIT_BYTES", default_value_t = Limits::default().max_circuit_bytes)]
    pub max_circuit_bytes: u64,

    /// Per-peer rate limit on reservations and circuits, as N/SECONDS (burst N, one more every
    /// SECONDS). Off by default; libp2p's usual is 30/120.
    #[arg(long, env = "PHEMOSSA_RELAY_RATE_LIMIT_PER_PEER")]
    pub rate_limit_per_peer: Option<RateLimit>,

    /// Per-IP rate limit on reservations and circuits, as N/SECONDS. Off by default, since
    /// loopback tests put every client on 127.0.0.1; libp2p's usual is 60/60.
    #[arg(long, env = "PHEMOSSA_RELAY_RATE_LIMIT_PER_IP")]
    pub rate_limit_per_ip: Option<RateLimit>,

    /// Established connections at once, all peers together.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    pub max_connections: u32,

    /// Established connections one peer may have at once.
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CONNECTIONS_PER_PEER", default_value_t = Limits::default().max_connections_per_peer)]
    pub max_connections_per_peer: u32,

    /// Shortest rendezvous registration TTL accepted (seconds); keeps discovery fresh.
    #[arg(long, env = "PHEMOSSA_RELAY_RENDEZVOUS_MIN_TTL_SECS", default_value_t = Limits::default().rendezvous_min_ttl)]
    pub rendezvous_min_ttl_secs: u64,

    /// Longest rendezvous registration TTL accepted (seconds).
    #[arg(long, env = "PHEMOSSA_RELAY_RENDEZVOUS_MAX_TTL_SECS", default_value_t = Limits::default().rendezvous_max_ttl)]
    pub rendezvous_max_ttl_secs: u64,

    /// Seconds after which a connection with nothing going on is closed.
    #[arg(long, env = "PHEMOSSA_RELAY_IDLE_TIMEOUT_SECS", default_value_t = Config::default().idle_timeout.as_secs())]
    pub idle_timeout_secs: u64,
}

impl Args {
    /// The checked configuration these flags describe.
    pub fn into_config(self) -> Result<Config, Error> {
        let config = Config {
            listen: self.listen,
            external: self.external,
            key_file: self.key_file,
            cert_file: self.cert_file,
            addrs_file: self.addrs_file,
            limits: Limits {
                max_reservations: self.max_reservations,
                max_reservations_per_peer: self.max_reservations_per_peer,
                reservation_duration: Duration::from_secs(self.reservation_duration_secs),
                max_circuits: self.max_circuits,
                max_circuits_per_peer: self.max_circuits_per_peer,
                max_circuit_duration: Duration::from_secs(self.max_circuit_duration_secs),
                max_circuit_bytes: self.max_circuit_bytes,
                rate_limit_per_peer: self.rate_limit_per_peer,
                rate_limit_per_ip: self.rate_limit_per_ip,
                max_connections: self.max_connections,
                max_connections_per_peer: self.max_connections_per_peer,
                rendezvous_min_ttl: self.rendezvous_min_ttl_secs,
                rendezvous_max_ttl: self.rendezvous_max_ttl_secs,
            },
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            ..Config::default()
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let mut argv = vec!["phemossa-relay"];
        argv.extend_from_slice(args);
        Args::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .into_config()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn every_flag_has_an_env_fallback() {
        let cmd = Args::command();
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version"].contains(&long) {
                continue;
            }
            let env = arg
                .get_env()
                .unwrap_or_else(|| panic!("--{long} has no env fallback"));
            let want = format!("PHEMOSSA_RELAY_{}", long.to_uppercase().replace('-', "_"));
            assert_eq!(env.to_str(), Some(want.as_str()));
        }
    }

    // The tests below do not set PHEMOSSA_RELAY_* variables; they assume the test environment
    // has none set either.

    #[test]
    fn no_flags_give_the_defaults() {
        assert_eq!(parse(&[]).unwrap(), Config::default());
        let listen: Vec<String> = Config::default()
            .listen
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(listen, DEFAULT_LISTEN);
    }

    #[test]
    fn flags_are_carried_over() {
        let c = parse(&[
            "--listen",
            "/ip4/0.0.0.0/tcp/9001/ws",
            "--listen",
            "/ip4/0.0.0.0/udp/9002/webrtc-direct",
            "--external",
            "/ip4/10.0.0.1/tcp/9001/ws",
            "--key-file",
            "/k",
            "--cert-file",
            "/c",
            "--addrs-file",
            "/a",
            "--max-reservations",
            "5",
            "--max-circuits",
            "6",
            "--max-circuits-per-peer",
            "2",
            "--max-circuit-duration-secs",
            "30",
            "--max-circuit-bytes",
            "0",
            "--rate-limit-per-peer",
            "30/120",
            "--max-connections",
            "9",
            "--idle-timeout-secs",
            "15",
            "--rendezvous-min-ttl-secs",
            "10",
        ])
        .unwrap();
        assert_eq!(c.listen.len(), 2);
        assert_eq!(
            c.listen[1].to_string(),
            "/ip4/0.0.0.0/udp/9002/webrtc-direct"
        );
        assert_eq!(c.external[0].to_string(), "/ip4/10.0.0.1/tcp/9001/ws");
        assert_eq!(c.key_file, Some(PathBuf::from("/k")));
        assert_eq!(c.cert_file, Some(PathBuf::from("/c")));
        assert_eq!(c.addrs_file, Some(PathBuf::from("/a")));
        assert_eq!(c.limits.max_reservations, 5);
        assert_eq!(c.limits.max_circuits, 6);
        assert_eq!(c.limits.max_circuits_per_peer, 2);
        assert_eq!(c.limits.max_circuit_duration, Duration::from_secs(30));
        assert_eq!(c.limits.max_circuit_bytes, 0);
        assert_eq!(
            c.limits.rate_limit_per_peer,
            Some("30/120".parse().unwrap())
        );
        assert_eq!(c.limits.rate_limit_per_ip, None);
        assert_eq!(c.limits.max_connections, 9);
        assert_eq!(c.limits.rendezvous_min_ttl, 10);
        assert_eq!(c.idle_timeout, Duration::from_secs(15));
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        assert!(parse(&["--listen", "not-a-multiaddr"]).is_err());
        let err = parse(&["--max-circuits", "0"]).unwrap_err();
        assert!(err.contains("max-circuits"), "{err}");
        let err = parse(&["--idle-timeout-secs", "0"]).unwrap_err();
        assert!(err.contains("idle-timeout"), "{err}");
        assert!(parse(&["--rate-limit-per-ip", "7"]).is_err());
        let peer = libp2p::PeerId::random();
        assert!(parse(&["--listen", &format!("/ip4/127.0.0.1/tcp/1/ws/p2p/{peer}")]).is_err());
    }

    #[test]
    fn loopback_any_port_is_valid() {
        Config::loopback_any_port().validate().unwrap();
    }
}
