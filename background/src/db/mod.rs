//! The thin IndexedDB layer every store of this crate uses: opening a database with a declared
//! schema, turning `idb` errors into [`BackgroundError`](crate::error::BackgroundError)s that
//! say which operation failed and why, and moving serde records in and out of IndexedDB.

mod convert;
mod open;
mod request;

pub use convert::{field, from_js, text_field, to_js};
pub use open::{open, IndexSpec, StoreSpec};
pub use request::{commit, failed, is_key_already_stored};
