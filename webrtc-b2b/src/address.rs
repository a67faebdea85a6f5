//! The multiaddrs of `/webrtc`: what a node listens on, what it advertises, and what may be
//! dialed (libp2p/specs `webrtc/webrtc.md`, "Addressing").

use libp2p_core::multiaddr::{Multiaddr, Protocol};
use libp2p_identity::PeerId;

/// The address a node listens on to accept direct connections: `/webrtc`.
pub fn listen_address() -> Multiaddr {
    Multiaddr::empty().with(Protocol::WebRTC)
}

/// Whether `addr` is a connection through a circuit relay (and not the `/webrtc` connection
/// signaled over one, whose address encapsulates the circuit's).
pub fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::P2pCircuit) && !is_direct(addr)
}

/// Whether `addr` is a browser-to-browser WebRTC address: `/webrtc/p2p/<peer>`, or the spec's
/// `<relay>/p2p-circuit/webrtc/p2p/<peer>`, which names the connection after the relayed one
/// it was signaled over.
pub fn is_direct(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::WebRTC)
}

/// The `/webrtc` address to advertise for a reserved relay address: `<relay>/p2p-circuit` (and
/// an optional trailing `/p2p/<me>`) becomes `<relay>/p2p-circuit/webrtc` (and `/p2p/<me>`).
/// `None` for an address that is not a relayed one, or already a `/webrtc` one.
pub fn webrtc_address(relayed: &Multiaddr) -> Option<Multiaddr> {
    if !is_relayed(relayed) || relayed.iter().any(|p| p == Protocol::WebRTC) {
        return None;
    }
    let mut parts: Vec<Protocol<'_>> = relayed.iter().collect();
    let me = match parts.last() {
        Some(Protocol::P2p(peer)) => {
            let peer = *peer;
            parts.pop();
            Some(peer)
        }
        _ => None,
    };
    if parts.last() != Some(&Protocol::P2pCircuit) {
        return None;
    }
    let mut addr: Multiaddr = parts.into_iter().collect();
    addr.push(Protocol::WebRTC);
    if let Some(me) = me {
        addr.push(Protocol::P2p(me));
    }
    Some(addr)
}

/// The spec's `/webrtc` address of a peer reached over a relayed connection, from that
/// connection's local and remote addresses (`<relay>/p2p-circuit` and `/p2p/<peer>` when the
/// peer dialed us, the dialed `<relay>/p2p-circuit/p2p/<peer>` when we dialed it).
pub fn peer_webrtc_address(
    peer: PeerId,
    local_addr: &Multiaddr,
    remote_addr: &Multiaddr,
) -> Option<Multiaddr> {
    let circuit = [remote_addr, local_addr]
        .into_iter()
        .find(|addr| addr.iter().any(|p| p == Protocol::P2pCircuit))?;
    let through: Multiaddr = circuit
        .iter()
        .take_while(|p| *p != Protocol::P2pCircuit)
        .collect();
    Some(
        through
            .with(Protocol::P2pCircuit)
            .with(Protocol::WebRTC)
            .with(Protocol::P2p(peer)),
    )
}

/// The peer a `/webrtc` address names: `/webrtc/p2p/<peer>` (signal over the relayed connection
/// already open to the peer) or the spec's `<relay>/p2p-circuit/webrtc/p2p/<peer>`. These are
/// the addresses the transport dials and the names it gives incoming connections. `None` for
/// anything else.
pub fn webrtc_peer(addr: &Multiaddr) -> Option<PeerId> {
    let parts: Vec<Protocol<'_>> = addr.iter().collect();
    let [.., Protocol::WebRTC, Protocol::P2p(peer)] = parts.as_slice() else {
        return None;
    };
    let before = &parts[..parts.len() - 2];
    let valid_prefix = before.is_empty() || before.last() == Some(&Protocol::P2pCircuit);
    valid_prefix.then_some(*peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_peer as peer;

    fn circuit(relay: PeerId) -> Multiaddr {
        format!("/ip4/10.77.0.1/tcp/4001/ws/p2p/{relay}/p2p-circuit")
            .parse()
            .expect("valid multiaddr")
    }

    #[test]
    fn advertises_webrtc_after_the_circuit() {
        let (relay, me) = (peer(1), peer(2));
        let confirmed = circuit(relay).with(Protocol::P2p(me));
        let expected = circuit(relay)
            .with(Protocol::WebRTC)
            .with(Protocol::P2p(me));
        assert_eq!(webrtc_address(&confirmed), Some(expected));
        assert_eq!(
            webrtc_address(&circuit(relay)),
            Some(circuit(relay).with(Protocol::WebRTC))
        );
    }

    #[test]
    fn advertises_nothing_for_other_addresses() {
        let relay = peer(1);
        let plain: Multiaddr = format!("/ip4/10.77.0.1/tcp/4001/ws/p2p/{relay}")
            .parse()
            .unwrap();
        assert_eq!(webrtc_address(&plain), None);
        let already = circuit(relay).with(Protocol::WebRTC);
        assert_eq!(webrtc_address(&already), None);
        // Something after the circuit other than /p2p: not a reservation address.
        let odd = circuit(relay).with(Protocol::Ws("/".into()));
        assert_eq!(webrtc_address(&odd), None);
    }

    #[test]
    fn dials_both_address_forms_and_nothing_else() {
        let (relay, target) = (peer(1), peer(3));
        let short = listen_address().with(Protocol::P2p(target));
        assert_eq!(webrtc_peer(&short), Some(target));
        let spec = circuit(relay)
            .with(Protocol::WebRTC)
            .with(Protocol::P2p(target));
        assert_eq!(webrtc_peer(&spec), Some(target));
        assert_eq!(
            webrtc_peer(&circuit(relay).with(Protocol::P2p(target))),
            None
        );
        assert_eq!(webrtc_peer(&listen_address()), None);
        let direct_ip: Multiaddr = format!("/ip4/10.0.0.1/webrtc/p2p/{target}")
            .parse()
            .unwrap();
        assert_eq!(webrtc_peer(&direct_ip), None);
    }

    #[test]
    fn names_a_peer_after_its_relayed_connection() {
        let (relay, target) = (peer(1), peer(3));
        let expected = circuit(relay)
            .with(Protocol::WebRTC)
            .with(Protocol::P2p(target));
        let inbound_remote = Multiaddr::empty().with(Protocol::P2p(target));
        assert_eq!(
            peer_webrtc_address(target, &circuit(relay), &inbound_remote),
            Some(expected.clone())
        );
        let dialed = circuit(relay).with(Protocol::P2p(target));
        assert_eq!(
            peer_webrtc_address(target, &Multiaddr::empty(), &dialed),
            Some(expected)
        );
        let plain: Multiaddr = "/ip4/10.77.0.1/tcp/4001/ws".parse().unwrap();
        assert_eq!(peer_webrtc_address(target, &plain, &inbound_remote), None);
    }

    #[test]
    fn tells_direct_from_relayed() {
        let (relay, target) = (peer(1), peer(3));
        assert!(is_direct(&listen_address().with(Protocol::P2p(target))));
        let spec = circuit(relay)
            .with(Protocol::WebRTC)
            .with(Protocol::P2p(target));
        assert!(is_direct(&spec));
        assert!(!is_relayed(&spec));
        let relayed = circuit(relay).with(Protocol::P2p(target));
        assert!(is_relayed(&relayed));
        assert!(!is_direct(&relayed));
        let webrtc_direct: Multiaddr = format!("/ip4/10.77.0.1/udp/4002/webrtc-direct/p2p/{relay}")
            .parse()
            .unwrap();
        assert!(!is_direct(&webrtc_direct) && !is_relayed(&webrtc_direct));
    }
}
