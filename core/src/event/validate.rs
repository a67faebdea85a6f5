//! Validation of untrusted events: every check, in an order that rejects cheap faults first and
//! leaves the expensive signature check for last.

use super::canonical::compute_id;
use super::verified::VerifiedIds;
use super::wire::{
    DeleteJson, FollowJson, ImagePostJson, PostJson, ProfileJson, RawEvent, ReactionJson,
};
use super::{Content, Event, ImagePost, Post, PostImage, Reaction, Repost};
use crate::keys::{BlobHash, EventId, PublicKey, Signature};
use crate::limits::{
    EVENT_VERSION, MAX_ALT_CHARS, MAX_CLOCK_SKEW_MS, MAX_DELETE_TARGETS, MAX_EMOJI_BYTES,
    MAX_EVENT_BYTES, MAX_IMAGES_PER_POST, MAX_MENTIONS, MAX_POST_CHARS, MAX_TIMESTAMP_MS,
};
use crate::profile::Profile;
use crate::work::Work;
use crate::Error;

impl Event {
    /// Parses and fully validates one event from its JSON bytes, as received from anyone.
    /// `now_ms` is the validator's clock, used to refuse events dated too far ahead.
    pub fn from_json(bytes: &[u8], now_ms: u64) -> Result<Event, Error> {
        Self::parse_and_validate(bytes, now_ms, None)
    }

    /// As [`Event::from_json`], skipping the signature check for a pair `verified` remembers
    /// and remembering the pairs it checks.
    pub fn from_json_remembering(
        bytes: &[u8],
        now_ms: u64,
        verified: &VerifiedIds,
    ) -> Result<Event, Error> {
        Self::parse_and_validate(bytes, now_ms, Some(verified))
    }

    fn parse_and_validate(
        bytes: &[u8],
        now_ms: u64,
        verified: Option<&VerifiedIds>,
    ) -> Result<Event, Error> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(Error::EventTooLarge {
                bytes: bytes.len(),
                max: MAX_EVENT_BYTES,
            });
        }
        let raw: RawEvent = serde_json::from_slice(bytes).map_err(|e| Error::MalformedEvent {
            reason: e.to_string(),
        })?;
        raw.validate_with(now_ms, verified)
    }
}

impl Event {
    /// Checks the signature over the id alone: the step that dominates validation, exposed so
    /// that its raw rate can be measured against a whole ingest.
    pub fn check_signature(&self) -> Result<(), Error> {
        let signature = ed25519_dalek::Signature::from_bytes(self.signature.as_bytes());
        // Strict verification (RFC 8032 with canonical S and no small-order R) so that every
        // implementation following docs/protocol.md agrees on which signatures are valid. Not
        // ed25519-dalek's batch verification: its cofactorless batch equation with
        // input-derived coefficients can accept a signature with a small-order component that
        // verify_strict refuses, and nodes that disagree on validity ban each other's honest
        // forwarders.
        self.author
            .verifying_key()
            .verify_strict(self.id.as_bytes(), &signature)
            .map_err(|_| Error::BadSignature)
    }
}

impl RawEvent {
    /// Checks everything but the byte size, which only the caller holding the bytes knows.
    pub fn validate(&self, now_ms: u64) -> Result<Event, Error> {
        self.validate_with(now_ms, None)
    }

    fn validate_with(&self, now_ms: u64, verified: Option<&VerifiedIds>) -> Result<Event, Error> {
        let event = self.decode_unverified(now_ms, verified)?;
        let computed = compute_id(&event.author, event.timestamp, &event.content, event.work);
        if computed != event.id {
            return Err(Error::IdMismatch {
                claimed: event.id.to_hex(),
                computed: computed.to_hex(),
            });
        }
        // Before the signature: a false claim costs the receiver one hash, not a check.
        if let Some(work) = event.work {
            work.check(&event.id)?;
        }
        check_signature_remembering(&event, verified)?;
        // The original's signature last of all: the costliest check, for the rarest event.
        if let Content::Repost(repost) = &event.content {
            check_signature_remembering(&repost.original, verified).map_err(original_invalid)?;
        }
        Ok(event)
    }

    /// Decodes every field and checks every rule except the id hash and the signature.
    fn decode_unverified(
        &self,
        now_ms: u64,
        verified: Option<&VerifiedIds>,
    ) -> Result<Event, Error> {
        if self.v != EVENT_VERSION {
            return Err(Error::UnsupportedVersion { version: self.v });
        }
        let content = parse_content(&self.kind, self.content.get())?;
        let author = PublicKey::bytes_from_base64(&self.author, "author")?;
        let author = match verified {
            Some(verified) => verified.key(author, "author")?,
            None => PublicKey::from_bytes(author, "author")?,
        };
        let signature = Signature::from_base64(&self.signature)?;
        let id = EventId::from_hex(&self.id, "id")?;
        check_content(&author, &content)?;
        check_timestamp(self.timestamp, now_ms)?;
        check_repost_time(self.timestamp, &content)?;
        let work = self.work.as_ref().map(|w| Work {
            bits: w.bits,
            nonce: w.nonce,
        });
        if let Some(work) = work {
            work.check_range()?;
        }
        Ok(Event {
            id,
            author,
            timestamp: self.timestamp,
            signature,
            content,
            work,
        })
    }
}

/// Checks `event`'s signature unless `verified` remembers the pair, and remembers it then.
fn check_signature_remembering(event: &Event, verified: Option<&VerifiedIds>) -> Result<(), Error> {
    match verified {
        Some(verified) if verified.contains(&event.id, &event.signature) => {}
        Some(verified) => {
            event.check_signature()?;
            verified.remember(event.id, event.signature);
        }
        None => event.check_signature()?,
    }
    Ok(())
}

/// What was wrong with a repost's original, said as the repost's fault.
fn original_invalid(error: Error) -> Error {
    Error::RepostOriginalInvalid {
        reason: error.to_string(),
    }
}

/// A repost's original, decoded and checked but for its signature (checked last, by
/// `validate_with`): a `post` or `image_post` by every rule an event of its own meets, but the
/// clock's. Its timestamp is held to the repost's instead ([`check_repost_time`]), so whether a
/// repost is valid never depends on the validator's clock beyond the repost's own timestamp,
/// whose refusal an honest forwarder is excused for (§8.6).
fn read_original(json: &str) -> Result<Event, Error> {
    // From bytes, as every event is read: a second reader of `RawEvent` over `str` cost the
    // background's wasm 3.6 KB (tests/wasm-budgets.sh).
    let raw: RawEvent =
        serde_json::from_slice(json.as_bytes()).map_err(|e| Error::RepostOriginalInvalid {
            reason: format!("it is not an event: {e}"),
        })?;
    if raw.kind != "post" && raw.kind != "image_post" {
        return Err(Error::RepostNotOfPost {
            type_name: raw.kind.chars().take(64).collect(),
        });
    }
    let original = raw
        .decode_unverified(u64::MAX, None)
        .map_err(original_invalid)?;
    let computed = compute_id(
        &original.author,
        original.timestamp,
        &original.content,
        original.work,
    );
    if computed != original.id {
        return Err(original_invalid(Error::IdMismatch {
            claimed: original.id.to_hex(),
            computed: computed.to_hex(),
        }));
    }
    if let Some(work) = original.work {
        work.check(&original.id).map_err(original_invalid)?;
    }
    Ok(original)
}

/// A repost is never older than what it reposts: so the original's timestamp, too, is within
/// the clock skew every validator allows, and nodes agree on it whatever their clocks say.
pub(super) fn check_repost_time(timestamp: u64, content: &Content) -> Result<(), Error> {
    match content {
        Content::Repost(repost) if repost.original.timestamp > timestamp => {
            Err(Error::RepostBeforeOriginal {
                original: repost.original.timestamp,
                repost: timestamp,
            })
        }
        _ => Ok(()),
    }
}

fn parse_content(kind: &str, json: &str) -> Result<Content, Error> {
    let malformed = |type_name: &'static str, e: serde_json::Error| Error::MalformedContent {
        type_name,
        reason: e.to_string(),
    };
    match kind {
        "post" => {
            let post: PostJson = serde_json::from_str(json).map_err(|e| malformed("post", e))?;
            Ok(Content::Post(read_post(
                post.text,
                &post.mentions,
                post.reply_to.as_deref(),
            )?))
        }
        "image_post" => {
            let json: ImagePostJson =
                serde_json::from_str(json).map_err(|e| malformed("image_post", e))?;
            // Counted before any hash is read, so a flood of images costs nothing.
            check_image_count(json.images.len())?;
            let post = read_post(json.text, &json.mentions, json.reply_to.as_deref())?;
            let images = json
                .images
                .into_iter()
                .map(|image| {
                    Ok(PostImage {
                        blob: BlobHash::from_hex(&image.blob, "image blob")?,
                        alt: image.alt,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Content::ImagePost(ImagePost { post, images }))
        }
        "follow" | "unfollow" => {
            let type_name = if kind == "follow" {
                "follow"
            } else {
                "unfollow"
            };
            let follow: FollowJson =
                serde_json::from_str(json).map_err(|e| malformed(type_name, e))?;
            let followee = PublicKey::from_base64(&follow.followee, "followee").map_err(|e| {
                Error::InvalidFollowee {
                    reason: e.to_string(),
                }
            })?;
            Ok(if kind == "follow" {
                Content::Follow { followee }
            } else {
                Content::Unfollow { followee }
            })
        }
        "profile" => {
            let profile: ProfileJson =
                serde_json::from_str(json).map_err(|e| malformed("profile", e))?;
            let avatar = profile
                .avatar
                .as_deref()
                .map(|hash| BlobHash::from_hex(hash, "avatar"))
                .transpose()?;
            Ok(Content::Profile(Profile {
                name: profile.name,
                about: profile.about,
                avatar,
            }))
        }
        "delete" => {
            let json: DeleteJson =
                serde_json::from_str(json).map_err(|e| malformed("delete", e))?;
            // Counted before any id is read.
            check_delete_count(json.targets.len())?;
            let targets = json
                .targets
                .iter()
                .map(|id| EventId::from_hex(id, "delete target"))
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Content::Delete { targets })
        }
        "reaction" => {
            let json: ReactionJson =
                serde_json::from_str(json).map_err(|e| malformed("reaction", e))?;
            Ok(Content::Reaction(Reaction {
                target: EventId::from_hex(&json.target, "reaction target")?,
                target_author: PublicKey::from_base64(&json.target_author, "target_author")?,
                emoji: json.emoji,
            }))
        }
        "repost" => {
            let original = read_original(json)?;
            Ok(Content::Repost(Repost {
                original: Box::new(original),
            }))
        }
        other => Err(Error::UnknownType {
            type_name: other.chars().take(64).collect(),
        }),
    }
}

/// A post's fields from their wire form: at most 20 mentions, each a valid key, and the
/// reply's id.
fn read_post(text: String, mentions: &[String], reply_to: Option<&str>) -> Result<Post, Error> {
    if mentions.len() > MAX_MENTIONS {
        return Err(Error::TooManyMentions {
            count: mentions.len(),
            max: MAX_MENTIONS,
        });
    }
    let mentions = mentions
        .iter()
        .map(|m| PublicKey::from_base64(m, "mention"))
        .collect::<Result<Vec<_>, _>>()?;
    let reply_to = reply_to
        .map(|id| EventId::from_hex(id, "reply_to"))
        .transpose()?;
    Ok(Post {
        text,
        mentions,
        reply_to,
    })
}

/// 1 to 100 ids.
fn check_delete_count(count: usize) -> Result<(), Error> {
    if count == 0 || count > MAX_DELETE_TARGETS {
        return Err(Error::DeleteTargets {
            reason: format!("{count} events"),
            max: MAX_DELETE_TARGETS,
        });
    }
    Ok(())
}

/// 1 to 100 different ids.
fn check_delete(targets: &[EventId]) -> Result<(), Error> {
    check_delete_count(targets.len())?;
    let mut seen = std::collections::HashSet::with_capacity(targets.len());
    if let Some(twice) = targets.iter().find(|id| !seen.insert(**id)) {
        return Err(Error::DeleteTargets {
            reason: format!("event {twice} twice"),
            max: MAX_DELETE_TARGETS,
        });
    }
    Ok(())
}

/// One emoji or other single character, by the grammar of docs/protocol.md §3: elements joined
/// by ZERO WIDTH JOINER, each a pair of regional indicators (a flag) or a base character
/// followed by modifiers (variation selectors, skin tones, the keycap mark, tag characters).
/// Not Unicode's grapheme segmentation (UAX #29): its rules change with Unicode versions, and
/// nodes on different versions would then disagree on which reactions are valid; this grammar
/// is fixed, and every emoji a picker offers fits it. (It also costs the browser build none of
/// the 27 KB of segmentation tables.)
pub fn check_emoji(emoji: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidEmoji { reason };
    if emoji.len() > MAX_EMOJI_BYTES {
        return Err(invalid(format!(
            "it is {} bytes, more than {MAX_EMOJI_BYTES}",
            emoji.len()
        )));
    }
    if emoji.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    let mut chars = emoji.chars().peekable();
    loop {
        // One element: a flag, or a base character and its modifiers.
        let Some(first) = chars.next() else {
            return Err(invalid("it ends with a joiner".into()));
        };
        if is_regional_indicator(first) {
            if !chars.next().is_some_and(is_regional_indicator) {
                return Err(invalid("a flag needs two regional indicators".into()));
            }
        } else if first.is_whitespace() || first.is_control() || is_invisible(first) {
            return Err(invalid(format!(
                "U+{:04X} is white space, a control or an invisible character",
                first as u32
            )));
        } else if first == ZWJ || is_emoji_modifier(first) {
            return Err(invalid(format!(
                "U+{:04X} cannot start a character",
                first as u32
            )));
        }
        while chars.next_if(|c| is_emoji_modifier(*c)).is_some() {}
        match chars.next() {
            None => return Ok(()),
            Some(ZWJ) => continue,
            Some(_) => return Err(invalid("it is more than one character".into())),
        }
    }
}

/// ZERO WIDTH JOINER, which joins emoji into one (a family, a profession).
const ZWJ: char = '\u{200D}';

/// Format characters that show nothing: zero-width spaces and joiners, direction marks and
/// embeddings, invisible operators, the byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// What may follow a base character within one: variation selectors, skin tones, the keycap
/// mark and tag characters (subdivision flags).
fn is_emoji_modifier(c: char) -> bool {
    matches!(c,
        '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}')
}

/// 1 to 4 images: an `image_post` without one is a `post`.
fn check_image_count(count: usize) -> Result<(), Error> {
    if count == 0 || count > MAX_IMAGES_PER_POST {
        return Err(Error::ImageCount {
            count,
            max: MAX_IMAGES_PER_POST,
        });
    }
    Ok(())
}

/// The rules on a post's text and mentions; `may_be_empty` for a post with images.
fn check_post(post: &Post, may_be_empty: bool) -> Result<(), Error> {
    if !may_be_empty && post.text.trim().is_empty() {
        return Err(Error::EmptyText);
    }
    let chars = post.text.chars().count();
    if chars > MAX_POST_CHARS {
        return Err(Error::TextTooLong {
            chars,
            max: MAX_POST_CHARS,
        });
    }
    if post.mentions.len() > MAX_MENTIONS {
        return Err(Error::TooManyMentions {
            count: post.mentions.len(),
            max: MAX_MENTIONS,
        });
    }
    Ok(())
}

/// The rules on content that both signing and validation enforce.
pub(super) fn check_content(author: &PublicKey, content: &Content) -> Result<(), Error> {
    match content {
        Content::Post(post) => check_post(post, false)?,
        Content::ImagePost(image_post) => {
            check_post(&image_post.post, true)?;
            check_image_count(image_post.images.len())?;
            for image in &image_post.images {
                let chars = image.alt.chars().count();
                if chars > MAX_ALT_CHARS {
                    return Err(Error::AltTooLong {
                        chars,
                        max: MAX_ALT_CHARS,
                    });
                }
            }
        }
        Content::Follow { followee } | Content::Unfollow { followee } => {
            if followee == author {
                return Err(Error::SelfFollow);
            }
        }
        Content::Profile(profile) => profile.check()?,
        Content::Delete { targets } => check_delete(targets)?,
        Content::Reaction(reaction) => check_emoji(&reaction.emoji)?,
        Content::Repost(repost) => {
            if repost.original.as_post().is_none() {
                return Err(Error::RepostNotOfPost {
                    type_name: repost.original.content.type_name().into(),
                });
            }
        }
    }
    Ok(())
}

fn check_timestamp(timestamp: u64, now_ms: u64) -> Result<(), Error> {
    if timestamp > MAX_TIMESTAMP_MS {
        return Err(Error::TimestampOutOfRange { timestamp });
    }
    if timestamp > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(Error::TimestampInFuture {
            timestamp,
            now: now_ms,
            max_skew_ms: MAX_CLOCK_SKEW_MS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_emoji;

    #[test]
    fn every_kind_of_emoji_a_picker_offers_is_one_character() {
        for emoji in [
            "❤️",
            "👍",
            "👍🏽",
            "🇫🇷",
            "1️⃣",
            "👩‍👩‍👧‍👦",
            "👩🏽‍👩🏽‍👧🏽‍👦🏽",
            "🏴󠁧󠁢󠁥󠁮󠁧󠁿",
            "🧑‍🚀",
            "é",
            "a",
            "☺",
            "苔",
        ] {
            assert_eq!(check_emoji(emoji), Ok(()), "{emoji:?}");
        }
    }

    #[test]
    fn two_characters_blanks_controls_and_stray_marks_are_refused() {
        for emoji in [
            "",
            " ",
            "\u{7}",
            "👍👍",
            "ab",
            "🇫",
            "🇫🇷🇩🇪",
            "\u{200D}👍",
            "👍\u{200D}",
            "\u{FE0F}",
            "e\u{301}",
            "\u{FEFF}",
            "\u{200B}",
            "\u{202E}",
            "\u{3000}",
        ] {
            let refused = check_emoji(emoji).unwrap_err();
            assert_eq!(refused.code(), "invalid_emoji", "{emoji:?}");
        }
        assert!(check_emoji(&"👍\u{FE0F}".repeat(9)).is_err(), "too long");
    }
}
