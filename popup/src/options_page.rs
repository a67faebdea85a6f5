//! Opening the options page from the popup's Settings button.

use wasm_bindgen::JsCast;

/// Opens the options page in a tab (`chrome.runtime.openOptionsPage()`), or the page directly
/// when that API is missing.
pub fn open_options_page() {
    let opened = (|| {
        let chrome = js_sys::Reflect::get(&js_sys::global(), &"chrome".into()).ok()?;
        let runtime = js_sys::Reflect::get(&chrome, &"runtime".into()).ok()?;
        let open = js_sys::Reflect::get(&runtime, &"openOptionsPage".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        open.call0(&runtime).ok()
    })();
    if opened.is_none() {
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target("options.html", "_blank");
        }
    }
}
