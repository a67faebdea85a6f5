//! Time on the pages: a shared clock that ticks so "2 min ago" stays true while a page is open,
//! the `<time>` element showing it, and a helper that moves focus once an element is rendered.

use std::time::Duration;

use dioxus::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::format::relative_time;

const TICK: Duration = Duration::from_secs(30);
/// The latest time a JavaScript `Date` can hold, in ms since the epoch.
const MAX_DATE_MS: u64 = 8_640_000_000_000_000;

#[derive(Clone, Copy)]
struct Clock(Signal<u64>);

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Starts the page's clock; call once in the root component, before any [`TimeAgo`].
pub fn use_clock_provider() {
    let clock = use_context_provider(|| Clock(Signal::new(now_ms())));
    use_future(move || async move {
        let mut now = clock.0;
        loop {
            gloo_timers::future::sleep(TICK).await;
            now.set(now_ms());
        }
    });
}

/// "5 min ago", with the full date and time in its tooltip and `datetime` attribute.
#[component]
pub fn TimeAgo(ms: u64) -> Element {
    let now = try_use_context::<Clock>()
        .map(|clock| (clock.0)())
        .unwrap_or_else(now_ms);
    let date = js_sys::Date::new(&JsValue::from_f64(ms.min(MAX_DATE_MS) as f64));
    let iso = String::from(date.to_iso_string());
    let full = locale_text(
        &date,
        "toLocaleString",
        &[("dateStyle", "full"), ("timeStyle", "short")],
    );
    let shown = relative_time(ms, now)
        .unwrap_or_else(|| locale_text(&date, "toLocaleDateString", &[("dateStyle", "medium")]));
    rsx! {
        time { datetime: "{iso}", title: "{full}", "{shown}" }
    }
}

/// Calls a `Date` method with the browser's default locale and these `Intl` options.
fn locale_text(date: &js_sys::Date, method: &str, options: &[(&str, &str)]) -> String {
    let opts = js_sys::Object::new();
    for (key, value) in options {
        let _ = js_sys::Reflect::set(&opts, &(*key).into(), &(*value).into());
    }
    js_sys::Reflect::get(date, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call2(date, &JsValue::UNDEFINED, &opts).ok())
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| String::from(date.to_iso_string()))
}

/// Moves keyboard focus to the element with this id as soon as it is in the document (it may
/// not be rendered yet when called from an event handler).
pub fn focus_later(id: impl AsRef<str> + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let id = id.as_ref();
        for _ in 0..20 {
            gloo_timers::future::sleep(Duration::from_millis(16)).await;
            let element = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(element) = element {
                let _ = element.focus();
                return;
            }
        }
    });
}
