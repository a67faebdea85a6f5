//! Command-line flags (each with an environment variable fallback) and their translation into
//! the relay's checked [`Config`].

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use libp2p::Multiaddr;

use crate::{
    addrs::validate_listen,
    error::Error,
    limits::{Limits, RateSetting},
    settings::Settings,
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
    /// Where to serve Prometheus `/metrics` over HTTP; None: not served.
    pub metrics: Option<SocketAddr>,
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
            metrics: None,
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
///
/// Settings come from flags, then their environment variables, then the --config file, then
/// the defaults, in that order.
#[derive(Debug, Parser)]
#[command(name = "phemossa-relay", version, about, long_about = None)]
pub struct Args {
    /// A TOML file with any of the settings below, named like the flags without the dashes in
    /// front (e.g. `max-connections-per-ip = 64`); flags and environment variables override it.
    /// Unknown keys are refused. See relay/deploy/relay.toml.
    #[arg(long, env = "PHEMOSSA_RELAY_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub settings: Settings,
}

impl Args {
    /// The checked configuration these flags (over the config file, if any) describe.
    pub fn into_config(self) -> Result<Config, Error> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::file("cannot read config file", path, e))?;
                Settings::from_toml(&text)
                    .map_err(|e| Error::Config(format!("config file {}: {e}", path.display())))?
            }
            None => Settings::default(),
        };
        Config::from_settings(self.settings.over(file))
    }
}

impl Config {
    /// The checked configuration `s` describes, with the defaults where it says nothing.
    pub fn from_settings(s: Settings) -> Result<Config, Error> {
        let d = Config::default();
        let l = d.limits.clone();
        let secs =
            |v: Option<u64>, default: Duration| v.map(Duration::from_secs).unwrap_or(default);
        let rate = |v: Option<RateSetting>, default| v.map(|r| r.0).unwrap_or(default);
        let config = Config {
            listen: s.listen.unwrap_or(d.listen),
            external: s.external.unwrap_or(d.external),
            key_file: s.key_file,
            cert_file: s.cert_file,
            addrs_file: s.addrs_file,
            metrics: s.metrics.map(|m| m.0),
            limits: Limits {
                max_reservations: s.max_reservations.unwrap_or(l.max_reservations),
                max_reservations_per_peer: s
                    .max_reservations_per_peer
                    .unwrap_or(l.max_reservations_per_peer),
                reservation_duration: secs(s.reservation_duration_secs, l.reservation_duration),
                max_circuits: s.max_circuits.unwrap_or(l.max_circuits),
                max_circuits_per_peer: s.max_circuits_per_peer.unwrap_or(l.max_circuits_per_peer),
                max_circuit_duration: secs(s.max_circuit_duration_secs, l.max_circuit_duration),
                max_circuit_bytes: s.max_circuit_bytes.unwrap_or(l.max_circuit_bytes),
                rate_limit_per_peer: rate(s.rate_limit_per_peer, l.rate_limit_per_peer),
                rate_limit_per_ip: rate(s.rate_limit_per_ip, l.rate_limit_per_ip),
                max_connections: s.max_connections.unwrap_or(l.max_connections),
                max_connections_per_peer: s
                    .max_connections_per_peer
                    .unwrap_or(l.max_connections_per_peer),
                max_connections_per_ip: s
                    .max_connections_per_ip
                    .unwrap_or(l.max_connections_per_ip),
                max_reservations_per_ip: s
                    .max_reservations_per_ip
                    .unwrap_or(l.max_reservations_per_ip),
                max_registrations_per_peer: s
                    .max_registrations_per_peer
                    .unwrap_or(l.max_registrations_per_peer),
                max_registrations_per_ip: s
                    .max_registrations_per_ip
                    .unwrap_or(l.max_registrations_per_ip),
                rendezvous_min_ttl: s.rendezvous_min_ttl_secs.unwrap_or(l.rendezvous_min_ttl),
                rendezvous_max_ttl: s.rendezvous_max_ttl_secs.unwrap_or(l.rendezvous_max_ttl),
            },
            idle_timeout: secs(s.idle_timeout_secs, d.idle_timeout),
            shutdown_grace: d.shutdown_grace,
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
        assert_eq!(
            c.limits.rate_limit_per_ip,
            Limits::default().rate_limit_per_ip
        );
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
    fn rate_limits_are_on_by_default_and_can_be_switched_off() {
        let c = parse(&[]).unwrap();
        assert!(c.limits.rate_limit_per_peer.is_some());
        assert!(c.limits.rate_limit_per_ip.is_some());
        let c = parse(&["--rate-limit-per-ip", "off", "--rate-limit-per-peer", "off"]).unwrap();
        assert_eq!(c.limits.rate_limit_per_peer, None);
        assert_eq!(c.limits.rate_limit_per_ip, None);
    }

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.toml");
        std::fs::write(
            &path,
            "max-circuits = 7\nmax-connections-per-ip = 5\nmetrics = \"127.0.0.1:0\"\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let c = parse(&["--config", file, "--max-circuits", "9"]).unwrap();
        assert_eq!(c.limits.max_circuits, 9, "the flag wins");
        assert_eq!(c.limits.max_connections_per_ip, 5, "the file fills in");
        assert_eq!(
            c.limits.max_reservations,
            Limits::default().max_reservations
        );
        assert_eq!(c.metrics, Some("127.0.0.1:0".parse().unwrap()));
    }

    #[test]
    fn a_file_with_an_unknown_key_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.toml");
        std::fs::write(&path, "max-circuit = 7\n").unwrap();
        let err = parse(&["--config", path.to_str().unwrap()]).unwrap_err();
        assert!(err.contains("unknown field `max-circuit`"), "{err}");
        assert!(err.contains("relay.toml"), "{err}");
        let missing = dir.path().join("absent.toml");
        assert!(parse(&["--config", missing.to_str().unwrap()]).is_err());
    }

    #[test]
    fn metrics_are_off_unless_asked_for_and_bind_loopback_by_default() {
        assert_eq!(parse(&[]).unwrap().metrics, None);
        let c = parse(&["--metrics", "9464"]).unwrap();
        assert_eq!(c.metrics, Some("127.0.0.1:9464".parse().unwrap()));
    }

    #[test]
    fn the_deploy_configs_parse_and_every_key_is_documented() {
        for (name, text) in [
            ("relay.toml", include_str!("../deploy/relay.toml")),
            ("container.toml", include_str!("../deploy/container.toml")),
        ] {
            let settings =
                Settings::from_toml(text).unwrap_or_else(|e| panic!("deploy/{name}: {e}"));
            Config::from_settings(settings).unwrap_or_else(|e| panic!("deploy/{name}: {e}"));
        }
        let example = include_str!("../deploy/relay.toml");
        let readme = include_str!("../README.md");
        for arg in Args::command().get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version"].contains(&long) {
                continue;
            }
            assert!(
                readme.contains(&format!("`--{long}")),
                "README lacks --{long}"
            );
            if long != "config" {
                let key = format!("{long} =");
                assert!(example.contains(&key), "deploy/relay.toml lacks {long}");
            }
        }
    }

    #[test]
    fn the_defaults_the_help_names_are_the_real_ones() {
        // The flags are optional (so the file can fill them), so clap cannot show defaults;
        // their help says `[default: V]` by hand, and giving V must change nothing.
        let mut checked = 0;
        for arg in Args::command().get_arguments() {
            let (Some(long), Some(help)) = (arg.get_long(), arg.get_help()) else {
                continue;
            };
            let help = help.to_string();
            let Some(v) = help
                .split_once("[default: ")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(v, _)| v.to_owned())
            else {
                continue;
            };
            assert_eq!(
                parse(&[&format!("--{long}"), &v]).unwrap(),
                Config::default(),
                "--{long}'s help names {v} as its default"
            );
            checked += 1;
        }
        assert_eq!(checked, 18, "flags naming a default");
    }

    #[test]
    fn loopback_any_port_is_valid() {
        Config::loopback_any_port().validate().unwrap();
    }
}
