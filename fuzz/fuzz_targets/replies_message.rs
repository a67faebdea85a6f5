//! Fuzzes what reads replies-protocol bytes from peers (docs/protocol.md §8.10): the decoder must
//! never panic, what it accepts must re-encode to exactly the bytes it came from, and an answer
//! of any bytes is judged calmly: random bytes never carry a valid signed reply, so nothing is
//! taken, and a page refused or cut short never says where a next page starts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_sync::replies::{take_response, RepliesMessage};

const NOW: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = RepliesMessage::decode(data) {
        assert_eq!(message.encode(), data);
    }
    let parents = [EventId::from_bytes([1; 32]), EventId::from_bytes([2; 32])];
    let page = take_response(data, &parents, None, NOW, &VerifiedIds::default());
    assert!(
        page.replies.is_empty(),
        "random bytes carried a signed reply"
    );
    if !page.faults.is_empty() {
        assert!(page.next.is_none(), "a refused page names a next page");
    }
});
