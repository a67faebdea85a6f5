//! Command-line flags and their translation into a checked [`Config`].

use std::time::Duration;

use clap::Parser;
use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use phemossa_core::PublicKey;

use crate::error::Error;

/// A Phemossa peer that misbehaves on purpose, to prove browsers count, drop and disconnect
/// bad peers. Prints one JSON object per line on stdout; logs go to stderr (RUST_LOG).
#[derive(Debug, Clone, Parser)]
#[command(name = "phemossa-hostile-peer", version)]
pub struct Args {
    /// The relay's WebSocket (or TCP) address, ending in /p2p/<relay peer id>.
    #[arg(long, env = "PHEMOSSA_HOSTILE_RELAY")]
    pub relay: Multiaddr,
    /// Base64 public key of an author the victim follows: its gossip topic is attacked and the
    /// forged events claim it.
    #[arg(long, env = "PHEMOSSA_HOSTILE_VICTIM_AUTHOR")]
    pub victim_author: String,
    /// Attack only this peer (others that connect are disconnected); default: every peer
    /// discovered in rendezvous.
    #[arg(long)]
    pub target: Option<PeerId>,
    /// Malformed sync requests to send each victim per connection (random, truncated,
    /// oversized in turn).
    #[arg(long, default_value_t = 20)]
    pub malformed: u32,
    /// Forged gossip messages to publish per victim connection (the first with a wrong id, the
    /// rest with bad signatures).
    #[arg(long, default_value_t = 20)]
    pub gossip: u32,
    /// Forged events to list and serve when a victim pulls (alternately wrong id and bad
    /// signature).
    #[arg(long, default_value_t = 4)]
    pub forged_events: usize,
    /// Broken `/webrtc-signaling/0.0.1` streams to open to each victim per connection (an
    /// answer where an offer must come first, bytes that are no protobuf, a length past the
    /// limit, in turn), as if to start a direct connection.
    #[arg(long, default_value_t = 0)]
    pub bad_signaling: u32,
    /// Pause between two malformed requests, and between two forged gossip messages.
    #[arg(long, default_value_t = 250)]
    pub interval_ms: u64,
    /// How many times to dial a peer again after it closed the connection (to check that it
    /// refuses new connections too).
    #[arg(long, default_value_t = 1)]
    pub redials: u32,
    /// How often to ask the relay's rendezvous point for peers.
    #[arg(long, default_value_t = 5)]
    pub discover_interval_secs: u64,
    /// Hold every sync request a victim sends unanswered until the victim gives up on it,
    /// instead of answering with forged ids.
    #[arg(long, conflicts_with_all = ["slow_drip", "replay"])]
    pub silent: bool,
    /// Answer every sync request `--drip-ms` after it arrived (just under the browser's 10 s
    /// resend) with an empty id page and a cursor that moves on, instead of forged ids.
    #[arg(long, conflicts_with = "replay")]
    pub slow_drip: bool,
    /// How long `--slow-drip` holds each request before answering it.
    #[arg(long, default_value_t = 9_500)]
    pub drip_ms: u64,
    /// Capture the victim's valid events (by pulling them over sync and from gossip) and
    /// publish them again on their authors' topics every `--replay-interval-ms`.
    #[arg(long)]
    pub replay: bool,
    /// Pause between two rounds of `--replay` (one message per topic a victim is on, and a new
    /// capture pull when none runs).
    #[arg(long, default_value_t = 1_000)]
    pub replay_interval_ms: u64,
}

/// How this peer treats a victim's pulls and its gossip, beside the faults every mode can add
/// (`--malformed`, `--gossip`, `--bad-signaling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The default: answer sync requests with forged ids and serve forged events.
    Forge,
    /// `--silent`: answer no sync request; hold each until the victim gives up.
    Silent,
    /// `--slow-drip`: answer each sync request after `delay` with an empty page and a moving
    /// cursor, each event-request with every id unknown.
    SlowDrip { delay: Duration },
    /// `--replay`: answer sync requests as `Forge` does (with `--forged-events 0`, an honest
    /// empty store), and replay captured events on gossip every `interval`.
    Replay { interval: Duration },
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Forge => "forge",
            Mode::Silent => "silent",
            Mode::SlowDrip { .. } => "slow_drip",
            Mode::Replay { .. } => "replay",
        }
    }
}

/// Everything the hostile peer needs, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The relay address with its `/p2p/` id.
    pub relay: Multiaddr,
    pub relay_id: PeerId,
    pub victim_author: PublicKey,
    pub target: Option<PeerId>,
    pub malformed: u32,
    pub gossip: u32,
    pub bad_signaling: u32,
    pub forged_events: usize,
    pub interval: Duration,
    pub redials: u32,
    pub discover_interval: Duration,
    pub mode: Mode,
}

impl Args {
    pub fn into_config(self) -> Result<Config, Error> {
        let relay_id = match self.relay.iter().last() {
            Some(Protocol::P2p(id)) => id,
            _ => {
                return Err(Error::Config(format!(
                    "--relay {} must end in /p2p/<relay peer id>",
                    self.relay
                )))
            }
        };
        if self.relay.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
            return Err(Error::Config(format!(
                "--relay {} is a circuit address; give the relay's own address",
                self.relay
            )));
        }
        let victim_author = PublicKey::from_base64(&self.victim_author, "victim author")
            .map_err(|e| Error::Config(format!("--victim-author: {e}")))?;
        if self.interval_ms == 0 || self.discover_interval_secs == 0 {
            return Err(Error::Config(
                "--interval-ms and --discover-interval-secs must be above 0".into(),
            ));
        }
        if self.drip_ms == 0 || self.replay_interval_ms == 0 {
            return Err(Error::Config(
                "--drip-ms and --replay-interval-ms must be above 0".into(),
            ));
        }
        let mode = if self.silent {
            Mode::Silent
        } else if self.slow_drip {
            Mode::SlowDrip {
                delay: Duration::from_millis(self.drip_ms),
            }
        } else if self.replay {
            Mode::Replay {
                interval: Duration::from_millis(self.replay_interval_ms),
            }
        } else {
            Mode::Forge
        };
        Ok(Config {
            relay: self.relay,
            relay_id,
            victim_author,
            target: self.target,
            malformed: self.malformed,
            gossip: self.gossip,
            bad_signaling: self.bad_signaling,
            forged_events: self.forged_events,
            interval: Duration::from_millis(self.interval_ms),
            redials: self.redials,
            discover_interval: Duration::from_secs(self.discover_interval_secs),
            mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid ed25519 public key (the RFC 8032 test 1 key), base64.
    const AUTHOR: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn relay() -> String {
        format!("/ip4/10.77.0.1/tcp/4001/ws/p2p/{}", PeerId::random())
    }

    fn args(relay: &str, author: &str) -> Args {
        Args::parse_from([
            "phemossa-hostile-peer",
            "--relay",
            relay,
            "--victim-author",
            author,
        ])
    }

    #[test]
    fn defaults_and_relay_id() {
        let relay = relay();
        let config = args(&relay, AUTHOR).into_config().expect("valid flags");
        assert_eq!(
            Some(config.relay_id.to_string().as_str()),
            relay.rsplit('/').next()
        );
        assert_eq!(config.malformed, 20);
        assert_eq!(config.gossip, 20);
        assert_eq!(config.target, None);
        assert_eq!(config.mode, Mode::Forge);
    }

    #[test]
    fn one_mode_at_a_time() {
        let relay = relay();
        let with = |flags: &[&str]| {
            let mut argv = vec![
                "phemossa-hostile-peer",
                "--relay",
                &relay,
                "--victim-author",
                AUTHOR,
            ];
            argv.extend_from_slice(flags);
            Args::try_parse_from(argv).map(|a| a.into_config().map(|c| c.mode))
        };
        assert_eq!(
            with(&["--silent"]).expect("parses").expect("valid"),
            Mode::Silent
        );
        assert_eq!(
            with(&["--slow-drip"]).expect("parses").expect("valid"),
            Mode::SlowDrip {
                delay: Duration::from_millis(9_500)
            }
        );
        assert_eq!(
            with(&["--replay", "--replay-interval-ms", "300"])
                .expect("parses")
                .expect("valid"),
            Mode::Replay {
                interval: Duration::from_millis(300)
            }
        );
        assert!(with(&["--silent", "--slow-drip"]).is_err());
        assert!(with(&["--silent", "--replay"]).is_err());
        assert!(with(&["--slow-drip", "--replay"]).is_err());
        assert!(matches!(
            with(&["--slow-drip", "--drip-ms", "0"]),
            Ok(Err(Error::Config(_)))
        ));
    }

    #[test]
    fn relay_without_peer_id_is_refused() {
        let e = args("/ip4/10.77.0.1/tcp/4001/ws", AUTHOR).into_config();
        assert!(matches!(e, Err(Error::Config(_))), "{e:?}");
    }

    #[test]
    fn circuit_relay_address_is_refused() {
        let circuit = format!("{}/p2p-circuit/p2p/{}", relay(), PeerId::random());
        let e = args(&circuit, AUTHOR).into_config();
        assert!(matches!(e, Err(Error::Config(_))), "{e:?}");
    }

    #[test]
    fn bad_author_is_refused() {
        let e = args(&relay(), "not a key").into_config();
        assert!(matches!(e, Err(Error::Config(_))), "{e:?}");
    }
}
