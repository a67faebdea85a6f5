//! GetNotifications and MarkNotificationsRead: the Notifications view's page, and the user
//! having seen it, which clears the unread count on every page and on the toolbar badge.

use phemossa_api::{ApiError, Response, MAX_NOTIFICATIONS_PAGE};

use crate::changes::Changes;
use crate::notifications::{announce_unread, page};
use crate::storage::Storage;
use crate::user::User;

/// The newest `limit` (clamped to 1..=100) notifications.
pub async fn get(user: &User, storage: &Storage, limit: u32) -> Result<Response, ApiError> {
    let limit = limit.clamp(1, MAX_NOTIFICATIONS_PAGE) as usize;
    Ok(Response::Notifications(page(user, storage, limit).await?))
}

/// Marks them all read and answers the newest page, as read.
pub async fn mark_read(
    user: &User,
    storage: &Storage,
    changes: &Changes,
) -> Result<Response, ApiError> {
    storage.mark_notifications_read().await?;
    announce_unread(user, storage, changes).await;
    let limit = MAX_NOTIFICATIONS_PAGE as usize;
    Ok(Response::Notifications(page(user, storage, limit).await?))
}
