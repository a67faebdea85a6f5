//! Network settings in `chrome.storage.local`, where the options page saves them.

use phemossa_core::settings::{NetworkSettings, STORAGE_KEY};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::chrome;
use crate::WebextError;

/// The saved settings, or the defaults when none were saved.
pub async fn load() -> Result<NetworkSettings, WebextError> {
    let promise = chrome::local_storage()?
        .get(&JsValue::from_str(STORAGE_KEY))
        .map_err(|e| WebextError::browser("chrome.storage.local.get", e))?;
    let items = JsFuture::from(promise)
        .await
        .map_err(|e| WebextError::browser("chrome.storage.local.get", e))?;
    let stored = js_sys::Reflect::get(&items, &JsValue::from_str(STORAGE_KEY))
        .ok()
        .and_then(|v| v.as_string());
    match stored {
        None => Ok(NetworkSettings::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            WebextError::Decode(phemossa_core::Error::MalformedMessage {
                reason: format!("saved network settings: {e}"),
            })
        }),
    }
}

pub async fn save(settings: &NetworkSettings) -> Result<(), WebextError> {
    let items = js_sys::Object::new();
    let text = serde_json::to_string(settings).expect("settings always serialise");
    js_sys::Reflect::set(
        &items,
        &JsValue::from_str(STORAGE_KEY),
        &JsValue::from_str(&text),
    )
    .map_err(|e| WebextError::browser("Reflect.set", e))?;
    let promise = chrome::local_storage()?
        .set(&items)
        .map_err(|e| WebextError::browser("chrome.storage.local.set", e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| WebextError::browser("chrome.storage.local.set", e))?;
    Ok(())
}
