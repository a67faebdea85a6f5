//! What the simulator's misbehaving peers answer: they are scripts over the real wire format
//! (`phemossa_sync::Message`), not node machines.

use phemossa_core::EventId;
use phemossa_sync::{Cursor, Message};

/// The slow drip's answer to a v1 id request: an empty page whose cursor moves one
/// millisecond past where the request started, so a machine that accepted empty pages with a
/// `next` would ask forever (hole 1 of issue 12). Nothing for any other message.
pub(super) fn slow_drip(request: &[u8]) -> Option<Vec<u8>> {
    let Ok(Message::SyncRequest { req, after, .. }) = Message::decode(request) else {
        return None;
    };
    let timestamp = after.map_or(0, |c| c.timestamp).saturating_add(1);
    let next = Some(Cursor {
        timestamp,
        id: EventId::from_bytes([0; 32]),
    });
    let page = Message::SyncResponse {
        req,
        ids: Vec::new(),
        next,
    };
    Some(page.encode())
}

/// The forger's copy of a gossip message: each event's JSON with the content changed and the
/// id and signature kept, so every event claims a real id over content that does not hash to
/// it. `None` for what is not a new-event message.
pub(super) fn forge(data: &[u8]) -> Option<Vec<u8>> {
    let Ok(Message::NewEvent { events }) = Message::decode(data) else {
        return None;
    };
    let forged = events
        .into_iter()
        .map(|json| {
            let text = String::from_utf8_lossy(&json).replace("\"text\":\"", "\"text\":\"forged ");
            text.into_bytes()
        })
        .collect();
    Some(Message::NewEvent { events: forged }.encode())
}
