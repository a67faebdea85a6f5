//! Making sure the background runs: the service worker creates the offscreen document on
//! request and answers once the background in it accepts ports.

use std::time::Duration;

use wasm_bindgen_futures::JsFuture;

use crate::chrome;
use crate::WebextError;

/// Message the service worker answers once the offscreen document is up and listening.
pub const ENSURE_OFFSCREEN: &str = "phemossa/ensure-offscreen";
/// Message the service worker answers with the last time it replaced a failed background.
pub const LAST_RESTART: &str = "phemossa/last-restart";

/// The last time the service worker replaced the background after a failure (a panic, or no
/// answer for 20 s): why, and when (ms since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    pub reason: String,
    /// Milliseconds since the epoch, whole (no float parsing or printing in the pages: their
    /// code is a large part of a small wasm).
    pub at: u64,
}

/// Asks the service worker when it last replaced a failed background, if ever in this browser
/// session. Any failure to ask reads as "never": this is news, not a precondition.
pub async fn last_restart() -> Option<Restart> {
    let runtime = chrome::runtime().ok()?;
    let message = js_sys::Object::new();
    js_sys::Reflect::set(&message, &"type".into(), &LAST_RESTART.into()).ok()?;
    let reply = JsFuture::from(runtime.send_message(&message).ok()?)
        .await
        .ok()?;
    let crash = js_sys::Reflect::get(&reply, &"crash".into()).ok()?;
    let reason = js_sys::Reflect::get(&crash, &"reason".into())
        .ok()?
        .as_string()?;
    let at = js_sys::Reflect::get(&crash, &"at".into()).ok()?.as_f64()? as u64;
    Some(Restart { reason, at })
}
const ENSURE_ATTEMPTS: u32 = 5;

/// Asks the service worker to make sure the offscreen document runs, retrying briefly: right
/// after install or a browser start the worker itself may still be starting.
pub async fn ensure_background() -> Result<(), WebextError> {
    let runtime = chrome::runtime()?;
    let mut last_reason = String::new();
    for attempt in 0..ENSURE_ATTEMPTS {
        if attempt > 0 {
            gloo_timers::future::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"type".into(), &ENSURE_OFFSCREEN.into())
            .map_err(|e| WebextError::browser("Reflect.set", e))?;
        let reply = match runtime.send_message(&message) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        match reply {
            Ok(reply) => {
                let ok = js_sys::Reflect::get(&reply, &"ok".into())
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if ok {
                    return Ok(());
                }
                last_reason = js_sys::Reflect::get(&reply, &"error".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| "the service worker gave no reason".into());
            }
            Err(error) => {
                last_reason = WebextError::browser("chrome.runtime.sendMessage", error).to_string()
            }
        }
    }
    Err(WebextError::BackgroundUnavailable {
        reason: last_reason,
    })
}
