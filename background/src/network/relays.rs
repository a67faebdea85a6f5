//! The relays from the bootstrap setting: for each, the circuit listener that holds a slot on
//! it, and retrying with exponential backoff whenever the slot is lost or cannot be had.

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use phemossa_core::api::{RelayInfo, RelayState};

/// First retry delay; doubled per failed attempt up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 30_000;
/// A reservation not granted within this long is abandoned and retried.
pub const RESERVE_TIMEOUT_MS: u64 = 20_000;

pub struct Relay {
    pub address: String,
    /// `address` as parsed; ends in `/p2p/<relay id>`.
    pub addr: Multiaddr,
    pub peer_id: PeerId,
    pub listener: Option<ListenerId>,
    pub state: RelayState,
    failures: u32,
    /// When the current attempt started (Connecting) or the next one may (Waiting).
    pub since_or_retry_at: u64,
    /// When rendezvous registration and discovery were last asked of this relay.
    pub registered_at: Option<u64>,
    pub discovered_at: Option<u64>,
}

impl Relay {
    /// The relay for a bootstrap address, or `None` if it names no relay peer id (settings are
    /// validated before they are saved, so this is only old or hand-edited data).
    pub fn new(address: &str) -> Option<Self> {
        let addr: Multiaddr = address.parse().ok()?;
        let peer_id = match addr.iter().last()? {
            Protocol::P2p(peer_id) => peer_id,
            _ => return None,
        };
        Some(Self {
            address: address.to_owned(),
            addr,
            peer_id,
            listener: None,
            state: RelayState::Waiting {
                reason: "not tried yet".into(),
                retry_in_ms: 0,
            },
            failures: 0,
            since_or_retry_at: 0,
            registered_at: None,
            discovered_at: None,
        })
    }

    /// The address to listen on for a slot on this relay.
    pub fn circuit_addr(&self) -> Multiaddr {
        self.addr.clone().with(Protocol::P2pCircuit)
    }

    pub fn started(&mut self, listener: ListenerId, now: u64) {
        self.listener = Some(listener);
        self.state = RelayState::Connecting;
        self.since_or_retry_at = now;
    }

    pub fn reserved(&mut self) {
        self.state = RelayState::Reserved;
        self.failures = 0;
        self.registered_at = None;
        self.discovered_at = None;
    }

    /// The slot was lost or never granted: wait, longer after each failure in a row.
    pub fn failed(&mut self, reason: String, now: u64) {
        self.listener = None;
        let delay = (FIRST_BACKOFF_MS << self.failures.min(5)).min(MAX_BACKOFF_MS);
        self.failures += 1;
        self.since_or_retry_at = now + delay;
        self.state = RelayState::Waiting {
            reason,
            retry_in_ms: delay,
        };
    }

    pub fn due(&self, now: u64) -> bool {
        matches!(self.state, RelayState::Waiting { .. }) && now >= self.since_or_retry_at
    }

    pub fn timed_out(&self, now: u64) -> bool {
        self.state == RelayState::Connecting
            && now.saturating_sub(self.since_or_retry_at) > RESERVE_TIMEOUT_MS
    }

    pub fn info(&self, now: u64) -> RelayInfo {
        let state = match &self.state {
            RelayState::Waiting { reason, .. } => RelayState::Waiting {
                reason: reason.clone(),
                retry_in_ms: self.since_or_retry_at.saturating_sub(now),
            },
            other => other.clone(),
        };
        RelayInfo {
            address: self.address.clone(),
            state,
        }
    }
}

pub fn relays_of(bootstrap: &[String]) -> Vec<Relay> {
    bootstrap.iter().filter_map(|a| Relay::new(a)).collect()
}
