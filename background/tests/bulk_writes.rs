//! Browser tests of the pause that waiting work keeps after bulk writes (`bulk_writes.rs`): the
//! search indexer and follow announcements begin only once none was noted for `QUIET_MS`.

use std::rc::Rc;
use std::time::Duration;

use phemossa_background::bulk_writes::{BulkWrites, QUIET_MS};
use wasm_bindgen_test::*;

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

#[wasm_bindgen_test]
async fn waiting_work_begins_only_after_bulk_writes_pause() {
    let bulk = Rc::new(BulkWrites::default());
    // Never noted: nothing to wait for.
    bulk.paused().await;
    assert_eq!(bulk.last(), 0);

    bulk.noted();
    let first = bulk.last();
    assert!(first > 0);
    // A second write noted while the work waits, as the next batch of a sync would be: the wait
    // runs from it, not from the first.
    let noting = Rc::clone(&bulk);
    wasm_bindgen_futures::spawn_local(async move {
        futures_timer::Delay::new(Duration::from_millis(QUIET_MS / 2)).await;
        noting.noted();
    });
    bulk.paused().await;
    let last = bulk.last();
    assert!(
        last > first,
        "the second write was noted before the wait ended"
    );
    assert!(
        now_ms() >= last + QUIET_MS,
        "the work began {} ms after the last bulk write, not {QUIET_MS}",
        now_ms() - last
    );
}
