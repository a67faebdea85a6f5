//! The notifications store: what is news for the user (`core::notices`), written as events
//! are stored, read newest first, marked read when the user opens the view, and kept to the
//! newest [`MAX_NOTIFICATIONS`] so it cannot grow without bound.

use idb::{CursorDirection, ObjectStore, Query, Transaction};
use phemossa_core::EventId;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::NotificationRecord;
use super::schema::{NOTIFICATIONS, NOTIFICATIONS_BY_TIME, NOTIFICATIONS_UNREAD};
use crate::db;
use crate::error::BackgroundError;

const ADD_OP: &str = "storing notifications";
const READ_OP: &str = "reading notifications";
const MARK_OP: &str = "marking notifications read";

/// Most notifications kept: the oldest go past it. A year of a busy person's news.
pub const MAX_NOTIFICATIONS: u32 = 1_000;

/// Most unread notifications read to count them (the badge says "99+" well before).
const MAX_UNREAD_READ: u32 = MAX_NOTIFICATIONS;

impl Storage {
    /// A read-write transaction over the store, and the store in it.
    fn writing_notifications(
        &self,
        op: &'static str,
    ) -> Result<(Transaction, ObjectStore), BackgroundError> {
        let transaction = self.writing(&[NOTIFICATIONS], op)?;
        let store = transaction
            .object_store(NOTIFICATIONS)
            .map_err(db::failed(op))?;
        Ok((transaction, store))
    }

    /// Stores `records` (each unread), then drops the oldest past [`MAX_NOTIFICATIONS`], in one
    /// transaction.
    pub async fn add_notifications(
        &self,
        records: &[NotificationRecord],
    ) -> Result<(), BackgroundError> {
        if records.is_empty() {
            return Ok(());
        }
        let (transaction, store) = self.writing_notifications(ADD_OP)?;
        for record in records {
            store
                .put(&db::to_js(record, NOTIFICATIONS)?, None)
                .map_err(db::failed(ADD_OP))?;
        }
        let count = store
            .count(None)
            .map_err(db::failed(ADD_OP))?
            .await
            .map_err(db::failed(ADD_OP))?;
        if count > MAX_NOTIFICATIONS {
            let mut excess = count - MAX_NOTIFICATIONS;
            let opened = store
                .index(NOTIFICATIONS_BY_TIME)
                .map_err(db::failed(ADD_OP))?
                .open_cursor(None, Some(CursorDirection::Next))
                .map_err(db::failed(ADD_OP))?
                .await
                .map_err(db::failed(ADD_OP))?;
            if let Some(cursor) = opened {
                let mut cursor = cursor.into_managed();
                while excess > 0 && cursor.value().map_err(db::failed(ADD_OP))?.is_some() {
                    cursor.delete().await.map_err(db::failed(ADD_OP))?;
                    excess -= 1;
                    cursor.next(None).await.map_err(db::failed(ADD_OP))?;
                }
            }
        }
        db::commit(transaction, ADD_OP).await
    }

    /// The newest `limit` notifications, newest first.
    pub async fn notifications(
        &self,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, BackgroundError> {
        let opened = self
            .read_only(NOTIFICATIONS, READ_OP)?
            .index(NOTIFICATIONS_BY_TIME)
            .map_err(db::failed(READ_OP))?
            .open_cursor(None, Some(CursorDirection::Prev))
            .map_err(db::failed(READ_OP))?
            .await
            .map_err(db::failed(READ_OP))?;
        let mut records = Vec::new();
        if let Some(cursor) = opened {
            let mut cursor = cursor.into_managed();
            while let Some(value) = cursor.value().map_err(db::failed(READ_OP))? {
                records.push(db::from_js(&value, NOTIFICATIONS)?);
                if records.len() >= limit {
                    break;
                }
                cursor.next(None).await.map_err(db::failed(READ_OP))?;
            }
        }
        Ok(records)
    }

    /// Every unread notification (at most 1,000), for the count.
    pub async fn unread_notifications(&self) -> Result<Vec<NotificationRecord>, BackgroundError> {
        let values = self
            .read_only(NOTIFICATIONS, READ_OP)?
            .index(NOTIFICATIONS_UNREAD)
            .map_err(db::failed(READ_OP))?
            .get_all(None, Some(MAX_UNREAD_READ))
            .map_err(db::failed(READ_OP))?
            .await
            .map_err(db::failed(READ_OP))?;
        values
            .iter()
            .map(|value| db::from_js(value, NOTIFICATIONS))
            .collect()
    }

    /// Marks every notification read.
    pub async fn mark_notifications_read(&self) -> Result<(), BackgroundError> {
        let (transaction, store) = self.writing_notifications(MARK_OP)?;
        let values = store
            .index(NOTIFICATIONS_UNREAD)
            .map_err(db::failed(MARK_OP))?
            .get_all(None, None)
            .map_err(db::failed(MARK_OP))?
            .await
            .map_err(db::failed(MARK_OP))?;
        for value in values {
            let mut record: NotificationRecord = db::from_js(&value, NOTIFICATIONS)?;
            record.unread = None;
            store
                .put(&db::to_js(&record, NOTIFICATIONS)?, None)
                .map_err(db::failed(MARK_OP))?;
        }
        db::commit(transaction, MARK_OP).await
    }

    /// Drops the notifications of `ids` (their events are gone: deleted or pruned).
    pub async fn remove_notifications(&self, ids: &[EventId]) -> Result<(), BackgroundError> {
        if ids.is_empty() {
            return Ok(());
        }
        let (transaction, store) = self.writing_notifications(MARK_OP)?;
        for id in ids {
            store
                .delete(Query::Key(JsValue::from_str(&id.to_hex())))
                .map_err(db::failed(MARK_OP))?;
        }
        db::commit(transaction, MARK_OP).await
    }
}
