//! gossipsub's configuration, the same for every Phemossa node: the mesh numbers and heartbeat
//! of `phemossa_gossip::params`, strict signing, application validation before forwarding, and
//! message ids from the data (docs/protocol.md §8.5).

use std::time::Duration;

use libp2p::gossipsub;
use libp2p::identity::Keypair;
use phemossa_gossip::message_id;
use phemossa_gossip::params::{HEARTBEAT_MS, MAX_TRANSMIT_BYTES, MESH, SCORE};

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
/// (strict validation refuses unsigned ones), with peer scoring on ([`score_params`],
/// [`score_thresholds`]; each author topic gets [`topic_score_params`] when subscribed).
pub fn gossipsub(key: &Keypair) -> Result<gossipsub::Behaviour, Error> {
    let mut behaviour = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossip_config()?,
    )
    .map_err(|e| Error::Gossipsub(e.to_string()))?;
    behaviour
        .with_peer_score(score_params(), score_thresholds())
        .map_err(Error::Gossipsub)?;
    Ok(behaviour)
}

/// Peer scoring beyond the topics, from [`SCORE`]: gossipsub's own misbehaviour penalty (P7),
/// no application score (the application bans by its own counts) and no IP colocation.
pub fn score_params() -> gossipsub::PeerScoreParams {
    gossipsub::PeerScoreParams {
        app_specific_weight: 0.0,
        ip_colocation_factor_weight: 0.0,
        behaviour_penalty_weight: SCORE.behaviour_penalty_weight,
        behaviour_penalty_threshold: SCORE.behaviour_penalty_threshold,
        behaviour_penalty_decay: SCORE.behaviour_penalty_decay,
        // Only what the application reports slow would count; it never reports that.
        slow_peer_weight: 0.0,
        ..gossipsub::PeerScoreParams::default()
    }
}

/// The score below which a peer gets no gossip, none of our publishing, and is ignored.
pub fn score_thresholds() -> gossipsub::PeerScoreThresholds {
    gossipsub::PeerScoreThresholds {
        gossip_threshold: SCORE.gossip_threshold,
        publish_threshold: SCORE.publish_threshold,
        graylist_threshold: SCORE.graylist_threshold,
        ..gossipsub::PeerScoreThresholds::default()
    }
}

/// Scoring on one author topic: time in its mesh (P1) and first deliveries (P2) count up, the
/// messages the application rejected (P4) count down; no mesh delivery deficit (P3, P3b), since
/// a quiet author is normal.
pub fn topic_score_params() -> gossipsub::TopicScoreParams {
    gossipsub::TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: SCORE.time_in_mesh_weight,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: SCORE.time_in_mesh_cap,
        first_message_deliveries_weight: SCORE.first_delivery_weight,
        first_message_deliveries_decay: SCORE.first_delivery_decay,
        first_message_deliveries_cap: SCORE.first_delivery_cap,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: SCORE.invalid_message_weight,
        invalid_message_deliveries_decay: SCORE.invalid_message_decay,
        ..gossipsub::TopicScoreParams::default()
    }
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
    fn the_behaviour_starts_with_an_ed25519_key_and_scoring_on() {
        let mut behaviour = gossipsub(&Keypair::generate_ed25519()).expect("starts");
        // gossipsub refuses topic parameters unless scoring was switched on.
        let topic = gossipsub::IdentTopic::new("phemossa/v1/author/test");
        behaviour
            .set_topic_params(topic.clone(), topic_score_params())
            .expect("topic parameters are accepted with scoring on");
        assert!(behaviour.get_topic_params(&topic).is_some());
    }

    #[test]
    fn the_score_parameters_are_valid_and_silence_costs_nothing() {
        score_params()
            .validate()
            .expect("valid peer score parameters");
        score_thresholds().validate().expect("valid thresholds");
        let topic = topic_score_params();
        topic.validate().expect("valid topic parameters");
        assert_eq!(topic.mesh_message_deliveries_weight, 0.0);
        assert_eq!(topic.mesh_failure_penalty_weight, 0.0);
        assert_eq!(score_params().ip_colocation_factor_weight, 0.0);
        assert!(topic.invalid_message_deliveries_weight < 0.0);
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
