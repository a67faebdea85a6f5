//! What the browser says of the extension's storage: whether it is kept when the disk runs low
//! (so the identity cannot be evicted) and how much of the quota is used. Read from the page: it
//! shares the extension's origin, and so its storage, with the offscreen document.
//!
//! Two answers make it kept: `navigator.storage.persisted()`, and the manifest's
//! `unlimitedStorage` permission, which Chromium's quota manager never evicts even while
//! `persisted()` says false (as it does in headless Chromium 156).

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The browser's answer; fields it would not give are `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BrowserStorage {
    pub persisted: Option<bool>,
    /// The extension holds `unlimitedStorage`.
    pub unlimited: Option<bool>,
    pub usage: Option<u64>,
    pub quota: Option<u64>,
}

/// Asks `navigator.storage` (`persisted()` and `estimate()`); `None` where it is missing.
pub async fn read() -> Option<BrowserStorage> {
    let navigator = web_sys::window()?.navigator();
    let storage = Reflect::get(&navigator, &"storage".into()).ok()?;
    if storage.is_undefined() {
        return None;
    }
    let persisted = call(&storage, "persisted").await.and_then(|v| v.as_bool());
    let estimate = call(&storage, "estimate").await;
    let number = |name: &str| {
        estimate
            .as_ref()
            .and_then(|e| Reflect::get(e, &name.into()).ok())
            .and_then(|v| v.as_f64())
            .map(|n| n as u64)
    };
    let unlimited = has_unlimited_storage().await;
    Some(BrowserStorage {
        persisted,
        unlimited,
        usage: number("usage"),
        quota: number("quota"),
    })
}

async fn call(target: &JsValue, method: &str) -> Option<JsValue> {
    let function = Reflect::get(target, &method.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = function.call0(target).ok()?.dyn_into::<Promise>().ok()?;
    JsFuture::from(promise).await.ok()
}

/// `chrome.permissions.contains({permissions: ["unlimitedStorage"]})`.
async fn has_unlimited_storage() -> Option<bool> {
    let chrome = Reflect::get(&js_sys::global(), &"chrome".into()).ok()?;
    let permissions = Reflect::get(&chrome, &"permissions".into()).ok()?;
    let contains = Reflect::get(&permissions, &"contains".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let query = js_sys::Object::new();
    let names = js_sys::Array::of1(&"unlimitedStorage".into());
    Reflect::set(&query, &"permissions".into(), &names).ok()?;
    let promise = contains
        .call1(&permissions, &query)
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}
