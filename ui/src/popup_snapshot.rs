//! The popup's copy of how it last looked (popup/static/snapshot.js shows it while the popup
//! starts): dropped when the identity changes, so a restored identity's first popup never shows
//! the previous one's feed, even for the moment before the live view replaces it.

/// The `localStorage` key snapshot.js keeps the copy under.
pub const KEY: &str = "phemossa.popup.snapshot.v1";

/// Drops the copy. Any page of the extension may: they share its `localStorage`.
pub fn forget() {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        // Not dropped (storage unavailable): the live view still replaces it at once.
        let _ = storage.remove_item(KEY);
    }
}
