//! People as pages see them: a key with its current profile and the nickname the user gave, the
//! followers list, and the limits a page checks before asking the background to save a profile.

use phemossa_core::keys::{BlobHash, PublicKey};
use serde::{Deserialize, Serialize};

/// Most characters of a nickname: as a display name (`core::limits::MAX_NAME_CHARS`), under the
/// same rules (`core::profile::check_name`), since it is shown where a name is.
pub const MAX_NICKNAME_CHARS: usize = phemossa_core::limits::MAX_NAME_CHARS;

/// Someone the user sees: their key, what their current profile says, and the user's nickname
/// for them. A page shows `nickname` or else `name`, always with `short` (the key fingerprint)
/// and the avatar, never a name alone (docs/protocol.md §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub public_key: PublicKey,
    /// The key's fingerprint: its first 8 base64 characters.
    pub short: String,
    /// The display name of their current profile; `None` before one is known.
    pub name: Option<String>,
    /// Their current profile's about text (empty when none).
    pub about: String,
    /// The SHA-256 of their avatar image blob, when their profile names one.
    pub avatar: Option<BlobHash>,
    /// When their current profile was made, ms since the epoch.
    pub profile_updated: Option<u64>,
    /// The user's private name for them; kept in this browser, never published.
    pub nickname: Option<String>,
}

impl Person {
    /// A key of whom nothing is known but the key.
    pub fn unknown(public_key: PublicKey) -> Self {
        Self {
            short: public_key.short(),
            public_key,
            name: None,
            about: String::new(),
            avatar: None,
            profile_updated: None,
            nickname: None,
        }
    }
}

/// What an invite pasted in the follow box holds (docs/protocol.md §11), read by the background,
/// which holds the parsers of keys and relay addresses so the popup need not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    pub public_key: PublicKey,
    /// The name the invite's writer gave; a hint until their own profile arrives.
    pub name: Option<String>,
    /// Relay addresses in canonical multiaddr text, at most 4.
    pub relays: Vec<String>,
}

/// Someone whose follow of the user the node holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerEntry {
    pub public_key: PublicKey,
    /// When their deciding follow event was made, ms since the epoch.
    pub since: u64,
    /// Whether the user follows them too.
    pub followed_back: bool,
}

#[cfg(test)]
mod tests {
    use crate::{AvatarEdit, ClientMessage, Request, Response, ServerMessage};

    #[test]
    fn an_avatar_edit_reads_as_it_is_written() {
        let set = AvatarEdit::Set {
            base64: "AAEC".into(),
        };
        for edit in [AvatarEdit::Keep, AvatarEdit::Remove, set] {
            let json = serde_json::to_string(&edit).unwrap();
            assert_eq!(serde_json::from_str::<AvatarEdit>(&json).unwrap(), edit);
        }
        assert_eq!(
            serde_json::to_string(&AvatarEdit::Remove).unwrap(),
            r#"{"do":"remove"}"#
        );
        let set: AvatarEdit =
            serde_json::from_str(r#"{"base64":"AAEC","do":"set","other":1}"#).unwrap();
        assert_eq!(
            set,
            AvatarEdit::Set {
                base64: "AAEC".into()
            }
        );
        for bad in [r#"{"do":"set"}"#, r#"{"do":"paint"}"#, r#"{}"#, "[]"] {
            assert!(serde_json::from_str::<AvatarEdit>(bad).is_err(), "{bad}");
        }
    }

    /// Every example of docs/api.md's people, invite, search and backup-reminder requests parses
    /// as what it says.
    #[test]
    fn the_documented_examples_parse() {
        let doc = include_str!("../../docs/api.md");
        let line = |prefix: &str| {
            doc.lines()
                .find(|line| line.starts_with(prefix))
                .unwrap_or_else(|| panic!("docs/api.md has a line starting {prefix}"))
        };
        for (id, method) in [
            (20, "get_people"),
            (21, "set_profile"),
            (22, "set_nickname"),
            (23, "get_followers"),
            (24, "read_invite"),
            (25, "search_posts"),
            (26, "get_backup_status"),
            (27, "dismiss_backup_reminder"),
            (28, "set_profile"),
            (29, "get_blob"),
            (30, "store_image"),
            (31, "get_keep_out"),
            (32, "set_standing"),
            (33, "set_keep_out_settings"),
            (34, "get_thread"),
            (35, "delete_posts"),
            (36, "react"),
            (37, "get_notifications"),
            (38, "mark_notifications_read"),
            (39, "repost"),
        ] {
            let request = ClientMessage::from_json(line(&format!("{{\"id\":{id},\"request\"")))
                .unwrap_or_else(|e| panic!("{method}: {e}"));
            assert!(request.to_json().contains(method));
        }
        let ServerMessage::Response { result, .. } =
            ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":20,")).unwrap()
        else {
            panic!("not a response");
        };
        let Ok(Response::People(people)) = result else {
            panic!("not people: {result:?}");
        };
        assert_eq!(people[0].name.as_deref(), Some("Ada"));
        assert_eq!(people[0].short, people[0].public_key.short());
        let thread = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":34,")).unwrap();
        assert!(matches!(
            thread,
            ServerMessage::Response { result: Ok(Response::Thread(page)), .. }
                if page.replies.is_empty() && page.root.replies == 0 && !page.root_is_reply
        ));
        let deleted = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":35,")).unwrap();
        assert!(matches!(
            deleted,
            ServerMessage::Response { result: Ok(Response::Deleted(ids)), .. } if ids.len() == 1
        ));
        let reacted = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":36,")).unwrap();
        assert!(matches!(
            reacted,
            ServerMessage::Response { result: Ok(Response::Reactions(post)), .. }
                if post.reactions.len() == 1 && post.reactions[0].mine && post.reactions[0].count == 2
        ));
        let notified = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":37,")).unwrap();
        assert!(matches!(
            notified,
            ServerMessage::Response { result: Ok(Response::Notifications(page)), .. }
                if page.unread == 1 && page.items[0].emoji.as_deref() == Some("🎉")
        ));
        let followers =
            ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":23,")).unwrap();
        assert!(matches!(
            followers,
            ServerMessage::Response { result: Ok(Response::Followers(list)), .. } if !list[0].followed_back
        ));
        // The read_invite example's answer is what the core reads from its invite.
        let Request::ReadInvite { text } = ClientMessage::from_json(line("{\"id\":24,"))
            .unwrap()
            .request
        else {
            panic!("not read_invite");
        };
        let read = phemossa_core::invite::parse_person(&text).unwrap();
        let ServerMessage::Response {
            result: Ok(Response::Invite(answer)),
            ..
        } = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":24,")).unwrap()
        else {
            panic!("not an invite answer");
        };
        assert_eq!(
            (answer.public_key, answer.name, answer.relays),
            (read.public_key, read.name, read.relays)
        );
        assert!(matches!(
            ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":25,")).unwrap(),
            ServerMessage::Response { result: Ok(Response::Found(page)), .. } if !page.cut_short
        ));
        assert!(matches!(
            ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":26,")).unwrap(),
            ServerMessage::Response { result: Ok(Response::BackupStatus(status)), .. }
                if status.remind && status.exported_at.is_none()
        ));
        let ServerMessage::Response {
            result: Ok(Response::KeepOut(status)),
            ..
        } = ServerMessage::from_json(line("{\"kind\":\"response\",\"id\":31,")).unwrap()
        else {
            panic!("not a keep-out status");
        };
        assert_eq!(
            status.settings.standing(&status.people[0].public_key),
            Some(phemossa_core::keep_out::Standing::Muted)
        );
        assert!(matches!(
            ClientMessage::from_json(line("{\"id\":32,"))
                .unwrap()
                .request,
            Request::SetStanding {
                standing: Some(phemossa_core::keep_out::Standing::Blocked),
                ..
            }
        ));
        let nickname = ClientMessage::from_json(line("{\"id\":22,")).unwrap();
        assert!(matches!(
            nickname.request,
            Request::SetNickname { nickname, .. } if nickname == "Uncle Bob"
        ));
    }
}

/// What a profile edit does to the avatar: `{"do": "keep" | "remove"}` or
/// `{"do": "set", "base64": …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", try_from = "AvatarEditJson")]
pub enum AvatarEdit {
    /// Keep the current avatar (or none).
    #[default]
    Keep,
    /// No avatar: the key's picture is shown instead.
    Remove,
    /// This picture, already cropped and re-encoded by the page (at most 256×256 and
    /// `core::limits::MAX_AVATAR_BYTES`), as standard base64.
    Set { base64: String },
}

/// [`AvatarEdit`] as read: the same JSON as serde's internally tagged form, read as a plain
/// struct. The tagged form buffers the object first, and that machinery cost the background's
/// wasm about 5 KB for this one type.
#[derive(Deserialize)]
struct AvatarEditJson {
    #[serde(rename = "do")]
    action: AvatarAction,
    #[serde(default)]
    base64: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum AvatarAction {
    Keep,
    Remove,
    Set,
}

impl TryFrom<AvatarEditJson> for AvatarEdit {
    type Error = &'static str;

    fn try_from(json: AvatarEditJson) -> Result<Self, Self::Error> {
        match (json.action, json.base64) {
            (AvatarAction::Keep, _) => Ok(AvatarEdit::Keep),
            (AvatarAction::Remove, _) => Ok(AvatarEdit::Remove),
            (AvatarAction::Set, Some(base64)) => Ok(AvatarEdit::Set { base64 }),
            (AvatarAction::Set, None) => Err("missing field `base64`"),
        }
    }
}

/// What a picture is for; it sets the most bytes a fetch accepts (docs/protocol.md §12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobPurpose {
    Avatar,
    Image,
}

impl From<BlobPurpose> for phemossa_core::blob::BlobKind {
    fn from(purpose: BlobPurpose) -> Self {
        match purpose {
            BlobPurpose::Avatar => Self::Avatar,
            BlobPurpose::Image => Self::Image,
        }
    }
}

/// A stored picture for a page to show: its bytes as standard base64 and the MIME type its
/// first bytes say (`core::blob::ImageFormat`), never one a peer claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobData {
    pub hash: BlobHash,
    pub mime: String,
    pub base64: String,
}

impl BlobData {
    /// A `data:` URL of the picture, for an `img` element.
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.mime, self.base64)
    }
}
