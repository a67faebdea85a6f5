//! Every browser test of the background, one module per file beside this one, in one test
//! binary: one link of the background's debug build and one browser start for all of them,
//! where each file was a binary of its own (15 links and 15 browser starts in test.sh's wasm
//! test step). Each module is as its file was; `common` holds what they share.

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod archive;
mod background;
mod blobs;
mod bulk_writes;
mod common;
mod delete;
mod first_page;
mod keep_out;
mod notifications;
mod profiles;
mod reactions;
mod reposts;
mod search;
mod storage;
mod sync_store;
mod thread;
mod upgrade;
