//! The plain records the store answers with, defined once for both ends: `phemossa-store`
//! builds them from its rows (and re-exports them from its own paths), the document decodes
//! them from the worker's answers without linking SQLite. Their fields are core's types; on the
//! wire each id, key and hash is one 32-byte string (`bytes::Fixed32`), and a key is checked as
//! it is decoded, so a record never holds one that is not a key.

use phemossa_core::feed::FeedOrdered;
use phemossa_core::{BlobHash, Event, EventId, PostImage, PublicKey};
use serde::{Deserialize, Serialize};

/// A stored post, as the feed, threads and search show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPost {
    #[serde(with = "crate::bytes::fixed")]
    pub id: EventId,
    #[serde(with = "crate::bytes::fixed")]
    pub author: PublicKey,
    pub timestamp: u64,
    pub text: String,
    #[serde(with = "crate::bytes::fixed_vec")]
    pub mentions: Vec<PublicKey>,
    #[serde(with = "crate::bytes::fixed_option")]
    pub reply_to: Option<EventId>,
    /// An `image_post`'s images, in the event's order; none for a plain post.
    #[serde(with = "wire::images")]
    pub images: Vec<PostImage>,
    /// On a repost (whose own text and fields are empty): the post it passes on.
    pub original: Option<Box<StoredPost>>,
}

impl FeedOrdered for StoredPost {
    fn feed_key(&self) -> (u64, EventId) {
        (self.timestamp, self.id)
    }
}

impl StoredPost {
    /// The post `event` is or reposts, as the store reads it back; `None` for every other kind
    /// of event. For an event just signed or received, which is not read from the store.
    pub fn of_event(event: &Event) -> Option<StoredPost> {
        if let Some(original) = event.as_repost() {
            let original = Self::of_event(original)?;
            return Some(Self::repost(
                event.id,
                event.author,
                event.timestamp,
                original,
            ));
        }
        let post = event.as_post()?;
        Some(StoredPost {
            id: event.id,
            author: event.author,
            timestamp: event.timestamp,
            text: post.text.clone(),
            mentions: post.mentions.clone(),
            reply_to: post.reply_to,
            images: event.images().to_vec(),
            original: None,
        })
    }

    /// The repost `id` of `original`: its own text and fields empty.
    pub fn repost(
        id: EventId,
        author: PublicKey,
        timestamp: u64,
        original: StoredPost,
    ) -> StoredPost {
        StoredPost {
            id,
            author,
            timestamp,
            text: String::new(),
            mentions: Vec::new(),
            reply_to: None,
            images: Vec::new(),
            original: Some(Box::new(original)),
        }
    }
}

/// A thread as stored: its root (the highest ancestor held) and its replies, each with its
/// parent, in levels (every reply of the root, then theirs, ...); within a level, each parent's
/// replies in (timestamp, id) order, the parents in the order of the level above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredThread {
    pub root: StoredPost,
    /// The root replies to a post this store does not hold.
    pub root_is_reply: bool,
    pub replies: Vec<StoredPost>,
    /// More replies are stored than `limit` allowed.
    pub cut_short: bool,
}

/// A page of stored events for a peer's sync 2.1 request: the replies to some posts (§8.10), or
/// what addresses someone (§8.9). For `phemossa_sync::replies::response_from` and
/// `inbox_response_from`, which order them and keep what fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPage {
    /// Each event's place in (timestamp, id) order and its wire JSON, each strictly after the
    /// request's cursor.
    #[serde(with = "wire::peer_events")]
    pub events: Vec<(phemossa_sync::Cursor, Vec<u8>)>,
    /// More are stored after the page.
    pub more: bool,
}

/// One stored event as a page of every event gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagedEvent {
    #[serde(with = "crate::bytes::fixed")]
    pub id: EventId,
    #[serde(with = "crate::bytes::fixed")]
    pub author: PublicKey,
    /// The wire type ("image_post" and "repost" as they are, unlike the IndexedDB record's).
    pub kind: String,
    pub timestamp: u64,
    /// Bytes of `json`.
    pub size: u64,
    /// The event's wire JSON, `Event::to_json()`.
    pub json: String,
}

/// An author's current profile (protocol.md §5.1), decoded for display: the background's
/// `ProfileRecord`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    #[serde(with = "crate::bytes::fixed")]
    pub author: PublicKey,
    /// The profile event's id.
    #[serde(with = "crate::bytes::fixed")]
    pub id: EventId,
    pub timestamp: u64,
    pub name: String,
    pub about: String,
    #[serde(with = "crate::bytes::fixed_option")]
    pub avatar: Option<BlobHash>,
    /// Bytes of the event's wire JSON.
    pub size: u64,
}

/// A name the user gave a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nickname {
    #[serde(with = "crate::bytes::fixed")]
    pub author: PublicKey,
    pub nickname: String,
}

/// Totals over the stored events (the background's `StorageStats`, less what is measured when
/// asked and the search indexer's backlog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub events: u64,
    /// Posts, with or without images (not reposts), as the background counts them.
    pub posts: u64,
    /// Authors with at least one event stored.
    pub authors: u64,
    /// Bytes of the stored events' wire JSON.
    pub bytes: u64,
    /// Events removed by retention, ever.
    pub pruned: u64,
}

/// What the store holds of one author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorTotals {
    #[serde(with = "crate::bytes::fixed")]
    pub author: PublicKey,
    pub events: u64,
    pub bytes: u64,
}

/// Why an event is news for the user: the background's `NotificationRecord::kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationKind {
    Reply,
    Mention,
    Reaction,
    Repost,
    Follow,
}

impl NotificationKind {
    /// Its name in the store's table, as the background stores it.
    pub fn name(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::Mention => "mention",
            NotificationKind::Reaction => "reaction",
            NotificationKind::Repost => "repost",
            NotificationKind::Follow => "follow",
        }
    }

    /// The kind named `name` ([`NotificationKind::name`]), if it is one.
    pub fn of_name(name: &str) -> Option<Self> {
        Some(match name {
            "reply" => NotificationKind::Reply,
            "mention" => NotificationKind::Mention,
            "reaction" => NotificationKind::Reaction,
            "repost" => NotificationKind::Repost,
            "follow" => NotificationKind::Follow,
            _ => return None,
        })
    }
}

/// One stored notification: the background's `NotificationRecord`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The event that is the news.
    #[serde(with = "crate::bytes::fixed")]
    pub id: EventId,
    pub kind: NotificationKind,
    #[serde(with = "crate::bytes::fixed")]
    pub from: PublicKey,
    /// The event's timestamp.
    pub timestamp: u64,
    /// The post it concerns: the reply or mention itself, or the post reacted to or reposted.
    #[serde(with = "crate::bytes::fixed_option")]
    pub post: Option<EventId>,
    /// The first characters of a reply's or mention's text (`phemossa_store::SNIPPET_CHARS`).
    pub text: Option<String>,
    pub emoji: Option<String>,
    /// Until the user opens the view (`Store::mark_notifications_read`).
    pub unread: bool,
}

/// A setting kept as JSON text, by its key in the store's `meta` table (the background's keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Setting {
    /// `phemossa_core::settings::NetworkSettings`.
    Network,
    /// `phemossa_core::retention::RetentionSettings`.
    Retention,
    /// `phemossa_core::keep_out::KeepOut`.
    KeepOut,
}

/// Whether and when the identity `public_key` was backed up, and until when the person put off
/// being reminded (ms since the epoch). Keyed to the identity: a restored or new one starts
/// afresh. The background's `BackupRecord`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    #[serde(with = "crate::bytes::fixed")]
    pub public_key: PublicKey,
    pub exported_at: Option<u64>,
    pub snoozed_until: u64,
}

/// What is remembered of a peer between runs. The background's `PeerRecord`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    pub peer_id: String,
    pub address: Option<String>,
    pub events_received: u64,
    pub invalid_messages: u64,
    /// Ms since the epoch.
    pub last_seen: u64,
    /// Until when (ms since the epoch) the peer is banned, if it is.
    pub banned_until: Option<u64>,
    /// Who runs the peer, from its checked owner claim (docs/protocol.md §13).
    #[serde(with = "crate::bytes::fixed_option")]
    pub owner: Option<PublicKey>,
}

/// Core's types without serde (or with text forms only), as the records and messages carry
/// them: tuples of byte strings, for `#[serde(with = ...)]`.
pub(crate) mod wire {
    use phemossa_core::blob::BlobKind;
    use phemossa_core::reactions::StoredReaction;
    use phemossa_core::{EventId, FollowRecord, PostImage, PublicKey};
    use phemossa_sync::Cursor;
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    use crate::bytes::Fixed32;
    use crate::{ByteString, Bytes32};

    fn key<E: de::Error>(bytes: Bytes32) -> Result<PublicKey, E> {
        PublicKey::from_fixed(bytes.0).map_err(E::custom)
    }

    /// A post's images as (blob hash, alt text) pairs.
    pub mod images {
        use super::*;

        pub fn serialize<S: Serializer>(images: &[PostImage], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(images.iter().map(|i| (Bytes32(*i.blob.as_bytes()), &i.alt)))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PostImage>, D::Error> {
            Ok(Vec::<(Bytes32, String)>::deserialize(d)?
                .into_iter()
                .map(|(blob, alt)| PostImage {
                    blob: phemossa_core::BlobHash::from_bytes(blob.0),
                    alt,
                })
                .collect())
        }
    }

    /// A peer page's events as (timestamp, id, wire JSON).
    pub mod peer_events {
        use super::*;

        pub fn serialize<S: Serializer>(
            events: &[(Cursor, Vec<u8>)],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_seq(events.iter().map(|(cursor, json)| {
                (
                    cursor.timestamp,
                    Bytes32(*cursor.id.as_bytes()),
                    serde_bytes_of(json),
                )
            }))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<(Cursor, Vec<u8>)>, D::Error> {
            Ok(Vec::<(u64, Bytes32, ByteString)>::deserialize(d)?
                .into_iter()
                .map(|(timestamp, id, json)| {
                    (
                        Cursor {
                            timestamp,
                            id: EventId::from(id),
                        },
                        json.0,
                    )
                })
                .collect())
        }
    }

    /// Bytes borrowed as one CBOR byte string (what [`ByteString`] is, without the copy).
    fn serde_bytes_of(bytes: &[u8]) -> impl Serialize + '_ {
        struct Borrowed<'a>(&'a [u8]);
        impl Serialize for Borrowed<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Borrowed(bytes)
    }

    /// Each post's reactions as (id, author, emoji), oldest first.
    pub mod reaction_lists {
        use super::*;

        pub fn serialize<S: Serializer>(
            lists: &[Vec<StoredReaction>],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let lists: Vec<Vec<(Bytes32, Bytes32, &str)>> = lists
                .iter()
                .map(|list| {
                    list.iter()
                        .map(|r| {
                            (
                                Bytes32::from(r.id),
                                Bytes32::from(r.author),
                                r.emoji.as_str(),
                            )
                        })
                        .collect()
                })
                .collect();
            lists.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<Vec<StoredReaction>>, D::Error> {
            Vec::<Vec<(Bytes32, Bytes32, String)>>::deserialize(d)?
                .into_iter()
                .map(|list| {
                    list.into_iter()
                        .map(|(id, author, emoji)| {
                            Ok(StoredReaction {
                                id: id.into(),
                                author: key(author)?,
                                emoji,
                            })
                        })
                        .collect()
                })
                .collect()
        }
    }

    /// Follow records as (id, follower, followee, timestamp, follows).
    pub mod follow_records {
        use super::*;

        pub fn serialize<S: Serializer>(records: &[FollowRecord], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(records.iter().map(|r| {
                (
                    Bytes32::from(r.id),
                    Bytes32::from(r.follower),
                    Bytes32::from(r.followee),
                    r.timestamp,
                    r.follows,
                )
            }))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FollowRecord>, D::Error> {
            Vec::<(Bytes32, Bytes32, Bytes32, u64, bool)>::deserialize(d)?
                .into_iter()
                .map(|(id, follower, followee, timestamp, follows)| {
                    Ok(FollowRecord {
                        id: id.into(),
                        follower: key(follower)?,
                        followee: key(followee)?,
                        timestamp,
                        follows,
                    })
                })
                .collect()
        }
    }

    /// A blob's kind by name: "avatar" or "image".
    pub mod blob_kind {
        use super::*;

        pub fn serialize<S: Serializer>(kind: &BlobKind, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(match kind {
                BlobKind::Avatar => "avatar",
                BlobKind::Image => "image",
            })
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BlobKind, D::Error> {
            match String::deserialize(d)?.as_str() {
                "avatar" => Ok(BlobKind::Avatar),
                "image" => Ok(BlobKind::Image),
                other => Err(de::Error::custom(format!("no blob kind {other:?}"))),
            }
        }
    }
}
