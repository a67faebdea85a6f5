//! What people did with posts, as a page marks them: the stored reactions to a set of posts,
//! oldest first, for `core::reactions` to count (`tally`) and toggle; and which posts someone
//! reposted, so "Repost" shows pressed and undoes it. The queries of
//! `background/src/storage/reactions.rs` and `reposts.rs` over IndexedDB.

use phemossa_core::reactions::StoredReaction;
use phemossa_core::{EventId, PublicKey};
use rusqlite::params;

use crate::feed::{Columns, Keys};
use crate::{Store, StoreError};

const REACTIONS_OP: &str = "reading reactions";
const REPOSTS_OP: &str = "reading someone's reposts";

/// `events_reactions`: a post's reactions in (timestamp, id) order, every page reads them for
/// each post it shows. `events_reposts`: whether one author reposted a post, answered from the
/// index alone (it covers the query), for each post a page shows. Both partial: only reactions,
/// and only reposts, pay for an entry.
pub(crate) const SCHEMA: &str = "
CREATE INDEX events_reactions ON events (reaction_target, timestamp, id)
    WHERE reaction_target IS NOT NULL;
CREATE INDEX events_reposts ON events (repost_of, author, id) WHERE repost_of IS NOT NULL;
";

/// The reactions to ?1, oldest first, each with its emoji.
pub(crate) const REACTIONS_SQL: &str = "
    SELECT id, author, json_extract(json, '$.content.emoji')
    FROM events INDEXED BY events_reactions
    WHERE reaction_target = ?1 ORDER BY timestamp, id";

/// The smallest id of a repost of ?1 by ?2.
pub(crate) const REPOSTS_SQL: &str = "
    SELECT id FROM events INDEXED BY events_reposts
    WHERE repost_of = ?1 AND author = ?2 ORDER BY id LIMIT 1";

impl Store {
    /// The stored reactions to each of `posts`, in the order given, each list oldest first
    /// ((timestamp, id) order).
    pub fn reactions_to(&self, posts: &[EventId]) -> Result<Vec<Vec<StoredReaction>>, StoreError> {
        let sql = |e| StoreError::sqlite(REACTIONS_OP)(e);
        let mut statement = self.connection.prepare_cached(REACTIONS_SQL).map_err(sql)?;
        let mut keys = Keys::default();
        let mut lists = Vec::with_capacity(posts.len());
        for post in posts {
            let mut rows = statement.query([post.as_bytes().as_slice()]).map_err(sql)?;
            let mut list = Vec::new();
            while let Some(row) = rows.next().map_err(sql)? {
                let columns = Columns {
                    row,
                    op: REACTIONS_OP,
                };
                list.push(StoredReaction {
                    id: columns.id(0)?,
                    author: keys.of_bytes(columns.blob(1)?)?,
                    emoji: columns.text(2)?,
                });
            }
            lists.push(list);
        }
        Ok(lists)
    }

    /// For each of `posts`, in the order given, the id of a stored repost of it by `author`
    /// (the smallest id, if they reposted it more than once, as IndexedDB's first key is).
    pub fn reposts_of(
        &self,
        author: &PublicKey,
        posts: &[EventId],
    ) -> Result<Vec<Option<EventId>>, StoreError> {
        let sql = |e| StoreError::sqlite(REPOSTS_OP)(e);
        let mut statement = self.connection.prepare_cached(REPOSTS_SQL).map_err(sql)?;
        let mut found = Vec::with_capacity(posts.len());
        for post in posts {
            let mut rows = statement
                .query(params![
                    post.as_bytes().as_slice(),
                    author.as_bytes().as_slice()
                ])
                .map_err(sql)?;
            let id = match rows.next().map_err(sql)? {
                Some(row) => Some(
                    Columns {
                        row,
                        op: REPOSTS_OP,
                    }
                    .id(0)?,
                ),
                None => None,
            };
            found.push(id);
        }
        Ok(found)
    }
}
