//! Fuzzes the two messages between the background and its signature-check workers
//! (`phemossa_core::event::check_batch`): a batch of events' JSON, whose events come from peers
//! and files, and the pairs a worker answers. Reading a batch never panics, and what reads
//! packs back to the same bytes; checking any batch never finds a valid signature in random
//! bytes; an answer of any bytes is either refused whole or remembered pair by pair, never in
//! part.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::event::check_batch::{
    check_batch, pack_batch, remember_pairs, unpack_batch, PAIR_BYTES,
};
use phemossa_core::event::VerifiedIds;

const NOW: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = unpack_batch(data) {
        assert_eq!(pack_batch(events.iter().copied()), data);
    }
    if let Ok(pairs) = check_batch(data, NOW) {
        assert!(pairs.is_empty(), "random bytes carried a signed event");
    }
    let verified = VerifiedIds::default();
    match remember_pairs(data, &verified) {
        Ok(count) => {
            assert_eq!(count, data.len() / PAIR_BYTES);
            assert!(verified.len() <= count);
        }
        Err(_) => assert!(verified.is_empty(), "a refused answer left pairs behind"),
    }
});
