//! The event model: what a validated event is, and the eight kinds this version knows.
//!
//! An [`Event`] value exists only after validation ([`Event::from_json`]) or signing
//! ([`Event::create`]), so holding one proves its id, signature and limits were checked.

mod canonical;
pub mod check_batch;
mod create;
mod validate;
mod verified;
mod wire;

pub use canonical::{canonical_bytes, canonical_prefix};
pub use validate::check_emoji;
pub use verified::{VerifiedIds, DEFAULT_VERIFIED_CAPACITY};
pub use wire::RawEvent;

use crate::keys::{BlobHash, EventId, PublicKey, Signature};
use crate::profile::Profile;
use crate::work::Work;

/// A signed, content-addressed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub author: PublicKey,
    /// Milliseconds since the Unix epoch, as the author's clock said.
    pub timestamp: u64,
    pub signature: Signature,
    pub content: Content,
    /// The proof of work its id carries, if it claims any (docs/protocol.md §5.5).
    pub work: Option<Work>,
}

/// What an event says. The type name travels as the JSON `type` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Post(Post),
    Follow {
        followee: PublicKey,
    },
    Unfollow {
        followee: PublicKey,
    },
    /// The author's name, about text and avatar; only their newest profile counts
    /// ([`crate::profile::supersedes`]).
    Profile(Profile),
    /// A post with 1 to 4 images, each a blob named by its SHA-256 with a description. A type
    /// of its own (not a field of `post`), so every `post` id and vector stays as it was and an
    /// older node refuses it as `unknown_type`, which is excused (docs/protocol.md §1, §8.6).
    ImagePost(ImagePost),
    /// The author withdraws events of theirs, named by id: every node drops them, keeps this
    /// tombstone and never stores or fetches them again (docs/protocol.md §5.2). Ids of other
    /// authors' events are ignored: an author can only delete their own.
    Delete {
        targets: Vec<EventId>,
    },
    /// One emoji in answer to an event (docs/protocol.md §5.3); withdrawn by deleting it.
    Reaction(Reaction),
    /// Another author's post (or the author's own), embedded whole with its signature, so the
    /// reposter's followers can verify and read it without following its author (§5.4).
    Repost(Repost),
}

/// A repost: the original post, validated like any event when the repost is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repost {
    pub original: Box<Event>,
}

/// A reaction: the event answered, whose it is (so it reaches that person without their
/// holding the event), and the emoji, one grapheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub target: EventId,
    pub target_author: PublicKey,
    pub emoji: String,
}

/// A post and its images. Its text may be empty: the images say something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePost {
    pub post: Post,
    pub images: Vec<PostImage>,
}

/// One image of a post: the blob, and its description (alt text) for people who cannot see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostImage {
    pub blob: BlobHash,
    pub alt: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub text: String,
    pub mentions: Vec<PublicKey>,
    pub reply_to: Option<EventId>,
}

impl Content {
    /// The `type` name on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Content::Post(_) => "post",
            Content::Follow { .. } => "follow",
            Content::Unfollow { .. } => "unfollow",
            Content::Profile(_) => "profile",
            Content::ImagePost(_) => "image_post",
            Content::Delete { .. } => "delete",
            Content::Reaction(_) => "reaction",
            Content::Repost(_) => "repost",
        }
    }

    /// The one-byte type code in the canonical encoding.
    pub(crate) fn type_code(&self) -> u8 {
        match self {
            Content::Post(_) => 1,
            Content::Follow { .. } => 2,
            Content::Unfollow { .. } => 3,
            Content::Profile(_) => 4,
            Content::ImagePost(_) => 5,
            Content::Delete { .. } => 6,
            Content::Reaction(_) => 7,
            Content::Repost(_) => 8,
        }
    }
}

impl Event {
    /// The event as its wire JSON: the form stored, exchanged and hashed into test vectors.
    pub fn to_json(&self) -> String {
        // Not `expect`, which would keep serde_json's error `Debug` in the wasm (see `keys.rs`).
        serde_json::to_string(&RawEvent::from(self))
            .unwrap_or_else(|_| unreachable!("an event always serialises"))
    }

    /// The post, with or without images.
    pub fn as_post(&self) -> Option<&Post> {
        match &self.content {
            Content::Post(post) => Some(post),
            Content::ImagePost(post) => Some(&post.post),
            _ => None,
        }
    }

    /// The images of a post (none for every other event).
    pub fn images(&self) -> &[PostImage] {
        match &self.content {
            Content::ImagePost(post) => &post.images,
            _ => &[],
        }
    }

    /// The ids a `delete` withdraws.
    pub fn deleted(&self) -> &[EventId] {
        match &self.content {
            Content::Delete { targets } => targets,
            _ => &[],
        }
    }

    pub fn as_reaction(&self) -> Option<&Reaction> {
        match &self.content {
            Content::Reaction(reaction) => Some(reaction),
            _ => None,
        }
    }

    /// The post a repost embeds.
    pub fn as_repost(&self) -> Option<&Event> {
        match &self.content {
            Content::Repost(repost) => Some(&repost.original),
            _ => None,
        }
    }

    pub fn as_profile(&self) -> Option<&Profile> {
        match &self.content {
            Content::Profile(profile) => Some(profile),
            _ => None,
        }
    }

    /// The key feeds sort by, newest first: timestamp, then id to break ties.
    pub fn feed_key(&self) -> (u64, EventId) {
        (self.timestamp, self.id)
    }
}
