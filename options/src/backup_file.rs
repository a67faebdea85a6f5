//! The backup file chosen in the Restore section's file input: which one it is, reading its
//! text, and clearing the choice.

use phemossa_ui::js_error_text;
use wasm_bindgen::JsCast;

/// The element id of the file input.
pub const INPUT_ID: &str = "backup-file";

fn file_input() -> Option<web_sys::HtmlInputElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(INPUT_ID)?
        .dyn_into()
        .ok()
}

/// The file chosen, if any.
pub fn chosen_file() -> Option<web_sys::File> {
    file_input()?.files()?.get(0)
}

/// Empties the file input.
pub fn clear_chosen_file() {
    if let Some(input) = file_input() {
        input.set_value("");
    }
}

/// The text of `file`.
pub async fn read_text(file: &web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(js_error_text)?
        .as_string()
        .ok_or_else(|| "it is not text".to_owned())
}
