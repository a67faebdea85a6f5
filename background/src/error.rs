//! The one error type of the background: what went wrong, and in which operation; and the words
//! for a JS exception that its messages carry.

use phemossa_api::ApiError;
use phemossa_webext::WebextError;
use thiserror::Error;
use wasm_bindgen::{JsCast as _, JsValue};

#[derive(Debug, PartialEq, Error)]
pub enum BackgroundError {
    #[error("{what} needs a browser window, and this context has none")]
    NoWindow { what: &'static str },
    #[error("crypto.getRandomValues failed: {reason}")]
    Random { reason: String },
    #[error("opening IndexedDB database {database:?} failed: {reason}")]
    OpenDatabase { database: String, reason: String },
    #[error("IndexedDB {operation} failed: {reason}")]
    Database {
        operation: &'static str,
        reason: String,
    },
    #[error("IndexedDB {operation} was refused: the browser's storage quota is used up")]
    QuotaExceeded { operation: &'static str },
    #[error("a stored {store} record is unreadable: {reason}")]
    CorruptRecord { store: &'static str, reason: String },
    #[error("refused: {0}")]
    Refused(#[from] phemossa_core::Error),
    #[error("the network failed: {reason}")]
    Network { reason: String },
    #[error("the extension port is unavailable: {0}")]
    Port(#[from] WebextError),
    /// Stopped because nobody waits for the answer any more: the page that asked closed.
    #[error("{operation} stopped: the page that asked for it closed")]
    Abandoned { operation: &'static str },
}

impl From<BackgroundError> for ApiError {
    fn from(error: BackgroundError) -> Self {
        match error {
            BackgroundError::QuotaExceeded { .. } => ApiError::StorageFull,
            BackgroundError::Refused(error) => ApiError::from(error),
            BackgroundError::OpenDatabase { .. }
            | BackgroundError::Database { .. }
            | BackgroundError::CorruptRecord { .. } => ApiError::Storage {
                reason: error.to_string(),
            },
            BackgroundError::NoWindow { .. }
            | BackgroundError::Random { .. }
            | BackgroundError::Network { .. }
            | BackgroundError::Abandoned { .. }
            | BackgroundError::Port(_) => ApiError::Internal {
                reason: error.to_string(),
            },
        }
    }
}

/// Words for a JS exception or value, for error messages.
pub fn js_reason(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        );
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
