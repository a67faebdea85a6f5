//! A file chosen in one of the page's file inputs (found by element id): which one it is,
//! reading its text, and clearing the choice.

use phemossa_ui::js_error_text;
use wasm_bindgen::JsCast;

fn file_input(id: &str) -> Option<web_sys::HtmlInputElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into()
        .ok()
}

/// The file chosen in the input with element id `id`, if any.
pub fn chosen_file(id: &str) -> Option<web_sys::File> {
    file_input(id)?.files()?.get(0)
}

/// Empties the input with element id `id`.
pub fn clear_chosen_file(id: &str) {
    if let Some(input) = file_input(id) {
        input.set_value("");
    }
}

/// The text of `file` (invalid UTF-8 becomes U+FFFD, as the browser decodes it).
pub async fn read_text(file: &web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(js_error_text)?
        .as_string()
        .ok_or_else(|| "it is not text".to_owned())
}
