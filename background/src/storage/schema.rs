//! The event database's schema. Every store of every version is listed here; an upgrade only
//! adds what is missing (see `db::open`), so data written by an older version is never dropped.

use crate::db::{IndexSpec, StoreSpec};

pub const DATABASE: &str = "phemossa";
/// 1: events, follows, peers, meta. 2 (December 2026): profiles, superseded, nicknames. 3: the
/// `events` index `terms`. 4: the `events` index `unindexed`. 5: blobs, and the `events` index `blobs`.
/// 6: author_totals. 7: the `events` index `replies`. 8: deleted. 9: the `events` index
/// `reactions` (reactions stored by a version-8 build, a few development commits, are not
/// counted: it did not record their target). 10: notifications. 11: the `events` index `reposts`.
/// 12: the `events` index `addressed` (events stored before it are not in it: a peer's inbox
/// catch-up is not answered with them). 13: the `events` index `author` deleted (see
/// [`RETIRED_BY_AUTHOR`]). 14: terms_pending (posts stored from then on wait for their search
/// terms there, not in the `events` index `unindexed`, which keeps what older versions left).
pub const VERSION: u32 = 14;

pub const EVENTS: &str = "events";
pub const FOLLOWS: &str = "follows";
pub const PEERS: &str = "peers";
pub const META: &str = "meta";
pub const PROFILES: &str = "profiles";
pub const SUPERSEDED: &str = "superseded";
pub const NICKNAMES: &str = "nicknames";
pub const BLOBS: &str = "blobs";
pub const AUTHOR_TOTALS: &str = "author_totals";
pub const DELETED: &str = "deleted";
pub const NOTIFICATIONS: &str = "notifications";
pub const TERMS_PENDING: &str = "terms_pending";

/// `events` index of each author's events, until version 13: nothing read it (a range of
/// `author_timestamp` from `[author]` serves any such read), and every event paid for its entry.
pub const RETIRED_BY_AUTHOR: &str = "author";
/// `events` index (author, type, timestamp, id): an author's posts in feed order.
pub const FEED: &str = "feed";
/// `events` index (timestamp): every event in (timestamp, id) order, for unscoped syncs.
pub const TIMESTAMP: &str = "timestamp";
/// `events` index (author, timestamp): an author's events in (timestamp, id) order, for syncs.
pub const AUTHOR_TIMESTAMP: &str = "author_timestamp";
/// `events` multi-entry index of each post's search terms (`core::search::terms`): a post is
/// keyed once per word, with its timestamp, so a word's posts read newest first.
pub const TERMS: &str = "terms";
/// `events` index of the posts whose terms the search indexer has still to write (sparse: only
/// records with the `unindexed` field are in it), as versions before 14 stored them: an index
/// entry per post cost about 25 µs of the browser process's CPU at every bulk write
/// (`tests/bench/idb-floor.bench.mjs`); [`TERMS_PENDING`] costs one record per batch.
pub const UNINDEXED: &str = "unindexed";
/// `events` multi-entry index of whom each event addresses (`EventRecord::to`): a person's
/// entries in time order, for peers' inbox catch-ups (protocol.md §8.9).
pub const ADDRESSED: &str = "addressed";
/// `events` multi-entry index of the blobs each event names (a post's images): while one is
/// stored, the sweep keeps the blob.
pub const EVENT_BLOBS: &str = "blobs";
/// `events` index (reply_to, timestamp) of the posts that reply to another: a post's replies in
/// time order (`storage/thread.rs`). Sparse: a post that replies to nothing has no key in it.
pub const REPLIES: &str = "replies";
/// `events` index (reaction.target, timestamp) of reactions: a post's reactions in time order
/// (`storage/reactions.rs`). Sparse, as `replies` is.
pub const REACTIONS: &str = "reactions";
/// `events` index (repost.id, author) of reposts: whether the user reposted a post
/// (`storage/reposts.rs`). Sparse: only reposts have a key in it.
pub const REPOSTS: &str = "reposts";
/// `follows` index of the records a key wrote.
pub const BY_FOLLOWER: &str = "follower";
/// `follows` index of the records naming a key as followee: who follows it.
pub const BY_FOLLOWEE: &str = "followee";

/// `blobs` index of when each blob was stored (ms since the epoch).
pub const BLOBS_BY_STORED: &str = "stored";

/// `notifications` index of when each happened (its event's timestamp): newest first.
pub const NOTIFICATIONS_BY_TIME: &str = "timestamp";
/// `notifications` index of the unread ones (sparse: only records with `unread`).
pub const NOTIFICATIONS_UNREAD: &str = "unread";

/// `deleted` index of each tombstone's first claim (`DeletedRecord::by`). Nothing reads it since
/// tombstones keep every author's claim (`removal.rs` finds a removed delete's targets from its
/// JSON): it stays until a schema version drops it, costing an index entry per tombstone write.
pub const DELETED_BY: &str = "by";

/// `superseded` index of the ids each author's profiles superseded.
pub const SUPERSEDED_BY_AUTHOR: &str = "author";

pub static STORES: [StoreSpec; 12] = [
    StoreSpec {
        name: EVENTS,
        key_path: "id",
        indexes: &[
            IndexSpec {
                name: TIMESTAMP,
                key_path: &["timestamp"],
                multi_entry: false,
            },
            IndexSpec {
                name: AUTHOR_TIMESTAMP,
                key_path: &["author", "timestamp"],
                multi_entry: false,
            },
            IndexSpec {
                name: FEED,
                key_path: &["author", "type", "timestamp", "id"],
                multi_entry: false,
            },
            IndexSpec {
                name: TERMS,
                key_path: &["terms"],
                multi_entry: true,
            },
            IndexSpec {
                name: UNINDEXED,
                key_path: &["unindexed"],
                multi_entry: false,
            },
            IndexSpec {
                name: EVENT_BLOBS,
                key_path: &["blobs"],
                multi_entry: true,
            },
            IndexSpec {
                name: REPLIES,
                key_path: &["post.reply_to", "timestamp"],
                multi_entry: false,
            },
            IndexSpec {
                name: REACTIONS,
                key_path: &["reaction.target", "timestamp"],
                multi_entry: false,
            },
            IndexSpec {
                name: REPOSTS,
                key_path: &["repost.id", "author"],
                multi_entry: false,
            },
            IndexSpec {
                name: ADDRESSED,
                key_path: &["to"],
                multi_entry: true,
            },
        ],
        retired: &[RETIRED_BY_AUTHOR],
    },
    StoreSpec {
        name: FOLLOWS,
        key_path: "id",
        indexes: &[
            IndexSpec {
                name: BY_FOLLOWER,
                key_path: &["follower"],
                multi_entry: false,
            },
            IndexSpec {
                name: BY_FOLLOWEE,
                key_path: &["followee"],
                multi_entry: false,
            },
            IndexSpec {
                name: "timestamp",
                key_path: &["timestamp"],
                multi_entry: false,
            },
        ],
        retired: &[],
    },
    // Peers the node has met, kept across restarts (`network/store_work.rs` saves them,
    // `network::start` reads them back), by when they were last seen.
    StoreSpec {
        name: PEERS,
        key_path: "peerId",
        indexes: &[IndexSpec {
            name: "lastSeen",
            key_path: &["lastSeen"],
            multi_entry: false,
        }],
        retired: &[],
    },
    // Running totals (one record, key "stats"), updated in each insert's transaction, and the
    // named records of `storage/meta.rs`: network and retention settings, the device key.
    StoreSpec {
        name: META,
        key_path: "key",
        indexes: &[],
        retired: &[],
    },
    // Each author's current profile (protocol.md §5.1), decoded for display; its event is in
    // `events` too, where syncs list and serve it.
    StoreSpec {
        name: PROFILES,
        key_path: "author",
        indexes: &[],
        retired: &[],
    },
    // Ids of profiles a newer one of their author superseded: counted as held when a sync asks
    // what is missing, so no peer's listing makes them fetched again (§5.1).
    StoreSpec {
        name: SUPERSEDED,
        key_path: "id",
        indexes: &[IndexSpec {
            name: SUPERSEDED_BY_AUTHOR,
            key_path: &["author"],
            multi_entry: false,
        }],
        retired: &[],
    },
    // Names the user gave people, by key; kept here only, never published.
    StoreSpec {
        name: NICKNAMES,
        key_path: "author",
        indexes: &[],
        retired: &[],
    },
    // Pictures events name by SHA-256 (protocol.md §12), by hash, each stored only after its
    // hash checked (`storage/blobs.rs`); by when they were stored, for the sweep that removes
    // those nothing names any more.
    StoreSpec {
        name: BLOBS,
        key_path: "hash",
        indexes: &[IndexSpec {
            name: BLOBS_BY_STORED,
            key_path: &["stored"],
            multi_entry: false,
        }],
        retired: &[],
    },
    // Each author's stored events and bytes, kept exact with every insert and delete
    // (`storage/author_totals.rs`): the stored limit per author reads one record, not every event.
    StoreSpec {
        name: AUTHOR_TOTALS,
        key_path: "author",
        indexes: &[],
        retired: &[],
    },
    // Ids withdrawn by a delete of their author (protocol.md §5.2), each with that author and
    // the delete that named it (`storage/write.rs`): an event arriving later under such an id
    // by that author is not stored; once one was seen to be (`confirmed`), a sync counts the id
    // as held and never fetches it again.
    StoreSpec {
        name: DELETED,
        key_path: "id",
        indexes: &[IndexSpec {
            name: DELETED_BY,
            key_path: &["by"],
            multi_entry: false,
        }],
        retired: &[],
    },
    // What is news for the user (`core::notices`), by the event that is the news, written as
    // events are stored (`storage/notifications.rs`); the newest 1,000 are kept.
    StoreSpec {
        name: NOTIFICATIONS,
        key_path: "id",
        indexes: &[
            IndexSpec {
                name: NOTIFICATIONS_BY_TIME,
                key_path: &["timestamp"],
                multi_entry: false,
            },
            IndexSpec {
                name: NOTIFICATIONS_UNREAD,
                key_path: &["unread"],
                multi_entry: false,
            },
        ],
        retired: &[],
    },
    // Posts whose search terms a bulk write left for the search indexer
    // (`storage::Terms::Later`): one record per batch, its ids in the order stored, by a
    // sequence number the stats record counts (`storage/search.rs`). A post's id stays listed
    // if the post is removed before its terms are written; the indexer then skips it.
    StoreSpec {
        name: TERMS_PENDING,
        key_path: "seq",
        indexes: &[],
        retired: &[],
    },
];
