//! Thread fetch (docs/protocol.md §8.10): asking a peer for its stored replies to some posts,
//! so a thread shows replies by authors the user does not follow. Its two messages are sync
//! v2's minor version `/phemossa/sync/2.1.0` ([`REPLIES_PROTOCOL`]), kinds 8 and 9 beside v2's
//! 2, 3, 5, 6 and 7, so they travel on v2's request-response streams rather than a protocol of
//! their own (each protocol of its own is a behaviour in the browser's swarm, about 27 KB of
//! its wasm). Here: the two messages and their one CBOR encoding (§8.2's, with its helpers),
//! telling them from v2's messages by their first two bytes ([`is_replies_message`]), the
//! answer a responder gives from its store ([`response_from`]), and judging an answer against
//! the request it answers ([`take_response`]). Which peers to ask, and when, is the node's.

use std::collections::HashSet;

use ciborium::value::Value;

use crate::limits::{MAX_EVENTS_PER_MESSAGE, MAX_SYNC_MESSAGE_BYTES};
use crate::message::{
    array, bytes32, cbor_bytes, cbor_value, cursor_from, cursor_value, event_list, events_from,
    id_list, malformed, next_item, take_uint, uint, Cursor,
};
use crate::peer_score::is_excusable;
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event};

/// The protocol id that carries thread fetch: sync v2 (`/phemossa/sync/2.0.0`, §9) plus the
/// replies-request and replies-response (kinds 8 and 9), a minor version of v2. A node lists it
/// beside `/phemossa/sync/2.0.0` and offers it first, and sends a replies-request only to a
/// peer whose identify lists it (§9.1).
pub const REPLIES_PROTOCOL: &str = "/phemossa/sync/2.1.0";

/// Parents one request names at most.
pub const MAX_PARENTS_PER_REQUEST: usize = 128;

/// Kinds apart from every sync kind (v1's 0–4, v2's 2, 3, 5, 6, 7), so both messages share
/// v2's streams.
const REQUEST: u64 = 8;
const RESPONSE: u64 = 9;

/// A CBOR array head of 3 items, as both replies messages start.
const ARRAY_OF_3: u8 = 0x83;

/// Whether `bytes` are a replies message rather than a v2 one, from their first two bytes
/// alone: a CBOR array head of 3 items (`0x83`) then the unsigned integer 8 or 9 (`0x08`,
/// `0x09`), the replies-request's or replies-response's kind. A v2 message never starts so (its
/// kinds are 2, 3, 5, 6 and 7), so a driver routes an inbound request on a v2 stream by this
/// before anything decodes it. It checks nothing else: [`RepliesMessage::decode`] does.
pub fn is_replies_message(bytes: &[u8]) -> bool {
    // An unsigned integer below 24 is one byte, its own value (CBOR major type 0).
    matches!(bytes, [ARRAY_OF_3, kind, ..] if [REQUEST, RESPONSE].contains(&u64::from(*kind)))
}

/// A response's framing besides its events, with room to spare: the array head, the kind, the
/// events list head (at most 3 bytes for 256 events) and a `next` cursor (at most 44 bytes).
const RESPONSE_OVERHEAD: usize = 64;

/// The most one event's framing takes inside the events list: a byte string head of up to
/// 3 bytes, enough for any event under the message limit.
const EVENT_FRAMING: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepliesMessage {
    /// "Send me your stored replies to any of `parents`, strictly after `after` in
    /// (timestamp, id) order."
    Request {
        parents: Vec<EventId>,
        after: Option<Cursor>,
    },
    /// Replies in ascending (timestamp, id) order; `next` = the cursor of the last event when
    /// more follow, `None` on the last page.
    Response {
        events: Vec<Vec<u8>>,
        next: Option<Cursor>,
    },
}

impl RepliesMessage {
    /// The CBOR bytes of this message.
    pub fn encode(&self) -> Vec<u8> {
        let items = match self {
            RepliesMessage::Request { parents, after } => {
                vec![uint(REQUEST), id_list(parents), cursor_value(after)]
            }
            RepliesMessage::Response { events, next } => {
                vec![uint(RESPONSE), event_list(events), cursor_value(next)]
            }
        };
        cbor_bytes(&Value::Array(items))
    }

    /// Decodes and checks one message from a peer; never panics on any input. Input over
    /// [`MAX_SYNC_MESSAGE_BYTES`] is refused unparsed (`sync_message_too_large`); more than
    /// [`MAX_PARENTS_PER_REQUEST`] parents is `too_many_ids`, more than
    /// [`MAX_EVENTS_PER_MESSAGE`] events `too_many_events`, a kind other than 8 or 9 (v2's
    /// included) `unknown_sync_message`; everything else refused (no parent, a parent named twice, a
    /// wrong shape, input that does not re-encode to exactly its bytes) is
    /// `malformed_sync_message`.
    pub fn decode(bytes: &[u8]) -> Result<RepliesMessage, Error> {
        let message = RepliesMessage::from_value(cbor_value(bytes)?)?;
        if message.encode() != bytes {
            return Err(malformed("not the canonical encoding (or trailing bytes)"));
        }
        Ok(message)
    }

    fn from_value(value: Value) -> Result<RepliesMessage, Error> {
        let mut items = array(value, "message")?.into_iter();
        let message = match take_uint(&mut items, "kind")? {
            REQUEST => RepliesMessage::Request {
                parents: parents_from(next_item(&mut items, "parents")?)?,
                after: cursor_from(next_item(&mut items, "after")?)?,
            },
            RESPONSE => RepliesMessage::Response {
                events: events_from(next_item(&mut items, "events")?)?,
                next: cursor_from(next_item(&mut items, "next")?)?,
            },
            kind => return Err(Error::UnknownSyncMessage { kind }),
        };
        if items.next().is_some() {
            return Err(malformed("extra items after the last field"));
        }
        Ok(message)
    }
}

/// 1 to [`MAX_PARENTS_PER_REQUEST`] distinct ids.
fn parents_from(value: Value) -> Result<Vec<EventId>, Error> {
    let items = array(value, "parents")?;
    if items.len() > MAX_PARENTS_PER_REQUEST {
        return Err(Error::TooManyIds {
            count: items.len(),
            max: MAX_PARENTS_PER_REQUEST,
        });
    }
    if items.is_empty() {
        return Err(malformed("a request names no parent"));
    }
    let parents = items
        .into_iter()
        .map(|v| bytes32(v, "parent").map(EventId::from_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let distinct: HashSet<&EventId> = parents.iter().collect();
    if distinct.len() != parents.len() {
        return Err(malformed("a request names a parent twice"));
    }
    Ok(parents)
}

/// The responder's answer, from its stored replies to the request's parents after its `after`,
/// in ascending (timestamp, id) order (at most [`MAX_EVENTS_PER_MESSAGE`] read),
/// `more_stored` = the store holds more after them.
///
/// Keeps the longest prefix that fits [`MAX_SYNC_MESSAGE_BYTES`] (each event's framing counted
/// at its largest, 3 bytes, and 64 bytes for the rest of the message); `next` is the cursor of
/// the last kept event if anything was left out (trimmed or `more_stored`), else `None`. If not
/// even one event fits (an event is at most 8,192 bytes, so this cannot happen with valid
/// events), the answer is an empty response with `next` `None`, which ends the requester's
/// paging rather than looping. Replies given out of order are sorted, and repeated ones kept
/// once, so the answer is always one a requester takes.
pub fn response_from(mut replies: Vec<(Cursor, Vec<u8>)>, more_stored: bool) -> RepliesMessage {
    replies.sort_by_key(|(cursor, _)| *cursor);
    replies.dedup_by_key(|(cursor, _)| *cursor);
    let read = replies.len();
    let mut budget = MAX_SYNC_MESSAGE_BYTES - RESPONSE_OVERHEAD;
    let mut events = Vec::new();
    let mut last = None;
    for (cursor, json) in replies {
        let cost = json.len().saturating_add(EVENT_FRAMING);
        if cost > budget || events.len() == MAX_EVENTS_PER_MESSAGE {
            break;
        }
        budget -= cost;
        events.push(json);
        last = Some(cursor);
    }
    let left_out = more_stored || events.len() < read;
    RepliesMessage::Response {
        next: if left_out { last } else { None },
        events,
    }
}

/// What one replies-response brought, judged against the request it answers.
#[derive(Debug, Default)]
pub struct RepliesPage {
    /// Valid replies to the asked parents, in order, to be stored.
    pub replies: Vec<Event>,
    /// Where the next page starts; `None` when this peer has no more for these parents (last
    /// page, or the page was refused/cut short).
    pub next: Option<Cursor>,
    /// What the peer did wrong (each counted with its invalid input by the caller). Excusable
    /// event codes ([`crate::peer_score::is_excusable`]) are not listed here: those events are
    /// skipped silently and reading goes on.
    pub faults: Vec<Error>,
}

/// Judges `bytes` (the peer's answer) against the request it answers (`parents`, `after`).
///
/// A decode error, or a request where a response goes, is one fault and nothing is taken.
/// Each event is validated (§4); it must be a `post` or `image_post` replying to one of
/// `parents`, and the events must come in strictly ascending (timestamp, id) order, all after
/// `after`. The first inexcusable fault (an invalid event, or `unexpected_sync_message` for a
/// non-reply, a wrong parent or an event out of order) stops reading: the events before it are
/// kept, those after it are neither validated nor counted, and `next` is `None`. Events refused
/// with an excusable code are skipped and reading goes on. A `next` on an empty page
/// (`empty_sync_page`), or one other than the cursor of the page's last event, is a fault and
/// `next` is `None`. When the page's last event was skipped as excusable its cursor is unknown,
/// so `next` must then only come after every event taken (and `after`).
pub fn take_response(
    bytes: &[u8],
    parents: &[EventId],
    after: Option<Cursor>,
    now_ms: u64,
    verified: &VerifiedIds,
) -> RepliesPage {
    let mut page = RepliesPage::default();
    let (events, next) = match RepliesMessage::decode(bytes) {
        Ok(RepliesMessage::Response { events, next }) => (events, next),
        Ok(RepliesMessage::Request { .. }) => {
            page.faults
                .push(unexpected("a replies-request where a response goes"));
            return page;
        }
        Err(error) => {
            page.faults.push(error);
            return page;
        }
    };
    let parents: HashSet<&EventId> = parents.iter().collect();
    let received = events.len();
    // The position the next event must come after: `after`, then each event taken.
    let mut last = after;
    let mut last_skipped = false;
    for json in events {
        let event = match Event::from_json_remembering(&json, now_ms, verified) {
            Ok(event) => event,
            Err(error) if is_excusable(&error) => {
                last_skipped = true;
                continue;
            }
            Err(error) => {
                page.faults.push(error);
                return page;
            }
        };
        let replies_to_parent = event
            .as_post()
            .and_then(|post| post.reply_to)
            .is_some_and(|to| parents.contains(&to));
        if !replies_to_parent {
            page.faults.push(unexpected(
                "an event that is not a reply to an asked parent",
            ));
            return page;
        }
        let cursor = Cursor {
            timestamp: event.timestamp,
            id: event.id,
        };
        if last.is_some_and(|last| cursor <= last) {
            page.faults.push(unexpected(
                "replies not in ascending (timestamp, id) order after the request's cursor",
            ));
            return page;
        }
        last = Some(cursor);
        last_skipped = false;
        page.replies.push(event);
    }
    let Some(next) = next else {
        return page;
    };
    // The cursor of the page's last event, or, when that one was skipped and its cursor is
    // unknown, a cursor after every event taken.
    let names_the_last = if last_skipped {
        last.is_none_or(|last| next > last)
    } else {
        last == Some(next)
    };
    if received == 0 {
        page.faults.push(Error::EmptySyncPage);
    } else if names_the_last {
        page.next = Some(next);
    } else {
        page.faults.push(unexpected(
            "a next cursor that is not the page's last event",
        ));
    }
    page
}

fn unexpected(reason: &str) -> Error {
    Error::UnexpectedSyncMessage {
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReconcileMessage, Scope};
    use phemossa_core::limits::MAX_EVENT_BYTES;
    use phemossa_core::{Content, Identity, Post};
    use proptest::prelude::*;

    const NOW: u64 = 1_767_225_600_000;

    fn id(n: u8) -> EventId {
        EventId::from_bytes([n; 32])
    }

    fn post(seed: u8, timestamp: u64, reply_to: Option<EventId>) -> Event {
        let content = Content::Post(Post {
            text: format!("reply by {seed} at {timestamp}"),
            mentions: vec![],
            reply_to,
        });
        Event::create(&Identity::from_seed([seed; 32]), timestamp, content).expect("signs")
    }

    fn cursor(event: &Event) -> Cursor {
        Cursor {
            timestamp: event.timestamp,
            id: event.id,
        }
    }

    /// `events` in (timestamp, id) order.
    fn sorted(mut events: Vec<Event>) -> Vec<Event> {
        events.sort_by_key(cursor);
        events
    }

    fn response(events: &[Event], next: Option<Cursor>) -> Vec<u8> {
        RepliesMessage::Response {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
            next,
        }
        .encode()
    }

    fn take(bytes: &[u8], parents: &[EventId], after: Option<Cursor>) -> RepliesPage {
        take_response(bytes, parents, after, NOW, &VerifiedIds::default())
    }

    fn codes(page: &RepliesPage) -> Vec<&'static str> {
        page.faults.iter().map(|e| e.code()).collect()
    }

    fn code(bytes: &[u8]) -> &'static str {
        RepliesMessage::decode(bytes)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code())
    }

    #[test]
    fn requests_are_refused_with_their_codes() {
        let request = |parents: Vec<EventId>| {
            RepliesMessage::Request {
                parents,
                after: None,
            }
            .encode()
        };
        assert_eq!(code(&request(vec![id(1)])), "ok");
        assert_eq!(code(&request(vec![])), "malformed_sync_message");
        assert_eq!(
            code(&request(vec![id(1), id(2), id(1)])),
            "malformed_sync_message"
        );
        let most: Vec<EventId> = (0..=127u8).map(id).collect();
        assert_eq!(code(&request(most.clone())), "ok");
        let over: Vec<EventId> = (0..=128u8).map(id).collect();
        assert_eq!(code(&request(over)), "too_many_ids");
        // [2]: an unknown kind.
        assert_eq!(code(&[0x81, 0x02]), "unknown_sync_message");
        // Kinds 0 and 1 shaped like a request and a response: sync's, not ours.
        let mut kind_0 = request(vec![id(1)]);
        kind_0[1] = 0x00;
        assert_eq!(code(&kind_0), "unknown_sync_message");
        let mut kind_1 = RepliesMessage::Response {
            events: vec![],
            next: None,
        }
        .encode();
        kind_1[1] = 0x01;
        assert_eq!(code(&kind_1), "unknown_sync_message");
        let mut trailing = request(vec![id(1)]);
        trailing.push(0);
        assert_eq!(code(&trailing), "malformed_sync_message");
        assert_eq!(
            code(&vec![0; MAX_SYNC_MESSAGE_BYTES + 1]),
            "sync_message_too_large"
        );
        let events = vec![vec![]; MAX_EVENTS_PER_MESSAGE + 1];
        let too_many = RepliesMessage::Response { events, next: None }.encode();
        assert_eq!(code(&too_many), "too_many_events");
    }

    /// One message of each v2 kind (2, 3, 5, 6, 7), encoded.
    fn v2_messages() -> Vec<Vec<u8>> {
        let key = Identity::from_seed([1; 32]).public_key();
        let scope = Scope {
            authors: Some(vec![key]),
            since: Some(5),
        };
        [
            ReconcileMessage::EventRequest {
                req: 1,
                ids: vec![id(7)],
            },
            ReconcileMessage::EventResponse {
                req: 2,
                events: vec![b"{}".to_vec()],
                unknown: vec![id(7)],
            },
            ReconcileMessage::Open {
                req: 3,
                scope,
                negentropy: vec![0x61],
            },
            ReconcileMessage::Next {
                req: 4,
                negentropy: vec![0x61, 0],
            },
            ReconcileMessage::Response {
                req: 5,
                negentropy: None,
            },
            ReconcileMessage::Response {
                req: 6,
                negentropy: Some(vec![0x61]),
            },
        ]
        .iter()
        .map(ReconcileMessage::encode)
        .collect()
    }

    #[test]
    fn replies_messages_are_told_from_v2_messages_by_their_first_bytes() {
        let request = RepliesMessage::Request {
            parents: vec![id(1)],
            after: None,
        }
        .encode();
        let response = RepliesMessage::Response {
            events: vec![b"{}".to_vec()],
            next: None,
        }
        .encode();
        assert_eq!(&request[..2], [0x83, 0x08]);
        assert_eq!(&response[..2], [0x83, 0x09]);
        assert!(is_replies_message(&request));
        assert!(is_replies_message(&response));
        for v2 in v2_messages() {
            assert!(!is_replies_message(&v2), "{v2:02x?}");
            // And our decoder refuses each v2 message by its kind.
            assert_eq!(code(&v2), "unknown_sync_message", "{v2:02x?}");
        }
        assert!(!is_replies_message(&[]));
        assert!(!is_replies_message(&[0x83]));
        assert!(!is_replies_message(&[0x82, 0x08]), "an array of 2");
        assert!(!is_replies_message(&[0x83, 0x0a]), "kind 10");
        assert!(
            !is_replies_message(&[0x83, 0x18, 0x08]),
            "kind 8 not canonical"
        );
        // Only the first two bytes: what follows is the decoder's to judge.
        assert!(is_replies_message(&[0x83, 0x08]));
    }

    #[test]
    fn a_response_fits_the_limit_and_says_where_the_next_page_starts() {
        let replies: Vec<(Cursor, Vec<u8>)> = (0..20u8)
            .map(|n| {
                let at = Cursor {
                    timestamp: NOW + u64::from(n),
                    id: id(n),
                };
                (at, vec![b'x'; MAX_EVENT_BYTES])
            })
            .collect();
        let RepliesMessage::Response { events, next } = response_from(replies.clone(), false)
        else {
            panic!("a response")
        };
        assert!(
            !events.is_empty() && events.len() < 20,
            "some, not all, fit"
        );
        assert_eq!(next, Some(replies[events.len() - 1].0));
        let bytes = RepliesMessage::Response { events, next }.encode();
        assert!(bytes.len() <= MAX_SYNC_MESSAGE_BYTES);

        let few = replies[..3].to_vec();
        let last = Some(few[2].0);
        let all = |more| match response_from(few.clone(), more) {
            RepliesMessage::Response { events, next } => (events.len(), next),
            RepliesMessage::Request { .. } => panic!("a response"),
        };
        assert_eq!(all(false), (3, None), "the last page");
        assert_eq!(all(true), (3, last), "the store holds more");
        assert_eq!(
            response_from(vec![], false),
            RepliesMessage::Response {
                events: vec![],
                next: None
            }
        );
        let huge = vec![(few[0].0, vec![b'x'; MAX_SYNC_MESSAGE_BYTES])];
        assert_eq!(
            response_from(huge, true),
            RepliesMessage::Response {
                events: vec![],
                next: None
            },
            "nothing fits: an empty last page, not a loop"
        );
    }

    #[test]
    fn more_than_a_message_of_replies_is_cut_at_256() {
        let replies: Vec<(Cursor, Vec<u8>)> = (0..300u16)
            .map(|n| {
                let at = Cursor {
                    timestamp: u64::from(n),
                    id: id(0),
                };
                (at, b"{}".to_vec())
            })
            .collect();
        let RepliesMessage::Response { events, next } = response_from(replies, false) else {
            panic!("a response")
        };
        assert_eq!(events.len(), MAX_EVENTS_PER_MESSAGE);
        assert_eq!(next.map(|c| c.timestamp), Some(255));
    }

    #[test]
    fn valid_replies_to_asked_parents_are_taken_in_order() {
        let parent = post(1, NOW - 10_000, None);
        let second_parent = id(9);
        let replies = sorted(vec![
            post(2, NOW - 5_000, Some(parent.id)),
            post(3, NOW - 4_000, Some(second_parent)),
            post(4, NOW - 4_000, Some(parent.id)),
        ]);
        let parents = [parent.id, second_parent];
        let page = take(&response(&replies, None), &parents, None);
        assert!(page.faults.is_empty(), "{:?}", page.faults);
        assert_eq!(page.replies, replies);
        assert_eq!(page.next, None);

        let more = Some(cursor(&replies[2]));
        let page = take(&response(&replies, more), &parents, None);
        assert_eq!((page.replies.len(), page.next), (3, more));

        let after = Some(cursor(&replies[0]));
        let page = take(&response(&replies[1..], None), &parents, after);
        assert_eq!((page.replies.len(), codes(&page)), (2, vec![]));
    }

    #[test]
    fn a_reply_to_another_parent_stops_reading() {
        let (asked, other) = (id(1), id(2));
        let replies = sorted(vec![
            post(2, NOW - 3_000, Some(asked)),
            post(3, NOW - 2_000, Some(other)),
            post(4, NOW - 1_000, Some(asked)),
        ]);
        let page = take(
            &response(&replies, Some(cursor(&replies[2]))),
            &[asked],
            None,
        );
        assert_eq!(page.replies, replies[..1].to_vec());
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
        assert_eq!(page.next, None);

        let not_a_reply = vec![post(2, NOW - 3_000, None)];
        let page = take(&response(&not_a_reply, None), &[asked], None);
        assert_eq!(
            (page.replies.len(), codes(&page)),
            (0, vec!["unexpected_sync_message"])
        );
    }

    #[test]
    fn out_of_order_or_not_after_the_cursor_is_a_fault() {
        let parent = id(1);
        let replies = sorted(vec![
            post(2, NOW - 3_000, Some(parent)),
            post(3, NOW - 2_000, Some(parent)),
        ]);
        let backwards = [replies[1].clone(), replies[0].clone()];
        let page = take(&response(&backwards, None), &[parent], None);
        assert_eq!(page.replies, vec![replies[1].clone()]);
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);

        let twice = [replies[0].clone(), replies[0].clone()];
        let page = take(&response(&twice, None), &[parent], None);
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);

        let page = take(
            &response(&replies, None),
            &[parent],
            Some(cursor(&replies[0])),
        );
        assert_eq!(
            (page.replies.len(), codes(&page)),
            (0, vec!["unexpected_sync_message"])
        );
    }

    #[test]
    fn a_bad_signature_stops_reading_and_an_excusable_event_is_skipped() {
        let parent = id(1);
        let replies = sorted(vec![
            post(2, NOW - 3_000, Some(parent)),
            post(3, NOW - 2_000, Some(parent)),
            post(4, NOW - 1_000, Some(parent)),
        ]);
        let mut json: Vec<Vec<u8>> = replies.iter().map(|e| e.to_json().into_bytes()).collect();
        let mut forged: serde_json::Value =
            serde_json::from_slice(&json[1]).expect("an event is JSON");
        let other: serde_json::Value = serde_json::from_slice(&json[0]).expect("JSON");
        forged["signature"] = other["signature"].clone();
        json[1] = forged.to_string().into_bytes();
        let bytes = RepliesMessage::Response {
            events: json,
            next: None,
        }
        .encode();
        let page = take(&bytes, &[parent], None);
        assert_eq!(page.replies, replies[..1].to_vec());
        assert_eq!(codes(&page), vec!["bad_signature"]);

        // Dated an hour ahead of the reader's clock: timestamp_in_future, excused.
        let future = post(5, NOW + 3_600_000, Some(parent));
        let events = [replies[0].clone(), future, replies[1].clone()];
        let page = take(
            &response(&events, Some(cursor(&replies[1]))),
            &[parent],
            None,
        );
        assert!(page.faults.is_empty(), "{:?}", page.faults);
        assert_eq!(page.replies, replies[..2].to_vec());
        assert_eq!(page.next, Some(cursor(&replies[1])));

        // A page ending on a skipped event: its `next` must come after what was taken.
        let ahead = post(5, NOW + 3_600_000, Some(parent));
        let at_ahead = Some(cursor(&ahead));
        let events = [replies[0].clone(), ahead];
        let page = take(&response(&events, at_ahead), &[parent], None);
        assert_eq!((page.replies.len(), page.next), (1, at_ahead));
        let page = take(
            &response(&events, Some(cursor(&replies[0]))),
            &[parent],
            None,
        );
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_bad_next_is_a_fault_and_ends_the_paging() {
        let parent = id(1);
        let replies = sorted(vec![
            post(2, NOW - 3_000, Some(parent)),
            post(3, NOW - 2_000, Some(parent)),
        ]);
        let page = take(
            &response(&replies, Some(cursor(&replies[0]))),
            &[parent],
            None,
        );
        assert_eq!(page.replies, replies, "the events are still taken");
        assert_eq!(
            (page.next, codes(&page)),
            (None, vec!["unexpected_sync_message"])
        );

        let page = take(&response(&[], Some(cursor(&replies[0]))), &[parent], None);
        assert_eq!((page.next, codes(&page)), (None, vec!["empty_sync_page"]));
        let page = take(&response(&[], None), &[parent], None);
        assert!(page.faults.is_empty() && page.replies.is_empty());
    }

    #[test]
    fn undecodable_answers_and_requests_are_one_fault() {
        let page = take(&[0xff], &[id(1)], None);
        assert_eq!(codes(&page), vec!["malformed_sync_message"]);
        let request = RepliesMessage::Request {
            parents: vec![id(1)],
            after: None,
        }
        .encode();
        let page = take(&request, &[id(1)], None);
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
        assert!(page.replies.is_empty() && page.next.is_none());
    }

    fn any_cursor() -> impl Strategy<Value = Option<Cursor>> {
        proptest::option::of(
            (any::<u64>(), any::<[u8; 32]>()).prop_map(|(timestamp, id)| Cursor {
                timestamp,
                id: EventId::from_bytes(id),
            }),
        )
    }

    fn any_message() -> impl Strategy<Value = RepliesMessage> {
        let request = (
            proptest::collection::hash_set(any::<[u8; 32]>(), 1..=MAX_PARENTS_PER_REQUEST),
            any_cursor(),
        )
            .prop_map(|(parents, after)| RepliesMessage::Request {
                parents: parents.into_iter().map(EventId::from_bytes).collect(),
                after,
            });
        let response = (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..40),
            any_cursor(),
        )
            .prop_map(|(events, next)| RepliesMessage::Response { events, next });
        prop_oneof![request, response]
    }

    proptest! {
        #[test]
        fn any_message_round_trips(message in any_message()) {
            prop_assert_eq!(RepliesMessage::decode(&message.encode()), Ok(message));
        }

        #[test]
        fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(message) = RepliesMessage::decode(&bytes) {
                prop_assert_eq!(message.encode(), bytes.clone());
            }
            let page = take(&bytes, &[id(1)], None);
            prop_assert!(page.replies.is_empty());
        }

        #[test]
        fn telling_any_bytes_apart_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let expected = bytes.len() >= 2 && bytes[0] == 0x83 && matches!(bytes[1], 8 | 9);
            prop_assert_eq!(is_replies_message(&bytes), expected);
            if RepliesMessage::decode(&bytes).is_ok() {
                prop_assert!(is_replies_message(&bytes));
            }
        }

        #[test]
        fn every_encoded_message_is_told_apart(message in any_message(), req in any::<u64>()) {
            prop_assert!(is_replies_message(&message.encode()));
            let v2 = ReconcileMessage::Next { req, negentropy: vec![0x61] }.encode();
            prop_assert!(!is_replies_message(&v2));
        }

        #[test]
        fn every_response_fits_and_pages_on(
            sizes in proptest::collection::vec(0usize..=MAX_EVENT_BYTES, 0..300),
            more in any::<bool>(),
        ) {
            let replies: Vec<(Cursor, Vec<u8>)> = sizes
                .iter()
                .enumerate()
                .map(|(n, size)| {
                    (Cursor { timestamp: n as u64, id: id(0) }, vec![b'x'; *size])
                })
                .collect();
            let message = response_from(replies, more);
            prop_assert!(message.encode().len() <= MAX_SYNC_MESSAGE_BYTES);
            let RepliesMessage::Response { events, next } = message else {
                panic!("a response")
            };
            let kept = events.len();
            prop_assert!(kept <= MAX_EVENTS_PER_MESSAGE);
            prop_assert!(kept > 0 || sizes.is_empty());
            let cut = (more || kept < sizes.len()) && kept > 0;
            prop_assert_eq!(next, cut.then(|| Cursor { timestamp: kept as u64 - 1, id: id(0) }));
        }
    }
}
