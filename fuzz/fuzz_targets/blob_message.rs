//! Fuzzes everything that reads blob transfer bytes from peers (docs/protocol.md §12): the
//! message decoder must never panic and whatever it accepts must re-encode to exactly the bytes
//! it came from (one encoding per message); a fetch must take any bytes as its first answer, and
//! as the answer after a chunk, calmly, and refuse with `blames_peer` false only a blob too large.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_core::blob::{hash_of, BlobKind};
use phemossa_sync::blob::{answer, BlobFetch, BlobMessage, FetchStep};

/// A blob of two chunks, so the bytes are also tried as the answer to the second request.
fn blob() -> Vec<u8> {
    (0..40_000u32).map(|i| (i % 251) as u8).collect()
}

fn check(fetch: &mut BlobFetch, data: &[u8]) {
    if let Err(error) = fetch.on_response(data) {
        assert_eq!(
            BlobFetch::blames_peer(&error),
            error.code() != "blob_too_large"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = BlobMessage::decode(data) {
        assert_eq!(message.encode(), data);
    }
    let blob = blob();
    for kind in [BlobKind::Avatar, BlobKind::Image] {
        // The bytes as the first answer, for a blob named by them and for a held blob.
        check(&mut BlobFetch::new(hash_of(data), kind), data);
        check(&mut BlobFetch::new(hash_of(&blob), kind), data);
        // The bytes as the answer after an honest first chunk.
        let mut fetch = BlobFetch::new(hash_of(&blob), kind);
        let first = answer(Some(&blob), 0).encode();
        assert!(matches!(
            fetch.on_response(&first),
            Ok(FetchStep::Request(_))
        ));
        check(&mut fetch, data);
    }
});
