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
