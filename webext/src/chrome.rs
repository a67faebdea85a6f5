//! Raw bindings to the parts of the `chrome.*` extension API Phemossa uses. The `chrome` object is
//! read from the global scope at call time, so these work in pages and the offscreen document.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::WebextError;

#[wasm_bindgen]
extern "C" {
    pub type Chrome;
    #[wasm_bindgen(method, getter)]
    pub fn runtime(this: &Chrome) -> Option<Runtime>;

    pub type Runtime;
    #[wasm_bindgen(method, catch)]
    pub fn connect(this: &Runtime, info: &JsValue) -> Result<Port, JsValue>;
    #[wasm_bindgen(method, catch, js_name = sendMessage)]
    pub fn send_message(this: &Runtime, message: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, getter, js_name = onConnect)]
    pub fn on_connect(this: &Runtime) -> ChromeEvent;
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub fn on_message(this: &Runtime) -> ChromeEvent;

    /// A `chrome.events.Event`.
    pub type ChromeEvent;
    #[wasm_bindgen(method, js_name = addListener)]
    pub fn add_listener(this: &ChromeEvent, listener: &Function);
    #[wasm_bindgen(method, js_name = removeListener)]
    pub fn remove_listener(this: &ChromeEvent, listener: &Function);

    /// A `chrome.runtime.Port`.
    #[derive(Clone)]
    pub type Port;
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Port) -> String;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    pub fn post_message(this: &Port, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub fn disconnect(this: &Port);
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub fn on_message(this: &Port) -> ChromeEvent;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    pub fn on_disconnect(this: &Port) -> ChromeEvent;
}

/// The global `chrome` object, if this code runs inside an extension.
pub fn chrome() -> Result<Chrome, WebextError> {
    let value = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("chrome"))
        .map_err(|_| WebextError::NoExtensionContext)?;
    if value.is_undefined() || value.is_null() {
        return Err(WebextError::NoExtensionContext);
    }
    Ok(value.unchecked_into())
}

pub fn runtime() -> Result<Runtime, WebextError> {
    chrome()?.runtime().ok_or(WebextError::NoExtensionContext)
}
