//! What the relay counts for Prometheus: libp2p-metrics' own series (swarm, relay, identify,
//! ping, and transport bandwidth, registered by the swarm builder), plus the relay's current
//! state and its refusals by reason, which libp2p-metrics does not keep.
//!
//! Series of our own, all prefixed `phemossa_relay_`:
//! - `connections` (gauge): established connections now.
//! - `reservations` (gauge): circuit relay slots held now.
//! - `circuits` (gauge): relayed circuits open now.
//! - `registrations` (gauge): live rendezvous registrations now.
//! - `refused_total{reason}` (counter): requests the relay said no to, by why.

use std::sync::atomic::AtomicU64;

use libp2p::{
    metrics::{Metrics as Libp2pMetrics, Recorder},
    swarm::SwarmEvent,
};
use prometheus_client::{
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

/// `reason` label values besides the ledger's (see `ip_ledger::reason`).
pub mod reason {
    pub const CONNECTIONS_PER_IP: &str = "connections_per_ip";
    /// `connection_limits`: the total, per-peer or pending-handshake cap.
    pub const CONNECTIONS: &str = "connections";
    pub const CIRCUIT_NO_RESERVATION: &str = "circuit_no_reservation";
    pub const CIRCUIT_LIMIT: &str = "circuit_limit";
    pub const CIRCUIT_OTHER: &str = "circuit_other";
    pub const REGISTRATION_TTL: &str = "registration_ttl";
    /// rendezvous' per-peer or total cap.
    pub const REGISTRATION_LIMIT: &str = "registration_limit";
    pub const REGISTRATION_INVALID: &str = "registration_invalid";
    pub const DISCOVER: &str = "discover";
}

type Reason = [(&'static str, &'static str); 1];

/// See the module doc.
pub struct Metrics {
    libp2p: Libp2pMetrics,
    pub connections: Gauge,
    pub reservations: Gauge,
    pub circuits: Gauge,
    pub registrations: Gauge,
    refused: Family<Reason, Counter<u64, AtomicU64>>,
}

impl Metrics {
    /// Registers every series in `registry`. The bandwidth series are added by the swarm
    /// builder (`with_bandwidth_metrics`) into the same registry.
    pub fn new(registry: &mut Registry) -> Self {
        let libp2p = Libp2pMetrics::new(registry);
        let ours = registry.sub_registry_with_prefix("phemossa_relay");
        let connections = Gauge::default();
        ours.register(
            "connections",
            "Established connections",
            connections.clone(),
        );
        let reservations = Gauge::default();
        ours.register(
            "reservations",
            "Circuit relay reservations held",
            reservations.clone(),
        );
        let circuits = Gauge::default();
        ours.register("circuits", "Relayed circuits open", circuits.clone());
        let registrations = Gauge::default();
        ours.register(
            "registrations",
            "Live rendezvous registrations",
            registrations.clone(),
        );
        let refused = Family::<Reason, Counter>::default();
        ours.register(
            "refused",
            "Connections and requests refused, by reason",
            refused.clone(),
        );
        Metrics {
            libp2p,
            connections,
            reservations,
            circuits,
            registrations,
            refused,
        }
    }

    /// Lets libp2p-metrics count a swarm event.
    pub fn record_swarm<E>(&self, event: &SwarmEvent<E>) {
        self.libp2p.record(event);
    }

    /// Lets libp2p-metrics count a relay event.
    pub fn record_relay(&self, event: &libp2p::relay::Event) {
        self.libp2p.record(event);
    }

    /// Lets libp2p-metrics count an identify event.
    pub fn record_identify(&self, event: &libp2p::identify::Event) {
        self.libp2p.record(event);
    }

    /// Lets libp2p-metrics count a ping event.
    pub fn record_ping(&self, event: &libp2p::ping::Event) {
        self.libp2p.record(event);
    }

    /// Counts one refusal.
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&[("reason", reason)]).inc();
    }

    /// Refusals counted for `reason` so far (for tests).
    pub fn refused_count(&self, reason: &'static str) -> u64 {
        self.refused.get_or_create(&[("reason", reason)]).get()
    }
}

/// The registry as Prometheus text exposition (OpenMetrics).
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; an error would only mean a half-written body.
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, registry) {
        tracing::warn!("encoding metrics failed: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_series_appear_with_their_values() {
        let mut registry = Registry::default();
        let m = Metrics::new(&mut registry);
        m.reservations.inc();
        m.registrations.set(3);
        m.refused(reason::REGISTRATION_TTL);
        m.refused(reason::REGISTRATION_TTL);
        assert_eq!(m.refused_count(reason::REGISTRATION_TTL), 2);
        let text = encode(&registry);
        assert!(text.contains("phemossa_relay_reservations 1"), "{text}");
        assert!(text.contains("phemossa_relay_registrations 3"), "{text}");
        assert!(
            text.contains("phemossa_relay_refused_total{reason=\"registration_ttl\"} 2"),
            "{text}"
        );
        assert!(text.contains("phemossa_relay_connections 0"), "{text}");
        assert!(text.contains("phemossa_relay_circuits 0"), "{text}");
    }
}
