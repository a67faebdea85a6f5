//! What happens when the background's wasm panics: the panic is written to the console in full,
//! and the service worker is told, which remembers it for the pages' status line and replaces
//! this document (a panicked wasm instance cannot go on: its state may be half changed). Other
//! failures it cannot go on from are reported the same way ([`report_fatal`]).

use std::panic::PanicHookInfo;

use web_sys::console;

/// The message the service worker takes as "the background panicked" (service_worker.js).
pub const PANICKED: &str = "phemossa/panicked";

/// Installs the hook; the default one would only reach the console as "unreachable".
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let reason = describe(info);
        console::error_1(&format!("phemossa: the background panicked: {reason}").into());
        tell_service_worker(&reason);
    }));
}

/// "<message> (at <file>:<line>)", said as a person can pass it on in a bug report.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an unknown error".to_owned());
    match info.location() {
        Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
        None => message,
    }
}

/// Reports a failure the document cannot recover from without starting afresh (a database
/// connection the browser closed), as a panic is: the service worker replaces this document.
pub fn report_fatal(reason: &str) {
    console::error_1(&format!("phemossa: the background cannot go on: {reason}").into());
    tell_service_worker(reason);
}

fn tell_service_worker(reason: &str) {
    let Ok(runtime) = phemossa_webext::chrome::runtime() else {
        return;
    };
    let message = js_sys::Object::new();
    let set = |key: &str, value: &str| js_sys::Reflect::set(&message, &key.into(), &value.into());
    if set("type", PANICKED)
        .and_then(|_| set("reason", reason))
        .is_ok()
    {
        // Nothing to wait for: the worker closes this document.
        let _ = runtime.send_message(&message);
    }
}
