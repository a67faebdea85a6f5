//! The one error type of the core: every way input can be wrong, named for where it went wrong.

use thiserror::Error;

/// What went wrong, and where. Variants carry the field or value at fault so a message shown to
/// a person, or a counter of a peer's bad input, can say exactly why something was refused.
#[derive(Debug, PartialEq, Eq, Error)]
pub enum Error {
    #[error("event is {bytes} bytes, more than the {max}-byte limit")]
    EventTooLarge { bytes: usize, max: usize },
    #[error("event is not well-formed JSON of the expected shape: {reason}")]
    MalformedEvent { reason: String },
    #[error(
        "event format version {version} is not supported (this implementation reads version 1)"
    )]
    UnsupportedVersion { version: u32 },
    #[error("unknown event type {type_name:?}")]
    UnknownType { type_name: String },
    #[error("content of a {type_name} event is malformed: {reason}")]
    MalformedContent {
        type_name: &'static str,
        reason: String,
    },
    #[error("{field} is not valid base64")]
    MalformedBase64 { field: &'static str },
    #[error("{field} must be a 32-byte public key, got {len} bytes")]
    WrongKeyLength { field: &'static str, len: usize },
    #[error("{field} is not a valid ed25519 public key")]
    InvalidKey { field: &'static str },
    #[error("signature must be 64 bytes, got {len} bytes")]
    WrongSignatureLength { len: usize },
    #[error("{field} must be 64 lowercase hex characters (a SHA-256 id)")]
    MalformedId { field: &'static str },
    #[error("id does not match the event's content: claimed {claimed}, computed {computed}")]
    IdMismatch { claimed: String, computed: String },
    #[error("signature does not verify against the author's key")]
    BadSignature,
    #[error("work must claim 1 to 32 bits with a nonce up to 2^53 - 1, not {bits} bits and nonce {nonce}")]
    MalformedWork { bits: u8, nonce: u64 },
    #[error(
        "the event claims {claimed} bits of work, but its id starts with only {found} zero bits"
    )]
    WorkNotDone { claimed: u8, found: u32 },
    #[error("post text is empty")]
    EmptyText,
    #[error("post text has {chars} characters, more than the {max}-character limit")]
    TextTooLong { chars: usize, max: usize },
    #[error("post mentions {count} keys, more than the limit of {max}")]
    TooManyMentions { count: usize, max: usize },
    #[error("timestamp {timestamp} is more than {max_skew_ms} ms ahead of now ({now})")]
    TimestampInFuture {
        timestamp: u64,
        now: u64,
        max_skew_ms: u64,
    },
    #[error("timestamp {timestamp} is beyond the largest allowed value")]
    TimestampOutOfRange { timestamp: u64 },
    #[error("followee is not a valid public key: {reason}")]
    InvalidFollowee { reason: String },
    #[error("a key cannot follow or unfollow itself")]
    SelfFollow,
    #[error("display name is empty")]
    EmptyName,
    #[error("display name has {chars} characters, more than the {max}-character limit")]
    NameTooLong { chars: usize, max: usize },
    #[error("display name holds {what} (U+{codepoint:04X}), which names may not contain")]
    InvalidName { what: &'static str, codepoint: u32 },
    #[error("about text has {chars} characters, more than the {max}-character limit")]
    AboutTooLong { chars: usize, max: usize },
    #[error("backup file is damaged or not a Phemossa backup: {reason}")]
    DamagedBackup { reason: String },
    #[error("wrong passphrase for this backup file")]
    WrongPassphrase,
    #[error("passphrase is too short: at least {min} characters")]
    WeakPassphrase { min: usize },
    #[error("line {line} of {setting} is invalid: {reason}")]
    InvalidSetting {
        setting: &'static str,
        line: usize,
        reason: String,
    },
    #[error("port message is malformed: {reason}")]
    MalformedMessage { reason: String },
    #[error("feed cursor is malformed: {reason}")]
    MalformedCursor { reason: String },
    #[error("sync message is {bytes} bytes, more than the {max}-byte limit")]
    SyncMessageTooLarge { bytes: usize, max: usize },
    #[error("sync message is malformed: {reason}")]
    MalformedSyncMessage { reason: String },
    #[error("unknown sync message kind {kind}")]
    UnknownSyncMessage { kind: u64 },
    #[error("sync message lists {count} ids, more than the limit of {max}")]
    TooManyIds { count: usize, max: usize },
    #[error("sync message carries {count} events, more than the limit of {max}")]
    TooManyEvents { count: usize, max: usize },
    #[error("sync scope names {count} authors, more than the limit of {max}")]
    TooManyAuthors { count: usize, max: usize },
    #[error("peer sent what was not asked for: {reason}")]
    UnexpectedSyncMessage { reason: String },
    #[error("peer did not answer after {attempts} attempts")]
    SyncTimeout { attempts: u32 },
    #[error("pull stopped at the per-pull limit of {max} {what}")]
    PullTooLong { what: &'static str, max: u64 },
    #[error("sync-response lists no ids but names a next cursor")]
    EmptySyncPage,
    #[error("pull stopped at its deadline, {max_ms} ms after it started")]
    PullDeadline { max_ms: u64 },
    #[error("pull stopped after {idle_ms} ms without progress, to free its slot")]
    PullStalled { idle_ms: u64 },
    /// This node's own store failed a read a pull needed: the pull ends, is retried like any
    /// failed pull, and nothing is counted against the peer, who did nothing wrong.
    #[error("pull stopped: this browser's storage failed ({reason})")]
    LocalStoreFailed { reason: String },
    #[error(
        "sync cursor timestamp {timestamp} is more than {max_skew_ms} ms ahead of now ({now})"
    )]
    SyncCursorInFuture {
        timestamp: u64,
        now: u64,
        max_skew_ms: u64,
    },
    #[error("set reconciliation message is malformed: {reason}")]
    MalformedReconciliation { reason: String },
    #[error("peer reconciles with negentropy protocol version {version:#04x}, not 0x61")]
    UnsupportedReconciliationVersion { version: u8 },
    #[error("peer refused to go on with the reconciliation")]
    ReconciliationRefused,
    #[error("{count} events in the sync scope, more than the {max} one reconciliation holds")]
    ReconcileSetTooLarge { count: usize, max: usize },
    /// An invite (crate::invite) that cannot be read; the reason is said for the person who
    /// pasted it ("the invite's checksum does not match: a character was mistyped or lost").
    #[error("{reason}")]
    MalformedInvite { reason: String },
    #[error("a post with images holds {count} of them; it must hold 1 to {max}")]
    ImageCount { count: usize, max: usize },
    #[error("an image description has {chars} characters, more than the {max}-character limit")]
    AltTooLong { chars: usize, max: usize },
    /// A `delete` that names no event, more than the limit, or one event twice.
    #[error("a delete names {reason}; it must name 1 to {max} different events")]
    DeleteTargets { reason: String, max: usize },
    /// A delete naming an event this node stores that is not its author's (protocol.md §5.2).
    #[error("a delete names event {target}, which is not its author's")]
    DeleteNotOwn { target: String },
    /// A reaction naming a stored event whose author is not its `target_author` (§5.3).
    #[error("a reaction names event {target} as someone else's")]
    ReactionTargetMismatch { target: String },
    /// A reaction that is not one grapheme (an emoji, a letter) of at most the byte limit, or is
    /// white space or a control character.
    #[error("a reaction must be one emoji or other single character: {reason}")]
    InvalidEmoji { reason: String },
    /// A repost whose original is not a post or a post with images (§5.4).
    #[error("a repost must embed a post, not a {type_name:?} event")]
    RepostNotOfPost { type_name: String },
    /// A repost whose embedded original fails validation: its signature, its id, its fields.
    #[error("a repost's original is invalid: {reason}")]
    RepostOriginalInvalid { reason: String },
    #[error("a repost at {repost} is older than its original at {original}")]
    RepostBeforeOriginal { original: u64, repost: u64 },
    #[error("blob message is malformed: {reason}")]
    MalformedBlobMessage { reason: String },
    /// A message of the owner protocol (docs/protocol.md §13) that does not decode.
    #[error("owner message is malformed: {reason}")]
    MalformedOwnerMessage { reason: String },
    #[error("blob is {bytes} bytes, more than the {max}-byte limit for {what}")]
    BlobTooLarge {
        bytes: u64,
        max: u64,
        what: &'static str,
    },
    #[error("blob bytes hash to {computed}, not to the {expected} that was asked for")]
    BlobHashMismatch { expected: String, computed: String },
    /// A picture a person chose that is not a PNG, JPEG, WebP or GIF image (crate::blob).
    #[error("{what} is not a PNG, JPEG, WebP or GIF image")]
    NotAnImage { what: &'static str },
    /// A batch of events or of checked pairs between the background and a signature worker
    /// (`event::check_batch`) that does not decode: cut short, or over its limits.
    #[error("signature-check batch is malformed: {reason}")]
    MalformedCheckBatch { reason: String },
}

impl Error {
    /// A stable, machine-readable name for the kind of error: used in test vectors, counters of
    /// a peer's bad input, and logs. Never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EventTooLarge { .. } => "event_too_large",
            Error::MalformedEvent { .. } => "malformed_event",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::UnknownType { .. } => "unknown_type",
            Error::MalformedContent { .. } => "malformed_content",
            Error::MalformedBase64 { .. } => "malformed_base64",
            Error::WrongKeyLength { .. } => "wrong_key_length",
            Error::InvalidKey { .. } => "invalid_key",
            Error::WrongSignatureLength { .. } => "wrong_signature_length",
            Error::MalformedId { .. } => "malformed_id",
            Error::IdMismatch { .. } => "id_mismatch",
            Error::BadSignature => "bad_signature",
            Error::MalformedWork { .. } => "malformed_work",
            Error::WorkNotDone { .. } => "work_not_done",
            Error::EmptyText => "empty_text",
            Error::TextTooLong { .. } => "text_too_long",
            Error::TooManyMentions { .. } => "too_many_mentions",
            Error::TimestampInFuture { .. } => "timestamp_in_future",
            Error::TimestampOutOfRange { .. } => "timestamp_out_of_range",
            Error::InvalidFollowee { .. } => "invalid_followee",
            Error::SelfFollow => "self_follow",
            Error::EmptyName => "empty_name",
            Error::NameTooLong { .. } => "name_too_long",
            Error::InvalidName { .. } => "invalid_name",
            Error::AboutTooLong { .. } => "about_too_long",
            Error::DamagedBackup { .. } => "damaged_backup",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::WeakPassphrase { .. } => "weak_passphrase",
            Error::InvalidSetting { .. } => "invalid_setting",
            Error::MalformedMessage { .. } => "malformed_message",
            Error::MalformedCursor { .. } => "malformed_cursor",
            Error::SyncMessageTooLarge { .. } => "sync_message_too_large",
            Error::MalformedSyncMessage { .. } => "malformed_sync_message",
            Error::UnknownSyncMessage { .. } => "unknown_sync_message",
            Error::TooManyIds { .. } => "too_many_ids",
            Error::TooManyEvents { .. } => "too_many_events",
            Error::TooManyAuthors { .. } => "too_many_authors",
            Error::UnexpectedSyncMessage { .. } => "unexpected_sync_message",
            Error::SyncTimeout { .. } => "sync_timeout",
            Error::PullTooLong { .. } => "pull_too_long",
            Error::EmptySyncPage => "empty_sync_page",
            Error::PullDeadline { .. } => "pull_deadline",
            Error::PullStalled { .. } => "pull_stalled",
            Error::LocalStoreFailed { .. } => "local_store_failed",
            Error::SyncCursorInFuture { .. } => "sync_cursor_in_future",
            Error::MalformedReconciliation { .. } => "malformed_reconciliation",
            Error::UnsupportedReconciliationVersion { .. } => "unsupported_reconciliation_version",
            Error::ReconciliationRefused => "reconciliation_refused",
            Error::ReconcileSetTooLarge { .. } => "reconcile_set_too_large",
            Error::MalformedInvite { .. } => "malformed_invite",
            Error::ImageCount { .. } => "image_count",
            Error::AltTooLong { .. } => "alt_too_long",
            Error::DeleteTargets { .. } => "delete_targets",
            Error::DeleteNotOwn { .. } => "delete_not_own",
            Error::ReactionTargetMismatch { .. } => "reaction_target_mismatch",
            Error::InvalidEmoji { .. } => "invalid_emoji",
            Error::RepostNotOfPost { .. } => "repost_not_of_post",
            Error::RepostOriginalInvalid { .. } => "repost_original_invalid",
            Error::RepostBeforeOriginal { .. } => "repost_before_original",
            Error::MalformedBlobMessage { .. } => "malformed_blob_message",
            Error::MalformedOwnerMessage { .. } => "malformed_owner_message",
            Error::BlobTooLarge { .. } => "blob_too_large",
            Error::BlobHashMismatch { .. } => "blob_hash_mismatch",
            Error::NotAnImage { .. } => "not_an_image",
            Error::MalformedCheckBatch { .. } => "malformed_check_batch",
        }
    }
}
