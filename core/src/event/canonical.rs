//! The canonical byte encoding an event id is the SHA-256 of. Specified in docs/protocol.md;
//! any change here changes every id, so the test vectors pin it byte for byte.

use sha2::{Digest, Sha256};

use super::{Content, Post};
use crate::keys::{EventId, PublicKey};
use crate::limits::EVENT_VERSION;
use crate::work::Work;

/// Separates Phemossa event hashes from every other use of SHA-256 over similar bytes.
const DOMAIN: &[u8] = b"phemossa.event";

/// Encodes the signed fields of an event: domain, version, type code, author, timestamp,
/// content, and the work when it claims some (§5.5).
pub fn canonical_bytes(
    author: &PublicKey,
    timestamp: u64,
    content: &Content,
    work: Option<Work>,
) -> Vec<u8> {
    let mut out = canonical_prefix(author, timestamp, content);
    if let Some(work) = work {
        // Nothing follows the content otherwise, and every content encoding says where it
        // ends, so an encoding with work is never one without it.
        out.extend_from_slice(&work.encoded());
    }
    out
}

/// The canonical encoding up to the work: all of it for an event that claims none, and what a
/// [`crate::work::WorkSearch`] absorbs once.
pub fn canonical_prefix(author: &PublicKey, timestamp: u64, content: &Content) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(DOMAIN);
    out.push(EVENT_VERSION as u8);
    out.push(content.type_code());
    out.extend_from_slice(author.as_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    match content {
        Content::Post(post) => post_bytes(&mut out, post),
        Content::ImagePost(image_post) => {
            // The post's fields as a post has them, then the images: a count byte, and for
            // each its 32 hash bytes and its description as length-prefixed UTF-8.
            post_bytes(&mut out, &image_post.post);
            out.push(image_post.images.len() as u8);
            for image in &image_post.images {
                out.extend_from_slice(image.blob.as_bytes());
                out.extend_from_slice(&(image.alt.len() as u32).to_be_bytes());
                out.extend_from_slice(image.alt.as_bytes());
            }
        }
        Content::Follow { followee } | Content::Unfollow { followee } => {
            out.extend_from_slice(followee.as_bytes());
        }
        Content::Delete { targets } => {
            out.push(targets.len() as u8);
            for target in targets {
                out.extend_from_slice(target.as_bytes());
            }
        }
        Content::Reaction(reaction) => {
            out.extend_from_slice(reaction.target.as_bytes());
            out.extend_from_slice(reaction.target_author.as_bytes());
            out.push(reaction.emoji.len() as u8);
            out.extend_from_slice(reaction.emoji.as_bytes());
        }
        // The original's id alone: it is the hash of everything the original says, and its own
        // signature covers it, so the reposter signs exactly that post.
        Content::Repost(repost) => out.extend_from_slice(repost.original.id.as_bytes()),
        Content::Profile(profile) => {
            for text in [&profile.name, &profile.about] {
                out.extend_from_slice(&(text.len() as u32).to_be_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            match &profile.avatar {
                None => out.push(0),
                Some(avatar) => {
                    out.push(1);
                    out.extend_from_slice(avatar.as_bytes());
                }
            }
        }
    }
    out
}

/// A post's text, mentions and reply: the whole content of a `post`, the start of an
/// `image_post`'s.
fn post_bytes(out: &mut Vec<u8>, post: &Post) {
    let text = post.text.as_bytes();
    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
    out.extend_from_slice(text);
    out.extend_from_slice(&(post.mentions.len() as u16).to_be_bytes());
    for mention in &post.mentions {
        out.extend_from_slice(mention.as_bytes());
    }
    match &post.reply_to {
        None => out.push(0),
        Some(parent) => {
            out.push(1);
            out.extend_from_slice(parent.as_bytes());
        }
    }
}

pub(crate) fn compute_id(
    author: &PublicKey,
    timestamp: u64,
    content: &Content,
    work: Option<Work>,
) -> EventId {
    let digest = Sha256::digest(canonical_bytes(author, timestamp, content, work));
    EventId::from_bytes(digest.into())
}
