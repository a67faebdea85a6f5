//! What the store knows of people: the follow records that follow and unfollow events write,
//! each author's current profile decoded for display, and the nicknames the user gave. The
//! queries are `background/src/storage/people.rs`'s and the follow reads of `read.rs`; follow
//! records and profiles are written and removed with their events (`derived`), nicknames here.

use phemossa_core::{BlobHash, Event, FollowRecord, PublicKey};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::rows::StoredRow;
use crate::rows::{event_id, from_sql_timestamp, public_key, to_sql_timestamp};
use crate::{Nickname, Store, StoreError, StoredProfile};

/// Which end of the follow edges a read is asked by.
#[derive(Clone, Copy)]
enum Asked {
    Follower,
    Followee,
}

/// Version 1's follow records, decoded profiles and nicknames (appended to `schema::V1`).
///
/// - `follows` is keyed (follower, id): a key's own records, the one read at every start
///   (`follow_records`), are one range of the table itself, in id order as IndexedDB's
///   `follower` index gave them, and a removed event's record is found by its author and id.
///   `follows_by_followee` holds every other column after (followee, follower), so who follows
///   a key (read at every notice of a follow and every post addressing people) is read from the
///   index alone, in the order `followers` wants, and one edge's records are one seek (a follow
///   of the user asks whether its author followed before: `notifications::followed_before`).
///   Its readers in id order sort one key's records. Two b-trees per follow event, where IndexedDB wrote the record and three index
///   entries (its `timestamp` index had no reader).
/// - `profiles` holds only what the event row lacks (name, about, avatar), under the profile
///   event's `seq`: an author's current profile is found through `events_profile` (one entry
///   per author), and its id, timestamp and size are the event row's own, so they cannot
///   disagree with it.
/// - `nicknames`: the names the user gave people, by key; kept here only, never published.
pub(crate) const SCHEMA: &str = "
CREATE TABLE follows (
    follower BLOB NOT NULL,
    id BLOB NOT NULL,
    followee BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    follows INTEGER NOT NULL,
    PRIMARY KEY (follower, id)
) WITHOUT ROWID;
CREATE INDEX follows_by_followee ON follows (followee, follower, timestamp, id, follows);
CREATE TABLE profiles (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    about TEXT NOT NULL,
    avatar BLOB
);
CREATE TABLE nicknames (
    author BLOB PRIMARY KEY,
    nickname TEXT NOT NULL
) WITHOUT ROWID;
";

const FOLLOWS_OP: &str = "reading follow records";
const PROFILES_OP: &str = "reading profiles";
const NICKNAMES_OP: &str = "reading nicknames";
const SET_NICKNAME_OP: &str = "saving a nickname";
const WRITE_OP: &str = "storing follow records and profiles";

impl Store {
    /// Every follow and unfollow record `follower` wrote, in id order: what
    /// `FollowGraph::from_records` builds the user's follow state from (`Storage::follow_records`).
    pub fn follow_records(&self, follower: &PublicKey) -> Result<Vec<FollowRecord>, StoreError> {
        self.records(
            "SELECT id, followee, timestamp, follows FROM follows
             WHERE follower = ?1 ORDER BY id",
            follower,
            Asked::Follower,
        )
    }

    /// Every follow and unfollow record naming `followee`, by anyone, in id order
    /// (`Storage::records_following`): who follows a key, once `FollowGraph` has applied them.
    pub fn records_following(&self, followee: &PublicKey) -> Result<Vec<FollowRecord>, StoreError> {
        self.records(
            "SELECT id, follower, timestamp, follows FROM follows INDEXED BY follows_by_followee
             WHERE followee = ?1 ORDER BY id",
            followee,
            Asked::Followee,
        )
    }

    /// The deciding record of each edge from `follower` that is a follow, in followee key
    /// order: whom the key follows and since when, as
    /// `FollowGraph::from_records(follow_records(k)).following_records(k)` gives them, without
    /// sending every record to the caller.
    pub fn following(&self, follower: &PublicKey) -> Result<Vec<FollowRecord>, StoreError> {
        // An edge's deciding record is its last by (timestamp, id) (`core::follow_graph`).
        self.records(
            "SELECT id, followee, timestamp, follows FROM (
                 SELECT id, followee, timestamp, follows, row_number() OVER (
                     PARTITION BY followee ORDER BY timestamp DESC, id DESC) AS n
                 FROM follows WHERE follower = ?1)
             WHERE n = 1 AND follows ORDER BY followee",
            follower,
            Asked::Follower,
        )
    }

    /// The deciding record of each edge into `followee` that is a follow, in follower key
    /// order: who follows the key and since when, as
    /// `FollowGraph::from_records(records_following(k)).follower_records(k)` gives them.
    pub fn followers(&self, followee: &PublicKey) -> Result<Vec<FollowRecord>, StoreError> {
        self.records(
            "SELECT id, follower, timestamp, follows FROM (
                 SELECT id, follower, timestamp, follows, row_number() OVER (
                     PARTITION BY follower ORDER BY timestamp DESC, id DESC) AS n
                 FROM follows INDEXED BY follows_by_followee WHERE followee = ?1)
             WHERE n = 1 AND follows ORDER BY follower",
            followee,
            Asked::Followee,
        )
    }

    /// The follow records a query `sql` about `key` selects as (id, the other end's key,
    /// timestamp, follows), `key` being the end `asked` says. The key asked by is taken as
    /// asked, not decoded again; the other end's is checked.
    fn records(
        &self,
        sql: &str,
        key: &PublicKey,
        asked: Asked,
    ) -> Result<Vec<FollowRecord>, StoreError> {
        let map = |e| StoreError::sqlite(FOLLOWS_OP)(e);
        let mut statement = self.connection.prepare_cached(sql).map_err(map)?;
        let rows = statement
            .query_map([key.as_bytes().as_slice()], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            })
            .map_err(map)?;
        let mut records = Vec::new();
        for row in rows {
            let (id, other, timestamp, follows) = row.map_err(map)?;
            let other = public_key(other, "follows")?;
            let (follower, followee) = match asked {
                Asked::Follower => (*key, other),
                Asked::Followee => (other, *key),
            };
            records.push(FollowRecord {
                id: event_id(id, "follows")?,
                follower,
                followee,
                timestamp: from_sql_timestamp(timestamp, "follows")?,
                follows,
            });
        }
        Ok(records)
    }

    /// The current profile of each of `authors` that has one, in the order given (an author
    /// named twice is answered twice): `Storage::profiles_of`.
    pub fn profiles_of(&self, authors: &[PublicKey]) -> Result<Vec<StoredProfile>, StoreError> {
        let sql = |e| StoreError::sqlite(PROFILES_OP)(e);
        // Through the partial index of profiles, one entry per author; the event row by its
        // seq, the decoded fields by the same seq.
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT e.id, e.timestamp, e.size, p.name, p.about, p.avatar
                 FROM events AS e INDEXED BY events_profile JOIN profiles AS p ON p.seq = e.seq
                 WHERE e.author = ?1 AND e.type = 'profile'",
            )
            .map_err(sql)?;
        let mut profiles = Vec::new();
        for author in authors {
            let row = statement
                .query_row([author.as_bytes().as_slice()], |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, Option<Vec<u8>>>(5)?,
                    ))
                })
                .optional()
                .map_err(sql)?;
            let Some((id, timestamp, size, name, about, avatar)) = row else {
                continue;
            };
            profiles.push(StoredProfile {
                author: *author,
                id: event_id(id, "events")?,
                timestamp: from_sql_timestamp(timestamp, "events")?,
                name,
                about,
                avatar: avatar.map(blob_hash).transpose()?,
                size: u64::try_from(size).map_err(|_| StoreError::CorruptRow {
                    table: "events",
                    reason: format!("size {size}"),
                })?,
            });
        }
        Ok(profiles)
    }

    /// Every nickname the user gave, in key order (`Storage::nicknames`).
    pub fn nicknames(&self) -> Result<Vec<Nickname>, StoreError> {
        let sql = |e| StoreError::sqlite(NICKNAMES_OP)(e);
        let mut statement = self
            .connection
            .prepare_cached("SELECT author, nickname FROM nicknames ORDER BY author")
            .map_err(sql)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        let mut nicknames = Vec::new();
        for row in rows {
            let (author, nickname) = row.map_err(sql)?;
            nicknames.push(Nickname {
                author: public_key(author, "nicknames")?,
                nickname,
            });
        }
        Ok(nicknames)
    }

    /// The nickname the user gave `author`, if any: one key read, where the background reads
    /// every nickname to show one person.
    pub fn nickname_of(&self, author: &PublicKey) -> Result<Option<String>, StoreError> {
        self.connection
            .prepare_cached("SELECT nickname FROM nicknames WHERE author = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([author.as_bytes().as_slice()], |row| row.get(0))
                    .optional()
            })
            .map_err(StoreError::sqlite(NICKNAMES_OP))
    }

    /// Sets (`Some`) or removes (`None`) the nickname of `author` (`Storage::set_nickname`).
    /// The caller checks the name (`handlers/people.rs`), as it does before IndexedDB.
    pub fn set_nickname(
        &mut self,
        author: &PublicKey,
        nickname: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = author.as_bytes().as_slice();
        match nickname {
            Some(nickname) => self.connection.execute(
                "INSERT INTO nicknames (author, nickname) VALUES (?1, ?2)
                 ON CONFLICT (author) DO UPDATE SET nickname = excluded.nickname",
                params![key, nickname],
            ),
            None => self
                .connection
                .execute("DELETE FROM nicknames WHERE author = ?1", [key]),
        }
        .map_err(StoreError::sqlite(SET_NICKNAME_OP))?;
        Ok(())
    }
}

/// `event` was stored as row `seq`: its follow record, or its decoded profile (the profile it
/// replaced was taken off first, by [`removed`]).
pub(crate) fn added(
    transaction: &Transaction<'_>,
    event: &Event,
    seq: i64,
) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite(WRITE_OP)(e);
    if let Some(record) = FollowRecord::from_event(event) {
        let timestamp = to_sql_timestamp(record.timestamp)?;
        transaction
            .prepare_cached(
                "INSERT INTO follows (follower, id, followee, timestamp, follows)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?
            .execute(params![
                record.follower.as_bytes().as_slice(),
                record.id.as_bytes().as_slice(),
                record.followee.as_bytes().as_slice(),
                timestamp,
                record.follows,
            ])
            .map_err(sql)?;
    } else if let Some(profile) = event.as_profile() {
        transaction
            .prepare_cached(
                "INSERT INTO profiles (seq, name, about, avatar) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(sql)?
            .execute(params![
                seq,
                profile.name,
                profile.about,
                profile
                    .avatar
                    .as_ref()
                    .map(|hash| hash.as_bytes().as_slice()),
            ])
            .map_err(sql)?;
    }
    Ok(())
}

/// `row` was taken off `events`: its follow record or decoded profile goes with it. Other
/// kinds cost no statement.
pub(crate) fn removed(transaction: &Transaction<'_>, row: &StoredRow) -> Result<(), StoreError> {
    let sql = |e| StoreError::sqlite("removing follow records and profiles")(e);
    match row.kind.as_str() {
        "follow" | "unfollow" => {
            transaction
                .prepare_cached("DELETE FROM follows WHERE follower = ?1 AND id = ?2")
                .map_err(sql)?
                .execute(params![row.author.as_slice(), row.id.as_bytes().as_slice()])
                .map_err(sql)?;
        }
        "profile" => {
            transaction
                .prepare_cached("DELETE FROM profiles WHERE seq = ?1")
                .map_err(sql)?
                .execute([row.seq])
                .map_err(sql)?;
        }
        _ => {}
    }
    Ok(())
}

/// A stored avatar hash; anything but 32 bytes is a damaged row.
fn blob_hash(bytes: Vec<u8>) -> Result<BlobHash, StoreError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| StoreError::CorruptRow {
            table: "profiles",
            reason: format!("an avatar hash of {} bytes", bytes.len()),
        })?;
    Ok(BlobHash::from_bytes(bytes))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use phemossa_core::{Content, Event, Identity, Profile};

    use super::*;

    fn plan(store: &Store, sql: &str) -> String {
        let mut statement = store
            .connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = statement
            .query_map([vec![0u8; 32]], |row| row.get::<_, String>(3))
            .unwrap();
        rows.map(|row| row.unwrap()).collect::<Vec<_>>().join("; ")
    }

    /// Each read is one search of one b-tree per key asked, none a scan: the plans the
    /// schema's comment promises.
    #[test]
    fn reads_search_their_own_index_and_scan_nothing() {
        let store = Store::open_in_memory().unwrap();
        let by_follower = plan(
            &store,
            "SELECT id, followee, timestamp, follows FROM follows WHERE follower = ?1 ORDER BY id",
        );
        assert_eq!(by_follower, "SEARCH follows USING PRIMARY KEY (follower=?)");
        let by_followee = plan(
            &store,
            "SELECT id, follower, timestamp, follows FROM follows INDEXED BY follows_by_followee
             WHERE followee = ?1 ORDER BY id",
        );
        // One key's records, sorted: the index is in (follower, timestamp) order within a key,
        // for `followers` and for one edge's seek.
        assert_eq!(
            by_followee,
            "SEARCH follows USING COVERING INDEX follows_by_followee (followee=?); \
             USE TEMP B-TREE FOR ORDER BY"
        );
        let profile = plan(
            &store,
            "SELECT e.id, e.timestamp, e.size, p.name, p.about, p.avatar
             FROM events AS e INDEXED BY events_profile JOIN profiles AS p ON p.seq = e.seq
             WHERE e.author = ?1 AND e.type = 'profile'",
        );
        assert!(
            profile.contains("SEARCH e USING INDEX events_profile (author=?)")
                && profile.contains("SEARCH p USING INTEGER PRIMARY KEY (rowid=?)")
                && !profile.contains("SCAN"),
            "{profile}"
        );
        let nickname = plan(&store, "SELECT nickname FROM nicknames WHERE author = ?1");
        assert_eq!(nickname, "SEARCH nicknames USING PRIMARY KEY (author=?)");
    }

    fn follow(store: &mut Store, author: &Identity, followee: &Identity) -> Event {
        let content = Content::Follow {
            followee: followee.public_key(),
        };
        let event = Event::create(author, 10, content).unwrap();
        store.insert_batch(std::slice::from_ref(&event)).unwrap();
        event
    }

    fn is_corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>, table: &str) -> bool {
        matches!(result, Err(StoreError::CorruptRow { table: t, .. }) if t == table)
    }

    #[test]
    fn a_damaged_follow_record_is_a_corrupt_row_not_a_panic() {
        let (alice, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
        let mut store = Store::open_in_memory().unwrap();
        follow(&mut store, &alice, &bob);
        let alice_key = alice.public_key();
        let bob_key = bob.public_key();
        // A followee of 31 bytes.
        store
            .connection
            .execute("UPDATE follows SET followee = x'00'", [])
            .unwrap();
        assert!(is_corrupt(store.follow_records(&alice_key), "follows"));
        // 32 bytes that are no valid key (y = 0, a point of small order).
        store
            .connection
            .execute("UPDATE follows SET followee = ?1", [vec![0u8; 32]])
            .unwrap();
        assert!(is_corrupt(store.follow_records(&alice_key), "follows"));
        // A follower that is no key, and an id of 2 bytes, read by followee.
        store
            .connection
            .execute(
                "UPDATE follows SET followee = ?1, follower = ?2",
                rusqlite::params![bob_key.as_bytes().as_slice(), vec![0u8; 32]],
            )
            .unwrap();
        assert!(is_corrupt(store.records_following(&bob_key), "follows"));
        assert!(is_corrupt(store.followers(&bob_key), "follows"));
        store
            .connection
            .execute(
                "UPDATE follows SET follower = ?1, id = x'0102'",
                [alice_key.as_bytes().as_slice()],
            )
            .unwrap();
        assert!(is_corrupt(store.records_following(&bob_key), "follows"));
        assert!(is_corrupt(store.followers(&bob_key), "follows"));
        store
            .connection
            .execute("UPDATE follows SET id = zeroblob(32), timestamp = -1", [])
            .unwrap();
        assert!(is_corrupt(store.records_following(&bob_key), "follows"));
        // Whole again, it reads back.
        store
            .connection
            .execute("UPDATE follows SET timestamp = 10", [])
            .unwrap();
        assert_eq!(store.records_following(&bob_key).unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_profile_or_nickname_is_a_corrupt_row() {
        let alice = Identity::from_seed([1; 32]);
        let mut store = Store::open_in_memory().unwrap();
        let content = Content::Profile(Profile {
            name: "Alice".into(),
            about: String::new(),
            avatar: None,
        });
        let event = Event::create(&alice, 10, content).unwrap();
        store.insert_batch(std::slice::from_ref(&event)).unwrap();
        store
            .connection
            .execute("UPDATE profiles SET avatar = x'0102'", [])
            .unwrap();
        assert!(is_corrupt(
            store.profiles_of(&[alice.public_key()]),
            "profiles"
        ));
        store
            .connection
            .execute(
                "INSERT INTO nicknames (author, nickname) VALUES (x'01', 'short')",
                [],
            )
            .unwrap();
        assert!(is_corrupt(store.nicknames(), "nicknames"));
    }
}
