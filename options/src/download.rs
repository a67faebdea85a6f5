//! Saving text (a backup, an event archive) as a file the browser downloads, through a
//! temporary object URL.

use std::time::Duration;

use phemossa_ui::js_error_text;
use wasm_bindgen::{JsCast, JsValue};

/// How long a downloaded file's object URL stays valid (the download has started by then).
const REVOKE_AFTER: Duration = Duration::from_secs(30);

/// Saves JSON text `contents` as a download named `file_name`.
pub fn download(file_name: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    download_parts(file_name, "application/json", &parts)
}

/// Saves the concatenation of `parts` (JavaScript strings) as a download named `file_name` of
/// MIME type `mime`; the parts go to the browser as they are, never joined in wasm memory.
pub fn download_parts(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(parts, &options).map_err(js_error_text)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error_text)?;
    let result = click_download_link(&url, file_name);
    wasm_bindgen_futures::spawn_local(async move {
        phemossa_ui::sleep(REVOKE_AFTER).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    result
}

fn click_download_link(url: &str, file_name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no page body")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_error_text)?
        .dyn_into()
        .map_err(|_| "no link element")?;
    link.set_href(url);
    link.set_download(file_name);
    link.set_hidden(true);
    body.append_child(&link).map_err(js_error_text)?;
    link.click();
    link.remove();
    Ok(())
}
