//! The one error type of the extension plumbing.

use thiserror::Error;
use wasm_bindgen::JsCast;

#[derive(Debug, PartialEq, Eq, Error)]
pub enum WebextError {
    #[error("this page is not running inside the Phemossa extension (no chrome.runtime)")]
    NoExtensionContext,
    #[error("the background did not start: {reason}")]
    BackgroundUnavailable { reason: String },
    #[error("the connection to the background was lost")]
    Disconnected,
    #[error("{call} failed: {reason}")]
    Browser { call: &'static str, reason: String },
    #[error("a message could not be read: {0}")]
    Decode(#[from] phemossa_core::Error),
}

impl WebextError {
    pub(crate) fn browser(call: &'static str, error: wasm_bindgen::JsValue) -> Self {
        let reason = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        WebextError::Browser { call, reason }
    }
}
