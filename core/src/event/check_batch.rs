//! The two messages between the background and its signature-check workers: a batch of events'
//! JSON going out, and the (id, signature) pairs that verified coming back.
//!
//! A worker runs the same validation as the background ([`Event::from_json`]) over the batch and
//! answers with the pairs of the events that passed, a repost's original included. The
//! background puts them in its [`VerifiedIds`] memory and then validates the batch as before:
//! every check runs again on its own thread except the signature, which the memory skips. So a
//! worker can make validation cheaper but never change a verdict: a pair it did not send is
//! checked on the background's thread, and a pair only counts for an event whose id the
//! background recomputed (the id binds the author, so the pair says who signed).
//!
//! Both messages are plain byte strings, so they cross `postMessage` as one transferable buffer
//! and cost one copy each way rather than one object per event:
//!
//! ```text
//! batch = count:u32le, then count × (length:u32le, json: length bytes)
//! pairs = n × (id: 32 bytes, signature: 64 bytes)
//! ```

use super::verified::VerifiedIds;
use super::{Content, Event};
use crate::keys::{EventId, Signature};
use crate::limits::MAX_EVENT_BYTES;
use crate::Error;

/// Most events in one batch: two import requests' worth (500 each), far above a sync
/// event-response's (at most 64 KiB of events).
pub const MAX_CHECK_BATCH: usize = 1_024;

/// Bytes of one checked pair: a 32-byte id, then its 64-byte signature.
pub const PAIR_BYTES: usize = 32 + 64;

/// Packs `events` for a worker. Events over the size limit go as empty entries, which fail
/// validation there as they would here (and cost nothing to send); at most
/// [`MAX_CHECK_BATCH`] are packed, the rest left to the caller's own thread.
pub fn pack_batch<'a>(events: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![0; 4];
    let mut count: u32 = 0;
    for event in events.into_iter().take(MAX_CHECK_BATCH) {
        let event = if event.len() > MAX_EVENT_BYTES {
            &[][..]
        } else {
            event
        };
        // At most 8 KiB: fits in u32.
        out.extend_from_slice(&(event.len() as u32).to_le_bytes());
        out.extend_from_slice(event);
        count += 1;
    }
    out[..4].copy_from_slice(&count.to_le_bytes());
    out
}

/// Reads a batch back into its events' JSON, refusing a count or length over the limits and
/// bytes left over.
pub fn unpack_batch(batch: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut rest = batch;
    let count = take_u32(&mut rest)? as usize;
    if count > MAX_CHECK_BATCH {
        return Err(malformed(format!(
            "{count} events, more than the {MAX_CHECK_BATCH} allowed"
        )));
    }
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        let len = take_u32(&mut rest)? as usize;
        if len > MAX_EVENT_BYTES {
            return Err(malformed(format!(
                "an event of {len} bytes, more than the {MAX_EVENT_BYTES} allowed"
            )));
        }
        if rest.len() < len {
            return Err(malformed("an event cut short".into()));
        }
        let (event, tail) = rest.split_at(len);
        events.push(event);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(malformed(format!(
            "{} bytes after the last event",
            rest.len()
        )));
    }
    Ok(events)
}

/// What a worker does with a batch: validates each event in full against `now_ms` and returns
/// the pairs of those that passed (two for a repost: its own and its original's).
pub fn check_batch(batch: &[u8], now_ms: u64) -> Result<Vec<u8>, Error> {
    let events = unpack_batch(batch)?;
    let mut pairs = Vec::with_capacity(events.len() * PAIR_BYTES);
    for json in events {
        let Ok(event) = Event::from_json(json, now_ms) else {
            continue;
        };
        push_pair(&mut pairs, &event);
        if let Content::Repost(repost) = &event.content {
            push_pair(&mut pairs, &repost.original);
        }
    }
    Ok(pairs)
}

/// Puts a worker's answer in `verified` and returns how many pairs it held; an answer whose
/// length is not a whole number of pairs is refused whole.
pub fn remember_pairs(pairs: &[u8], verified: &VerifiedIds) -> Result<usize, Error> {
    if !pairs.len().is_multiple_of(PAIR_BYTES) {
        return Err(malformed(format!(
            "{} bytes of pairs, not a multiple of {PAIR_BYTES}",
            pairs.len()
        )));
    }
    for pair in pairs.chunks_exact(PAIR_BYTES) {
        let (id, signature) = pair.split_at(32);
        // Both conversions are of slices of the lengths just split.
        let (Ok(id), Ok(signature)) = (<[u8; 32]>::try_from(id), <[u8; 64]>::try_from(signature))
        else {
            continue;
        };
        verified.remember(EventId::from_bytes(id), Signature::from_bytes(signature));
    }
    Ok(pairs.len() / PAIR_BYTES)
}

fn push_pair(out: &mut Vec<u8>, event: &Event) {
    out.extend_from_slice(event.id.as_bytes());
    out.extend_from_slice(event.signature.as_bytes());
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, Error> {
    let Some((head, tail)) = rest.split_first_chunk::<4>() else {
        return Err(malformed("a length cut short".into()));
    };
    *rest = tail;
    Ok(u32::from_le_bytes(*head))
}

fn malformed(reason: String) -> Error {
    Error::MalformedCheckBatch { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Post, Repost};
    use crate::identity::Identity;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000_000;

    fn post(identity: &Identity, n: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("post {n}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(identity, NOW - 1_000 + n, content).unwrap()
    }

    /// A valid event's JSON with its signature's last byte changed: the id still matches.
    fn forged(event: &Event) -> Vec<u8> {
        let mut signature = *event.signature.as_bytes();
        signature[63] ^= 1;
        let forged = Event {
            signature: Signature::from_bytes(signature),
            ..event.clone()
        };
        forged.to_json().into_bytes()
    }

    #[test]
    fn valid_events_come_back_as_pairs_and_forged_ones_do_not() {
        let alice = Identity::from_seed([1; 32]);
        let good = post(&alice, 1);
        let bad = post(&alice, 2);
        let jsons = [
            good.to_json().into_bytes(),
            forged(&bad),
            b"{not json".to_vec(),
        ];
        let batch = pack_batch(jsons.iter().map(Vec::as_slice));
        let pairs = check_batch(&batch, NOW).unwrap();
        let verified = VerifiedIds::default();
        assert_eq!(remember_pairs(&pairs, &verified), Ok(1));
        assert!(verified.contains(&good.id, &good.signature));
        assert!(!verified.contains(&bad.id, &bad.signature));
    }

    #[test]
    fn verdicts_after_a_worker_are_the_verdicts_without_one() {
        let alice = Identity::from_seed([1; 32]);
        let events: Vec<Event> = (0..6).map(|n| post(&alice, n)).collect();
        let mut jsons: Vec<Vec<u8>> = events.iter().map(|e| e.to_json().into_bytes()).collect();
        jsons[2] = forged(&events[2]);
        jsons[4].truncate(10);
        let verified = VerifiedIds::default();
        let pairs = check_batch(&pack_batch(jsons.iter().map(Vec::as_slice)), NOW).unwrap();
        remember_pairs(&pairs, &verified).unwrap();
        for json in &jsons {
            let alone = Event::from_json(json, NOW);
            let helped = Event::from_json_remembering(json, NOW, &verified);
            assert_eq!(alone, helped);
        }
        // Every valid one skipped its check on this thread.
        assert_eq!(verified.hits(), 4);
    }

    #[test]
    fn a_repost_sends_its_originals_pair_too() {
        let alice = Identity::from_seed([1; 32]);
        let bob = Identity::from_seed([2; 32]);
        let original = post(&alice, 1);
        let repost = Event::create(
            &bob,
            NOW,
            Content::Repost(Repost {
                original: Box::new(original.clone()),
            }),
        )
        .unwrap();
        let batch = pack_batch([repost.to_json().as_bytes()]);
        let verified = VerifiedIds::default();
        let pairs = check_batch(&batch, NOW).unwrap();
        assert_eq!(remember_pairs(&pairs, &verified), Ok(2));
        assert!(verified.contains(&original.id, &original.signature));
        assert!(verified.contains(&repost.id, &repost.signature));
    }

    #[test]
    fn oversized_events_go_as_empty_entries_and_are_refused() {
        let huge = vec![b' '; MAX_EVENT_BYTES + 1];
        let batch = pack_batch([&huge[..]]);
        assert_eq!(unpack_batch(&batch).unwrap(), vec![&[0u8; 0][..]]);
        assert_eq!(check_batch(&batch, NOW).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn malformed_batches_and_answers_are_refused_with_a_reason() {
        fn code<T>(result: Result<T, Error>) -> &'static str {
            result.map(|_| ()).unwrap_err().code()
        }
        assert_eq!(code(unpack_batch(&[1, 0])), "malformed_check_batch");
        // One event announced, none there.
        assert_eq!(code(unpack_batch(&[1, 0, 0, 0])), "malformed_check_batch");
        let mut over = (MAX_CHECK_BATCH as u32 + 1).to_le_bytes().to_vec();
        over.extend_from_slice(&[0; 8]);
        assert_eq!(code(unpack_batch(&over)), "malformed_check_batch");
        let mut long = 1u32.to_le_bytes().to_vec();
        long.extend_from_slice(&(MAX_EVENT_BYTES as u32 + 1).to_le_bytes());
        assert_eq!(code(unpack_batch(&long)), "malformed_check_batch");
        let mut trailing = pack_batch([&b"{}"[..]]);
        trailing.push(0);
        assert_eq!(code(unpack_batch(&trailing)), "malformed_check_batch");
        let verified = VerifiedIds::default();
        assert_eq!(
            code(remember_pairs(&[0; PAIR_BYTES + 1], &verified)),
            "malformed_check_batch"
        );
        assert!(verified.is_empty());
    }

    #[test]
    fn at_most_the_limit_is_packed() {
        let events = vec![&b"{}"[..]; MAX_CHECK_BATCH + 3];
        assert_eq!(
            unpack_batch(&pack_batch(events)).unwrap().len(),
            MAX_CHECK_BATCH
        );
    }

    proptest! {
        #[test]
        fn packing_round_trips(events in prop::collection::vec(
            prop::collection::vec(any::<u8>(), 0..300), 0..40,
        )) {
            let batch = pack_batch(events.iter().map(Vec::as_slice));
            let back = unpack_batch(&batch).unwrap();
            prop_assert_eq!(back, events.iter().map(Vec::as_slice).collect::<Vec<_>>());
        }

        #[test]
        fn any_bytes_decode_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = unpack_batch(&bytes);
            let _ = check_batch(&bytes, NOW);
            let verified = VerifiedIds::default();
            if remember_pairs(&bytes, &verified).is_err() {
                prop_assert!(verified.is_empty());
            }
        }
    }
}
