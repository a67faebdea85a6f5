//! Fuzzes what reads `/phemossa/sync/2.1.0`'s added messages from peers, thread fetch's (kinds 8
//! and 9, docs/protocol.md §8.10) and inbox catch-up's (kinds 10 and 11, §8.9): telling them
//! from v2 messages never panics, what the decoder accepts is told apart as a 2.1 message and
//! re-encodes to exactly the bytes it came from, and an answer of any bytes is judged calmly,
//! as a replies-response and as an inbox-response: random bytes never carry a valid signed
//! event, so nothing is taken, and a page refused or cut short never says where a next page
//! starts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::Identity;
use phemossa_sync::replies::{
    is_replies_message, take_inbox_response, take_response, RepliesMessage, RepliesPage,
};
use phemossa_sync::Cursor;

const NOW: u64 = 1_767_225_600_000;
const WEEK_MS: u64 = 7 * 24 * 3_600_000;

fn check(page: &RepliesPage) {
    assert!(
        page.replies.is_empty(),
        "random bytes carried a signed event"
    );
    if !page.faults.is_empty() {
        assert!(page.next.is_none(), "a refused page names a next page");
    }
}

fuzz_target!(|data: &[u8]| {
    let routed = is_replies_message(data);
    if let Ok(message) = RepliesMessage::decode(data) {
        assert!(routed, "a 2.1 message not told apart");
        assert_eq!(message.encode(), data);
    }
    let verified = VerifiedIds::default();
    let parents = [EventId::from_bytes([1; 32]), EventId::from_bytes([2; 32])];
    check(&take_response(data, &parents, None, NOW, &verified));
    let addressee = Identity::from_seed([1; 32]).public_key();
    let after = Cursor {
        timestamp: NOW - WEEK_MS,
        id: EventId::from_bytes([0; 32]),
    };
    check(&take_inbox_response(
        data, &addressee, after, NOW, &verified,
    ));
});
