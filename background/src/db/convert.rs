//! Records cross into IndexedDB as plain JS objects made from their serde JSON. Every number
//! stored is an integer below 2^53, so it survives the trip through a JS double exactly.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::BackgroundError;

/// The JS object for `record`, bound for `store`.
pub fn to_js<T: Serialize>(record: &T, store: &'static str) -> Result<JsValue, BackgroundError> {
    let text = serde_json::to_string(record).map_err(|e| BackgroundError::CorruptRecord {
        store,
        reason: format!("cannot encode: {e}"),
    })?;
    js_sys::JSON::parse(&text).map_err(|e| BackgroundError::CorruptRecord {
        store,
        reason: format!("cannot encode: {}", crate::error::js_reason(&e)),
    })
}

/// The record a JS object read from `store` holds; anything else is a corrupt record.
pub fn from_js<T: DeserializeOwned>(
    value: &JsValue,
    store: &'static str,
) -> Result<T, BackgroundError> {
    let corrupt = |reason: String| BackgroundError::CorruptRecord { store, reason };
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| corrupt(crate::error::js_reason(&e)))?
        .as_string()
        .ok_or_else(|| corrupt("not JSON-serialisable".into()))?;
    serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))
}
