//! Every setting of the relay in one shape, read both from flags (with environment variable
//! fallbacks, through clap) and from the `--config` TOML file (through serde, unknown keys
//! refused), so the two cannot drift apart. Everything is optional here; `config.rs` layers
//! flags over the file over the defaults.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr};

use libp2p::Multiaddr;
use serde::{de, Deserialize, Deserializer};

use crate::limits::RateSetting;

/// Where to serve `/metrics`: `PORT` (on 127.0.0.1) or `IP:PORT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsAddr(pub SocketAddr);

impl FromStr for MetricsAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(port) = s.parse::<u16>() {
            return Ok(MetricsAddr(SocketAddr::from(([127, 0, 0, 1], port))));
        }
        s.parse().map(MetricsAddr).map_err(|_| {
            format!("metrics address {s:?} is neither PORT nor IP:PORT, e.g. 127.0.0.1:9464")
        })
    }
}

impl fmt::Display for MetricsAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Reads a value through its `FromStr`, so the file takes exactly the strings the flags take.
fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(de::Error::custom)
}

/// Reads a list of strings, each through its `FromStr`.
fn parsed_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let list = Vec::<String>::deserialize(d)?;
    list.iter()
        .map(|s| s.parse().map_err(de::Error::custom))
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// The settings. Field names are the flags' names; in the file they are the same, kebab-case.
/// Defaults are in `Limits::default()` and `Config::default()`, and in relay/README.md.
#[derive(Debug, Default, Clone, PartialEq, Eq, clap::Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Multiaddr to listen on (repeatable; env: comma-separated). WebRTC-direct addresses are
    /// given without certhash, e.g. /ip4/0.0.0.0/udp/4002/webrtc-direct.
    /// Default: /ip4/127.0.0.1/tcp/4001/ws and /ip4/127.0.0.1/udp/4002/webrtc-direct.
    #[arg(
        long,
        env = "PHEMOSSA_RELAY_LISTEN",
        value_delimiter = ',',
        num_args = 1
    )]
    #[serde(default, deserialize_with = "parsed_list")]
    pub listen: Option<Vec<Multiaddr>>,

    /// Multiaddr to advertise to browsers (repeatable; env: comma-separated), e.g. a public IP.
    /// Default: the bound listen addresses. WebRTC-direct ones get the certhash added.
    #[arg(
        long,
        env = "PHEMOSSA_RELAY_EXTERNAL",
        value_delimiter = ',',
        num_args = 1
    )]
    #[serde(default, deserialize_with = "parsed_list")]
    pub external: Option<Vec<Multiaddr>>,

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

    /// Serve Prometheus metrics at http://ADDR/metrics; ADDR is PORT (on 127.0.0.1) or IP:PORT.
    /// Off unless given.
    #[arg(long, env = "PHEMOSSA_RELAY_METRICS")]
    #[serde(default, deserialize_with = "parsed")]
    pub metrics: Option<MetricsAddr>,

    /// Reservations (relayed browsers) held at once [default: 1024].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_RESERVATIONS")]
    pub max_reservations: Option<usize>,

    /// Reservations one peer may hold at once [default: 4].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_RESERVATIONS_PER_PEER")]
    pub max_reservations_per_peer: Option<usize>,

    /// Reservations held at once by peers connecting from one IP address [default: 32].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_RESERVATIONS_PER_IP")]
    pub max_reservations_per_ip: Option<usize>,

    /// Seconds a reservation lasts before the client renews it [default: 3600].
    #[arg(long, env = "PHEMOSSA_RELAY_RESERVATION_DURATION_SECS")]
    pub reservation_duration_secs: Option<u64>,

    /// Relayed circuits open at once [default: 512].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUITS")]
    pub max_circuits: Option<usize>,

    /// Relayed circuits one peer may have open at once [default: 32].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUITS_PER_PEER")]
    pub max_circuits_per_peer: Option<usize>,

    /// Seconds after which a circuit is closed (libp2p's own default is 120) [default: 3600].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUIT_DURATION_SECS")]
    pub max_circuit_duration_secs: Option<u64>,

    /// Bytes a circuit may relay in each direction before it is closed; 0 = unlimited
    /// (libp2p's own default is 131072) [default: 67108864].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CIRCUIT_BYTES")]
    pub max_circuit_bytes: Option<u64>,

    /// Per-peer rate limit on reservations and circuits, as N/SECONDS (burst N, one more every
    /// SECONDS), or `off` [default: 30/10].
    #[arg(long, env = "PHEMOSSA_RELAY_RATE_LIMIT_PER_PEER")]
    #[serde(default, deserialize_with = "parsed")]
    pub rate_limit_per_peer: Option<RateSetting>,

    /// Per-IP rate limit on reservations and circuits, as N/SECONDS, or `off` [default: 240/2].
    #[arg(long, env = "PHEMOSSA_RELAY_RATE_LIMIT_PER_IP")]
    #[serde(default, deserialize_with = "parsed")]
    pub rate_limit_per_ip: Option<RateSetting>,

    /// Established connections at once, all peers together [default: 2048].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,

    /// Established connections one peer may have at once [default: 8].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CONNECTIONS_PER_PEER")]
    pub max_connections_per_peer: Option<u32>,

    /// Inbound connections from one IP address at once, whatever the peer ids [default: 64].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<u32>,

    /// Rendezvous registrations one peer may hold at once [default: 32].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_REGISTRATIONS_PER_PEER")]
    pub max_registrations_per_peer: Option<usize>,

    /// Live rendezvous registrations from one IP address; past it, new connections from that
    /// address get no rendezvous service until some expire [default: 256].
    #[arg(long, env = "PHEMOSSA_RELAY_MAX_REGISTRATIONS_PER_IP")]
    pub max_registrations_per_ip: Option<usize>,

    /// Shortest rendezvous registration TTL accepted, in seconds [default: 60].
    #[arg(long, env = "PHEMOSSA_RELAY_RENDEZVOUS_MIN_TTL_SECS")]
    pub rendezvous_min_ttl_secs: Option<u64>,

    /// Longest rendezvous registration TTL accepted, in seconds [default: 900].
    #[arg(long, env = "PHEMOSSA_RELAY_RENDEZVOUS_MAX_TTL_SECS")]
    pub rendezvous_max_ttl_secs: Option<u64>,

    /// Seconds after which a connection with nothing going on is closed [default: 60].
    #[arg(long, env = "PHEMOSSA_RELAY_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,
}

/// Fills every unset field of `$top` from `$under`.
macro_rules! layer {
    ($top:ident, $under:ident, [$($f:ident),* $(,)?]) => {
        Settings { $($f: $top.$f.or($under.$f),)* }
    };
}

impl Settings {
    /// These settings, with anything they leave unset taken from `under`.
    pub fn over(self, under: Settings) -> Settings {
        layer!(
            self,
            under,
            [
                listen,
                external,
                key_file,
                cert_file,
                addrs_file,
                metrics,
                max_reservations,
                max_reservations_per_peer,
                max_reservations_per_ip,
                reservation_duration_secs,
                max_circuits,
                max_circuits_per_peer,
                max_circuit_duration_secs,
                max_circuit_bytes,
                rate_limit_per_peer,
                rate_limit_per_ip,
                max_connections,
                max_connections_per_peer,
                max_connections_per_ip,
                max_registrations_per_peer,
                max_registrations_per_ip,
                rendezvous_min_ttl_secs,
                rendezvous_max_ttl_secs,
                idle_timeout_secs,
            ]
        )
    }

    /// Parses a config file's text.
    pub fn from_toml(text: &str) -> Result<Settings, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_addr_takes_a_port_or_a_socket_address() {
        assert_eq!(
            "9464".parse::<MetricsAddr>().unwrap().to_string(),
            "127.0.0.1:9464"
        );
        assert_eq!(
            "0.0.0.0:1".parse::<MetricsAddr>().unwrap().to_string(),
            "0.0.0.0:1"
        );
        assert!("localhost:1".parse::<MetricsAddr>().is_err());
    }

    #[test]
    fn a_file_is_read_with_the_flags_names() {
        let s = Settings::from_toml(
            r#"
            listen = ["/ip4/0.0.0.0/tcp/4001/ws"]
            metrics = "9464"
            max-connections-per-ip = 10
            rate-limit-per-ip = "off"
            rate-limit-per-peer = "5/60"
            "#,
        )
        .unwrap();
        assert_eq!(s.listen.unwrap()[0].to_string(), "/ip4/0.0.0.0/tcp/4001/ws");
        assert_eq!(s.metrics.unwrap().to_string(), "127.0.0.1:9464");
        assert_eq!(s.max_connections_per_ip, Some(10));
        assert_eq!(s.rate_limit_per_ip, Some(RateSetting(None)));
        assert_eq!(
            s.rate_limit_per_peer,
            Some(RateSetting(Some("5/60".parse().unwrap())))
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_by_name() {
        let err = Settings::from_toml("max-conections = 3").unwrap_err();
        assert!(err.contains("unknown field `max-conections`"), "{err}");
        let err = Settings::from_toml("listen = [\"nope\"]").unwrap_err();
        assert!(err.contains("listen"), "{err}");
        let err = Settings::from_toml("max-circuits = \"many\"").unwrap_err();
        assert!(err.contains("max-circuits"), "{err}");
    }

    #[test]
    fn the_top_layer_wins_and_gaps_fall_through() {
        let top = Settings {
            max_circuits: Some(1),
            ..Settings::default()
        };
        let under = Settings {
            max_circuits: Some(2),
            max_connections: Some(3),
            ..Settings::default()
        };
        let s = top.over(under);
        assert_eq!(s.max_circuits, Some(1));
        assert_eq!(s.max_connections, Some(3));
    }
}
