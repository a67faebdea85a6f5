//! GetRetention and SetRetention: the retention limits, read, or checked, saved and pruned to.

use phemossa_api::{ApiError, Response};
use phemossa_core::retention::RetentionSettings;

use crate::pruning::Pruner;
use crate::storage::Storage;

pub async fn get(storage: &Storage) -> Result<Response, ApiError> {
    Ok(Response::Retention(storage.retention_settings().await?))
}

/// Saves `settings` after checking them again, then prunes to them.
pub async fn set(
    storage: &Storage,
    pruner: &Pruner,
    settings: RetentionSettings,
) -> Result<Response, ApiError> {
    let settings = settings.validated().map_err(ApiError::from)?;
    storage.save_retention_settings(&settings).await?;
    pruner.prune().await?;
    Ok(Response::Retention(settings))
}
