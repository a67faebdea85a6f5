//! Every browser test of the background, one module per file beside this one, in one test
//! binary: one link of the background's debug build and one browser start for all of them,
//! where each file was a binary of its own (15 links and 15 browser starts in test.sh's wasm
//! test step). Each module is as its file was; `common` holds what they share.

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "archive.rs"]
mod archive;
#[path = "background.rs"]
mod background;
#[path = "blobs.rs"]
mod blobs;
mod common;
#[path = "delete.rs"]
mod delete;
#[path = "first_page.rs"]
mod first_page;
#[path = "keep_out.rs"]
mod keep_out;
#[path = "notifications.rs"]
mod notifications;
#[path = "profiles.rs"]
mod profiles;
#[path = "reactions.rs"]
mod reactions;
#[path = "reposts.rs"]
mod reposts;
#[path = "search.rs"]
mod search;
#[path = "storage.rs"]
mod storage;
#[path = "sync_store.rs"]
mod sync_store;
#[path = "thread.rs"]
mod thread;
#[path = "upgrade.rs"]
mod upgrade;
