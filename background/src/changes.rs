//! Telling the rest what changed: pushes to the pages subscribed to it, and to the node the
//! user's new events and follow changes. Handlers and ingest report here, so none of them needs
//! to know who listens.

use std::rc::Rc;

use phemossa_api::Push;
use phemossa_core::Event;

use crate::network::handle::{Command, NodeLink};
use crate::subscribers::Subscribers;
use crate::user::User;

pub struct Changes {
    user: Rc<User>,
    subscribers: Rc<Subscribers>,
    node: Rc<NodeLink>,
}

impl Changes {
    pub fn new(user: Rc<User>, subscribers: Rc<Subscribers>, node: Rc<NodeLink>) -> Self {
        Self {
            user,
            subscribers,
            node,
        }
    }

    /// Sends `push` to the pages subscribed to its topic.
    pub fn push(&self, push: Push) {
        self.subscribers.push(push);
    }

    /// Tells the node that events were stored, so that peers' next reconciliations see them.
    pub fn stored(&self) {
        self.node.send(Command::StoreChanged);
    }

    /// Gossips an event the user just made (stored already: the node treats it as a store
    /// change too).
    pub fn announce(&self, event: &Event) {
        self.node.send(Command::Publish(event.clone()));
    }

    /// Tells the node how much work the user now asks of strangers' events in their inbox.
    pub fn stranger_work(&self, bits: u8) {
        self.node.send(Command::StrangerWork(bits));
    }

    /// Tells subscribers the following list and so the feed changed, and the node whom to
    /// follow now.
    pub fn following_changed(&self) {
        self.subscribers
            .push(Push::Following(self.user.following()));
        self.subscribers.push(Push::FeedReset);
        self.node.send(Command::FollowsChanged);
    }
}
