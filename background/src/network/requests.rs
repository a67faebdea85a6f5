//! The port requests about the network, and the hooks by which the rest of the background tells
//! the node about new events and follow changes.

use phemossa_api::{ApiError, NetworkState, NetworkStatus, Response};
use phemossa_core::settings::NetworkSettings;
use phemossa_core::Event;

use super::{Command, NetworkHandle};
use crate::system::Background;

impl Background {
    /// Hands the running node to the background (once, at start-up).
    pub fn attach_network(&self, handle: NetworkHandle) {
        *self.network.borrow_mut() = Some(handle);
    }

    /// Records why the node could not start, for the pages to show.
    pub fn network_failed(&self, reason: String) {
        *self.network_failure.borrow_mut() = Some(reason);
    }

    pub(crate) fn network_status(&self) -> NetworkStatus {
        if let Some(handle) = self.network.borrow().as_ref() {
            return handle.status();
        }
        let reason = self
            .network_failure
            .borrow()
            .clone()
            .unwrap_or_else(|| "the network is not running in this context".into());
        NetworkStatus {
            state: NetworkState::Failed { reason },
            ..NetworkStatus::default()
        }
    }

    pub(crate) async fn network_settings(&self) -> Result<Response, ApiError> {
        Ok(Response::NetworkSettings(
            self.storage.network_settings().await?,
        ))
    }

    pub(crate) async fn set_network_settings(
        &self,
        settings: NetworkSettings,
    ) -> Result<Response, ApiError> {
        let settings = settings.validated()?;
        self.storage.save_network_settings(&settings).await?;
        self.tell_network(Command::Settings(settings.clone()));
        Ok(Response::NetworkSettings(settings))
    }

    /// Gossips an event the user just made.
    pub(crate) fn announce(&self, event: &Event) {
        self.tell_network(Command::Publish(event.clone()));
    }

    pub(crate) fn follows_changed_for_network(&self) {
        self.tell_network(Command::FollowsChanged);
    }

    fn tell_network(&self, command: Command) {
        if let Some(handle) = self.network.borrow().as_ref() {
            handle.send(command);
        }
    }
}
