//! The toolbar icon's badge: the offscreen document cannot reach `chrome.action`, so it tells
//! the service worker the unread count (service_worker.js sets the badge text).

use wasm_bindgen_futures::JsFuture;

/// The message the service worker takes as "set the badge" (service_worker.js).
pub const UNREAD: &str = "phemossa/unread";

/// Has the badge show `unread` (nothing at 0). Outside an extension (the wasm tests) there is
/// no service worker, and nothing happens.
pub fn show(unread: u32) {
    let Ok(runtime) = phemossa_webext::chrome::runtime() else {
        return;
    };
    let message = js_sys::Object::new();
    let set = |key: &str, value: &wasm_bindgen::JsValue| {
        js_sys::Reflect::set(&message, &key.into(), value)
    };
    if set("type", &UNREAD.into())
        .and_then(|_| set("count", &unread.into()))
        .is_err()
    {
        return;
    }
    if let Ok(sent) = runtime.send_message(&message) {
        // A worker that is starting answers later; a refusal only costs this update.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(sent).await;
        });
    }
}
