//! What the document asks the store worker ([`Request`]) and what it answers ([`Answer`]).
//! Each request is one transaction or one read in the worker, so a sync's page listing, an
//! insert batch and a `missing_ids` call each cost one message each way.

use phemossa_core::blob::BlobKind;
use phemossa_core::reactions::StoredReaction;
use phemossa_core::retention::RetentionSettings;
use phemossa_core::{EventId, FollowRecord, PublicKey};
use phemossa_sync::{Cursor, Scope};
use serde::{Deserialize, Serialize};

use crate::records::wire;
use crate::{
    AuthorTotals, BackupRecord, ByteString, Bytes32, Nickname, Notification, PagedEvent, PeerPage,
    PeerRecord, Setting, StoredPost, StoredProfile, StoredThread, Totals,
};

/// One question or batch for the store worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Store these events, as one batch in one transaction (`Store::insert_batch`): each
    /// event's wire JSON, already validated by the document at `now_ms`, and the (id,
    /// signature) pairs whose signatures it checked (`check_batch::PAIR_BYTES` each). The
    /// worker builds each `Event` again through `Event::from_json_remembering` with those
    /// pairs, so it re-checks everything but the signatures it was told of: the store only
    /// holds what core validated, for about 5 µs an event rather than a signature's 70 µs.
    Insert {
        events: Vec<ByteString>,
        verified: ByteString,
        now_ms: u64,
    },
    /// Up to `limit` ids in the scope (`authors`, `since`) strictly after `after`, in
    /// (timestamp, id) order (`Store::list_ids`).
    ListIds {
        authors: Option<Vec<Bytes32>>,
        since: Option<u64>,
        after: Option<(u64, Bytes32)>,
        limit: u32,
    },
    /// Which of these ids are neither stored, superseded nor withdrawn (`Store::missing_ids`).
    MissingIds { ids: Vec<Bytes32> },
    /// The stored wire JSON of these ids, those held only (`Store::load_json`).
    LoadJson { ids: Vec<Bytes32> },
    /// How many events are stored.
    EventCount,

    // The rest of the store's queries and writes, one request per `Store` method of the same
    // name, answered as its doc says. Keys are checked in the worker (`PublicKey::from_bytes`;
    // one that is not a key is a `BadRequest`); limits are u32, as no page is longer.

    // The feed and pages of every event.
    /// `Store::feed_page`, answered [`Answer::FeedPage`].
    FeedPage {
        authors: Vec<Bytes32>,
        before: Option<(u64, Bytes32)>,
        limit: u32,
    },
    /// `Store::without_withdrawn`, answered [`Answer::Posts`].
    WithoutWithdrawn { posts: Vec<StoredPost> },
    /// `Store::post`, answered [`Answer::Post`].
    Post { id: Bytes32 },
    /// `Store::events_after`, answered [`Answer::Events`].
    EventsAfter { after: Option<Bytes32>, limit: u32 },

    // Threads and what peers ask of them.
    /// `Store::reply_counts`, answered [`Answer::ReplyCounts`].
    ReplyCounts { ids: Vec<Bytes32> },
    /// `Store::replies_after`, answered [`Answer::PeerPage`].
    RepliesAfter {
        parents: Vec<Bytes32>,
        after: Option<(u64, Bytes32)>,
        limit: u32,
    },
    /// `Store::addressed_after`, answered [`Answer::PeerPage`].
    AddressedAfter {
        person: Bytes32,
        after: (u64, Bytes32),
        limit: u32,
    },
    /// `Store::thread`, answered [`Answer::Thread`].
    Thread { id: Bytes32, limit: u32 },

    // Reactions and reposts.
    /// `Store::reactions_to`, answered [`Answer::Reactions`].
    ReactionsTo { posts: Vec<Bytes32> },
    /// `Store::reposts_of`, answered [`Answer::Reposts`].
    RepostsOf {
        author: Bytes32,
        posts: Vec<Bytes32>,
    },

    // People.
    /// `Store::follow_records`, answered [`Answer::FollowRecords`].
    FollowRecords { follower: Bytes32 },
    /// `Store::records_following`, answered [`Answer::FollowRecords`].
    RecordsFollowing { followee: Bytes32 },
    /// `Store::following`, answered [`Answer::FollowRecords`].
    Following { follower: Bytes32 },
    /// `Store::followers`, answered [`Answer::FollowRecords`].
    Followers { followee: Bytes32 },
    /// `Store::profiles_of`, answered [`Answer::Profiles`].
    ProfilesOf { authors: Vec<Bytes32> },
    /// `Store::nicknames`, answered [`Answer::Nicknames`].
    Nicknames,
    /// `Store::nickname_of`, answered [`Answer::Text`].
    NicknameOf { author: Bytes32 },
    /// `Store::set_nickname` (`None` forgets it), answered [`Answer::Done`].
    SetNickname {
        author: Bytes32,
        nickname: Option<String>,
    },

    // Running totals. `Store::has_room` has no request: its `Room` is the caller's memory, so
    // the caller asks [`Request::Totals`] and calls `Room::has_room` with their `bytes`, which
    // is all `has_room` does.
    /// `Store::totals`, answered [`Answer::Totals`].
    Totals,
    /// `Store::stored_bytes_of`, answered [`Answer::Counts`].
    StoredBytesOf { authors: Vec<Bytes32> },
    /// `Store::author_totals`, answered [`Answer::AuthorTotals`].
    AuthorTotals,

    // Notifications.
    /// `Store::set_user`, answered [`Answer::Done`].
    SetUser { user: Bytes32 },
    /// `Store::user`, answered [`Answer::User`].
    User,
    /// `Store::notifications`, answered [`Answer::Notifications`].
    Notifications { limit: u32 },
    /// `Store::unread_notifications`, answered [`Answer::Notifications`].
    UnreadNotifications,
    /// `Store::mark_notifications_read`, answered [`Answer::Done`].
    MarkNotificationsRead,
    /// `Store::remove_notifications`, answered [`Answer::Done`].
    RemoveNotifications { ids: Vec<Bytes32> },

    // Pictures.
    /// `Store::put_blob`, answered [`Answer::Done`]; bytes that are not the blob `hash` names
    /// are [`FailureKind::Refused`].
    PutBlob {
        hash: Bytes32,
        #[serde(with = "wire::blob_kind")]
        kind: BlobKind,
        bytes: ByteString,
        stored_ms: u64,
    },
    /// `Store::blob`, answered [`Answer::Bytes`].
    Blob { hash: Bytes32 },
    /// `Store::held_blobs`, answered [`Answer::Flags`].
    HeldBlobs { hashes: Vec<Bytes32> },
    /// `Store::sweep_blobs`, answered [`Answer::Removed`].
    SweepBlobs { stored_before: u64 },

    // Settings, the device key, the backup record and peers.
    /// `Store::setting`, answered [`Answer::Text`].
    Setting { setting: Setting },
    /// `Store::save_setting`, answered [`Answer::Done`].
    SaveSetting { setting: Setting, json: String },
    /// `Store::device_key`, answered [`Answer::Bytes`].
    DeviceKey,
    /// `Store::save_device_key`, answered [`Answer::Done`].
    SaveDeviceKey { protobuf: ByteString },
    /// `Store::backup_record`, answered [`Answer::Backup`].
    BackupRecord,
    /// `Store::save_backup_record`, answered [`Answer::Done`].
    SaveBackupRecord { record: BackupRecord },
    /// `Store::peer_records`, answered [`Answer::Peers`].
    PeerRecords,
    /// `Store::save_peer`, answered [`Answer::Done`].
    SavePeer { record: PeerRecord },
    /// `Store::forget_peers`, answered [`Answer::Done`].
    ForgetPeers { peer_ids: Vec<String> },

    // Search.
    /// `Store::index_pending`, answered [`Answer::Count`] (posts taken).
    IndexPending { limit: u32 },
    /// `Store::search_pending`, answered [`Answer::Count`] (posts waiting).
    SearchPending,
    /// `Store::search_posts`, answered [`Answer::Posts`].
    SearchPosts {
        query_words: Vec<String>,
        limit: u32,
    },
    /// `Store::search_post_ids`, answered [`Answer::EventIds`].
    SearchPostIds {
        query_words: Vec<String>,
        limit: u32,
    },

    // Keeping people out.
    /// `Store::counts_by_author_day`, answered [`Answer::Counts`].
    CountsByAuthorDay { days: Vec<(Bytes32, u64)> },
    /// `Store::ids_of_author`, answered [`Answer::EventIds`].
    IdsOfAuthor { author: Bytes32 },
    /// `Store::remove_blocked`, answered [`Answer::Removed`].
    RemoveBlocked { ids: Vec<Bytes32> },

    // Retention. `Store::plan_prune` and `Store::prune` take a closure saying whose events are
    // kept; a message cannot carry one, so the document sends what it decides: the authors it
    // keeps (the user and those they follow, `kept` in the background's pruner). Any author
    // not listed is pruned as the settings say.
    /// `Store::plan_prune` with `kept` listed, answered [`Answer::PrunePlan`].
    PlanPrune {
        kept: Vec<Bytes32>,
        settings: RetentionSettings,
        now_ms: u64,
    },
    /// `Store::prune_events`, answered [`Answer::Removed`].
    PruneEvents { ids: Vec<Bytes32> },
    /// `Store::prune` with `kept` listed, answered [`Answer::Removed`]. Unlike the others it
    /// is one transaction per `PRUNE_BATCH` events, as the store's call is, so a long prune
    /// never holds the store for long.
    Prune {
        kept: Vec<Bytes32>,
        settings: RetentionSettings,
        now_ms: u64,
    },
}

impl Request {
    /// A listing of `scope` after `after`, as [`Request::ListIds`]. A limit past `u32::MAX` is
    /// sent as `u32::MAX`: no page is that long anyway.
    pub fn list_ids(scope: &Scope, after: Option<Cursor>, limit: usize) -> Self {
        Request::ListIds {
            authors: scope
                .authors
                .as_ref()
                .map(|authors| authors.iter().map(|key| Bytes32::from(*key)).collect()),
            since: scope.since,
            after: after.map(|cursor| (cursor.timestamp, cursor.id.into())),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        }
    }

    /// As [`Request::MissingIds`].
    pub fn missing_ids(ids: &[EventId]) -> Self {
        Request::MissingIds {
            ids: ids.iter().map(|id| Bytes32::from(*id)).collect(),
        }
    }

    /// As [`Request::LoadJson`].
    pub fn load_json(ids: &[EventId]) -> Self {
        Request::LoadJson {
            ids: ids.iter().map(|id| Bytes32::from(*id)).collect(),
        }
    }
}

/// The store worker's answer to one [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// For an [`Request::Insert`]: for each event, whether it was new.
    Inserted { new: Vec<bool> },
    /// For a [`Request::ListIds`]: the page's (timestamp, id) in order, and whether more follow.
    Ids {
        page: Vec<(u64, Bytes32)>,
        more: bool,
    },
    /// For a [`Request::MissingIds`].
    Missing { ids: Vec<Bytes32> },
    /// For a [`Request::LoadJson`]: each held id with its wire JSON.
    Loaded { events: Vec<(Bytes32, ByteString)> },
    /// For a [`Request::EventCount`], [`Request::IndexPending`] and [`Request::SearchPending`].
    Count { events: u64 },
    /// A write that returns nothing did it.
    Done,
    /// How many a removal removed (events, or pictures for [`Request::SweepBlobs`]).
    Removed { count: u64 },
    /// A number for each item asked of, in the order asked ([`Request::StoredBytesOf`],
    /// [`Request::CountsByAuthorDay`]).
    Counts { counts: Vec<u64> },
    /// A yes or no for each item asked of, in the order asked ([`Request::HeldBlobs`]).
    Flags { flags: Vec<bool> },
    /// Ids, in the order the request's store call gives them.
    EventIds { ids: Vec<Bytes32> },
    /// Text, if any is stored ([`Request::NicknameOf`], [`Request::Setting`]).
    Text { text: Option<String> },
    /// Bytes, if any are stored ([`Request::Blob`], [`Request::DeviceKey`]).
    Bytes { bytes: Option<ByteString> },
    /// For a [`Request::FeedPage`]: the page, and where the next starts if older posts remain.
    FeedPage {
        posts: Vec<StoredPost>,
        next: Option<(u64, Bytes32)>,
    },
    /// Posts ([`Request::WithoutWithdrawn`], [`Request::SearchPosts`]).
    Posts { posts: Vec<StoredPost> },
    /// For a [`Request::Post`].
    Post { post: Option<StoredPost> },
    /// For a [`Request::EventsAfter`].
    Events { events: Vec<PagedEvent> },
    /// For a [`Request::ReplyCounts`].
    ReplyCounts { counts: Vec<u32> },
    /// For a [`Request::RepliesAfter`] or [`Request::AddressedAfter`].
    PeerPage(PeerPage),
    /// For a [`Request::Thread`].
    Thread { thread: Option<StoredThread> },
    /// For a [`Request::ReactionsTo`]: each post's reactions, oldest first.
    Reactions {
        #[serde(with = "wire::reaction_lists")]
        lists: Vec<Vec<StoredReaction>>,
    },
    /// For a [`Request::RepostsOf`]: for each post, the author's repost of it, if any.
    Reposts { ids: Vec<Option<Bytes32>> },
    /// Follow records ([`Request::FollowRecords`] and the three like it).
    FollowRecords {
        #[serde(with = "wire::follow_records")]
        records: Vec<FollowRecord>,
    },
    /// For a [`Request::ProfilesOf`].
    Profiles { profiles: Vec<StoredProfile> },
    /// For a [`Request::Nicknames`].
    Nicknames { nicknames: Vec<Nickname> },
    /// For a [`Request::Totals`].
    Totals(Totals),
    /// For a [`Request::AuthorTotals`].
    AuthorTotals { totals: Vec<AuthorTotals> },
    /// For a [`Request::User`].
    User {
        #[serde(with = "crate::bytes::fixed_option")]
        user: Option<PublicKey>,
    },
    /// For a [`Request::Notifications`] or [`Request::UnreadNotifications`].
    Notifications { notifications: Vec<Notification> },
    /// For a [`Request::BackupRecord`].
    Backup { record: Option<BackupRecord> },
    /// For a [`Request::PeerRecords`].
    Peers { peers: Vec<PeerRecord> },
    /// For a [`Request::PlanPrune`]: the events to remove, oldest first, and their bytes.
    PrunePlan { remove: Vec<Bytes32>, bytes: u64 },
    /// The request did nothing: why, in words for the Storage section, and of which kind.
    Failed(Failure),
}

impl Answer {
    /// A listing's page in sync's types.
    pub fn cursors(page: &[(u64, Bytes32)]) -> Vec<Cursor> {
        page.iter()
            .map(|(timestamp, id)| Cursor {
                timestamp: *timestamp,
                id: EventId::from(*id),
            })
            .collect()
    }
}

/// Why a request did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    /// What went wrong, in words.
    pub message: String,
}

/// What kind of failure: what the document does next depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// The message did not decode, or named something that is not an id or key: a bug in the
    /// document, never retried.
    BadRequest,
    /// An event of an insert batch did not validate in the worker as it had in the document.
    /// Nothing of the batch was stored.
    Refused,
    /// The store could not be opened or is in use by another worker (a previous document's,
    /// not yet released): retried with backoff.
    Unavailable,
    /// The store was written by a newer version of Phemossa.
    NewerSchema,
    /// SQLite or the file system failed (the disk full, a damaged row): said in the Storage
    /// section.
    Storage,
}
