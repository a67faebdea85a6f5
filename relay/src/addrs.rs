//! Pure multiaddr rules: which listen addresses are valid, how advertised addresses are completed
//! (own certhash, own `/p2p/` id) and how full addresses are formatted.

use libp2p::{multiaddr::Protocol, multihash::Multihash, Multiaddr, PeerId};

/// Checks a `--listen` address: it names only where to bind, so it may not carry a peer id,
/// a certhash (the WebRTC listener refuses one; the relay adds its own) or a circuit.
pub fn validate_listen(addr: &Multiaddr) -> Result<(), String> {
    for p in addr.iter() {
        match p {
            Protocol::P2p(_) => {
                return Err(format!("listen address {addr} must not contain /p2p/ (the relay appends its own id)"))
            }
            Protocol::Certhash(_) => {
                return Err(format!("listen address {addr} must not contain /certhash/ (the relay appends its certificate's)"))
            }
            Protocol::P2pCircuit => return Err(format!("listen address {addr} must not be a /p2p-circuit address")),
            _ => {}
        }
    }
    if addr.is_empty() {
        return Err("listen address is empty".into());
    }
    Ok(())
}

/// True for a WebRTC-direct address (`.../udp/<port>/webrtc-direct[/certhash/...]`).
pub fn is_webrtc_direct(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::WebRTCDirect))
}

/// True if the address binds to every interface (`0.0.0.0` or `::`); such a listener reports one
/// address per interface, possibly over time.
pub fn is_unspecified(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| match p {
        Protocol::Ip4(ip) => ip.is_unspecified(),
        Protocol::Ip6(ip) => ip.is_unspecified(),
        _ => false,
    })
}

/// A short transport name for logs, so they need not carry anyone's IP address.
pub fn transport_label(addr: &Multiaddr) -> &'static str {
    let mut label = "other";
    for p in addr.iter() {
        label = match p {
            Protocol::P2pCircuit => return "relayed",
            Protocol::WebRTCDirect => "webrtc-direct",
            Protocol::Ws(_) => "ws",
            Protocol::Wss(_) => "wss",
            Protocol::Tcp(_) if label == "other" => "tcp",
            Protocol::QuicV1 => "quic",
            _ => label,
        };
    }
    label
}

/// `addr` with `/p2p/<peer>` at the end (unchanged if it already ends with exactly that).
pub fn with_peer_id(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    match addr.iter().last() {
        Some(Protocol::P2p(p)) if p == peer => addr.clone(),
        _ => addr.clone().with(Protocol::P2p(peer)),
    }
}

/// Turns an `--external` address into the form the swarm advertises: a trailing
/// `/p2p/<own id>` is dropped (libp2p adds it where needed), and a WebRTC-direct address without
/// a certhash gets the relay's own. A foreign peer id, or a certhash that is not the relay's,
/// is an error: browsers dialling it could never connect.
pub fn normalize_external(
    addr: &Multiaddr,
    local: PeerId,
    certhash: &Multihash<64>,
) -> Result<Multiaddr, String> {
    let mut out = addr.clone();
    if let Some(Protocol::P2p(p)) = out.iter().last() {
        if p != local {
            return Err(format!(
                "external address {addr} names peer {p}, not this relay ({local})"
            ));
        }
        out.pop();
    }
    if out
        .iter()
        .any(|p| matches!(p, Protocol::P2p(_) | Protocol::P2pCircuit))
    {
        return Err(format!(
            "external address {addr} must be a direct address of this relay"
        ));
    }
    if is_webrtc_direct(&out) {
        let found: Vec<Multihash<64>> = out
            .iter()
            .filter_map(|p| match p {
                Protocol::Certhash(h) => Some(h),
                _ => None,
            })
            .collect();
        match found.as_slice() {
            [] => out.push(Protocol::Certhash(*certhash)),
            [h] if h == certhash => {}
            _ => {
                return Err(format!(
                    "external address {addr} has a certhash that is not this relay's certificate's; leave it out and the relay adds its own"
                ))
            }
        }
    }
    if out.is_empty() {
        return Err("external address is empty".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ma(s: &str) -> Multiaddr {
        s.parse().unwrap()
    }

    fn hash(byte: u8) -> Multihash<64> {
        Multihash::wrap(0x12, &[byte; 32]).unwrap()
    }

    #[test]
    fn listen_addresses_only_say_where_to_bind() {
        assert!(validate_listen(&ma("/ip4/127.0.0.1/tcp/4001/ws")).is_ok());
        assert!(validate_listen(&ma("/ip4/0.0.0.0/udp/0/webrtc-direct")).is_ok());
        let peer = PeerId::random();
        assert!(validate_listen(&ma(&format!("/ip4/127.0.0.1/tcp/1/ws/p2p/{peer}"))).is_err());
        let with_hash = ma("/ip4/127.0.0.1/udp/1/webrtc-direct").with(Protocol::Certhash(hash(1)));
        assert!(validate_listen(&with_hash).is_err());
        assert!(validate_listen(&ma("/p2p-circuit")).is_err());
        assert!(validate_listen(&Multiaddr::empty()).is_err());
    }

    #[test]
    fn classifies_addresses() {
        assert!(is_webrtc_direct(&ma("/ip4/1.2.3.4/udp/5/webrtc-direct")));
        assert!(!is_webrtc_direct(&ma("/ip4/1.2.3.4/tcp/5/ws")));
        assert!(is_unspecified(&ma("/ip4/0.0.0.0/tcp/5/ws")));
        assert!(is_unspecified(&ma("/ip6/::/udp/5/webrtc-direct")));
        assert!(!is_unspecified(&ma("/ip4/127.0.0.1/tcp/5/ws")));
        assert_eq!(transport_label(&ma("/ip4/1.2.3.4/tcp/5/ws")), "ws");
        assert_eq!(transport_label(&ma("/ip4/1.2.3.4/tcp/5")), "tcp");
        assert_eq!(
            transport_label(&ma("/ip4/1.2.3.4/udp/5/webrtc-direct")),
            "webrtc-direct"
        );
        let relayed = ma(&format!(
            "/ip4/1.2.3.4/tcp/5/ws/p2p/{}/p2p-circuit",
            PeerId::random()
        ));
        assert_eq!(transport_label(&relayed), "relayed");
        assert_eq!(transport_label(&ma("/dns/example.com")), "other");
    }

    #[test]
    fn appends_the_peer_id_once() {
        let peer = PeerId::random();
        let full = with_peer_id(&ma("/ip4/127.0.0.1/tcp/4001/ws"), peer);
        assert_eq!(
            full.to_string(),
            format!("/ip4/127.0.0.1/tcp/4001/ws/p2p/{peer}")
        );
        assert_eq!(with_peer_id(&full, peer), full);
    }

    #[test]
    fn external_webrtc_direct_gets_our_certhash() {
        let peer = PeerId::random();
        let ours = hash(7);
        let out =
            normalize_external(&ma("/ip4/10.0.0.1/udp/4002/webrtc-direct"), peer, &ours).unwrap();
        assert_eq!(
            out,
            ma("/ip4/10.0.0.1/udp/4002/webrtc-direct").with(Protocol::Certhash(ours))
        );
        // Already complete: unchanged. Our own /p2p/ suffix is dropped.
        assert_eq!(normalize_external(&out, peer, &ours).unwrap(), out);
        assert_eq!(
            normalize_external(&with_peer_id(&out, peer), peer, &ours).unwrap(),
            out
        );
    }

    #[test]
    fn external_addresses_that_cannot_reach_us_are_refused() {
        let peer = PeerId::random();
        let ours = hash(7);
        let foreign_hash =
            ma("/ip4/10.0.0.1/udp/4002/webrtc-direct").with(Protocol::Certhash(hash(8)));
        assert!(normalize_external(&foreign_hash, peer, &ours).is_err());
        let foreign_peer = with_peer_id(&ma("/ip4/10.0.0.1/tcp/4001/ws"), PeerId::random());
        assert!(normalize_external(&foreign_peer, peer, &ours).is_err());
        let circuit = ma(&format!(
            "/ip4/10.0.0.1/tcp/4001/ws/p2p/{}/p2p-circuit",
            PeerId::random()
        ));
        assert!(normalize_external(&circuit, peer, &ours).is_err());
        assert!(normalize_external(&ma(&format!("/p2p/{peer}")), peer, &ours).is_err());
    }

    #[test]
    fn external_ws_and_dns_pass_through() {
        let peer = PeerId::random();
        let a = ma("/dns4/relay.example/tcp/443/wss");
        assert_eq!(normalize_external(&a, peer, &hash(1)).unwrap(), a);
    }
}
