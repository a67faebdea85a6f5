//! The backup file chosen in the Restore section's file input: which one it is, reading its
//! text, and clearing the choice.

pub use crate::file_input::read_text;

/// The element id of the file input.
pub const INPUT_ID: &str = "backup-file";

/// The file chosen, if any.
pub fn chosen_file() -> Option<web_sys::File> {
    crate::file_input::chosen_file(INPUT_ID)
}

/// Empties the file input.
pub fn clear_chosen_file() {
    crate::file_input::clear_chosen_file(INPUT_ID)
}
