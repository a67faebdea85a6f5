//! The relays from the bootstrap setting: for each, the circuit listener that holds a slot on
//! it, and retrying with exponential backoff whenever the slot is lost or cannot be had.

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use phemossa_api::{RelayInfo, RelayState};
use phemossa_node::discovery::RELAY_SLOT_RETRY;

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
        self.failures = self.failures.saturating_add(1);
        let delay = RELAY_SLOT_RETRY.delay_ms(self.failures);
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const RELAY: &str =
        "/ip4/10.77.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

    fn retry_in(relay: &Relay) -> u64 {
        match relay.state {
            RelayState::Waiting { retry_in_ms, .. } => retry_in_ms,
            _ => panic!("not waiting: {:?}", relay.state),
        }
    }

    #[wasm_bindgen_test]
    fn only_addresses_naming_a_relay_peer_become_relays() {
        let relays = relays_of(&[
            RELAY.into(),
            "/ip4/10.77.0.1/tcp/4001/ws".into(),
            "not an address".into(),
        ]);
        assert_eq!(relays.len(), 1);
        assert_eq!(
            relays[0].peer_id.to_string(),
            RELAY.rsplit('/').next().unwrap()
        );
        assert!(relays[0]
            .circuit_addr()
            .to_string()
            .ends_with("/p2p-circuit"));
        assert!(relays[0].due(0), "a new relay is tried at once");
    }

    #[wasm_bindgen_test]
    fn failures_back_off_doubling_to_a_cap_and_a_slot_resets_them() {
        let mut relay = Relay::new(RELAY).unwrap();
        let mut delays = Vec::new();
        for _ in 0..8 {
            relay.failed("down".into(), 1_000);
            delays.push(retry_in(&relay));
        }
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert!(!relay.due(1_000 + 29_999) && relay.due(1_000 + 30_000));
        relay.reserved();
        relay.failed("down again".into(), 50_000);
        assert_eq!(
            retry_in(&relay),
            1_000,
            "a granted slot starts the backoff over"
        );
    }

    #[wasm_bindgen_test]
    fn an_attempt_without_a_slot_times_out() {
        let mut relay = Relay::new(RELAY).unwrap();
        relay.state = RelayState::Connecting;
        relay.since_or_retry_at = 10_000;
        assert!(!relay.timed_out(10_000 + RESERVE_TIMEOUT_MS));
        assert!(relay.timed_out(10_000 + RESERVE_TIMEOUT_MS + 1));
        relay.reserved();
        assert!(!relay.timed_out(u64::MAX), "a held slot never times out");
    }
}
