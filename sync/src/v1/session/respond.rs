//! The responder half of a session: answering a peer's sync-requests and event-requests from
//! the local store, one store query per request, within the message size limit.

use std::collections::HashSet;

use super::{Output, QueryId, Session};
use crate::limits::{MAX_EVENTS_PER_MESSAGE, MAX_IDS_PER_MESSAGE, MAX_SYNC_MESSAGE_BYTES};
use crate::message::{Cursor, Message, Scope};
use phemossa_core::keys::EventId;

/// Events loaded from the store for one event-request. A response holds at most 64 KiB anyway,
/// so loading more would read up to 1,500 events to send a few; the rest are asked for again.
const MAX_EVENTS_LOADED: usize = 128;

/// What an inbound request awaits from the store.
#[derive(Debug)]
pub(super) enum Inbound {
    Ids { req: u64 },
    Events { req: u64, ids: Vec<EventId> },
}

impl Session {
    pub(super) fn on_sync_request(&mut self, req: u64, scope: Scope, after: Option<Cursor>) {
        if let Some(query) = self.accept_inbound(Inbound::Ids { req }) {
            self.outputs.push_back(Output::ListIds {
                query,
                scope,
                after,
                limit: self.config.id_page.clamp(1, MAX_IDS_PER_MESSAGE),
            });
        }
    }

    pub(super) fn on_event_request(&mut self, req: u64, mut ids: Vec<EventId>) {
        ids.truncate(MAX_EVENTS_LOADED);
        let inbound = Inbound::Events {
            req,
            ids: ids.clone(),
        };
        if let Some(query) = self.accept_inbound(inbound) {
            self.outputs.push_back(Output::LoadEvents { query, ids });
        }
    }

    /// The store's answer to [`Output::ListIds`]: the ids in order with their timestamps, and
    /// whether more follow.
    pub fn answer_ids(&mut self, query: QueryId, mut page: Vec<Cursor>, more: bool) {
        let Some(Inbound::Ids { req }) = self.inbound.remove(&query) else {
            return;
        };
        // A page longer than a message may carry continues on the next page, not lost.
        let more = more || page.len() > MAX_IDS_PER_MESSAGE;
        page.truncate(MAX_IDS_PER_MESSAGE);
        let next = if more { page.last().copied() } else { None };
        let ids = page.into_iter().map(|c| c.id).collect();
        let bytes = Message::SyncResponse { req, ids, next }.encode();
        self.outputs.push_back(Output::Respond { to: req, bytes });
    }

    /// The store's answer to [`Output::LoadEvents`]: the wire JSON of the events it holds.
    pub fn answer_events(&mut self, query: QueryId, found: Vec<(EventId, Vec<u8>)>) {
        let Some(Inbound::Events { req, ids }) = self.inbound.remove(&query) else {
            return;
        };
        let bytes = pack_event_response(req, &ids, found);
        self.outputs.push_back(Output::Respond { to: req, bytes });
    }

    /// The store failed `query`, one of the peer's requests' (true) or not ours to answer
    /// (false). The request goes unanswered and stops counting towards the peer's
    /// concurrent requests, so the honest peer that asks again is not blamed for it.
    pub(super) fn inbound_store_failed(&mut self, query: QueryId) -> bool {
        let Some(inbound) = self.inbound.remove(&query) else {
            return false;
        };
        let (Inbound::Ids { req } | Inbound::Events { req, .. }) = inbound;
        self.outputs.push_back(Output::Unanswered { to: req });
        true
    }

    fn accept_inbound(&mut self, inbound: Inbound) -> Option<QueryId> {
        if self.inbound.len() >= self.config.max_inbound_pending {
            self.unexpected("too many concurrent requests");
            return None;
        }
        self.next_query += 1;
        self.inbound.insert(self.next_query, inbound);
        Some(self.next_query)
    }
}

/// Bytes one id or one event's framing adds to an event-response, at most.
const ID_COST: usize = 34;
const EVENT_FRAMING: usize = 3;
/// The array header, kind and a 9-byte `req`, with room to spare.
const RESPONSE_OVERHEAD: usize = 32;

/// An event-response holding as many of the found events as fit the message limit (always at
/// least one), listing the requested ids the store lacks as unknown. Found events left out are
/// in neither list, so the requester asks for them again.
fn pack_event_response(req: u64, ids: &[EventId], found: Vec<(EventId, Vec<u8>)>) -> Vec<u8> {
    let (events, unknown) = pack_events(ids, found);
    Message::EventResponse {
        req,
        events,
        unknown,
    }
    .encode()
}

/// The events and unknown ids of an event-response to a request for `ids` (§8.4), for v1's and
/// v2's messages alike: found events that were asked for, as many as fit beside the unknown
/// ids, and the asked-for ids the store does not hold.
pub(crate) fn pack_events(
    ids: &[EventId],
    found: Vec<(EventId, Vec<u8>)>,
) -> (Vec<Vec<u8>>, Vec<EventId>) {
    let requested: HashSet<EventId> = ids.iter().copied().collect();
    let found: Vec<(EventId, Vec<u8>)> = found
        .into_iter()
        .filter(|(id, _)| requested.contains(id))
        .collect();
    let held: HashSet<EventId> = found.iter().map(|(id, _)| *id).collect();
    let unknown: Vec<EventId> = ids
        .iter()
        .filter(|id| !held.contains(id))
        .copied()
        .collect();
    let mut budget = MAX_SYNC_MESSAGE_BYTES - RESPONSE_OVERHEAD - unknown.len() * ID_COST;
    let mut events = Vec::new();
    for (_, json) in found {
        let cost = json.len() + EVENT_FRAMING;
        if cost > budget || events.len() == MAX_EVENTS_PER_MESSAGE {
            break;
        }
        budget -= cost;
        events.push(json);
    }
    (events, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::limits::MAX_EVENT_BYTES;

    #[test]
    fn a_response_fits_the_limit_and_carries_at_least_one_event() {
        let ids: Vec<EventId> = (0..=255u8).map(|n| EventId::from_bytes([n; 32])).collect();
        let found: Vec<(EventId, Vec<u8>)> = ids[..20]
            .iter()
            .map(|id| (*id, vec![b'x'; MAX_EVENT_BYTES]))
            .collect();
        let bytes = pack_event_response(u64::MAX, &ids, found);
        assert!(bytes.len() <= MAX_SYNC_MESSAGE_BYTES);
        let Ok(Message::EventResponse {
            events, unknown, ..
        }) = Message::decode(&bytes)
        else {
            panic!("decodes")
        };
        assert!(
            !events.is_empty() && events.len() < 20,
            "some, not all, fit"
        );
        assert_eq!(unknown, ids[20..].to_vec(), "only ids not held are unknown");
    }

    #[test]
    fn a_huge_event_request_loads_a_bounded_batch() {
        let mut session = Session::default();
        let ids: Vec<EventId> = (0..1_000u32)
            .map(|n| {
                let mut bytes = [0; 32];
                bytes[..4].copy_from_slice(&n.to_be_bytes());
                EventId::from_bytes(bytes)
            })
            .collect();
        let request = Message::EventRequest { req: 1, ids };
        session.handle_message(&request.encode(), 0);
        let Some(Output::LoadEvents { ids, .. }) = session.poll_output() else {
            panic!("asks the store")
        };
        assert_eq!(ids.len(), MAX_EVENTS_LOADED);
    }
}
