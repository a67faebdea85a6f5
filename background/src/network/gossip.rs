//! Carries out what the node's gossip side (`phemossa_node::gossip`) asks of gossipsub:
//! subscribing to an author topic (scored as every author topic is), leaving one, publishing a
//! batch. The seen-cache, the batching and the subscriptions' diff are the node's.

use libp2p::gossipsub::{self, IdentTopic, PublishError};
use phemossa_node::gossip::GossipAction;
use web_sys::console;

/// Does `action` on gossipsub.
pub fn carry_out(behaviour: &mut gossipsub::Behaviour, action: GossipAction) {
    match action {
        GossipAction::Subscribe(topic) => {
            let ident = IdentTopic::new(topic.as_str());
            // Scored as every author topic is (phemossa_net::topic_score_params); fails only
            // if scoring were off, and then there is nothing to score.
            let _ = behaviour.set_topic_params(ident.clone(), phemossa_net::topic_score_params());
            if let Err(error) = behaviour.subscribe(&ident) {
                console::warn_1(&format!("phemossa: subscribing to {topic}: {error}").into());
            }
        }
        GossipAction::Unsubscribe(topic) => {
            behaviour.unsubscribe(&IdentTopic::new(topic.as_str()));
        }
        GossipAction::Publish { topic, data } => match behaviour
            .publish(IdentTopic::new(topic), data)
        {
            Ok(_) => {}
            // Nobody who follows the user is online: they pull the event when they next sync.
            Err(PublishError::NoPeersSubscribedToTopic) | Err(PublishError::Duplicate) => {}
            Err(error) => console::warn_1(&format!("phemossa: gossiping an event: {error}").into()),
        },
    }
}
