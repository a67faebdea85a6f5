//! The relays from the bootstrap setting: their addresses, and the slot the node holds on each,
//! as the driver needs them and the pages see them. When to ask for a slot, give up, ask again,
//! register and look peers up is `phemossa_node::relay_slots`'s; this names the relays by
//! address and peer id for the swarm.

use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use phemossa_api::{RelayInfo, RelayState};
use phemossa_node::{RelaySlots, SlotState};

/// One relay of the bootstrap setting.
pub struct Relay {
    pub address: String,
    /// `address` as parsed; ends in `/p2p/<relay id>`.
    pub addr: Multiaddr,
    pub peer_id: PeerId,
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
        })
    }

    /// The address to listen on for a slot on this relay.
    pub fn circuit_addr(&self) -> Multiaddr {
        self.addr.clone().with(Protocol::P2pCircuit)
    }
}

/// The relays, indexed as their slots are in `slots`.
pub struct Relays {
    list: Vec<Relay>,
    pub slots: RelaySlots<ListenerId>,
}

impl Relays {
    /// The relays of a bootstrap setting, each asked for a slot on the next tick.
    pub fn of(bootstrap: &[String]) -> Self {
        let list: Vec<Relay> = bootstrap.iter().filter_map(|a| Relay::new(a)).collect();
        let slots = RelaySlots::new(list.len());
        Self { list, slots }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Relay> {
        self.list.get(index)
    }

    pub fn is_relay(&self, peer_id: &PeerId) -> bool {
        self.list.iter().any(|r| r.peer_id == *peer_id)
    }

    /// The indices of the relays that are `peer_id` (one relay may be listed by several
    /// addresses).
    pub fn indices_of(&self, peer_id: &PeerId) -> Vec<usize> {
        (0..self.list.len())
            .filter(|&i| self.list[i].peer_id == *peer_id)
            .collect()
    }

    /// The circuit address through relay `peer_id`, by the first bootstrap address naming it.
    pub fn circuit_of(&self, peer_id: &PeerId) -> Option<Multiaddr> {
        self.list
            .iter()
            .find(|r| r.peer_id == *peer_id)
            .map(Relay::circuit_addr)
    }

    /// How each relay stands at `now`, for the pages.
    pub fn infos(&self, now: u64) -> Vec<RelayInfo> {
        self.list
            .iter()
            .enumerate()
            .map(|(index, relay)| RelayInfo {
                address: relay.address.clone(),
                state: match self.slots.state(index) {
                    Some(SlotState::Connecting) => RelayState::Connecting,
                    Some(SlotState::Reserved) => RelayState::Reserved,
                    Some(SlotState::Waiting { reason, retry_at }) => RelayState::Waiting {
                        reason: reason.clone(),
                        retry_in_ms: retry_at.saturating_sub(now),
                    },
                    None => RelayState::Waiting {
                        reason: "not tried yet".into(),
                        retry_in_ms: 0,
                    },
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const RELAY: &str =
        "/ip4/10.77.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

    #[wasm_bindgen_test]
    fn only_addresses_naming_a_relay_peer_become_relays() {
        let relays = Relays::of(&[
            RELAY.into(),
            "/ip4/10.77.0.1/tcp/4001/ws".into(),
            "not an address".into(),
        ]);
        let relay = relays.get(0).unwrap();
        assert!(relays.get(1).is_none());
        assert_eq!(relay.peer_id.to_string(), RELAY.rsplit('/').next().unwrap());
        assert!(relays.is_relay(&relay.peer_id));
        assert_eq!(relays.indices_of(&relay.peer_id), [0]);
        assert!(relay.circuit_addr().to_string().ends_with("/p2p-circuit"));
        assert_eq!(
            relays.circuit_of(&relay.peer_id),
            Some(relay.circuit_addr())
        );
    }

    #[wasm_bindgen_test]
    fn pages_see_each_relay_by_address_with_the_wait_counting_down() {
        let mut relays = Relays::of(&[RELAY.into()]);
        relays
            .slots
            .listen_failed(0, "cannot reach the relay".into(), 10_000);
        let infos = relays.infos(10_400);
        assert_eq!(infos.len(), 1);
        assert_eq!(infos[0].address, RELAY);
        assert_eq!(
            infos[0].state,
            RelayState::Waiting {
                reason: "cannot reach the relay".into(),
                retry_in_ms: 600,
            }
        );
        relays.slots.reserved(0);
        assert_eq!(relays.infos(10_400)[0].state, RelayState::Reserved);
    }
}
