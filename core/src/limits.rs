//! The documented limits every implementation enforces (see docs/protocol.md, "Limits").

/// Largest accepted JSON encoding of one event, in bytes. Checked before parsing, so an
/// oversized input costs nothing but its length. It is kept under 8 KiB so an event fits in one
/// small frame on every transport (WebRTC data channels fragment badly above 16 KiB).
pub const MAX_EVENT_BYTES: usize = 8 * 1024;

/// Most characters (Unicode scalar values) a post's text may have.
pub const MAX_POST_CHARS: usize = 1000;

/// Most public keys one post may mention.
pub const MAX_MENTIONS: usize = 20;

/// How far an event's timestamp may lie ahead of the validator's clock, in milliseconds.
/// Clocks drift; anything further ahead is refused so nobody can pin a post to the top of feeds.
pub const MAX_CLOCK_SKEW_MS: u64 = 10 * 60 * 1000;

/// Timestamps are milliseconds since the Unix epoch and must stay exact in a JavaScript number
/// (IndexedDB keys are doubles): at most 2^53 - 1.
pub const MAX_TIMESTAMP_MS: u64 = (1 << 53) - 1;

/// The only event format version this implementation reads and writes.
pub const EVENT_VERSION: u32 = 1;

/// Most characters (Unicode scalar values) of a profile's display name; at least one, not only
/// white space. 50 fits a feed line at popup size beside the fingerprint.
pub const MAX_NAME_CHARS: usize = 50;

/// Most characters of a profile's about text; it may be empty.
pub const MAX_ABOUT_CHARS: usize = 500;

/// Largest avatar blob, in bytes. A 256×256 picture re-encoded in the browser is 10–40 KiB;
/// 128 KiB leaves room for a detailed one while every profile a person sees stays cheap to fetch
/// (docs/protocol.md §12.3).
pub const MAX_AVATAR_BYTES: u64 = 128 * 1024;

/// Largest image blob in a post, in bytes: a photo re-encoded to at most 1,600 px on the long
/// side fits in well under 1 MiB as JPEG or WebP (docs/protocol.md §12.3).
pub const MAX_IMAGE_BYTES: u64 = 1024 * 1024;

/// Most images one post holds (docs/protocol.md §1, §12.3): a small gallery, and 4 × 1 MiB is
/// the most one post makes its readers fetch.
pub const MAX_IMAGES_PER_POST: usize = 4;

/// Most characters of an image's description (its alt text): room for what a screen reader
/// says of a photo, while 4 of them and a full post still fit the 8 KiB event limit in the
/// common case.
pub const MAX_ALT_CHARS: usize = 300;

/// Largest blob of any kind: what a node serves or fetches at most.
pub const MAX_BLOB_BYTES: u64 = MAX_IMAGE_BYTES;

/// Most events one `delete` names: 100 ids are 6.5 KB of JSON, inside the 8 KiB event limit
/// with room to spare, and more than a person removes at once by hand.
pub const MAX_DELETE_TARGETS: usize = 100;

/// Longest reaction, in bytes of UTF-8: one grapheme, however many code points it joins (a
/// family emoji with skin tones is about 40 bytes; longer clusters are no emoji a person picks).
pub const MAX_EMOJI_BYTES: usize = 64;
