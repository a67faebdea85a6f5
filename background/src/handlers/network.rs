//! GetNetwork, GetNetworkSettings and SetNetworkSettings: the node's status as pages see it, and
//! the saved network settings, which the running node is told about when they change.

use phemossa_api::{ApiError, NetworkStatus, Response};
use phemossa_core::settings::NetworkSettings;

use crate::network::handle::{Command, NodeLink};
use crate::storage::Storage;

pub fn status(node: &NodeLink) -> NetworkStatus {
    node.status()
}

pub async fn settings(storage: &Storage) -> Result<Response, ApiError> {
    Ok(Response::NetworkSettings(storage.network_settings().await?))
}

pub async fn set_settings(
    storage: &Storage,
    node: &NodeLink,
    settings: NetworkSettings,
) -> Result<Response, ApiError> {
    let settings = settings.validated()?;
    storage.save_network_settings(&settings).await?;
    node.send(Command::Settings(settings.clone()));
    Ok(Response::NetworkSettings(settings))
}
