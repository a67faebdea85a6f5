//! What the gossipsub driver needs from the core: per-author topics and per-person inbox topics
//! (docs/protocol.md §8.9), gossipsub's message id and the verdict on an incoming gossip
//! message; with [`Batcher`] (outgoing batches) and
//! [`SeenCache`] (each event taken at most once) re-exported from their own files. All fed
//! time; nothing here reads a clock.
//!
//! No loops: this node publishes only events it authored; it never republishes what it receives.
//! Gossipsub forwards each message once by its message id; copies of an event arriving in other
//! messages (or by sync) are dropped by the seen-cache.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

mod batcher;
pub mod params;
mod seen_cache;

pub use batcher::{Batch, BatchConfig, Batcher};
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::PublicKey;
use phemossa_core::notices::addressees;
use phemossa_core::{Error, Event};
use phemossa_sync::message::Message;
use phemossa_sync::peer_score::{is_excusable, PeerScore};
pub use seen_cache::SeenCache;

const TOPIC_PREFIX: &str = "phemossa/v1/author/";
const INBOX_PREFIX: &str = "phemossa/v1/inbox/";

/// The gossipsub topic an author's new events are published on.
pub fn author_topic(author: &PublicKey) -> String {
    format!(
        "{TOPIC_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(author.as_bytes())
    )
}

/// The author a topic belongs to, if it is a Phemossa author topic.
pub fn topic_author(topic: &str) -> Option<PublicKey> {
    topic_key(topic, TOPIC_PREFIX)
}

/// The gossipsub topic of `person`'s inbox: events addressed to them by people they may not
/// follow (docs/protocol.md §8.9). Only the person's own devices subscribe; a sender publishes
/// to it through the peers it is connected to that do.
pub fn inbox_topic(person: &PublicKey) -> String {
    format!(
        "{INBOX_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(person.as_bytes())
    )
}

/// Whose inbox a topic is, if it is a Phemossa inbox topic.
pub fn topic_inbox(topic: &str) -> Option<PublicKey> {
    topic_key(topic, INBOX_PREFIX)
}

fn topic_key(topic: &str, prefix: &str) -> Option<PublicKey> {
    let key = topic.strip_prefix(prefix)?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(key).ok()?.try_into().ok()?;
    PublicKey::from_bytes(bytes, "topic key").ok()
}

/// What an inbox takes from whom (docs/protocol.md §8.9): events addressed to its owner, from
/// people the owner follows as they are, and from anyone else with at least `required_bits`
/// of work claimed (and, as every event, done).
pub struct InboxGate<'a> {
    /// Whom the owner follows.
    pub followed: &'a [PublicKey],
    /// The work the owner asks of strangers, in bits (0: none).
    pub required_bits: u8,
}

impl InboxGate<'_> {
    /// Whether `event`, addressed to the owner, gets through.
    pub fn admits(&self, event: &Event) -> bool {
        let claimed = event.work.map_or(0, |work| work.bits);
        self.followed.contains(&event.author) || claimed >= self.required_bits
    }
}

/// Where a message arrived, and so which events belong in it.
enum Place<'a> {
    /// An author's topic: only that author's events.
    Author(PublicKey),
    /// `owner`'s inbox: only events addressed to them, past the gate.
    Inbox {
        owner: PublicKey,
        gate: &'a InboxGate<'a>,
    },
}

/// Gossipsub's message id for a message's data: SHA-256 of the bytes, whatever they hold.
///
/// Not the event id a message claims: ids are taken before validation, and gossipsub passes on
/// only the first message of an id for about a minute, so a forged copy (a real event's id over
/// a broken signature or other content) that arrived first would make every honest copy a
/// duplicate and censor the event (issue 12, hole 4). Bytes cannot be forged to match: equal
/// data, equal id, so the same batch is still one message whoever forwards it.
pub fn message_id(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// What to tell gossipsub about a message (its `MessageAcceptance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// It carried at least one valid event not seen lately: store it, then forward the
    /// message if the store lacked one of them ([`after_store`]).
    Accept,
    /// Nothing new, but nothing wrong: do not forward, do not penalise.
    Ignore,
    /// Malformed, or an invalid (not excusably) or misplaced event: do not forward, penalise.
    Reject,
}

/// The verdict on one gossip message.
#[derive(Debug, PartialEq, Eq)]
pub struct Received {
    pub acceptance: Acceptance,
    /// New, valid events by the topic's author, to store.
    pub events: Vec<Event>,
    /// Why anything was dropped; already counted in the score.
    pub errors: Vec<Error>,
    /// Valid events addressed to an inbox's owner that its gate held back ([`InboxGate`]).
    pub held_back: u32,
}

/// Judges a gossip message from `from` (its score) on `topic`: decodes it, validates every
/// event, drops copies already seen and events not by the topic's author.
pub fn receive(
    data: &[u8],
    topic: &str,
    now_ms: u64,
    seen: &mut SeenCache,
    score: &mut PeerScore,
) -> Received {
    receive_remembering(data, topic, now_ms, seen, &VerifiedIds::default(), score)
}

/// As [`receive`], skipping the signature checks `verified` remembers (the node's one memory,
/// shared with its sync sessions).
pub fn receive_remembering(
    data: &[u8],
    topic: &str,
    now_ms: u64,
    seen: &mut SeenCache,
    verified: &VerifiedIds,
    score: &mut PeerScore,
) -> Received {
    let place = topic_author(topic).map(Place::Author);
    receive_at(data, place, now_ms, seen, verified, score)
}

/// As [`receive_remembering`], for a message on an inbox topic (the only inbox a node
/// subscribes to is its user's): an event not addressed to the inbox's owner is misplaced, as
/// an event on another author's topic is; one the `gate` holds back is dropped, counted in
/// [`Received::held_back`] and not marked seen, and nobody is blamed for it (the sender
/// cannot know the owner's setting).
pub fn receive_inbox(
    data: &[u8],
    topic: &str,
    now_ms: u64,
    seen: &mut SeenCache,
    verified: &VerifiedIds,
    score: &mut PeerScore,
    gate: &InboxGate<'_>,
) -> Received {
    let place = topic_inbox(topic).map(|owner| Place::Inbox { owner, gate });
    receive_at(data, place, now_ms, seen, verified, score)
}

fn receive_at(
    data: &[u8],
    place: Option<Place<'_>>,
    now_ms: u64,
    seen: &mut SeenCache,
    verified: &VerifiedIds,
    score: &mut PeerScore,
) -> Received {
    let mut received = Received {
        acceptance: Acceptance::Ignore,
        events: Vec::new(),
        errors: Vec::new(),
        held_back: 0,
    };
    let (events, place) = match (Message::decode(data), place) {
        (Ok(Message::NewEvent { events }), Some(place)) => (events, place),
        (Ok(_), _) | (_, None) => {
            let error = Error::UnexpectedSyncMessage {
                reason: "only new-event messages on author and inbox topics belong on gossip"
                    .into(),
            };
            score.unexpected();
            received.errors.push(error);
            received.acceptance = Acceptance::Reject;
            return received;
        }
        (Err(error), _) => {
            score.malformed_message(&error);
            received.errors.push(error);
            received.acceptance = Acceptance::Reject;
            return received;
        }
    };
    for json in events {
        let event = match Event::from_json_remembering(&json, now_ms, verified) {
            Ok(event) if !place.holds(&event) => {
                score.unexpected();
                received.errors.push(Error::UnexpectedSyncMessage {
                    reason: match place {
                        Place::Author(_) => "event on another author's topic",
                        Place::Inbox { .. } => "event in the inbox of someone it is not for",
                    }
                    .into(),
                });
                break;
            }
            Ok(event) if !place.admits(&event) => {
                // Valid, and the sender cannot know the owner's setting: not the sender's
                // fault, not marked seen, only counted for the owner to see.
                received.held_back += 1;
                continue;
            }
            other => other,
        };
        match event {
            Err(error) => {
                score.invalid_event(&error);
                let inexcusable = !is_excusable(&error);
                received.errors.push(error);
                // The message is rejected now whatever follows: stop before spending up to
                // 255 more signature checks on it (issue 12, hole 6). Events after this one
                // are neither taken nor marked seen, so honest copies still get through.
                if inexcusable {
                    break;
                }
            }
            Ok(event) => {
                if seen.insert(event.id, now_ms) {
                    received.events.push(event);
                } else {
                    score.duplicate();
                }
            }
        }
    }
    // Events an honest relay may pass on (newer formats, an author's clock ahead) are dropped
    // without making gossipsub penalise the sender.
    received.acceptance = if received.errors.iter().any(|e| !is_excusable(e)) {
        Acceptance::Reject
    } else if received.events.is_empty() {
        Acceptance::Ignore
    } else {
        Acceptance::Accept
    };
    received
}

impl Place<'_> {
    /// Whether a valid `event` belongs where it arrived.
    fn holds(&self, event: &Event) -> bool {
        match self {
            Place::Author(author) => event.author == *author,
            Place::Inbox { owner, .. } => addressees(event).contains(owner),
        }
    }

    /// Whether a valid event that belongs here is taken: an inbox holds back strangers'
    /// events without the work its owner asks.
    fn admits(&self, event: &Event) -> bool {
        match self {
            Place::Author(_) => true,
            Place::Inbox { gate, .. } => gate.admits(event),
        }
    }
}

/// The verdict once the store has taken an accepted message's `offered` new events, `stored` of
/// which it lacked (issue 12, hole 5). The seen-cache remembers 10 minutes; a valid old event
/// replayed after that is new to the cache but not to the store, and reporting *accept* before
/// the store is asked would carry the replay across the mesh. So a message is forwarded only if
/// the store lacked at least one of its events. Events it already held are counted as
/// duplicates, which are shown and never punished: an honest peer forwards an event this node
/// meanwhile got by sync. `received` other than *accept* stands as it was.
pub fn after_store(
    received: Acceptance,
    offered: usize,
    stored: usize,
    score: &mut PeerScore,
) -> Acceptance {
    if received != Acceptance::Accept {
        return received;
    }
    let held = u32::try_from(offered.saturating_sub(stored)).unwrap_or(u32::MAX);
    score.duplicates = score.duplicates.saturating_add(held);
    if stored > 0 {
        Acceptance::Accept
    } else {
        Acceptance::Ignore
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use phemossa_core::{Content, Identity, Post};

    const NOW: u64 = 1_767_225_600_000;

    pub(crate) fn post(seed: u8, n: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("post {n}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(&Identity::from_seed([seed; 32]), NOW - n, content).unwrap()
    }

    #[test]
    fn topics_name_the_author_and_parse_back() {
        let key = Identity::from_seed([1; 32]).public_key();
        let topic = author_topic(&key);
        assert!(topic.starts_with("phemossa/v1/author/"));
        assert!(!topic.contains('='));
        assert_eq!(topic_author(&topic), Some(key));
        assert_eq!(topic_author("phemossa/v1/author/AAAA"), None);
        assert_eq!(topic_author("other"), None);
    }

    #[test]
    fn message_id_is_sha256_of_the_data() {
        let event = post(1, 1);
        let single = Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode();
        assert_eq!(message_id(&single), Sha256::digest(&single).to_vec());
        assert_ne!(message_id(&single), event.id.as_bytes().to_vec());
        assert_eq!(message_id(b"junk"), Sha256::digest(b"junk").to_vec());
    }

    /// Issue 12, hole 6: a message is rejected at its first inexcusable event; the events after
    /// it cost no signature check and are not marked seen, so their honest copies still count.
    #[test]
    fn validation_stops_at_the_first_inexcusable_event() {
        let (first, good) = (post(1, 1), post(1, 3));
        let topic = author_topic(&first.author);
        let forged = post(1, 2).to_json().replace("post 2", "post X");
        let data = Message::NewEvent {
            events: vec![
                first.to_json().into_bytes(),
                forged.into_bytes(),
                good.to_json().into_bytes(),
            ],
        }
        .encode();
        let (mut seen, mut score) = (SeenCache::default(), PeerScore::default());
        let verdict = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(verdict.acceptance, Acceptance::Reject);
        assert_eq!(
            verdict.errors.len(),
            1,
            "nothing after the bad event was looked at"
        );
        assert_eq!(
            verdict.events,
            vec![first],
            "valid events before it are kept"
        );
        assert_eq!(score.total_invalid(), 1);
        assert!(
            !seen.contains(&good.id, NOW),
            "the event after it is not marked seen"
        );
        let honest = Message::NewEvent {
            events: vec![good.to_json().into_bytes()],
        }
        .encode();
        let later = receive(&honest, &topic, NOW, &mut seen, &mut score);
        assert_eq!(later.acceptance, Acceptance::Accept);
        assert_eq!(later.events, vec![good]);
    }

    /// Issue 12, hole 5: a valid old event, gone from the seen-cache, is new to the cache but
    /// not to the store. It is not forwarded, and counted as a duplicate, never as misbehaviour.
    #[test]
    fn a_replayed_old_event_is_not_forwarded_once_the_store_says_it_held_it() {
        let event = post(1, 1);
        let topic = author_topic(&event.author);
        let data = Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode();
        let (mut seen, mut score) = (SeenCache::new(10, 60_000), PeerScore::default());
        let first = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(
            after_store(first.acceptance, 1, 1, &mut score),
            Acceptance::Accept,
            "new to the store: forwarded"
        );
        // An hour later the seen-cache has forgotten it; the replay looks new to gossip alone.
        let later = NOW + 3_600_000;
        let replay = receive(&data, &topic, later, &mut seen, &mut score);
        assert_eq!(replay.acceptance, Acceptance::Accept);
        assert_eq!(replay.events.len(), 1);
        assert_eq!(
            after_store(replay.acceptance, 1, 0, &mut score),
            Acceptance::Ignore,
            "the store held it: not forwarded"
        );
        assert_eq!(score.duplicates, 1, "counted where the user sees it");
        assert_eq!(
            score.total_invalid(),
            0,
            "a replay of valid events is no misbehaviour"
        );
        // A batch where the store lacked one event is forwarded, the rest counted.
        assert_eq!(
            after_store(Acceptance::Accept, 3, 1, &mut score),
            Acceptance::Accept
        );
        assert_eq!(score.duplicates, 3);
        // Verdicts other than accept stand.
        assert_eq!(
            after_store(Acceptance::Reject, 1, 0, &mut score),
            Acceptance::Reject
        );
        assert_eq!(
            after_store(Acceptance::Ignore, 0, 0, &mut score),
            Acceptance::Ignore
        );
        assert_eq!(score.duplicates, 3);
    }

    /// Issue 12, hole 4: a forged copy claiming a real event's id, arriving first, must not
    /// take the id the honest copy is passed on under, and must not make the honest copy a
    /// duplicate at the application either.
    #[test]
    fn a_forged_copy_that_arrives_first_does_not_censor_the_real_event() {
        let event = post(1, 1);
        let topic = author_topic(&event.author);
        let json = event.to_json();
        let signature = serde_json::from_str::<serde_json::Value>(&json).unwrap()["signature"]
            .as_str()
            .unwrap()
            .to_owned();
        // The same claimed id and content, another (invalid) signature of the same length.
        let flipped = if signature.starts_with('0') { "1" } else { "0" };
        let forged_sig = format!("{flipped}{}", &signature[1..]);
        let forged = Message::NewEvent {
            events: vec![json.replace(&signature, &forged_sig).into_bytes()],
        }
        .encode();
        let honest = Message::NewEvent {
            events: vec![json.into_bytes()],
        }
        .encode();
        assert_ne!(
            message_id(&forged),
            message_id(&honest),
            "gossipsub would drop the honest copy as a duplicate of the forged one"
        );

        let (mut seen, mut score) = (SeenCache::default(), PeerScore::default());
        let first = receive(&forged, &topic, NOW, &mut seen, &mut score);
        assert_eq!(first.acceptance, Acceptance::Reject);
        assert_eq!(score.total_invalid(), 1);
        let second = receive(&honest, &topic, NOW, &mut seen, &mut score);
        assert_eq!(second.acceptance, Acceptance::Accept);
        assert_eq!(second.events, vec![event]);
    }

    #[test]
    fn receive_takes_each_event_once_and_rejects_bad_ones() {
        let event = post(1, 1);
        let topic = author_topic(&event.author);
        let data = Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode();
        let (mut seen, mut score) = (SeenCache::default(), PeerScore::default());
        let first = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(first.acceptance, Acceptance::Accept);
        assert_eq!(first.events, vec![event.clone()]);
        let again = receive(&data, &topic, NOW, &mut seen, &mut score);
        assert_eq!(again.acceptance, Acceptance::Ignore);
        assert_eq!(score.duplicates, 1);

        let other_topic = author_topic(&Identity::from_seed([2; 32]).public_key());
        let misplaced = receive(&data, &other_topic, NOW, &mut seen, &mut score);
        assert_eq!(misplaced.acceptance, Acceptance::Reject);
        let tampered = Message::NewEvent {
            events: vec![event.to_json().replace("post 1", "post 2").into_bytes()],
        }
        .encode();
        let bad = receive(&tampered, &topic, NOW, &mut seen, &mut score);
        assert_eq!(bad.acceptance, Acceptance::Reject);
        assert!(bad.events.is_empty());
        assert_eq!(score.invalid_events["id_mismatch"], 1);
        let junk = receive(b"\xff", &topic, NOW, &mut seen, &mut score);
        assert_eq!(junk.acceptance, Acceptance::Reject);
        assert_eq!(score.total_invalid(), 3);

        let ahead = Event::create(
            &Identity::from_seed([1; 32]),
            NOW + 3_600_000,
            Content::Post(Post {
                text: "from the future".into(),
                mentions: vec![],
                reply_to: None,
            }),
        )
        .unwrap();
        let skewed = Message::NewEvent {
            events: vec![ahead.to_json().into_bytes()],
        }
        .encode();
        let excused = receive(&skewed, &topic, NOW, &mut seen, &mut score);
        assert_eq!(excused.acceptance, Acceptance::Ignore);
        assert!(excused.events.is_empty());
    }

    /// A post by `seed` mentioning `to`, with `bits` of work (0: none).
    fn addressed(seed: u8, to: PublicKey, bits: u8) -> Event {
        use phemossa_core::event::canonical_prefix;
        use phemossa_core::work::WorkSearch;
        let author = Identity::from_seed([seed; 32]);
        let content = Content::Post(Post {
            text: format!("hello from {seed}"),
            mentions: vec![to],
            reply_to: None,
        });
        let work = (bits > 0).then(|| {
            let prefix = canonical_prefix(&author.public_key(), NOW, &content);
            let search = WorkSearch::new(&prefix, bits).unwrap();
            search.try_nonces(0, 1 << 20).unwrap()
        });
        Event::create_with_work(&author, NOW, content, work).unwrap()
    }

    fn one(event: &Event) -> Vec<u8> {
        Message::NewEvent {
            events: vec![event.to_json().into_bytes()],
        }
        .encode()
    }

    #[test]
    fn an_inbox_takes_followed_people_and_strangers_with_enough_work_without_blame() {
        let owner = Identity::from_seed([9; 32]).public_key();
        let topic = inbox_topic(&owner);
        assert!(topic.starts_with("phemossa/v1/inbox/"));
        assert_eq!(topic_inbox(&topic), Some(owner));
        assert_eq!(
            topic_author(&topic),
            None,
            "an inbox is not an author topic"
        );
        let friend = Identity::from_seed([1; 32]).public_key();
        let gate = InboxGate {
            followed: &[friend],
            required_bits: 8,
        };
        let (mut seen, mut score) = (SeenCache::default(), PeerScore::default());
        let verified = VerifiedIds::default();
        let mut take = |event: &Event, seen: &mut SeenCache| {
            receive_inbox(&one(event), &topic, NOW, seen, &verified, &mut score, &gate)
        };

        // Someone the owner follows needs no work.
        let from_friend = addressed(1, owner, 0);
        let taken = take(&from_friend, &mut seen);
        assert_eq!(taken.acceptance, Acceptance::Accept);
        assert_eq!(taken.events, vec![from_friend.clone()]);
        // A stranger with too little work is dropped, excused, and not marked seen.
        let lazy = addressed(2, owner, 4);
        let dropped = take(&lazy, &mut seen);
        assert_eq!(dropped.acceptance, Acceptance::Ignore);
        assert!(dropped.events.is_empty());
        assert_eq!(dropped.held_back, 1);
        assert!(dropped.errors.is_empty());
        assert!(!seen.contains(&lazy.id, NOW));
        // With enough work it gets through.
        let worked = addressed(3, owner, 8);
        assert_eq!(take(&worked, &mut seen).acceptance, Acceptance::Accept);
        // An event not for the owner does not belong in the inbox, worked or not.
        let elsewhere = addressed(4, friend, 8);
        let misplaced = take(&elsewhere, &mut seen);
        assert_eq!(misplaced.acceptance, Acceptance::Reject);
        assert_eq!(score.unexpected, 1);
        assert_eq!(
            score.total_invalid(),
            1,
            "only the misplaced event counts against the sender"
        );
        assert_eq!(
            score.inexcusable(),
            1,
            "only the misplaced event counts against the sender"
        );
        // An inbox message on an author topic, or an author topic read as an inbox, is refused.
        let mut other = PeerScore::default();
        let wrong = receive_inbox(
            &one(&from_friend),
            &author_topic(&owner),
            NOW,
            &mut SeenCache::default(),
            &verified,
            &mut other,
            &gate,
        );
        assert_eq!(wrong.acceptance, Acceptance::Reject);
    }
}
