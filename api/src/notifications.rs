//! Notifications as pages see them: replies to the user's posts, mentions of the user,
//! reactions to and reposts of their posts and new followers (`core::notices`), newest first, each saying who
//! did what and where it leads.

use phemossa_core::keys::{EventId, PublicKey};
use serde::{Deserialize, Serialize};

/// Most notifications a page is given at once.
pub const MAX_NOTIFICATIONS_PAGE: u32 = 100;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Reply,
    Mention,
    Reaction,
    Repost,
    Follow,
}

/// One notification: `from` did `kind` at `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The event that is the news (the reply, mention, reaction or follow).
    pub id: EventId,
    pub kind: NotificationKind,
    pub from: PublicKey,
    /// When `from` did it, ms since the epoch (the event's timestamp).
    pub timestamp: u64,
    /// The post it concerns, whose thread it opens: the reply or mention itself, or the post
    /// reacted to or reposted. `None` for a follow (it opens `from`'s view).
    pub post: Option<EventId>,
    /// A reply's or mention's text, cut to 140 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A reaction's emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Not yet seen in the Notifications view.
    pub unread: bool,
}

/// The newest notifications and how many are unread in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsPage {
    pub items: Vec<Notification>,
    pub unread: u32,
}
