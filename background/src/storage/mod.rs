//! Event storage in IndexedDB: validated events, the follow records and current profiles derived
//! from them, and running totals, written together in one transaction per batch; the user's
//! nicknames for people; the pictures events name (blobs); feed pages read through the `feed` index, a bounded number of records
//! per author, never by loading every event.

mod author_totals;
mod blobs;
mod connection;
mod feed;
mod kept_out;
mod meta;
mod notifications;
mod pages;
mod people;
mod prune;
mod reactions;
mod read;
mod records;
mod removal;
mod reposts;
mod room;
mod schema;
mod search;
mod sync;
mod thread;
mod write;

pub use connection::Storage;
pub use feed::StoredPost;
pub use meta::{BackupRecord, PeerRecord};
pub use records::{EventRecord, NicknameRecord, NotificationRecord, ProfileRecord, Terms};
pub use schema::{DATABASE, STORES, VERSION};
pub use search::{Found, INDEX_OP, MAX_SEARCH_SCAN};
pub use sync::READ_WHOLE_PER_ID;
pub use thread::{PeerPage, StoredThread};
