//! Stalling a victim's pulls with nothing false in the content: `--silent` holds every sync
//! request unanswered until the victim gives up on it, `--slow-drip` answers each one just
//! before the victim's per-request timeout (docs/protocol.md §8.4: 10 s) with an empty id page
//! and a cursor that moves on, the slow-drip responder of issue 12. Pure: request bytes in,
//! what to answer out; the node keeps the response channels and the clock.

use std::time::Duration;

use phemossa_core::EventId;
use phemossa_sync::{Cursor, Message};

/// When `--slow-drip` answers, after a request arrived: just under the browser's 10 s resend.
pub const DEFAULT_DRIP: Duration = Duration::from_millis(9_500);
/// Requests one peer may have held at once; past it the oldest is let go (its stream closes
/// unanswered), so a victim that keeps asking cannot grow this peer's memory.
pub const MAX_HELD_PER_PEER: usize = 64;
/// Where a slow-drip's first cursor starts when the request has no `after`: a day back, so
/// each page's cursor stays in the past however many pages a pull lasts (1 ms each).
const FIRST_CURSOR_AGE_MS: u64 = 24 * 3600 * 1000;

/// The request kind, for the report: what was held or dripped.
pub fn kind(request: &[u8]) -> &'static str {
    match Message::decode(request) {
        Ok(Message::SyncRequest { .. }) => "sync_request",
        Ok(Message::EventRequest { .. }) => "event_request",
        Ok(_) => "not_a_request",
        Err(_) => "malformed",
    }
}

/// What `--slow-drip` answers, once its delay has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drip {
    /// A sync-request: an empty page whose `next` moves 1 ms past the request's `after`.
    EmptyPage { response: Vec<u8>, next: Cursor },
    /// An event-request: nothing sent, every id `unknown` (as an honest peer that lacks them).
    NoEvents { response: Vec<u8>, unknown: usize },
}

impl Drip {
    pub fn response(&self) -> &[u8] {
        match self {
            Drip::EmptyPage { response, .. } | Drip::NoEvents { response, .. } => response,
        }
    }
}

/// The slow-drip answer to `request`, or `None` for anything that is no request (left
/// unanswered). `now_ms` dates the first cursor of a pull.
pub fn drip_answer(request: &[u8], now_ms: u64) -> Option<Drip> {
    match Message::decode(request) {
        Ok(Message::SyncRequest { req, after, .. }) => {
            let next = match after {
                Some(after) => Cursor {
                    timestamp: after.timestamp.saturating_add(1),
                    id: after.id,
                },
                None => Cursor {
                    timestamp: now_ms.saturating_sub(FIRST_CURSOR_AGE_MS),
                    id: EventId::from_bytes([0; 32]),
                },
            };
            let response = Message::SyncResponse {
                req,
                ids: Vec::new(),
                next: Some(next),
            }
            .encode();
            Some(Drip::EmptyPage { response, next })
        }
        Ok(Message::EventRequest { req, ids }) => {
            let unknown = ids.len();
            let response = Message::EventResponse {
                req,
                events: Vec::new(),
                unknown: ids,
            }
            .encode();
            Some(Drip::NoEvents { response, unknown })
        }
        Ok(_) | Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::list_everything as pull;

    const NOW: u64 = 1_767_225_600_000;

    #[test]
    fn a_drip_is_an_empty_page_whose_cursor_moves_on() {
        let Some(Drip::EmptyPage { response, next }) = drip_answer(&pull(7, None), NOW) else {
            panic!("a sync-request gets an empty page");
        };
        assert!(next.timestamp < NOW);
        assert_eq!(
            Message::decode(&response).expect("it decodes"),
            Message::SyncResponse {
                req: 7,
                ids: vec![],
                next: Some(next)
            }
        );
        // The next request goes on from there, and the cursor moves again.
        let Some(Drip::EmptyPage { next: later, .. }) = drip_answer(&pull(8, Some(next)), NOW)
        else {
            panic!("an empty page again");
        };
        assert!(later > next, "{later:?} after {next:?}");
    }

    #[test]
    fn an_event_request_is_answered_with_every_id_unknown() {
        let ids = vec![EventId::from_bytes([1; 32]), EventId::from_bytes([2; 32])];
        let request = Message::EventRequest {
            req: 3,
            ids: ids.clone(),
        }
        .encode();
        let Some(Drip::NoEvents { response, unknown }) = drip_answer(&request, NOW) else {
            panic!("an event-request gets an answer");
        };
        assert_eq!(unknown, 2);
        assert_eq!(
            Message::decode(&response).expect("it decodes"),
            Message::EventResponse {
                req: 3,
                events: vec![],
                unknown: ids
            }
        );
    }

    #[test]
    fn anything_else_is_not_answered() {
        assert_eq!(drip_answer(b"\xff\x00", NOW), None);
        let gossip = Message::NewEvent { events: vec![] }.encode();
        assert_eq!(drip_answer(&gossip, NOW), None);
        assert_eq!(kind(&gossip), "not_a_request");
        assert_eq!(kind(&pull(1, None)), "sync_request");
    }
}
