//! Fuzzes everything that reads sync v2 bytes from peers: the message decoder must never panic
//! and whatever it accepts must re-encode to exactly its bytes; the negentropy bytes inside, fed
//! to a session mid-reconciliation on either side, must be answered or refused, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phemossa_sync::{Cursor, Output, ReconcileConfig, ReconcileMessage, Reconciler, Scope};
use phemossa_core::EventId;

const NOW: u64 = 1_767_225_600_000;

/// 100 items, some sharing a timestamp, enough for negentropy to split ranges.
fn items() -> Vec<Cursor> {
    (0..100u8)
        .map(|n| Cursor {
            timestamp: NOW - u64::from(n / 2) * 1_000,
            id: EventId::from_bytes([n.wrapping_mul(37); 32]),
        })
        .rev()
        .collect()
}

/// Answers every store query with the fixed items; returns the messages the session sent.
fn drain(session: &mut Reconciler) -> Vec<Vec<u8>> {
    let mut sent = Vec::new();
    while let Some(output) = session.poll_output() {
        match output {
            Output::ListIds { query, .. } => session.answer_ids(query, items(), false),
            Output::FindMissing { query, ids } => session.answer_missing(query, ids, NOW),
            Output::LoadEvents { query, .. } => session.answer_events(query, vec![]),
            Output::Request(bytes) | Output::Respond { bytes, .. } => sent.push(bytes),
            _ => {}
        }
    }
    sent
}

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = ReconcileMessage::decode(data) {
        assert_eq!(message.encode(), data);
    }
    let config = ReconcileConfig {
        frame_limit: 4096,
        ..ReconcileConfig::default()
    };

    // Our side, its reconcile-open in flight: the bytes as a message, then as its answer.
    let mut ours = Reconciler::new(config.clone());
    ours.start(Scope::default(), NOW);
    let open = drain(&mut ours).pop().expect("an open");
    let req = ReconcileMessage::decode(&open)
        .expect("our own open decodes")
        .req();
    ours.handle_message(data, NOW);
    drain(&mut ours);
    let response = ReconcileMessage::Response {
        req,
        negentropy: Some(data.to_vec()),
    };
    ours.handle_message(&response.encode(), NOW);
    drain(&mut ours);

    // The peer's side, answering that open: the bytes as a message, then as a round.
    let mut theirs = Reconciler::new(config);
    theirs.handle_message(&open, NOW);
    drain(&mut theirs);
    theirs.handle_message(data, NOW);
    drain(&mut theirs);
    let next = ReconcileMessage::Next {
        req: 2,
        negentropy: data.to_vec(),
    };
    theirs.handle_message(&next.encode(), NOW);
    drain(&mut theirs);
});
