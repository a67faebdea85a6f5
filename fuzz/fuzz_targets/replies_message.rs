//! Fuzzes what reads thread-fetch bytes from peers (kinds 8 and 9 of `/phemossa/sync/2.1.0`,
//! docs/protocol.md §8.10): telling them from v2 messages never panics, what the decoder accepts
//! is told apart as a replies message and re-encodes to exactly the bytes it came from, and an
//! answer of any bytes is judged calmly: random bytes never carry a valid signed reply, so
//! nothing is taken, and a page refused or cut short never says where a next page starts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_sync::replies::{is_replies_message, take_response, RepliesMessage};

const NOW: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    let routed = is_replies_message(data);
    if let Ok(message) = RepliesMessage::decode(data) {
        assert!(routed, "a replies message not told apart");
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
