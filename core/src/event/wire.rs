//! The JSON wire form of an event, exactly as it is stored and exchanged, before validation.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Content, Event};
use crate::keys::PublicKey;

/// An event as untrusted JSON. Unknown fields and duplicate keys are refused, so the JSON holds
/// nothing the signature does not cover. `content` stays raw until `type` says how to read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub v: u32,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub author: String,
    pub timestamp: u64,
    pub signature: String,
    pub content: Box<RawValue>,
    /// Present only on an event that claims work (§5.5); `null` is refused, so an event has
    /// one text form.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub work: Option<WorkJson>,
}

/// An event's work: the zero bits its id claims, and the nonce that gives them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkJson {
    pub bits: u8,
    pub nonce: u64,
}

/// Reads a field that, when present, holds a value: `null` is refused.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<WorkJson>, D::Error> {
    WorkJson::deserialize(d).map(Some)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PostJson {
    pub text: String,
    #[serde(default)]
    pub mentions: Vec<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// An `image_post`'s content: a post's fields and its images, all always present.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImagePostJson {
    pub text: String,
    pub mentions: Vec<String>,
    pub reply_to: Option<String>,
    pub images: Vec<ImageJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImageJson {
    /// The blob's SHA-256, 64 lowercase hex characters.
    pub blob: String,
    pub alt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FollowJson {
    pub followee: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeleteJson {
    pub targets: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReactionJson {
    pub target: String,
    pub target_author: String,
    pub emoji: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileJson {
    pub name: String,
    pub about: String,
    pub avatar: Option<String>,
}

fn content_json(content: &Content) -> String {
    let followee_json = |followee: &PublicKey| FollowJson {
        followee: followee.to_base64(),
    };
    let encoded = match content {
        Content::Post(post) => serde_json::to_string(&PostJson {
            text: post.text.clone(),
            mentions: post.mentions.iter().map(PublicKey::to_base64).collect(),
            reply_to: post.reply_to.map(|id| id.to_hex()),
        }),
        Content::ImagePost(image_post) => serde_json::to_string(&ImagePostJson {
            text: image_post.post.text.clone(),
            mentions: image_post
                .post
                .mentions
                .iter()
                .map(PublicKey::to_base64)
                .collect(),
            reply_to: image_post.post.reply_to.map(|id| id.to_hex()),
            images: image_post
                .images
                .iter()
                .map(|image| ImageJson {
                    blob: image.blob.to_hex(),
                    alt: image.alt.clone(),
                })
                .collect(),
        }),
        Content::Follow { followee } | Content::Unfollow { followee } => {
            serde_json::to_string(&followee_json(followee))
        }
        Content::Delete { targets } => serde_json::to_string(&DeleteJson {
            targets: targets.iter().map(|id| id.to_hex()).collect(),
        }),
        Content::Reaction(reaction) => serde_json::to_string(&ReactionJson {
            target: reaction.target.to_hex(),
            target_author: reaction.target_author.to_base64(),
            emoji: reaction.emoji.clone(),
        }),
        // The content is the original event itself: read by the one reader of events there is
        // (a wrapping object would cost the background's wasm a reader of its own, 5.7 KB).
        Content::Repost(repost) => Ok(repost.original.to_json()),
        Content::Profile(profile) => serde_json::to_string(&ProfileJson {
            name: profile.name.clone(),
            about: profile.about.clone(),
            avatar: profile.avatar.map(|hash| hash.to_hex()),
        }),
    };
    // Not `expect`, which would keep serde_json's error `Debug` in the wasm (see `keys.rs`).
    encoded.unwrap_or_else(|_| unreachable!("content always serialises"))
}

impl From<&Event> for RawEvent {
    fn from(event: &Event) -> Self {
        RawEvent {
            v: crate::limits::EVENT_VERSION,
            id: event.id.to_hex(),
            kind: event.content.type_name().to_owned(),
            author: event.author.to_base64(),
            timestamp: event.timestamp,
            signature: event.signature.to_base64(),
            content: RawValue::from_string(content_json(&event.content))
                .unwrap_or_else(|_| unreachable!("serde_json output is valid JSON")),
            work: event.work.map(|work| WorkJson {
                bits: work.bits,
                nonce: work.nonce,
            }),
        }
    }
}
