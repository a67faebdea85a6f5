//! Records cross into IndexedDB as plain JS objects made from their serde JSON. Every number
//! stored is an integer below 2^53, so it survives the trip through a JS double exactly.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::BackgroundError;

/// The JS object for `record`, bound for `store`.
pub fn to_js<T: Serialize>(record: &T, store: &'static str) -> Result<JsValue, BackgroundError> {
    parse(serde_json::to_string(record), store)
}

/// The record a JS object read from `store` holds; anything else is a corrupt record.
pub fn from_js<T: DeserializeOwned>(
    value: &JsValue,
    store: &'static str,
) -> Result<T, BackgroundError> {
    let text = stringify(value, store)?;
    serde_json::from_str(&text).map_err(|e| corrupt(store, e.to_string()))
}

/// Field `name` of a JS object read from `store`, leaving the rest of the record alone
/// (undefined if absent): what a reader that needs one or two fields of many records reads
/// instead of converting each whole with [`from_js`].
pub fn field(value: &JsValue, name: &str, store: &'static str) -> Result<JsValue, BackgroundError> {
    js_sys::Reflect::get(value, &JsValue::from_str(name))
        .map_err(|e| corrupt(store, crate::error::js_reason(&e)))
}

/// The text in field `name` of a JS object read from `store`: a sync's event-response and a
/// single event's read need only a record's wire JSON, which [`from_js`] would have
/// JSON.stringify escape and serde read back with every other field. Anything but text there is
/// a corrupt record.
pub fn text_field(
    value: &JsValue,
    name: &str,
    store: &'static str,
) -> Result<String, BackgroundError> {
    field(value, name, store)?
        .as_string()
        .ok_or_else(|| corrupt(store, format!("no text in `{name}`")))
}

// What does not depend on the record's type is kept out of the generic functions above, which
// are compiled once per record type (16 of them): this saves several KB of the background's wasm.

#[inline(never)]
fn corrupt(store: &'static str, reason: String) -> BackgroundError {
    BackgroundError::CorruptRecord { store, reason }
}

#[inline(never)]
fn parse(
    text: Result<String, serde_json::Error>,
    store: &'static str,
) -> Result<JsValue, BackgroundError> {
    let text = text.map_err(|e| corrupt(store, format!("cannot encode: {e}")))?;
    js_sys::JSON::parse(&text).map_err(|e| {
        corrupt(
            store,
            format!("cannot encode: {}", crate::error::js_reason(&e)),
        )
    })
}

#[inline(never)]
fn stringify(value: &JsValue, store: &'static str) -> Result<String, BackgroundError> {
    js_sys::JSON::stringify(value)
        .map_err(|e| corrupt(store, crate::error::js_reason(&e)))?
        .as_string()
        .ok_or_else(|| corrupt(store, "not JSON-serialisable".into()))
}
