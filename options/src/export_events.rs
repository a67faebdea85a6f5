//! The Storage section's "Export events" part: every stored event, fetched from the background
//! a page at a time with the count shown, saved as a JSON Lines file (one event per line).

use dioxus::prelude::*;
use phemossa_api::{Request, Response, MAX_EXPORT_PAGE};
use phemossa_ui::archive::export_file_name;
use phemossa_ui::format::{group_digits, plural};
use phemossa_ui::{failure_text, use_client, Alert, Status};
use phemossa_webext::PortClient;
use wasm_bindgen::JsValue;

use crate::download::download_parts;

/// The MIME type of JSON Lines.
const JSON_LINES: &str = "application/jsonl";

#[component]
pub fn ExportEvents() -> Element {
    let client = use_client();
    let mut busy = use_signal(|| false);
    let exported = use_signal(|| 0u64);
    let mut status = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<String>);

    let export = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        status.set(None);
        error.set(None);
        let client = client.clone();
        spawn(async move {
            match save_all(&client, exported).await {
                Ok(message) => status.set(Some(message)),
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };

    let shown_status = if busy() {
        Some(match exported() {
            0 => "Exporting…".to_owned(),
            n => format!("Exported {} events…", group_digits(n)),
        })
    } else {
        status()
    };
    rsx! {
        section { aria_labelledby: "export-heading",
            h3 { id: "export-heading", class: "subheading", "Export events" }
            p { class: "hint",
                "Saves every event this browser keeps as a JSON Lines file (one event per line), to keep or to import in another browser. "
                "It holds no secret key: back up your identity for that."
            }
            div { class: "actions",
                button {
                    r#type: "button",
                    class: "button secondary",
                    disabled: busy(),
                    aria_busy: busy(),
                    onclick: export,
                    "Export events"
                }
            }
            Alert { message: error() }
            Status { message: shown_status, busy: busy() }
        }
    }
}

/// Fetches every stored event, counting them in `exported`, and saves them as a download;
/// says what was saved, or why nothing was.
async fn save_all(client: &PortClient, mut exported: Signal<u64>) -> Result<String, String> {
    exported.set(0);
    let parts = js_sys::Array::new();
    let mut count = 0u64;
    let mut after = None;
    loop {
        let request = Request::ExportEvents {
            after,
            limit: MAX_EXPORT_PAGE,
        };
        let page = match client.request(request).await {
            Ok(Response::Events(page)) => page,
            other => {
                return Err(format!(
                    "The export stopped after {}, and nothing was saved: {}",
                    plural(count, "event", "events"),
                    failure_text(other)
                ))
            }
        };
        if page.events.is_empty() {
            break;
        }
        count += page.events.len() as u64;
        let mut lines = page.events.join("\n");
        lines.push('\n');
        parts.push(&JsValue::from_str(&lines));
        exported.set(count);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if count == 0 {
        return Ok("There are no stored events to export yet.".to_owned());
    }
    let today = js_sys::Date::new_0();
    let file_name = export_file_name(
        today.get_full_year(),
        today.get_month() + 1,
        today.get_date(),
    );
    download_parts(&file_name, JSON_LINES, &parts)
        .map_err(|reason| format!("Saving the events file failed: {reason}."))?;
    Ok(format!(
        "Exported {} to {file_name}.",
        plural(count, "event", "events")
    ))
}
