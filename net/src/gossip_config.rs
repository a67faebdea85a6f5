//! gossipsub's configuration, the same for every Phemossa node: the mesh numbers and heartbeat
//! of `phemossa_gossip::params`, strict signing, application validation before forwarding, and
//! message ids from the data (docs/protocol.md §8.5).

use std::time::Duration;

use libp2p::gossipsub;
use libp2p::identity::Keypair;
use phemossa_gossip::message_id;
use phemossa_gossip::params::{HEARTBEAT_MS, MAX_TRANSMIT_BYTES, MESH};

use crate::Error;

/// gossipsub for a small network of browsers:
/// - the mesh of [`MESH`], a heartbeat of [`HEARTBEAT_MS`];
/// - `flood_publish`, so an author's own event goes to every subscribed peer at once, not only
///   the mesh (an author has few peers, and its first hop matters most);
/// - every message checked by the application before it is forwarded (`validate_messages`):
///   the node reports each verdict, and a node that forwards nothing simply never reports;
/// - message ids from the data field's bytes, so the same batch is one message whoever
///   publishes it.
pub fn gossip_config() -> Result<gossipsub::Config, Error> {
    gossipsub::ConfigBuilder::default()
        .mesh_n_low(MESH.mesh_n_low)
        .mesh_n(MESH.mesh_n)
        .mesh_n_high(MESH.mesh_n_high)
        .mesh_outbound_min(MESH.mesh_outbound_min)
        .gossip_lazy(MESH.gossip_lazy)
        .heartbeat_interval(Duration::from_millis(HEARTBEAT_MS))
        .flood_publish(true)
        .max_transmit_size(MAX_TRANSMIT_BYTES)
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .message_id_fn(|message: &gossipsub::Message| {
            gossipsub::MessageId::from(message_id(&message.data))
        })
        .build()
        .map_err(|e| Error::GossipConfig(e.to_string()))
}

/// The gossipsub behaviour every node runs: [`gossip_config`], each message signed by `key`
/// (strict validation refuses unsigned ones).
pub fn gossipsub(key: &Keypair) -> Result<gossipsub::Behaviour, Error> {
    gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossip_config()?,
    )
    .map_err(|e| Error::Gossipsub(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_parameters_are_what_gossipsub_runs_with() {
        let config = gossip_config().expect("the shared parameters are a valid configuration");
        assert_eq!(config.mesh_n_low(), MESH.mesh_n_low);
        assert_eq!(config.mesh_n(), MESH.mesh_n);
        assert_eq!(config.mesh_n_high(), MESH.mesh_n_high);
        assert_eq!(config.mesh_outbound_min(), MESH.mesh_outbound_min);
        assert_eq!(config.gossip_lazy(), MESH.gossip_lazy);
        assert_eq!(
            config.heartbeat_interval(),
            Duration::from_millis(HEARTBEAT_MS)
        );
        assert_eq!(config.max_transmit_size(), MAX_TRANSMIT_BYTES);
        assert!(config.validate_messages());
    }

    #[test]
    fn the_behaviour_starts_with_an_ed25519_key() {
        assert!(gossipsub(&Keypair::generate_ed25519()).is_ok());
    }

    #[test]
    fn message_ids_come_from_the_data_bytes() {
        let config = gossip_config().expect("valid configuration");
        let data = b"one batch of events".to_vec();
        let message = gossipsub::Message {
            source: None,
            data: data.clone(),
            sequence_number: Some(7),
            topic: gossipsub::TopicHash::from_raw("phemossa/v1/author/x"),
        };
        assert_eq!(
            config.message_id(&message),
            gossipsub::MessageId::from(message_id(&data))
        );
    }
}
