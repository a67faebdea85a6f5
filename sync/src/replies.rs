//! Thread fetch and inbox catch-up (docs/protocol.md §8.10, §8.9): asking a peer for its
//! stored replies to some posts, so a thread shows replies by authors the user does not follow,
//! and for the events it stores that address the user, so a person offline when a stranger
//! replied, mentioned, reacted or reposted still gets it. Their four messages are sync v2's
//! minor version `/phemossa/sync/2.1.0` ([`REPLIES_PROTOCOL`]), kinds 8 to 11 beside v2's 2, 3,
//! 5, 6 and 7, so they travel on v2's request-response streams rather than a protocol of their
//! own (each protocol of its own is a behaviour in the browser's swarm, about 27 KB of its
//! wasm). Here: the messages and their one CBOR encoding (§8.2's, with its helpers), telling
//! them from v2's messages by their first two bytes ([`is_replies_message`]), the answers a
//! responder gives from its store ([`response_from`], [`inbox_response_from`]), and judging an
//! answer against the request it answers ([`take_response`], [`take_inbox_response`]). Which
//! peers to ask, and when, is the node's.

use std::collections::HashSet;

use ciborium::value::Value;

use crate::limits::{MAX_EVENTS_PER_MESSAGE, MAX_SYNC_MESSAGE_BYTES};
use crate::message::{
    array, bytes32, cbor_bytes, cbor_value, cursor_from, cursor_value, event_list, events_from,
    id_list, malformed, next_item, take_uint, uint, Cursor,
};
use crate::peer_score::is_excusable;
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::{EventId, PublicKey};
use phemossa_core::notices::addressees;
use phemossa_core::{Error, Event};

/// The protocol id that carries thread fetch and inbox catch-up: sync v2
/// (`/phemossa/sync/2.0.0`, §9) plus the replies-request and replies-response (kinds 8 and 9)
/// and the inbox-request and inbox-response (kinds 10 and 11), a minor version of v2. A node
/// lists it beside `/phemossa/sync/2.0.0` and offers it first, and sends a replies-request or
/// an inbox-request only to a peer whose identify lists it (§9.1).
pub const REPLIES_PROTOCOL: &str = "/phemossa/sync/2.1.0";

/// Parents one request names at most.
pub const MAX_PARENTS_PER_REQUEST: usize = 128;

/// Kinds apart from every sync kind (v1's 0–4, v2's 2, 3, 5, 6, 7), so the four messages share
/// v2's streams.
const REQUEST: u64 = 8;
const RESPONSE: u64 = 9;
const INBOX_REQUEST: u64 = 10;
const INBOX_RESPONSE: u64 = 11;

/// A CBOR array head of 3 items, as every 2.1 message starts.
const ARRAY_OF_3: u8 = 0x83;

/// Whether `bytes` are a 2.1 message (replies or inbox) rather than a v2 one, from their first
/// two bytes alone: a CBOR array head of 3 items (`0x83`) then the unsigned integer 8, 9, 10 or
/// 11 (`0x08` to `0x0b`), the replies-request's, replies-response's, inbox-request's or
/// inbox-response's kind. A v2 message never starts so (its kinds are 2, 3, 5, 6 and 7), so a
/// driver routes an inbound request on a v2 stream by this before anything decodes it. It
/// checks nothing else: [`RepliesMessage::decode`] does.
pub fn is_replies_message(bytes: &[u8]) -> bool {
    // An unsigned integer below 24 is one byte, its own value (CBOR major type 0).
    matches!(bytes, [ARRAY_OF_3, kind, ..] if (REQUEST..=INBOX_RESPONSE).contains(&u64::from(*kind)))
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
    /// "Send me the events you store that address `addressee` (§8.9), strictly after `after`
    /// in (timestamp, id) order." `after` is never null: the requester always says from when.
    InboxRequest { addressee: PublicKey, after: Cursor },
    /// Events addressing the asked key in ascending (timestamp, id) order; `next` as in
    /// [`RepliesMessage::Response`].
    InboxResponse {
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
            RepliesMessage::InboxRequest { addressee, after } => vec![
                uint(INBOX_REQUEST),
                Value::Bytes(addressee.as_bytes().to_vec()),
                cursor_value(&Some(*after)),
            ],
            RepliesMessage::InboxResponse { events, next } => {
                vec![uint(INBOX_RESPONSE), event_list(events), cursor_value(next)]
            }
        };
        cbor_bytes(&Value::Array(items))
    }

    /// Decodes and checks one message from a peer; never panics on any input. Input over
    /// [`MAX_SYNC_MESSAGE_BYTES`] is refused unparsed (`sync_message_too_large`); more than
    /// [`MAX_PARENTS_PER_REQUEST`] parents is `too_many_ids`, more than
    /// [`MAX_EVENTS_PER_MESSAGE`] events `too_many_events`, an addressee of 32 bytes that is
    /// not a valid key `invalid_key` (as a scope's author, §8.2), a kind other than 8 to 11
    /// (v2's included) `unknown_sync_message`; everything else refused (no parent, a parent
    /// named twice, an inbox-request's `after` null, a wrong shape, input that does not
    /// re-encode to exactly its bytes) is `malformed_sync_message`.
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
            INBOX_REQUEST => RepliesMessage::InboxRequest {
                addressee: PublicKey::from_bytes(
                    bytes32(next_item(&mut items, "addressee")?, "addressee")?,
                    "addressee",
                )?,
                after: cursor_from(next_item(&mut items, "after")?)?
                    .ok_or_else(|| malformed("an inbox-request's after is null"))?,
            },
            INBOX_RESPONSE => RepliesMessage::InboxResponse {
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
pub fn response_from(replies: Vec<(Cursor, Vec<u8>)>, more_stored: bool) -> RepliesMessage {
    let (events, next) = page_from(replies, more_stored);
    RepliesMessage::Response { events, next }
}

/// The responder's answer to an inbox-request: as [`response_from`], but an
/// [`RepliesMessage::InboxResponse`], from its stored events addressing the asked key after
/// the request's `after`.
pub fn inbox_response_from(events: Vec<(Cursor, Vec<u8>)>, more_stored: bool) -> RepliesMessage {
    let (events, next) = page_from(events, more_stored);
    RepliesMessage::InboxResponse { events, next }
}

/// The one body of [`response_from`] and [`inbox_response_from`]: the events and `next` of the
/// page.
fn page_from(
    mut stored: Vec<(Cursor, Vec<u8>)>,
    more_stored: bool,
) -> (Vec<Vec<u8>>, Option<Cursor>) {
    stored.sort_by_key(|(cursor, _)| *cursor);
    stored.dedup_by_key(|(cursor, _)| *cursor);
    let read = stored.len();
    let mut budget = MAX_SYNC_MESSAGE_BYTES - RESPONSE_OVERHEAD;
    let mut events = Vec::new();
    let mut last = None;
    for (cursor, json) in stored {
        let cost = json.len().saturating_add(EVENT_FRAMING);
        if cost > budget || events.len() == MAX_EVENTS_PER_MESSAGE {
            break;
        }
        budget -= cost;
        events.push(json);
        last = Some(cursor);
    }
    let left_out = more_stored || events.len() < read;
    (events, if left_out { last } else { None })
}

/// What one replies-response or inbox-response brought, judged against the request it answers.
#[derive(Debug, Default)]
pub struct RepliesPage {
    /// Valid events that belong (replies to the asked parents, or events addressing the asked
    /// key), in order, to be stored.
    pub replies: Vec<Event>,
    /// Where the next page starts; `None` when this peer has no more for this request (last
    /// page, or the page was refused/cut short).
    pub next: Option<Cursor>,
    /// What the peer did wrong (each counted with its invalid input by the caller). Excusable
    /// event codes ([`crate::peer_score::is_excusable`]) are not listed here: those events are
    /// skipped silently and reading goes on.
    pub faults: Vec<Error>,
}

/// Judges `bytes` (the peer's answer) against the replies-request it answers (`parents`,
/// `after`).
///
/// A decode error, or anything but a replies-response (a request, or an inbox-response), is
/// one fault and nothing is taken. Each event is validated (§4); it must be a `post` or
/// `image_post` replying to one of `parents`, and the events must come in strictly ascending
/// (timestamp, id) order, all after `after`. The first inexcusable fault (an invalid event, or
/// `unexpected_sync_message` for a non-reply, a wrong parent or an event out of order) stops
/// reading: the events before it are kept, those after it are neither validated nor counted,
/// and `next` is `None`. Events refused with an excusable code are skipped and reading goes on.
/// A `next` on an empty page (`empty_sync_page`), or one other than the cursor of the page's
/// last event, is a fault and `next` is `None`. When the page's last event was skipped as
/// excusable its cursor is unknown, so `next` must then only come after every event taken (and
/// `after`).
pub fn take_response(
    bytes: &[u8],
    parents: &[EventId],
    after: Option<Cursor>,
    now_ms: u64,
    verified: &VerifiedIds,
) -> RepliesPage {
    let parents: HashSet<&EventId> = parents.iter().collect();
    let replies_to_parent = |event: &Event| {
        event
            .as_post()
            .and_then(|post| post.reply_to)
            .is_some_and(|to| parents.contains(&to))
    };
    judge(
        bytes,
        Expected::Replies,
        &replies_to_parent,
        after,
        now_ms,
        verified,
    )
}

/// Judges `bytes` (the peer's answer) against the inbox-request it answers (`addressee`,
/// `after`): as [`take_response`], except that it must be an inbox-response (a
/// replies-response or any request is one fault, nothing taken) and each event must address
/// `addressee` (§8.9, [`phemossa_core::notices::addressees`]); one that does not is
/// `unexpected_sync_message` and stops reading. The events must come in strictly ascending
/// (timestamp, id) order after `after`.
///
/// The inbox's gate (the work asked of strangers, `phemossa_gossip::InboxGate`) is not applied
/// here: the caller applies it to the events taken, counting what it holds back and blaming
/// nobody, as on the inbox topic.
pub fn take_inbox_response(
    bytes: &[u8],
    addressee: &PublicKey,
    after: Cursor,
    now_ms: u64,
    verified: &VerifiedIds,
) -> RepliesPage {
    let addresses = |event: &Event| addressees(event).contains(addressee);
    judge(
        bytes,
        Expected::Inbox,
        &addresses,
        Some(after),
        now_ms,
        verified,
    )
}

/// Which response a request waits for.
#[derive(Clone, Copy)]
enum Expected {
    Replies,
    Inbox,
}

impl Expected {
    /// The events and `next` of `message` if it is the response expected, else the fault.
    fn page(self, message: RepliesMessage) -> Result<(Vec<Vec<u8>>, Option<Cursor>), Error> {
        let got = match (self, message) {
            (Expected::Replies, RepliesMessage::Response { events, next })
            | (Expected::Inbox, RepliesMessage::InboxResponse { events, next }) => {
                return Ok((events, next))
            }
            (_, RepliesMessage::Request { .. }) => "a replies-request",
            (_, RepliesMessage::InboxRequest { .. }) => "an inbox-request",
            (_, RepliesMessage::Response { .. }) => "a replies-response",
            (_, RepliesMessage::InboxResponse { .. }) => "an inbox-response",
        };
        let expected = match self {
            Expected::Replies => "a replies-response",
            Expected::Inbox => "an inbox-response",
        };
        Err(unexpected(&format!("{got} where {expected} goes")))
    }

    /// The fault of an event that does not belong.
    fn misplaced(self) -> &'static str {
        match self {
            Expected::Replies => "an event that is not a reply to an asked parent",
            Expected::Inbox => "an event that does not address the asked key",
        }
    }
}

/// The one judging loop of [`take_response`] and [`take_inbox_response`]: `belongs` says
/// whether a valid event is one the request asked for.
fn judge(
    bytes: &[u8],
    expected: Expected,
    belongs: &dyn Fn(&Event) -> bool,
    after: Option<Cursor>,
    now_ms: u64,
    verified: &VerifiedIds,
) -> RepliesPage {
    let mut page = RepliesPage::default();
    let (events, next) = match RepliesMessage::decode(bytes).and_then(|m| expected.page(m)) {
        Ok(page) => page,
        Err(error) => {
            page.faults.push(error);
            return page;
        }
    };
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
        if !belongs(&event) {
            page.faults.push(unexpected(expected.misplaced()));
            return page;
        }
        let cursor = Cursor {
            timestamp: event.timestamp,
            id: event.id,
        };
        if last.is_some_and(|last| cursor <= last) {
            page.faults.push(unexpected(
                "events not in ascending (timestamp, id) order after the request's cursor",
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

    fn key(seed: u8) -> PublicKey {
        Identity::from_seed([seed; 32]).public_key()
    }

    fn at(timestamp: u64, n: u8) -> Cursor {
        Cursor {
            timestamp,
            id: id(n),
        }
    }

    /// A post by `seed` mentioning `mentions`, so addressing them (§8.9).
    fn mention(seed: u8, timestamp: u64, mentions: Vec<PublicKey>) -> Event {
        let content = Content::Post(Post {
            text: format!("hello from {seed} at {timestamp}"),
            mentions,
            reply_to: None,
        });
        Event::create(&Identity::from_seed([seed; 32]), timestamp, content).expect("signs")
    }

    fn inbox_response(events: &[Event], next: Option<Cursor>) -> Vec<u8> {
        RepliesMessage::InboxResponse {
            events: events.iter().map(|e| e.to_json().into_bytes()).collect(),
            next,
        }
        .encode()
    }

    fn take_inbox(bytes: &[u8], addressee: &PublicKey, after: Cursor) -> RepliesPage {
        take_inbox_response(bytes, addressee, after, NOW, &VerifiedIds::default())
    }

    /// Far enough back that every test event comes after it.
    const LONG_AGO: u64 = NOW - 7 * 24 * 3_600_000;

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
        let inbox_request = RepliesMessage::InboxRequest {
            addressee: key(1),
            after: at(5, 0),
        }
        .encode();
        let inbox_response = RepliesMessage::InboxResponse {
            events: vec![],
            next: None,
        }
        .encode();
        assert_eq!(&request[..2], [0x83, 0x08]);
        assert_eq!(&response[..2], [0x83, 0x09]);
        assert_eq!(&inbox_request[..2], [0x83, 0x0a]);
        assert_eq!(&inbox_response[..2], [0x83, 0x0b]);
        for message in [&request, &response, &inbox_request, &inbox_response] {
            assert!(is_replies_message(message));
        }
        for v2 in v2_messages() {
            assert!(!is_replies_message(&v2), "{v2:02x?}");
            // And our decoder refuses each v2 message by its kind.
            assert_eq!(code(&v2), "unknown_sync_message", "{v2:02x?}");
        }
        assert!(!is_replies_message(&[]));
        assert!(!is_replies_message(&[0x83]));
        assert!(!is_replies_message(&[0x82, 0x08]), "an array of 2");
        assert!(!is_replies_message(&[0x83, 0x0c]), "kind 12");
        assert!(!is_replies_message(&[0x83, 0x07]), "kind 7, v2's");
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
            other => panic!("a response, not {other:?}"),
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

    #[test]
    fn inbox_messages_are_refused_with_their_codes() {
        let request = RepliesMessage::InboxRequest {
            addressee: key(1),
            after: at(NOW, 7),
        }
        .encode();
        assert_eq!(code(&request), "ok");
        // [10, h'<key>', [NOW, h'07…']]: the key is bytes 2..36, `after` starts at 36.
        let mut null_after = request[..36].to_vec();
        null_after.push(0xf6);
        assert_eq!(code(&null_after), "malformed_sync_message");
        let mut short_key = vec![0x83, 0x0a, 0x58, 31];
        short_key.extend_from_slice(&request[4..35]);
        short_key.extend_from_slice(&request[36..]);
        assert_eq!(code(&short_key), "malformed_sync_message");
        // 32 bytes that are not a curve point (as §8.2's scope authors).
        let mut not_a_key = request.clone();
        not_a_key[4..36].copy_from_slice(&[0xff; 32]);
        assert_eq!(code(&not_a_key), "invalid_key");
        let mut trailing = request.clone();
        trailing.push(0);
        assert_eq!(code(&trailing), "malformed_sync_message");
        let mut kind_12 = request.clone();
        kind_12[1] = 0x0c;
        assert_eq!(code(&kind_12), "unknown_sync_message");
        let events = vec![vec![]; MAX_EVENTS_PER_MESSAGE + 1];
        let too_many = RepliesMessage::InboxResponse { events, next: None }.encode();
        assert_eq!(code(&too_many), "too_many_events");
    }

    #[test]
    fn events_addressing_the_asked_key_are_taken_in_order() {
        let (alice, carol) = (key(1), key(3));
        let events = sorted(vec![
            mention(2, NOW - 5_000, vec![alice]),
            mention(4, NOW - 4_000, vec![carol, alice]),
            post(5, NOW - 3_000, None),
        ]);
        let addressed: Vec<Event> = events
            .iter()
            .filter(|e| addressees(e).contains(&alice))
            .cloned()
            .collect();
        assert_eq!(addressed.len(), 2);
        let page = take_inbox(&inbox_response(&addressed, None), &alice, at(LONG_AGO, 0));
        assert!(page.faults.is_empty(), "{:?}", page.faults);
        assert_eq!(page.replies, addressed);
        assert_eq!(page.next, None);

        let more = Some(cursor(&addressed[1]));
        let page = take_inbox(&inbox_response(&addressed, more), &alice, at(LONG_AGO, 0));
        assert_eq!((page.replies.len(), page.next), (2, more));

        // A reaction to alice's event and a follow of alice address her too.
        let reaction = Content::Reaction(phemossa_core::Reaction {
            target: id(9),
            target_author: alice,
            emoji: "👍".into(),
        });
        let reaction =
            Event::create(&Identity::from_seed([6; 32]), NOW - 2_000, reaction).expect("signs");
        let follow = Content::Follow { followee: alice };
        let follow =
            Event::create(&Identity::from_seed([7; 32]), NOW - 1_000, follow).expect("signs");
        let both = [reaction, follow];
        let page = take_inbox(&inbox_response(&both, None), &alice, at(LONG_AGO, 0));
        assert_eq!((page.replies.len(), codes(&page)), (2, vec![]));
    }

    #[test]
    fn an_event_not_addressing_the_asked_key_stops_reading() {
        let (alice, carol) = (key(1), key(3));
        let events = sorted(vec![
            mention(2, NOW - 3_000, vec![alice]),
            mention(4, NOW - 2_000, vec![carol]),
            mention(5, NOW - 1_000, vec![alice]),
        ]);
        let page = take_inbox(
            &inbox_response(&events, Some(cursor(&events[2]))),
            &alice,
            at(LONG_AGO, 0),
        );
        assert_eq!(page.replies, events[..1].to_vec());
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
        assert_eq!(page.next, None);

        // Alice's own post mentioning herself addresses nobody (§8.9: never its author).
        let own = [mention(1, NOW - 3_000, vec![alice])];
        let page = take_inbox(&inbox_response(&own, None), &alice, at(LONG_AGO, 0));
        assert_eq!(
            (page.replies.len(), codes(&page)),
            (0, vec!["unexpected_sync_message"])
        );
    }

    #[test]
    fn inbox_events_out_of_order_or_not_after_the_cursor_are_a_fault() {
        let alice = key(1);
        let events = sorted(vec![
            mention(2, NOW - 3_000, vec![alice]),
            mention(3, NOW - 2_000, vec![alice]),
        ]);
        let backwards = [events[1].clone(), events[0].clone()];
        let page = take_inbox(&inbox_response(&backwards, None), &alice, at(LONG_AGO, 0));
        assert_eq!(page.replies, vec![events[1].clone()]);
        assert_eq!(codes(&page), vec!["unexpected_sync_message"]);

        let page = take_inbox(&inbox_response(&events, None), &alice, cursor(&events[0]));
        assert_eq!(
            (page.replies.len(), codes(&page)),
            (0, vec!["unexpected_sync_message"])
        );
        let page = take_inbox(
            &inbox_response(&events[1..], None),
            &alice,
            cursor(&events[0]),
        );
        assert_eq!((page.replies.len(), codes(&page)), (1, vec![]));
    }

    #[test]
    fn an_excusable_inbox_event_is_skipped() {
        let alice = key(1);
        let events = sorted(vec![
            mention(2, NOW - 3_000, vec![alice]),
            mention(3, NOW - 2_000, vec![alice]),
        ]);
        // Dated an hour ahead of the reader's clock: timestamp_in_future, excused.
        let ahead = mention(5, NOW + 3_600_000, vec![alice]);
        let sent = [events[0].clone(), ahead.clone(), events[1].clone()];
        let page = take_inbox(
            &inbox_response(&sent, Some(cursor(&events[1]))),
            &alice,
            at(LONG_AGO, 0),
        );
        assert!(page.faults.is_empty(), "{:?}", page.faults);
        assert_eq!(page.replies, events);
        assert_eq!(page.next, Some(cursor(&events[1])));

        let ending = [events[0].clone(), ahead.clone()];
        let page = take_inbox(
            &inbox_response(&ending, Some(cursor(&ahead))),
            &alice,
            at(LONG_AGO, 0),
        );
        assert_eq!((page.replies.len(), page.next), (1, Some(cursor(&ahead))));
    }

    #[test]
    fn a_wrong_kind_of_answer_is_one_fault_either_way() {
        let alice = key(1);
        let events = [mention(2, NOW - 3_000, vec![alice])];
        let replies_response = response(&events, None);
        let inbox_request = RepliesMessage::InboxRequest {
            addressee: alice,
            after: at(LONG_AGO, 0),
        }
        .encode();
        let replies_request = RepliesMessage::Request {
            parents: vec![id(1)],
            after: None,
        }
        .encode();
        for bytes in [&replies_response, &inbox_request, &replies_request] {
            let page = take_inbox(bytes, &alice, at(LONG_AGO, 0));
            assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
            assert!(page.replies.is_empty() && page.next.is_none());
        }
        // And an inbox message where a replies-response goes.
        let reply = [post(2, NOW - 3_000, Some(id(1)))];
        let inbox_answer = inbox_response(&reply, None);
        for bytes in [&inbox_answer, &inbox_request] {
            let page = take(bytes, &[id(1)], None);
            assert_eq!(codes(&page), vec!["unexpected_sync_message"]);
            assert!(page.replies.is_empty() && page.next.is_none());
        }
        let page = take_inbox(&[0xff], &alice, at(LONG_AGO, 0));
        assert_eq!(codes(&page), vec!["malformed_sync_message"]);
    }

    #[test]
    fn a_bad_inbox_next_is_a_fault() {
        let alice = key(1);
        let events = sorted(vec![
            mention(2, NOW - 3_000, vec![alice]),
            mention(3, NOW - 2_000, vec![alice]),
        ]);
        let page = take_inbox(
            &inbox_response(&events, Some(cursor(&events[0]))),
            &alice,
            at(LONG_AGO, 0),
        );
        assert_eq!(page.replies, events, "the events are still taken");
        assert_eq!(
            (page.next, codes(&page)),
            (None, vec!["unexpected_sync_message"])
        );
        let page = take_inbox(
            &inbox_response(&[], Some(cursor(&events[0]))),
            &alice,
            at(LONG_AGO, 0),
        );
        assert_eq!((page.next, codes(&page)), (None, vec!["empty_sync_page"]));
    }

    #[test]
    fn an_inbox_response_pages_as_a_replies_response() {
        let stored: Vec<(Cursor, Vec<u8>)> = (0..300u16)
            .map(|n| (at(u64::from(n), 0), b"{}".to_vec()))
            .collect();
        let RepliesMessage::InboxResponse { events, next } = inbox_response_from(stored, false)
        else {
            panic!("an inbox-response")
        };
        assert_eq!(events.len(), MAX_EVENTS_PER_MESSAGE);
        assert_eq!(next, Some(at(255, 0)));
        assert_eq!(
            inbox_response_from(vec![], false),
            RepliesMessage::InboxResponse {
                events: vec![],
                next: None
            }
        );
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
        let inbox_request =
            (any::<u8>(), any::<u64>(), any::<[u8; 32]>()).prop_map(|(seed, timestamp, id)| {
                RepliesMessage::InboxRequest {
                    addressee: Identity::from_seed([seed; 32]).public_key(),
                    after: Cursor {
                        timestamp,
                        id: EventId::from_bytes(id),
                    },
                }
            });
        let inbox_response = (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..40),
            any_cursor(),
        )
            .prop_map(|(events, next)| RepliesMessage::InboxResponse { events, next });
        prop_oneof![request, response, inbox_request, inbox_response]
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
            let page = take_inbox(&bytes, &key(1), at(0, 0));
            prop_assert!(page.replies.is_empty());
            if !page.faults.is_empty() {
                prop_assert!(page.next.is_none());
            }
        }

        #[test]
        fn telling_any_bytes_apart_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let expected = bytes.len() >= 2 && bytes[0] == 0x83 && matches!(bytes[1], 8..=11);
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
            let message = response_from(replies.clone(), more);
            prop_assert!(message.encode().len() <= MAX_SYNC_MESSAGE_BYTES);
            let RepliesMessage::Response { events, next } = message else {
                panic!("a response")
            };
            // The inbox's answer is the same page, as an inbox-response.
            prop_assert_eq!(
                inbox_response_from(replies, more),
                RepliesMessage::InboxResponse { events: events.clone(), next }
            );
            let kept = events.len();
            prop_assert!(kept <= MAX_EVENTS_PER_MESSAGE);
            prop_assert!(kept > 0 || sizes.is_empty());
            let cut = (more || kept < sizes.len()) && kept > 0;
            prop_assert_eq!(next, cut.then(|| Cursor { timestamp: kept as u64 - 1, id: id(0) }));
        }
    }
}
