//! The port protocol between the extension's pages (popup, options) and the background.
//!
//! Pages connect with `chrome.runtime.connect({name: PORT_NAME})` and exchange JSON text, one
//! message per `postMessage`: a page sends [`ClientMessage`]s, the background answers each with a
//! [`ServerMessage::Response`] carrying the same `id`, and pushes [`Push`]es to pages that
//! subscribed. Secret keys never appear in any of these types. Specified in docs/api.md.

mod archive;
mod keep_out;
mod network;
mod notifications;
mod objects;
mod pages;
mod people;
mod wire;

use std::fmt;

pub use archive::{
    EventsPage, ImportReport, VerificationTiming, MAX_EXPORT_PAGE, MAX_EXPORT_PAGE_BYTES,
    MAX_IMPORT_EVENTS, MAX_IMPORT_REASONS,
};
pub use keep_out::KeepOutStatus;
pub use network::{
    CandidateType, ConnectionKind, DirectState, NetworkState, NetworkStatus, PathInfo, PeerInfo,
    RelayInfo, RelayState, SyncProgress,
};
pub use notifications::{
    Notification, NotificationKind, NotificationsPage, MAX_NOTIFICATIONS_PAGE,
};
pub use pages::{OptionsPush, OptionsResponse, PopupResponse};
pub use people::{
    AvatarEdit, BlobData, BlobPurpose, FollowerEntry, InviteInfo, Person, MAX_NICKNAME_CHARS,
};
use serde::{Deserialize, Serialize};

use phemossa_core::feed::FeedCursor;
use phemossa_core::keys::{BlobHash, EventId, PublicKey};
use phemossa_core::retention::RetentionSettings;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::Error;

/// The `name` of every UI port; other connects are not for the background.
pub const PORT_NAME: &str = "phemossa-ui";

/// Largest request a page may send the background, in bytes of JSON.
///
/// 2 MiB: one post image (at most 1 MiB, docs/protocol.md §12.3) as base64 is 1.34 MiB; a post's
/// images go one request each (`StoreImage`).
pub const MAX_PORT_MESSAGE_BYTES: usize = 2 * 1024 * 1024;

/// Largest message the background may send a page, in bytes of JSON. A full feed page
/// (`MAX_FEED_PAGE` posts of 1,000 characters, each character up to 6 bytes when JSON escapes
/// it, plus 20 mentions) stays well under this.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Most feed items one page request may ask for.
pub const MAX_FEED_PAGE: u32 = 100;

/// A request from a page, tagged with an id the response will carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientMessage {
    pub id: u64,
    #[serde(with = "wire::request")]
    pub request: Request,
}

/// What a page asks. On the wire (docs/api.md) `{"method": name, "params": {...}}`, `params`
/// absent for a request without any: [`ClientMessage`] reads and writes that form through
/// `wire.rs`. Alone, the enum is externally tagged (`{name: params}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    GetIdentity,
    /// A page of the feed, strictly older than `before` when given.
    GetFeed {
        before: Option<FeedCursor>,
        limit: u32,
    },
    /// Withdraws posts of the user's (hex ids, 1 to 100): signs a delete naming them, which every
    /// node that receives it honours (protocol.md §5.2).
    DeletePosts {
        ids: Vec<String>,
    },
    /// The user's reaction `emoji` on the post `id` (hex), toggled: signed when they have not
    /// reacted with it, withdrawn (a delete of their reactions with it) when they have.
    React {
        id: String,
        emoji: String,
        /// As [`Request::Post`]'s: a reaction to a stranger's post needs proof of work.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work: Option<FoundWork>,
    },
    /// Reposts the stored post `id` (hex) to the user's followers: a repost event embedding it
    /// (protocol.md §5.4); a repost's `id` reposts its original. Answers `posted` with the repost.
    Repost {
        id: String,
        /// As [`Request::Post`]'s: a repost of a stranger's post needs proof of work.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work: Option<FoundWork>,
    },
    /// The newest `limit` (clamped to 1–100) notifications and the unread count.
    GetNotifications {
        limit: u32,
    },
    /// Marks every notification read (the user opened the view): the badge clears.
    MarkNotificationsRead,
    /// The conversation the post `id` (hex) is part of: its root (the highest ancestor stored)
    /// and stored replies under it, as a tree in time order: at most `limit` (1 to
    /// [`MAX_THREAD_REPLIES`], the most when absent), nearest the root first.
    GetThread {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// The newest stored posts (by anyone) holding every word of `query`, at most `limit`.
    SearchPosts {
        query: String,
        limit: u32,
    },
    /// Publishes a post signed by the user's identity. When it addresses someone not known to
    /// follow the user (a reply or a mention), the answer is [`Response::WorkNeeded`]: the page
    /// finds the work and sends the same post again with `work`.
    Post {
        text: String,
        #[serde(default)]
        reply_to: Option<String>,
        /// Up to 4 pictures stored first with [`Request::StoreImage`], each with its
        /// description; the text may then be empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        images: Vec<FeedImage>,
        /// The people the post mentions, public keys as text (at most 20; repeats are dropped).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mentions: Vec<String>,
        /// The proof of work found after [`Response::WorkNeeded`] (docs/protocol.md §5.5,
        /// §8.9): the post is then signed at its timestamp, with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work: Option<FoundWork>,
    },
    /// Stores a picture for a post, already scaled and re-encoded by the page (at most 1 MiB,
    /// docs/protocol.md §12.3), as standard base64. → [`Response::ImageStored`] with its name.
    StoreImage {
        base64: String,
    },
    /// `public_key` is the text the person typed, validated by the background.
    Follow {
        public_key: String,
    },
    Unfollow {
        public_key: String,
    },
    GetFollowing,
    GetStats,
    /// Seals the identity under `passphrase` into a backup file. The page asks the person first.
    ExportBackup {
        passphrase: String,
    },
    /// Whether the popup should remind the person to back up their identity.
    GetBackupStatus,
    /// "Remind me later": no reminder for [`BACKUP_REMINDER_SNOOZE_MS`].
    DismissBackupReminder,
    /// Opens a backup without using it, so the page can ask "replace X with Y?".
    InspectBackup {
        backup: String,
        passphrase: String,
    },
    /// Replaces the identity with the one in the backup. Sent only after the person confirmed;
    /// `replaces` is the identity they were shown as the one to be replaced, and the restore is
    /// refused ([`ApiError::IdentityChanged`]) if it is no longer the current one.
    RestoreBackup {
        backup: String,
        passphrase: String,
        replaces: PublicKey,
    },
    /// The network's state, relays and peers.
    GetNetwork,
    /// The saved relays and STUN/TURN servers.
    GetNetworkSettings,
    /// Saves and applies new network settings (the background checks them again).
    SetNetworkSettings {
        settings: NetworkSettings,
    },
    /// How much is kept of authors the user does not follow.
    GetRetention,
    /// Saves new retention limits (checked again) and prunes to them at once.
    SetRetention {
        retention: RetentionSettings,
    },
    /// Validates and stores events from an archive, at most [`MAX_IMPORT_EVENTS`] at a time.
    ImportEvents {
        events: Vec<String>,
        /// The archive line of `events[0]`, so refusals name the line.
        #[serde(default = "first_line")]
        first_line: u64,
    },
    /// A page of stored events in id order, after the id `after` when given.
    ExportEvents {
        after: Option<EventId>,
        limit: u32,
    },
    /// Times the signature checks of `events` (a diagnostic; nothing is stored).
    MeasureVerification {
        events: Vec<String>,
    },
    /// The user, everyone they follow, their followers, everyone they gave a nickname and
    /// whoever runs a peer in the peer table (`PeerInfo::owner`), as [`Person`]s.
    GetPeople,
    /// Signs and publishes a new profile of the user's, its avatar as `avatar` says (kept as it
    /// was when the field is left out).
    SetProfile {
        name: String,
        about: String,
        #[serde(default)]
        avatar: AvatarEdit,
    },
    /// A picture by its hash (an avatar or a post image, as `purpose` says): its bytes when
    /// held, else [`Response::BlobPending`] while it is fetched from peers, and a
    /// [`Push::BlobStored`] when it arrives.
    GetBlob {
        hash: BlobHash,
        purpose: BlobPurpose,
    },
    /// Gives `public_key` a private nickname; an empty one removes it.
    SetNickname {
        public_key: String,
        nickname: String,
    },
    /// The people whose follow of the user the node holds.
    GetFollowers,
    /// Reads text pasted in the follow box: an invite or a bare public key.
    ReadInvite {
        text: String,
    },
    /// What the user keeps out, with the people by name and what was held back.
    GetKeepOut,
    /// Mutes (`muted`), blocks (`blocked`) or lets back (`None`) the person `public_key`.
    /// Blocking also unfollows them and drops their stored events.
    SetStanding {
        public_key: String,
        standing: Option<phemossa_core::keep_out::Standing>,
    },
    /// Saves the muted words (one word or phrase each), the limits per author and the work
    /// asked of strangers, checked again. Without `per_author_mb` or `stranger_work_bits` the
    /// saved value is kept.
    SetKeepOutSettings {
        muted_words: Vec<String>,
        per_author_per_day: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        per_author_mb: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stranger_work_bits: Option<u8>,
    },
    /// Asks for [`Push`]es on these topics for as long as the port is open.
    Subscribe {
        topics: Vec<Topic>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Feed,
    Following,
    Identity,
    Network,
    /// Profiles, nicknames, followers, and pictures as they arrive.
    People,
}

/// Everything the background sends on a port: `{"kind": "response", "id", "result"}` or
/// `{"kind": "push", "push"}` (docs/api.md §2), read and written by `wire.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    Response {
        id: u64,
        result: Result<Response, ApiError>,
    },
    Push {
        push: Push,
    },
}

/// On the wire `{"type": name, "data": ...}` (`data` absent when there is none), through
/// `wire.rs`; alone, the enum is externally tagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Identity(IdentityInfo),
    FeedPage(FeedPage),
    Posted(FeedItem),
    Following(Vec<FollowingEntry>),
    People(Vec<Person>),
    Followers(Vec<FollowerEntry>),
    Invite(InviteInfo),
    Found(SearchPage),
    Thread(ThreadPage),
    /// The ids a delete withdrew.
    Deleted(Vec<EventId>),
    /// A post's reactions after `react`.
    Reactions(PostReactions),
    Notifications(NotificationsPage),
    KeepOut(KeepOutStatus),
    Blob(BlobData),
    /// The blob is not held yet; it is being fetched (a [`Push::BlobStored`] says when).
    BlobPending(BlobHash),
    /// The event asked for reaches someone who does not follow the user, so it needs proof of
    /// work (docs/protocol.md §8.9): find `bits` over `prefix` (standard base64 of the event's
    /// canonical encoding up to its work, `phemossa_core::event::canonical_prefix`) and send the request again in
    /// request again with `work` for this `timestamp`. Nothing was stored or sent yet.
    WorkNeeded {
        prefix: String,
        bits: u8,
        timestamp: u64,
        /// How many of the people it addresses are not known to follow the user.
        strangers: u32,
    },
    /// A picture for a post is stored under this name.
    ImageStored(BlobHash),
    BackupStatus(BackupStatus),
    Stats(StorageStats),
    Backup(BackupFile),
    BackupInspected(IdentityInfo),
    Restored(IdentityInfo),
    Network(NetworkStatus),
    NetworkSettings(NetworkSettings),
    Retention(RetentionSettings),
    Imported(ImportReport),
    Events(EventsPage),
    VerificationTiming(VerificationTiming),
    Subscribed,
}

impl Response {
    /// The variant's name as the code spells it (`"FeedPage"`), for messages about an answer of
    /// the wrong kind. Not `format!("{:?}")`, which would keep the `Debug` of every type a
    /// response holds in each page's wasm.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Identity(_) => "Identity",
            Self::FeedPage(_) => "FeedPage",
            Self::Posted(_) => "Posted",
            Self::Following(_) => "Following",
            Self::People(_) => "People",
            Self::Followers(_) => "Followers",
            Self::Invite(_) => "Invite",
            Self::Found(_) => "Found",
            Self::Thread(_) => "Thread",
            Self::Deleted(_) => "Deleted",
            Self::Reactions(_) => "Reactions",
            Self::Notifications(_) => "Notifications",
            Self::KeepOut(_) => "KeepOut",
            Self::Blob(_) => "Blob",
            Self::BlobPending(_) => "BlobPending",
            Self::WorkNeeded { .. } => "WorkNeeded",
            Self::ImageStored(_) => "ImageStored",
            Self::BackupStatus(_) => "BackupStatus",
            Self::Stats(_) => "Stats",
            Self::Backup(_) => "Backup",
            Self::BackupInspected(_) => "BackupInspected",
            Self::Restored(_) => "Restored",
            Self::Network(_) => "Network",
            Self::NetworkSettings(_) => "NetworkSettings",
            Self::Retention(_) => "Retention",
            Self::Imported(_) => "Imported",
            Self::Events(_) => "Events",
            Self::VerificationTiming(_) => "VerificationTiming",
            Self::Subscribed => "Subscribed",
        }
    }
}

/// Unrequested news for subscribed pages. On the wire as [`Response`] is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Push {
    /// New posts that belong in the feed; pages merge them in by feed order.
    FeedAdded(Vec<FeedItem>),
    /// The feed's membership changed (follow, unfollow, new identity): reload from the top.
    FeedReset,
    Following(Vec<FollowingEntry>),
    Identity(IdentityInfo),
    /// The network's state changed (throttled while a sync runs).
    Network(NetworkStatus),
    /// These people's profile or nickname changed (or they became known): merge by key.
    People(Vec<Person>),
    /// Who follows the user changed.
    Followers(Vec<FollowerEntry>),
    /// A picture pages asked for arrived and is stored: ask for it again.
    BlobStored(BlobHash),
    /// What the user keeps out changed (on any page): show and hide by it.
    KeepOut(KeepOutStatus),
    /// These posts' reactions changed: replace their counts.
    Reactions(Vec<PostReactions>),
    /// How many notifications are unread changed (new ones arrived, or they were read).
    Unread(u32),
    /// Replies to these posts arrived that the feed does not show (their authors are not
    /// followed: fetched for an open thread, §8.10, or sent to the user's inbox, §8.9): an
    /// open thread holding one of them loads again.
    Replies(Vec<EventId>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    pub public_key: PublicKey,
    pub short: String,
}

impl IdentityInfo {
    pub fn new(public_key: PublicKey) -> Self {
        Self {
            short: public_key.short(),
            public_key,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedItem {
    pub id: EventId,
    pub author: PublicKey,
    pub author_short: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    pub text: String,
    pub mentions: Vec<PublicKey>,
    pub reply_to: Option<EventId>,
    /// The post's images, in order: blobs to ask `get_blob` for (purpose `image`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<FeedImage>,
    /// Whether the user wrote it.
    pub own: bool,
    /// The user's muted word or phrase the post holds: pages show it behind "Show anyway".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_word: Option<String>,
    /// How many replies to it are stored (0 where not counted: pushes of new posts).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replies: u32,
    /// Its reactions, most people first (empty where not counted: pushes of new posts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionCount>,
    /// On a repost (by `author`, at `timestamp`, with no text of its own): the post it passes
    /// on, with that post's replies and reactions. Replies and reactions name the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Box<FeedItem>>,
    /// The user's repost of this post, if they reposted it: "Repost" shows pressed, and
    /// pressing it again deletes that repost (absent where not looked up: pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reposted: Option<EventId>,
}

/// How many people reacted to a post with `emoji` (each once, however many copies they sent),
/// and whether the user is one of them (protocol.md §5.3; `core::reactions::tally`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u32,
    #[serde(default)]
    pub mine: bool,
}

impl From<phemossa_core::reactions::Tally> for ReactionCount {
    fn from(tally: phemossa_core::reactions::Tally) -> Self {
        Self {
            emoji: tally.emoji,
            count: tally.count,
            mine: tally.mine,
        }
    }
}

/// A post's reactions, all of them (at most `core::reactions::MAX_REACTION_KINDS` emoji).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostReactions {
    pub post: EventId,
    pub reactions: Vec<ReactionCount>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A conversation (`get_thread`): its root, then its replies depth first, each reply's own
/// replies right after it, siblings oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub root: FeedItem,
    /// The root itself replies to a post this browser does not hold.
    pub root_is_reply: bool,
    pub replies: Vec<ThreadReply>,
    /// Replies left out because their author is muted or blocked (with the replies under them).
    pub hidden: u32,
    /// More replies are stored than one thread shows (`MAX_THREAD_REPLIES`).
    pub cut_short: bool,
}

/// Most replies one thread answer carries: 250 replies of the largest posts (about 14.5 KB of
/// JSON each) still fit one server message (`MAX_SERVER_MESSAGE_BYTES`), and more than a popup
/// can usefully show at once.
pub const MAX_THREAD_REPLIES: usize = 250;

/// One reply in a thread; `item.reply_to` is its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadReply {
    pub item: FeedItem,
    /// 1 for a reply to the root, 2 for a reply to one of those, and so on.
    pub depth: u32,
}

/// Proof of work a page found for an event the background described in
/// [`Response::WorkNeeded`]: the timestamp it gave, and the work's bits and nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundWork {
    pub timestamp: u64,
    pub bits: u8,
    pub nonce: u64,
}

/// One image of a post in the feed: its blob and its description (the `img` element's alt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedImage {
    pub blob: BlobHash,
    pub alt: String,
}

impl FeedImage {
    /// The images of `event` (none unless it is an `image_post`), as pages and records hold them.
    pub fn of_event(event: &phemossa_core::Event) -> Vec<FeedImage> {
        event
            .images()
            .iter()
            .map(|image| FeedImage {
                blob: image.blob,
                alt: image.alt.clone(),
            })
            .collect()
    }
}

impl phemossa_core::feed::FeedOrdered for FeedItem {
    fn feed_key(&self) -> (u64, EventId) {
        (self.timestamp, self.id)
    }
}

/// How long "Remind me later" quiets the backup reminder: a week.
pub const BACKUP_REMINDER_SNOOZE_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Whether the current identity has a backup the person holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStatus {
    /// When a backup of this identity was last exported (or it was restored from one), ms since
    /// the epoch; `None` if never.
    pub exported_at: Option<u64>,
    /// The popup shows its reminder: never exported, and not put off within the last week.
    pub remind: bool,
}

/// Posts a search found, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub items: Vec<FeedItem>,
    /// The search read as many posts as one search may (5,000) before finding `limit`: older
    /// posts may match too. A longer or rarer word narrows it.
    pub cut_short: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub next: Option<FeedCursor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowingEntry {
    pub public_key: PublicKey,
    pub short: String,
    /// When the deciding follow event was made, ms since the epoch.
    pub since: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageStats {
    pub events: u64,
    pub posts: u64,
    pub authors: u64,
    /// Bytes of stored event JSON.
    pub bytes: u64,
    /// Events removed by retention since this browser started storing.
    #[serde(default)]
    pub pruned: u64,
    /// Bytes of the background's WebAssembly memory (filled in by the background when asked).
    #[serde(default)]
    pub wasm_memory_bytes: u64,
    /// Posts stored by a bulk write whose search terms are still to be written: search finds
    /// them a moment after storing pauses (filled in by the background when asked).
    #[serde(default)]
    pub search_pending: u64,
    /// Bytes of the signature-check workers' WebAssembly memory, all of them together (filled
    /// in by the background when asked; 0 before the first bulk ingest starts them).
    #[serde(default)]
    pub worker_memory_bytes: u64,
    /// Signatures the workers found valid since the background started.
    #[serde(default)]
    pub worker_checked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub file_name: String,
    /// The sealed backup, JSON text (see docs/protocol.md, "Identity backup").
    pub contents: String,
}

/// Why a request failed, in terms a page can show a person. `Display` gives the words. On the
/// wire `{"code": name, ...fields}` (docs/api.md §5), through `wire.rs`; alone, the enum is
/// externally tagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiError {
    EmptyPost,
    PostTooLong {
        chars: usize,
        max: usize,
    },
    InvalidPublicKey {
        reason: String,
    },
    FollowSelf,
    /// The person to follow is blocked: unblock them first.
    FollowBlocked,
    /// The post asked for is not stored here (never synced, or pruned).
    PostNotFound,
    /// A mute, block, muted word or daily limit that cannot be kept, said in words.
    InvalidKeepOut {
        reason: String,
    },
    /// Text pasted as an invite that cannot be read (docs/protocol.md §11.4), said in words.
    InvalidInvite {
        reason: String,
    },
    /// A profile or nickname the rules of docs/protocol.md §3 refuse.
    InvalidProfile {
        reason: String,
    },
    /// A picture that cannot be used: not an image, or too large (docs/protocol.md §12.3).
    InvalidPicture {
        reason: String,
    },
    WeakPassphrase {
        min: usize,
    },
    WrongPassphrase,
    DamagedBackup {
        reason: String,
    },
    /// A restore named an identity to replace that is no longer the current one (another page
    /// restored a backup meanwhile). Nothing was replaced.
    IdentityChanged,
    /// The browser refused to store more (quota). Nothing stored before was lost.
    StorageFull,
    Storage {
        reason: String,
    },
    NotReady,
    InvalidRequest {
        reason: String,
    },
    Internal {
        reason: String,
    },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::EmptyPost => write!(f, "Your post is empty. Write something first."),
            ApiError::PostTooLong { chars, max } => write!(
                f,
                "Your post is too long: {chars} characters, and the limit is {max}."
            ),
            ApiError::InvalidPublicKey { reason } => write!(
                f,
                "That is not a valid public key ({reason}). A public key is 44 characters of base64 ending in \"=\"."
            ),
            ApiError::FollowSelf => write!(f, "You cannot follow yourself."),
            ApiError::InvalidKeepOut { reason } => write!(f, "Not saved: {reason}."),
            ApiError::FollowBlocked => write!(
                f,
                "You blocked this person. Unblock them in Options, under Muted and blocked, to follow them."
            ),
            ApiError::InvalidInvite { reason } => write!(
                f,
                "That invite cannot be read: {reason}. Ask for it again, or paste their public key."
            ),
            ApiError::InvalidProfile { reason } => {
                write!(f, "That was not saved: the {reason}.")
            }
            ApiError::InvalidPicture { reason } => {
                write!(f, "That picture cannot be used: {reason}.")
            }
            ApiError::WeakPassphrase { min } => {
                write!(f, "Choose a passphrase of at least {min} characters.")
            }
            ApiError::WrongPassphrase => write!(
                f,
                "Wrong passphrase for this backup file. Nothing was changed."
            ),
            ApiError::DamagedBackup { reason } => write!(
                f,
                "This file is damaged or is not a Phemossa backup ({reason}). Nothing was changed."
            ),
            ApiError::IdentityChanged => write!(
                f,
                "Your identity changed since you opened this backup (another tab restored one). Nothing was replaced; check the keys and try again."
            ),
            ApiError::StorageFull => write!(
                f,
                "The browser's storage for Phemossa is full. Nothing already saved was lost; free disk space or raise the site storage limit, then try again."
            ),
            ApiError::Storage { reason } => write!(f, "Saving failed: {reason}."),
            ApiError::NotReady => write!(f, "Phemossa is still starting. Try again in a moment."),
            ApiError::PostNotFound => write!(
                f,
                "That post is not in this browser: it was not synced here, or it was pruned."
            ),
            ApiError::InvalidRequest { reason } => write!(f, "That request was refused: {reason}."),
            ApiError::Internal { reason } => write!(f, "Something went wrong inside Phemossa: {reason}."),
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::EmptyText => ApiError::EmptyPost,
            Error::TextTooLong { chars, max } => ApiError::PostTooLong { chars, max },
            Error::MalformedBase64 { .. }
            | Error::WrongKeyLength { .. }
            | Error::InvalidKey { .. }
            | Error::InvalidFollowee { .. } => ApiError::InvalidPublicKey {
                reason: error.to_string(),
            },
            Error::SelfFollow => ApiError::FollowSelf,
            Error::MalformedInvite { reason } => ApiError::InvalidInvite { reason },
            Error::EmptyName
            | Error::NameTooLong { .. }
            | Error::InvalidName { .. }
            | Error::AboutTooLong { .. } => ApiError::InvalidProfile {
                reason: error.to_string(),
            },
            Error::BlobTooLarge { .. }
            | Error::NotAnImage { .. }
            | Error::ImageCount { .. }
            | Error::AltTooLong { .. } => ApiError::InvalidPicture {
                reason: error.to_string(),
            },
            Error::WeakPassphrase { min } => ApiError::WeakPassphrase { min },
            Error::WrongPassphrase => ApiError::WrongPassphrase,
            Error::DamagedBackup { reason } => ApiError::DamagedBackup { reason },
            other => ApiError::InvalidRequest {
                reason: other.to_string(),
            },
        }
    }
}

fn first_line() -> u64 {
    1
}

/// Parses one message from its JSON text, refusing oversized or malformed input.
fn decode<T: serde::de::DeserializeOwned>(text: &str, max_bytes: usize) -> Result<T, Error> {
    decode_with(text, max_bytes, |text| serde_json::from_str(text))
}

/// As [`decode`], for the pages: structs as objects only (`objects.rs`).
fn decode_objects<T: serde::de::DeserializeOwned>(
    text: &str,
    max_bytes: usize,
) -> Result<T, Error> {
    decode_with(text, max_bytes, |text| objects::from_str(text))
}

/// Refuses `text` past `max_bytes` unread, else reads it with `read`.
fn decode_with<T>(
    text: &str,
    max_bytes: usize,
    read: impl FnOnce(&str) -> Result<T, serde_json::Error>,
) -> Result<T, Error> {
    if text.len() > max_bytes {
        return Err(Error::MalformedMessage {
            reason: format!("{} bytes, more than the {max_bytes}-byte limit", text.len()),
        });
    }
    read(text).map_err(|e| Error::MalformedMessage {
        reason: e.to_string(),
    })
}

impl ClientMessage {
    pub fn to_json(&self) -> String {
        // Not `expect`, which would keep serde_json's error `Debug` in every page's wasm.
        serde_json::to_string(self)
            .unwrap_or_else(|_| unreachable!("client messages always serialise"))
    }

    pub fn from_json(text: &str) -> Result<Self, Error> {
        decode(text, MAX_PORT_MESSAGE_BYTES)
    }
}

impl ServerMessage {
    /// The message's JSON, as its `Serialize` writes it, put together as text (`wire.rs`).
    pub fn to_json(&self) -> String {
        wire::server_message_json(self)
    }

    pub fn from_json(text: &str) -> Result<Self, Error> {
        Self::from_json_as::<Response, Push>(text)
    }

    /// As [`ServerMessage::from_json`], with a response read as `R` and a push as `P`: a page's
    /// subsets of [`Response`] and [`Push`] (`pages.rs`: [`PopupResponse`], [`OptionsResponse`]
    /// and [`OptionsPush`]), which refuse messages of any other kind as unreadable.
    pub fn from_json_as<R, P>(text: &str) -> Result<Self, Error>
    where
        R: serde::de::DeserializeOwned + Into<Response>,
        P: serde::de::DeserializeOwned + Into<Push>,
    {
        // Structs as objects only, which is all the background writes (`objects.rs`).
        decode_objects::<wire::Reading<R, P>>(text, MAX_SERVER_MESSAGE_BYTES)
            .map(|reading| reading.0)
    }

    /// The `id` of a response that could not be decoded whole, so the page can fail that one
    /// request instead of waiting for it forever.
    pub fn response_id(text: &str) -> Option<u64> {
        #[derive(Deserialize)]
        struct IdOnly {
            kind: String,
            id: u64,
        }
        let head: IdOnly = objects::from_str(text).ok()?;
        (head.kind == "response").then_some(head.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_responses_kind_is_the_name_its_debug_starts_with() {
        let hash = BlobHash::from_bytes([3; 32]);
        for response in [
            Response::Subscribed,
            Response::Deleted(vec![EventId::from_bytes([1; 32])]),
            Response::BlobPending(hash),
            Response::ImageStored(hash),
            Response::Following(vec![]),
            Response::WorkNeeded {
                prefix: "AA==".into(),
                bits: 8,
                timestamp: 1,
                strangers: 2,
            },
        ] {
            let debug = format!("{response:?}");
            assert_eq!(
                debug.split(['(', ' ', '{']).next(),
                Some(response.kind()),
                "{debug}"
            );
        }
    }

    #[test]
    fn requests_round_trip_as_documented_json() {
        let message = ClientMessage {
            id: 7,
            request: Request::Post {
                text: "hello".into(),
                reply_to: None,
                images: Vec::new(),
                mentions: vec![],
                work: None,
            },
        };
        let json = message.to_json();
        assert_eq!(
            json,
            r#"{"id":7,"request":{"method":"post","params":{"text":"hello","reply_to":null}}}"#
        );
        assert_eq!(ClientMessage::from_json(&json).unwrap(), message);
        let unit = ClientMessage {
            id: 1,
            request: Request::GetIdentity,
        };
        assert_eq!(
            unit.to_json(),
            r#"{"id":1,"request":{"method":"get_identity"}}"#
        );
    }

    #[test]
    fn a_post_with_work_carries_it_beside_its_fields() {
        let message = ClientMessage {
            id: 3,
            request: Request::Post {
                text: "hi".into(),
                reply_to: None,
                images: Vec::new(),
                mentions: vec![],
                work: Some(FoundWork {
                    timestamp: 1_767_225_600_000,
                    bits: 20,
                    nonce: 9_007_199_254_740_991,
                }),
            },
        };
        let json = message.to_json();
        assert_eq!(
            json,
            r#"{"id":3,"request":{"method":"post","params":{"text":"hi","reply_to":null,"work":{"timestamp":1767225600000,"bits":20,"nonce":9007199254740991}}}}"#
        );
        assert_eq!(ClientMessage::from_json(&json).unwrap(), message);
    }

    #[test]
    fn archive_and_retention_requests_read_as_documented() {
        let import = ClientMessage::from_json(
            r#"{"id":19,"request":{"method":"import_events","params":{"events":["x"]}}}"#,
        )
        .unwrap();
        assert_eq!(
            import.request,
            Request::ImportEvents {
                events: vec!["x".into()],
                first_line: 1
            },
            "first_line defaults to 1"
        );
        let retention = ClientMessage::from_json(
            r#"{"id":18,"request":{"method":"set_retention","params":{"retention":{"others_days":7,"others_mb":20}}}}"#,
        )
        .unwrap();
        assert_eq!(
            retention.request,
            Request::SetRetention {
                retention: RetentionSettings {
                    others_days: 7,
                    others_mb: 20
                }
            }
        );
        let old_stats: StorageStats =
            serde_json::from_str(r#"{"events":1,"posts":1,"authors":1,"bytes":9}"#).unwrap();
        assert_eq!((old_stats.pruned, old_stats.wasm_memory_bytes), (0, 0));
    }

    #[test]
    fn responses_carry_results_and_errors() {
        let ok = ServerMessage::Response {
            id: 3,
            result: Ok(Response::Subscribed),
        };
        assert_eq!(
            ok.to_json(),
            r#"{"kind":"response","id":3,"result":{"Ok":{"type":"subscribed"}}}"#
        );
        assert_error_json(
            4,
            ApiError::EmptyPost,
            r#"{"kind":"response","id":4,"result":{"Err":{"code":"empty_post"}}}"#,
        );
    }

    /// An error response has exactly `expected` as its JSON and decodes back to itself.
    fn assert_error_json(id: u64, error: ApiError, expected: &str) {
        let message = ServerMessage::Response {
            id,
            result: Err(error),
        };
        let json = message.to_json();
        assert_eq!(json, expected);
        assert_eq!(ServerMessage::from_json(&json).unwrap(), message);
    }

    #[test]
    fn requests_travel_as_method_and_params_in_either_order() {
        let get_feed = ClientMessage {
            id: 7,
            request: Request::GetFeed {
                before: None,
                limit: 20,
            },
        };
        let text = get_feed.to_json();
        assert_eq!(
            text,
            r#"{"id":7,"request":{"method":"get_feed","params":{"before":null,"limit":20}}}"#
        );
        assert_eq!(ClientMessage::from_json(&text).unwrap(), get_feed);
        let swapped =
            r#"{"id":7,"request":{"params":{"limit":20,"before":null},"method":"get_feed"}}"#;
        assert_eq!(ClientMessage::from_json(swapped).unwrap(), get_feed);
        let plain = ClientMessage {
            id: 1,
            request: Request::GetIdentity,
        };
        assert_eq!(
            plain.to_json(),
            r#"{"id":1,"request":{"method":"get_identity"}}"#
        );
        for text in [
            r#"{"id":1,"request":{"method":"get_identity"}}"#,
            r#"{"id":1,"request":{"method":"get_identity","params":null}}"#,
            r#"{"id":1,"request":{"method":"get_identity","extra":1}}"#,
        ] {
            assert_eq!(ClientMessage::from_json(text).unwrap(), plain);
        }
        for refused in [
            r#"{"id":1,"request":{"method":"launch_rockets"}}"#,
            r#"{"id":1,"request":{"method":"get_feed"}}"#,
            r#"{"id":1,"request":{"method":"get_feed","params":{"limit":"many"}}}"#,
            r#"{"id":1,"request":{"method":"x\":{},\"get_identity"}}"#,
            r#"{"id":1,"request":{"params":{}}}"#,
        ] {
            assert!(
                matches!(
                    ClientMessage::from_json(refused),
                    Err(Error::MalformedMessage { .. })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn malformed_and_oversized_messages_are_typed_errors() {
        assert!(matches!(
            ClientMessage::from_json("{\"id\":1}"),
            Err(Error::MalformedMessage { .. })
        ));
        assert!(matches!(
            ClientMessage::from_json(r#"{"id":1,"request":{"method":"steal_key"}}"#),
            Err(Error::MalformedMessage { .. })
        ));
        let huge = format!(
            r#"{{"id":1,"request":{{"method":"post","params":{{"text":"{}"}}}}}}"#,
            "a".repeat(MAX_PORT_MESSAGE_BYTES)
        );
        assert!(matches!(
            ClientMessage::from_json(&huge),
            Err(Error::MalformedMessage { .. })
        ));
    }

    #[test]
    fn a_full_feed_page_of_worst_case_posts_fits_a_server_message() {
        let identity = phemossa_core::Identity::from_seed([1; 32]);
        let item = FeedItem {
            id: EventId::from_bytes([7; 32]),
            author: identity.public_key(),
            author_short: identity.public_key().short(),
            timestamp: 1,
            // A control character JSON-escapes to six bytes: the worst case per character.
            text: "\u{1}".repeat(phemossa_core::limits::MAX_POST_CHARS),
            mentions: vec![identity.public_key(); phemossa_core::limits::MAX_MENTIONS],
            reply_to: Some(EventId::from_bytes([8; 32])),
            images: vec![
                FeedImage {
                    blob: BlobHash::from_bytes([9; 32]),
                    alt: "\u{1}".repeat(phemossa_core::limits::MAX_ALT_CHARS),
                };
                phemossa_core::limits::MAX_IMAGES_PER_POST
            ],
            own: false,
            muted_word: None,
            replies: u32::MAX,
            // The longest emoji the grammar allows, as many as are told apart.
            reactions: vec![
                ReactionCount {
                    emoji: "🏳\u{fe0f}\u{200d}".repeat(5) + "🌈",
                    count: u32::MAX,
                    mine: true,
                };
                phemossa_core::reactions::MAX_REACTION_KINDS
            ],
            original: None,
            reposted: Some(EventId::from_bytes([6; 32])),
        };
        // A repost of it: the worst case of a feed item, its own fields beside the original's.
        let item = FeedItem {
            original: Some(Box::new(item.clone())),
            text: String::new(),
            mentions: Vec::new(),
            reply_to: None,
            images: Vec::new(),
            reactions: Vec::new(),
            ..item
        };
        let thread = ServerMessage::Response {
            id: 1,
            result: Ok(Response::Thread(ThreadPage {
                root: item.clone(),
                root_is_reply: true,
                replies: vec![
                    ThreadReply {
                        item: item.clone(),
                        depth: u32::MAX,
                    };
                    MAX_THREAD_REPLIES
                ],
                hidden: u32::MAX,
                cut_short: true,
            })),
        };
        let json = thread.to_json();
        assert!(
            json.len() > MAX_SERVER_MESSAGE_BYTES * 3 / 4,
            "the thread case is really large: {} bytes",
            json.len()
        );
        assert_eq!(ServerMessage::from_json(&json).unwrap(), thread);
        let page = ServerMessage::Response {
            id: 1,
            result: Ok(Response::FeedPage(FeedPage {
                items: vec![item; MAX_FEED_PAGE as usize],
                next: None,
            })),
        };
        let json = page.to_json();
        assert!(
            json.len() > MAX_SERVER_MESSAGE_BYTES / 4,
            "the case is really large: {} bytes",
            json.len()
        );
        assert_eq!(ServerMessage::from_json(&json).unwrap(), page);
    }

    #[test]
    fn an_undecodable_response_still_yields_its_id() {
        let text = r#"{"kind":"response","id":42,"result":{"Ok":{"type":"from_the_future"}}}"#;
        assert!(ServerMessage::from_json(text).is_err());
        assert_eq!(ServerMessage::response_id(text), Some(42));
        assert_eq!(
            ServerMessage::response_id(r#"{"kind":"push","id":1}"#),
            None
        );
        assert_eq!(ServerMessage::response_id("garbage"), None);
    }

    #[test]
    fn core_errors_map_to_words_a_person_can_act_on() {
        let error = ApiError::from(Error::TextTooLong {
            chars: 1200,
            max: 1000,
        });
        assert!(error.to_string().contains("too long"));
        let error = ApiError::from(Error::WrongKeyLength {
            field: "followee",
            len: 3,
        });
        assert!(error.to_string().contains("not a valid public key"));
        assert!(ApiError::from(Error::SelfFollow)
            .to_string()
            .contains("yourself"));
        assert!(ApiError::EmptyPost.to_string().contains("empty"));
        assert!(ApiError::WrongPassphrase
            .to_string()
            .contains("Wrong passphrase"));
        assert_eq!(
            ApiError::IdentityChanged.to_string(),
            "Your identity changed since you opened this backup (another tab restored one). \
             Nothing was replaced; check the keys and try again."
        );
    }

    #[test]
    fn a_restore_names_the_identity_it_replaces() {
        let replaces = phemossa_core::Identity::from_seed([1; 32]).public_key();
        let message = ClientMessage {
            id: 12,
            request: Request::RestoreBackup {
                backup: "{}".into(),
                passphrase: "correct horse battery".into(),
                replaces,
            },
        };
        let json = message.to_json();
        assert_eq!(
            json,
            format!(
                r#"{{"id":12,"request":{{"method":"restore_backup","params":{{"backup":"{{}}","passphrase":"correct horse battery","replaces":"{replaces}"}}}}}}"#
            )
        );
        assert_eq!(ClientMessage::from_json(&json).unwrap(), message);
        // A page that does not say which identity it replaces is refused, never obeyed.
        let unnamed = r#"{"id":12,"request":{"method":"restore_backup","params":{"backup":"{}","passphrase":"correct horse battery"}}}"#;
        assert!(matches!(
            ClientMessage::from_json(unnamed),
            Err(Error::MalformedMessage { .. })
        ));
        assert_error_json(
            12,
            ApiError::IdentityChanged,
            r#"{"kind":"response","id":12,"result":{"Err":{"code":"identity_changed"}}}"#,
        );
    }
}
