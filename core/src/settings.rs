//! Network settings a person enters on the options page, parsed and validated line by line.
//!
//! Each setting is text with one entry per line; blank lines and lines starting with `#` are
//! ignored. An invalid line is refused with its line number, so the page can say which one.
//! The background keeps the settings in its IndexedDB and checks them again when they arrive.

use multiaddr::{Multiaddr, Protocol};
use serde::{Deserialize, Serialize};

use crate::Error;

const MAX_ENTRIES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSettings {
    /// Relay multiaddrs a browser can dial, each ending in `/p2p/<peer id>`.
    pub bootstrap: Vec<String>,
    /// `stun:` or `stuns:` URLs.
    pub stun: Vec<String>,
    pub turn: Vec<TurnServer>,
    /// Most peers (not counting relays) connected at once.
    #[serde(default = "default_max_peers")]
    pub max_peers: u16,
    /// Seconds a direct (browser-to-browser WebRTC) connection attempt may take; after that
    /// the peer stays reached through the relay, and direct is tried again later.
    #[serde(default = "default_direct_timeout_s")]
    pub direct_timeout_s: u16,
    /// Whether and how this browser connects to other browsers directly.
    #[serde(default)]
    pub direct: DirectConnections,
}

/// Whether this browser connects to other browsers directly (WebRTC) or only through relays.
/// A direct connection shows each browser the other's IP address; a TURN server hides it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectConnections {
    /// Whenever ICE finds a path; peers learn this browser's IP address.
    #[default]
    Allowed,
    /// Only through the TURN servers set here: peers see the TURN server's address, never
    /// this browser's. Needs at least one TURN server.
    TurnOnly,
    /// Never: everything goes through the relay, which sees only encrypted traffic.
    Off,
}

/// Peers connected at once unless the settings say otherwise: enough for a sync to find every
/// followed author's events among friends, few enough for a relay's circuit limits.
pub const DEFAULT_MAX_PEERS: u16 = 32;
/// The most the settings accept: each peer costs a relay circuit and a gossip mesh slot.
pub const MAX_MAX_PEERS: u16 = 256;

fn default_max_peers() -> u16 {
    DEFAULT_MAX_PEERS
}

/// Long enough for ICE through a TURN server on a slow link; a js-libp2p peer gives up after
/// about 10 s anyway.
pub const DEFAULT_DIRECT_TIMEOUT_S: u16 = 15;
/// Below 3 s even two browsers on one machine may not finish; above 2 minutes a failure would
/// go unnoticed for too long.
pub const MIN_DIRECT_TIMEOUT_S: u16 = 3;
pub const MAX_DIRECT_TIMEOUT_S: u16 = 120;

fn default_direct_timeout_s() -> u16 {
    DEFAULT_DIRECT_TIMEOUT_S
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            bootstrap: Vec::new(),
            stun: Vec::new(),
            turn: Vec::new(),
            max_peers: DEFAULT_MAX_PEERS,
            direct_timeout_s: DEFAULT_DIRECT_TIMEOUT_S,
            direct: DirectConnections::Allowed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnServer {
    pub url: String,
    pub username: String,
    pub credential: String,
}

impl NetworkSettings {
    /// Parses the three text boxes of the options page.
    pub fn parse(bootstrap: &str, stun: &str, turn: &str) -> Result<Self, Error> {
        Ok(Self {
            bootstrap: entries(bootstrap, "Bootstrap addresses", parse_bootstrap)?,
            stun: entries(stun, "STUN servers", parse_stun)?,
            turn: entries(turn, "TURN servers", parse_turn)?,
            max_peers: DEFAULT_MAX_PEERS,
            direct_timeout_s: DEFAULT_DIRECT_TIMEOUT_S,
            direct: DirectConnections::Allowed,
        })
    }

    /// The same settings with the peer cap typed as `text`, checked to be 1..=256.
    pub fn with_max_peers(mut self, text: &str) -> Result<Self, Error> {
        self.max_peers = whole_number(text, "Most peers", 1..=MAX_MAX_PEERS)?;
        Ok(self)
    }

    /// The same settings with the direct connection timeout typed as `text`, checked to be
    /// 3..=120 seconds.
    pub fn with_direct_timeout(mut self, text: &str) -> Result<Self, Error> {
        self.direct_timeout_s = whole_number(
            text,
            "Direct connection timeout",
            MIN_DIRECT_TIMEOUT_S..=MAX_DIRECT_TIMEOUT_S,
        )?;
        Ok(self)
    }

    /// The same settings with direct connections `direct`; only through TURN needs a TURN
    /// server (the error then names the TURN box, where the fix goes).
    pub fn with_direct(mut self, direct: DirectConnections) -> Result<Self, Error> {
        if direct == DirectConnections::TurnOnly && self.turn.is_empty() {
            return Err(Error::InvalidSetting {
                setting: "TURN servers",
                line: 1,
                reason: "direct connections only through TURN need at least one TURN server".into(),
            });
        }
        self.direct = direct;
        Ok(self)
    }

    /// Checks settings that arrived whole (over the port) as if typed: the same rules apply.
    pub fn validated(&self) -> Result<Self, Error> {
        let (bootstrap, stun, turn) = self.to_lines();
        Self::parse(&bootstrap, &stun, &turn)?
            .with_max_peers(&self.max_peers.to_string())?
            .with_direct_timeout(&self.direct_timeout_s.to_string())?
            .with_direct(self.direct)
    }

    /// The text boxes' contents for these settings (the inverse of [`NetworkSettings::parse`]).
    pub fn to_lines(&self) -> (String, String, String) {
        let turn = self
            .turn
            .iter()
            .map(|t| format!("{} {} {}", t.url, t.username, t.credential))
            .collect::<Vec<_>>();
        (
            self.bootstrap.join("\n"),
            self.stun.join("\n"),
            turn.join("\n"),
        )
    }
}

/// A one-line setting typed as a whole number within `range`.
pub(crate) fn whole_number<T>(
    text: &str,
    setting: &'static str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, Error>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let invalid = |reason: String| Error::InvalidSetting {
        setting,
        line: 1,
        reason,
    };
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| invalid(format!("{:?} is not a whole number", text.trim())))?;
    if !range.contains(&value) {
        return Err(invalid(format!(
            "{value} is not between {} and {}",
            range.start(),
            range.end()
        )));
    }
    Ok(value)
}

fn entries<T>(
    text: &str,
    setting: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let invalid = |reason: String| Error::InvalidSetting {
            setting,
            line: index + 1,
            reason,
        };
        if out.len() == MAX_ENTRIES {
            return Err(invalid(format!("at most {MAX_ENTRIES} entries")));
        }
        out.push(parse(line).map_err(|reason| invalid(format!("{line:?}: {reason}")))?);
    }
    Ok(out)
}

/// A relay address a browser can dial: a multiaddr over a browser transport that ends in the
/// relay's `/p2p/<peer id>`, returned in its canonical text form. Invites (crate::invite) check
/// the relays they carry with it too.
pub(crate) fn parse_bootstrap(line: &str) -> Result<String, String> {
    let addr: Multiaddr = line.parse().map_err(|e| format!("not a multiaddr ({e})"))?;
    let protocols: Vec<Protocol<'_>> = addr.iter().collect();
    if !matches!(protocols.last(), Some(Protocol::P2p(_))) {
        return Err("must end with /p2p/<peer id> of the relay".into());
    }
    let browser_dialable = protocols.iter().any(|p| {
        matches!(
            p,
            Protocol::Ws(_) | Protocol::Wss(_) | Protocol::WebRTCDirect | Protocol::WebTransport
        )
    });
    if !browser_dialable {
        return Err("a browser can dial only /ws, /wss, /webrtc-direct or /webtransport".into());
    }
    Ok(addr.to_string())
}

fn parse_ice_url(url: &str, schemes: &[&str]) -> Result<(), String> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| format!("must start with {}:", schemes.join(": or ")))?;
    if !schemes.contains(&scheme) {
        return Err(format!("must start with {}:", schemes.join(": or ")));
    }
    let host_port = rest.split('?').next().unwrap_or_default();
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (host_port, None),
    };
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        return Err("has no valid host".into());
    }
    if let Some(port) = port {
        port.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or("has an invalid port")?;
    }
    Ok(())
}

fn parse_stun(line: &str) -> Result<String, String> {
    parse_ice_url(line, &["stun", "stuns"])?;
    Ok(line.to_owned())
}

fn parse_turn(line: &str) -> Result<TurnServer, String> {
    let mut parts = line.split_whitespace();
    let (Some(url), Some(username), Some(credential), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("write: turn:host:port username credential".into());
    };
    parse_ice_url(url, &["turn", "turns"])?;
    Ok(TurnServer {
        url: url.into(),
        username: username.into(),
        credential: credential.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str =
        "/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

    #[test]
    fn valid_settings_parse_and_round_trip() {
        let settings = NetworkSettings::parse(
            &format!("# relays\n{RELAY}\n\n"),
            "stun:stun.example.org:3478",
            "turn:turn.example.org:3478?transport=udp alice s3cret",
        )
        .unwrap();
        assert_eq!(settings.bootstrap, vec![RELAY.to_string()]);
        assert_eq!(settings.turn[0].username, "alice");
        let (b, s, t) = settings.to_lines();
        assert_eq!(NetworkSettings::parse(&b, &s, &t).unwrap(), settings);
    }

    #[test]
    fn invalid_lines_are_named() {
        let error =
            NetworkSettings::parse(&format!("{RELAY}\n/ip4/1.2.3.4/tcp/1"), "", "").unwrap_err();
        match error {
            Error::InvalidSetting { setting, line, .. } => {
                assert_eq!((setting, line), ("Bootstrap addresses", 2))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(NetworkSettings::parse("hello", "", "").is_err());
        assert!(
            NetworkSettings::parse(
                "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
                "",
                ""
            )
            .is_err(),
            "tcp is not browser-dialable"
        );
        assert!(NetworkSettings::parse("", "http://x", "").is_err());
        assert!(NetworkSettings::parse("", "stun:host:99999", "").is_err());
        assert!(NetworkSettings::parse("", "", "turn:host:3478 onlyuser").is_err());
    }

    #[test]
    fn peer_cap_is_checked_like_a_typed_setting() {
        let base = NetworkSettings::parse(RELAY, "", "").unwrap();
        assert_eq!(base.max_peers, DEFAULT_MAX_PEERS);
        assert_eq!(base.clone().with_max_peers(" 8 ").unwrap().max_peers, 8);
        for bad in ["0", "257", "-1", "many", ""] {
            let error = base.clone().with_max_peers(bad).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::InvalidSetting {
                        setting: "Most peers",
                        ..
                    }
                ),
                "{bad:?}: {error:?}"
            );
        }
    }

    #[test]
    fn direct_timeout_is_checked_like_a_typed_setting() {
        let base = NetworkSettings::parse(RELAY, "", "").unwrap();
        assert_eq!(base.direct_timeout_s, DEFAULT_DIRECT_TIMEOUT_S);
        let set = base.clone().with_direct_timeout(" 5 ").unwrap();
        assert_eq!(set.direct_timeout_s, 5);
        for bad in ["2", "121", "0", "-3", "soon", ""] {
            let error = base.clone().with_direct_timeout(bad).unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::InvalidSetting {
                        setting: "Direct connection timeout",
                        ..
                    }
                ),
                "{bad:?}: {error:?}"
            );
        }
        let mut forged = base;
        forged.direct_timeout_s = 1;
        assert!(forged.validated().is_err());
    }

    #[test]
    fn direct_connections_only_through_turn_need_a_turn_server() {
        let base = NetworkSettings::parse(RELAY, "", "").unwrap();
        assert_eq!(base.direct, DirectConnections::Allowed);
        let error = base
            .clone()
            .with_direct(DirectConnections::TurnOnly)
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidSetting {
                    setting: "TURN servers",
                    ..
                }
            ),
            "{error:?}"
        );
        let off = base.clone().with_direct(DirectConnections::Off).unwrap();
        assert_eq!(off.direct, DirectConnections::Off);
        let with_turn =
            NetworkSettings::parse(RELAY, "", "turn:turn.example.org:3478 alice s3cret").unwrap();
        let turn_only = with_turn.with_direct(DirectConnections::TurnOnly).unwrap();
        assert_eq!(turn_only.validated().unwrap(), turn_only);
        let mut forged = base;
        forged.direct = DirectConnections::TurnOnly;
        assert!(forged.validated().is_err());
        let json = serde_json::to_string(&turn_only).unwrap();
        assert!(json.contains(r#""direct":"turn_only""#), "{json}");
    }

    #[test]
    fn settings_from_a_port_are_validated_again() {
        let good = NetworkSettings::parse(RELAY, "stun:stun.example.org:3478", "").unwrap();
        assert_eq!(good.validated().unwrap(), good);
        let mut forged = good.clone();
        forged.bootstrap.push("/ip4/1.2.3.4/tcp/1/ws".into());
        assert!(
            forged.validated().is_err(),
            "a relay without /p2p/ must be refused"
        );
        let mut too_many = good;
        too_many.max_peers = 1000;
        assert!(too_many.validated().is_err());
    }

    #[test]
    fn settings_saved_before_the_peer_cap_existed_get_the_default() {
        let old: NetworkSettings =
            serde_json::from_str(r#"{"bootstrap":[],"stun":[],"turn":[]}"#).unwrap();
        assert_eq!(old.max_peers, DEFAULT_MAX_PEERS);
        assert_eq!(old.direct_timeout_s, DEFAULT_DIRECT_TIMEOUT_S);
        assert_eq!(old.direct, DirectConnections::Allowed);
    }
}
