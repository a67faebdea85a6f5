//! Posts' reactions through the `reactions` index (each reaction's target, then its timestamp):
//! the stored reactions of a set of posts, oldest first, for `core::reactions` to count.

use idb::{KeyRange, Query};
use js_sys::Array;
use phemossa_core::reactions::StoredReaction;
use phemossa_core::{EventId, PublicKey};
use serde::Deserialize;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::ReactionFields;
use super::schema::{EVENTS, REACTIONS};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "reading reactions";

/// The fields of an `events` record a count needs (its JSON, the bulk of it, is skipped).
#[derive(Deserialize)]
struct ReactionRow {
    id: EventId,
    author: PublicKey,
    reaction: ReactionFields,
}

impl Storage {
    /// The stored reactions to each of `posts`, in the order given, each list oldest first.
    pub async fn reactions_to(
        &self,
        posts: &[EventId],
    ) -> Result<Vec<Vec<StoredReaction>>, BackgroundError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let index = self
            .read_only(EVENTS, OP)?
            .index(REACTIONS)
            .map_err(db::failed(OP))?;
        // Every request is made before the first is awaited: one round of the event loop.
        let mut requests = Vec::with_capacity(posts.len());
        for post in posts {
            // [post] ..= [post, []]: an array sorts after every number, so every timestamp.
            let post = JsValue::from_str(&post.to_hex());
            let range = KeyRange::bound(
                &Array::of1(&post),
                &Array::of2(&post, &Array::new()),
                Some(false),
                Some(false),
            )
            .map_err(db::failed(OP))?;
            requests.push(
                index
                    .get_all(Some(Query::KeyRange(range)), None)
                    .map_err(db::failed(OP))?,
            );
        }
        let mut lists = Vec::with_capacity(requests.len());
        for request in requests {
            let mut list = Vec::new();
            for value in request.await.map_err(db::failed(OP))? {
                let row: ReactionRow = db::from_js(&value, EVENTS)?;
                list.push(StoredReaction {
                    id: row.id,
                    author: row.author,
                    emoji: row.reaction.emoji,
                });
            }
            lists.push(list);
        }
        Ok(lists)
    }
}
