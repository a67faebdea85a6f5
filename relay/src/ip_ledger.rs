//! Per-IP bookkeeping: which source address holds how many connections, reservations and
//! rendezvous registrations, and whether one more of each is allowed. Pure: the node feeds it
//! swarm events with the time, the connection gate and the reservation limiter ask it.
//!
//! libp2p 0.57 has no per-IP caps: `connection_limits` counts per peer id and in total,
//! relay 0.22's `max_reservations_per_peer` and rendezvous 0.18's per-peer cap count per peer
//! id too, and a peer id costs nothing to make. This ledger is the one place that knows the
//! address behind each peer id.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use libp2p::{multiaddr::Protocol, relay::RateLimiter, swarm::ConnectionId, Multiaddr, PeerId};

/// The caps the ledger enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpCaps {
    pub connections: u32,
    pub reservations: usize,
    pub registrations: usize,
}

/// Where a connection stands with the relay's reservations (relay 0.22 keeps at most one per
/// connection and drops it with the connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    None,
    /// A request let through by the limiter and not yet answered: counted, so a burst of
    /// requests from one address cannot all pass before the first is accepted.
    Pending,
    Held,
}

/// One inbound connection.
#[derive(Debug, Clone)]
struct Conn {
    peer: PeerId,
    ip: IpAddr,
    /// The remote address, by which the limiter hook (given peer and address) finds it.
    remote: Multiaddr,
    slot: Slot,
}

/// `reason` labels of `phemossa_relay_refused_total` that only the ledger can tell apart:
/// relay 0.22 answers every refused reservation or circuit with the same status, so the
/// limiter hooks note which of them said no, and the node reads it back on the denial event.
pub mod reason {
    pub const RESERVATIONS_PER_IP: &str = "reservations_per_ip";
    pub const RESERVATION_RATE: &str = "reservation_rate";
    pub const RESERVATION_LIMIT: &str = "reservation_limit";
    pub const CIRCUIT_RATE: &str = "circuit_rate";
    pub const RENDEZVOUS_PER_IP: &str = "registrations_per_ip";
}

/// The ledger itself. See the module doc.
#[derive(Debug)]
pub struct IpLedger {
    caps: IpCaps,
    connections: HashMap<ConnectionId, Conn>,
    per_ip_connections: HashMap<IpAddr, u32>,
    /// Live registrations by (peer, namespace): the address they came from and when they end.
    /// Keyed by deadline rather than by libp2p's expiry events, because rendezvous 0.18 also
    /// reports the expiry of a registration that a renewal has already replaced.
    registrations: HashMap<(PeerId, String), (IpAddr, Instant)>,
    /// Refusals not yet collected by the metrics.
    refusals: Vec<&'static str>,
    /// Why the limiter hooks refused a peer's last reservation or circuit request.
    reservation_refusals: HashMap<PeerId, &'static str>,
    circuit_refusals: HashMap<PeerId, &'static str>,
}

/// The address a multiaddr's first IP counts against: an IPv4 address as is (IPv4-mapped IPv6
/// too), an IPv6 address by its /64, since one subscriber usually gets a whole /64 and could
/// otherwise take 2^64 shares. WebSocket, TCP and WebRTC-direct addresses all have an IP.
pub fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(a) => Some(IpAddr::V4(a)),
        Protocol::Ip6(a) => Some(match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(a) & !u128::from(u64::MAX)).into()),
        }),
        _ => None,
    })
}

impl IpLedger {
    pub fn new(caps: IpCaps) -> Self {
        IpLedger {
            caps,
            connections: HashMap::new(),
            per_ip_connections: HashMap::new(),
            registrations: HashMap::new(),
            refusals: Vec::new(),
            reservation_refusals: HashMap::new(),
            circuit_refusals: HashMap::new(),
        }
    }

    // ---- connections ----

    /// Whether one more inbound connection from `ip` is allowed. The swarm reports a refusal
    /// as an incoming connection error, which the node counts.
    pub fn may_connect(&self, ip: IpAddr) -> bool {
        self.connections_from(ip) < self.caps.connections
    }

    /// Inbound connections established from `ip`.
    pub fn connections_from(&self, ip: IpAddr) -> u32 {
        self.per_ip_connections.get(&ip).copied().unwrap_or(0)
    }

    /// An inbound connection from `remote` was established.
    pub fn connected(&mut self, id: ConnectionId, peer: PeerId, remote: &Multiaddr) {
        let Some(ip) = ip_of(remote) else { return };
        let conn = Conn {
            peer,
            ip,
            remote: remote.clone(),
            slot: Slot::None,
        };
        if self.connections.insert(id, conn).is_none() {
            *self.per_ip_connections.entry(ip).or_insert(0) += 1;
        }
    }

    /// A connection closed, and its reservation with it (relay 0.22 drops it; its
    /// `ReservationClosed` event comes for every closed connection, reserved or not, so the
    /// ledger goes by connections instead).
    pub fn disconnected(&mut self, id: ConnectionId) {
        let Some(conn) = self.connections.remove(&id) else {
            return;
        };
        if let Some(n) = self.per_ip_connections.get_mut(&conn.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_ip_connections.remove(&conn.ip);
            }
        }
        // A refusal whose denial event never came (the relay failed to send the denial) must
        // not stay behind once the peer is gone.
        if !self.connections.values().any(|c| c.peer == conn.peer) {
            self.reservation_refusals.remove(&conn.peer);
            self.circuit_refusals.remove(&conn.peer);
        }
    }

    /// The address of one of the peer's open inbound connections.
    pub fn ip_of_peer(&self, peer: &PeerId) -> Option<IpAddr> {
        self.connections
            .values()
            .find(|c| c.peer == *peer)
            .map(|c| c.ip)
    }

    /// The first of the peer's connections whose slot is `slot`.
    fn slot_of(&mut self, peer: PeerId, slot: Slot) -> Option<&mut Conn> {
        self.connections
            .values_mut()
            .find(|c| c.peer == peer && c.slot == slot)
    }

    // ---- reservations ----

    /// Reservations held or pending from `ip`.
    pub fn reservations_from(&self, ip: IpAddr) -> usize {
        self.connections
            .values()
            .filter(|c| c.ip == ip && c.slot != Slot::None)
            .count()
    }

    /// Reservations held now, all addresses together.
    pub fn reservations_total(&self) -> usize {
        self.connections
            .values()
            .filter(|c| c.slot == Slot::Held)
            .count()
    }

    /// The relay's limiter hook: may `peer` reserve over its connection from `remote`? A
    /// connection that already holds a slot is renewing it and always may.
    pub fn may_reserve(&mut self, peer: PeerId, remote: &Multiaddr) -> bool {
        let Some(id) = self
            .connections
            .iter()
            .find(|(_, c)| c.peer == peer && c.remote == *remote)
            .map(|(id, _)| *id)
        else {
            // Not an inbound connection we know of (the relay serves none other): no cap to
            // count it against.
            return true;
        };
        let (ip, slot) = match self.connections.get(&id) {
            Some(c) => (c.ip, c.slot),
            None => return true,
        };
        if slot == Slot::Held {
            return true;
        }
        if self.reservations_from(ip) >= self.caps.reservations {
            self.reservation_refusals
                .insert(peer, reason::RESERVATIONS_PER_IP);
            return false;
        }
        if let Some(c) = self.connections.get_mut(&id) {
            c.slot = Slot::Pending;
        }
        true
    }

    /// The relay accepted a reservation request of `peer`.
    pub fn reservation_accepted(&mut self, peer: PeerId) {
        if let Some(c) = self.slot_of(peer, Slot::Pending) {
            c.slot = Slot::Held;
        }
    }

    /// The relay refused a request, or failed to answer it. Returns why, as far as known.
    pub fn reservation_refused(&mut self, peer: PeerId) -> &'static str {
        if let Some(c) = self.slot_of(peer, Slot::Pending) {
            c.slot = Slot::None;
        }
        self.reservation_refusals
            .remove(&peer)
            .unwrap_or(reason::RESERVATION_LIMIT)
    }

    /// A reservation of `peer` timed out without being renewed (the event does not say on
    /// which connection; any of the peer's held ones will do for counting).
    pub fn reservation_timed_out(&mut self, peer: PeerId) {
        if let Some(c) = self.slot_of(peer, Slot::Held) {
            c.slot = Slot::None;
        }
    }

    /// A libp2p rate limiter refused `peer`'s reservation request.
    pub fn reservation_rate_limited(&mut self, peer: PeerId) {
        self.reservation_refusals
            .insert(peer, reason::RESERVATION_RATE);
    }

    /// A libp2p rate limiter refused `peer`'s circuit request.
    pub fn circuit_rate_limited(&mut self, peer: PeerId) {
        self.circuit_refusals.insert(peer, reason::CIRCUIT_RATE);
    }

    /// The relay refused `peer`'s circuit request: the reason a limiter noted, if any.
    pub fn circuit_refused(&mut self, peer: PeerId) -> Option<&'static str> {
        self.circuit_refusals.remove(&peer)
    }

    // ---- rendezvous registrations ----

    /// Live registrations made from `ip` at `now`.
    pub fn registrations_from(&self, ip: IpAddr, now: Instant) -> usize {
        self.registrations
            .values()
            .filter(|(i, end)| *i == ip && *end > now)
            .count()
    }

    /// Live registrations of every address at `now`.
    pub fn registrations_total(&self, now: Instant) -> usize {
        self.registrations
            .values()
            .filter(|(_, end)| *end > now)
            .count()
    }

    /// Whether a new connection from `ip` gets the rendezvous service (counts a refusal if not).
    pub fn may_use_rendezvous(&mut self, ip: IpAddr, now: Instant) -> bool {
        self.prune(now);
        let ok = self.registrations_from(ip, now) < self.caps.registrations;
        if !ok {
            self.refusals.push(reason::RENDEZVOUS_PER_IP);
        }
        ok
    }

    /// The rendezvous point stored (or renewed) a registration of `peer` for `ttl` seconds.
    pub fn registered(&mut self, peer: PeerId, namespace: &str, ttl: u64, now: Instant) {
        let Some(ip) = self.ip_of_peer(&peer) else {
            return;
        };
        let end = now + Duration::from_secs(ttl);
        self.registrations
            .insert((peer, namespace.to_owned()), (ip, end));
    }

    /// The peer removed its registration.
    pub fn unregistered(&mut self, peer: PeerId, namespace: &str) {
        self.registrations.remove(&(peer, namespace.to_owned()));
    }

    /// Forgets registrations whose TTL has ended.
    pub fn prune(&mut self, now: Instant) {
        self.registrations.retain(|_, (_, end)| *end > now);
    }

    /// Refusals since the last call, for the metrics.
    pub fn take_refusals(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.refusals)
    }
}

/// The ledger shared between the node, the connection gate, the rendezvous gate and the
/// relay's limiter hook (which libp2p requires to be `Send`, hence the mutex; all of them run
/// on the swarm's one task, so it is never contended).
#[derive(Debug, Clone)]
pub struct SharedLedger(Arc<Mutex<IpLedger>>);

impl SharedLedger {
    pub fn new(caps: IpCaps) -> Self {
        SharedLedger(Arc::new(Mutex::new(IpLedger::new(caps))))
    }

    /// The ledger. A panic elsewhere while it was held leaves plain counters behind, so a
    /// poisoned lock is used as is.
    pub fn lock(&self) -> MutexGuard<'_, IpLedger> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A reservation limiter for relay::Config that enforces the per-IP reservation cap.
    pub fn reservation_limiter(&self) -> Box<dyn RateLimiter> {
        let ledger = self.clone();
        Box::new(move |peer: PeerId, addr: &Multiaddr, _now| ledger.lock().may_reserve(peer, addr))
    }

    /// Wraps libp2p's own reservation rate limiter so a refusal is noted with its reason.
    pub fn noting_reservation_rate(&self, mut inner: Box<dyn RateLimiter>) -> Box<dyn RateLimiter> {
        let ledger = self.clone();
        Box::new(move |peer: PeerId, addr: &Multiaddr, now| {
            let ok = inner.try_next(peer, addr, now);
            if !ok {
                ledger.lock().reservation_rate_limited(peer);
            }
            ok
        })
    }

    /// Wraps libp2p's own circuit rate limiter so a refusal is noted with its reason.
    pub fn noting_circuit_rate(&self, mut inner: Box<dyn RateLimiter>) -> Box<dyn RateLimiter> {
        let ledger = self.clone();
        Box::new(move |peer: PeerId, addr: &Multiaddr, now| {
            let ok = inner.try_next(peer, addr, now);
            if !ok {
                ledger.lock().circuit_rate_limited(peer);
            }
            ok
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: IpCaps = IpCaps {
        connections: 2,
        reservations: 2,
        registrations: 3,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn addr(last: u8, port: u16) -> Multiaddr {
        format!("/ip4/127.0.0.{last}/tcp/{port}").parse().unwrap()
    }

    fn conn(n: usize) -> ConnectionId {
        ConnectionId::new_unchecked(n)
    }

    #[test]
    fn connections_are_capped_per_address() {
        let mut l = IpLedger::new(CAPS);
        let (a, b) = (PeerId::random(), PeerId::random());
        assert!(l.may_connect(ip(2)));
        l.connected(conn(1), a, &addr(2, 1));
        l.connected(conn(2), b, &addr(2, 2));
        assert!(!l.may_connect(ip(2)));
        assert!(l.may_connect(ip(3)), "another address is unaffected");
        l.disconnected(conn(1));
        assert!(l.may_connect(ip(2)));
    }

    #[test]
    fn reservations_count_pending_requests_and_free_on_close() {
        let mut l = IpLedger::new(CAPS);
        let peers: Vec<PeerId> = (0..4).map(|_| PeerId::random()).collect();
        for (i, p) in peers.iter().enumerate() {
            l.connected(conn(i), *p, &addr(2, i as u16));
        }
        l.connected(conn(9), peers[2], &addr(3, 9));
        // Two requests pass before either is accepted; the third is refused.
        assert!(l.may_reserve(peers[0], &addr(2, 0)));
        assert!(l.may_reserve(peers[1], &addr(2, 1)));
        assert!(!l.may_reserve(peers[2], &addr(2, 2)));
        assert_eq!(l.reservation_refused(peers[2]), reason::RESERVATIONS_PER_IP);
        // The same peer id from another address is counted there.
        assert!(l.may_reserve(peers[2], &addr(3, 9)));
        l.reservation_accepted(peers[0]);
        assert_eq!(l.reservation_refused(peers[1]), reason::RESERVATION_LIMIT);
        assert_eq!(l.reservations_from(ip(2)), 1);
        assert!(l.may_reserve(peers[3], &addr(2, 3)));
        l.reservation_accepted(peers[3]);
        // At the cap, a renewal over a connection that holds a slot still passes.
        assert!(l.may_reserve(peers[0], &addr(2, 0)));
        assert!(!l.may_reserve(peers[1], &addr(2, 1)));
        assert_eq!(l.reservations_from(ip(2)), 2);
        assert_eq!(l.reservations_total(), 2);
        l.disconnected(conn(0));
        assert_eq!(l.reservations_from(ip(2)), 1);
        // A noted refusal goes with the peer's last connection.
        l.circuit_rate_limited(peers[1]);
        l.disconnected(conn(1));
        assert_eq!(l.circuit_refused(peers[1]), None);
        l.reservation_timed_out(peers[3]);
        assert_eq!(l.reservations_from(ip(2)), 0);
    }

    #[test]
    fn registrations_expire_by_ttl_and_renewals_do_not_double_count() {
        let mut l = IpLedger::new(CAPS);
        let t0 = Instant::now();
        let (a, b) = (PeerId::random(), PeerId::random());
        l.connected(conn(1), a, &addr(2, 1));
        l.connected(conn(2), b, &addr(2, 2));
        l.registered(a, "x", 60, t0);
        l.registered(a, "x", 60, t0 + Duration::from_secs(30)); // renewal
        l.registered(a, "y", 60, t0);
        assert!(l.may_use_rendezvous(ip(2), t0));
        l.registered(b, "x", 60, t0);
        assert_eq!(l.registrations_from(ip(2), t0), 3);
        assert!(!l.may_use_rendezvous(ip(2), t0));
        assert!(l.may_use_rendezvous(ip(3), t0));
        assert_eq!(l.take_refusals(), vec![reason::RENDEZVOUS_PER_IP]);
        // "y" and b's registration end at 60 s; the renewed "x" lives to 90 s.
        let later = t0 + Duration::from_secs(61);
        assert_eq!(l.registrations_from(ip(2), later), 1);
        assert!(l.may_use_rendezvous(ip(2), later));
        l.unregistered(a, "x");
        assert_eq!(l.registrations_total(later), 0);
    }

    #[test]
    fn ip_of_reads_v4_and_v6() {
        let a: Multiaddr = "/ip4/10.0.0.1/tcp/1/ws".parse().unwrap();
        assert_eq!(ip_of(&a), Some(IpAddr::from([10, 0, 0, 1])));
        let b: Multiaddr = "/ip6/::1/udp/1/webrtc-direct".parse().unwrap();
        assert_eq!(
            ip_of(&b),
            Some("::".parse().unwrap()),
            "::1 counts as ::/64"
        );
        // Two addresses of one /64 are one share; another /64 is another.
        let one: Multiaddr = "/ip6/2001:db8:1:2::a/tcp/1".parse().unwrap();
        let two: Multiaddr = "/ip6/2001:db8:1:2:ffff::b/tcp/1".parse().unwrap();
        let other: Multiaddr = "/ip6/2001:db8:1:3::a/tcp/1".parse().unwrap();
        assert_eq!(ip_of(&one), ip_of(&two));
        assert_ne!(ip_of(&one), ip_of(&other));
        let mapped: Multiaddr = "/ip6/::ffff:10.0.0.1/tcp/1".parse().unwrap();
        assert_eq!(ip_of(&mapped), Some(IpAddr::from([10, 0, 0, 1])));
        let c: Multiaddr = "/dns4/example.org/tcp/1".parse().unwrap();
        assert_eq!(ip_of(&c), None);
    }
}
