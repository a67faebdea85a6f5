//! Which posts the user has reposted, through the `events` index `reposts` (each repost's
//! original, then its author): a page marks them, so "Repost" shows pressed and undoes it.

use idb::Query;
use js_sys::Array;
use phemossa_api::FeedItem;
use phemossa_core::{EventId, PublicKey};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::schema::{EVENTS, REPOSTS};
use crate::db;
use crate::error::BackgroundError;

const OP: &str = "reading the user's reposts";

impl Storage {
    /// For each of `posts`, in the order given, the id of a stored repost of it by `author`.
    pub async fn reposts_of(
        &self,
        author: &PublicKey,
        posts: &[EventId],
    ) -> Result<Vec<Option<EventId>>, BackgroundError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let index = self
            .read_only(EVENTS, OP)?
            .index(REPOSTS)
            .map_err(db::failed(OP))?;
        let author = JsValue::from_str(&author.to_base64());
        // Every request is made before the first is awaited: one round of the event loop.
        let mut requests = Vec::with_capacity(posts.len());
        for post in posts {
            let key = Array::of2(&JsValue::from_str(&post.to_hex()), &author);
            requests.push(
                index
                    .get_key(Query::Key(key.into()))
                    .map_err(db::failed(OP))?,
            );
        }
        let mut found = Vec::with_capacity(requests.len());
        for request in requests {
            let id = match request.await.map_err(db::failed(OP))? {
                Some(key) => Some(db::from_js::<EventId>(&key, EVENTS)?),
                None => None,
            };
            found.push(id);
        }
        Ok(found)
    }

    /// Marks each of `items` the user (`me`) reposted with their repost's id.
    pub async fn mark_reposted(
        &self,
        me: &PublicKey,
        items: &mut [FeedItem],
    ) -> Result<(), BackgroundError> {
        let ids: Vec<EventId> = items.iter().map(|item| item.id).collect();
        for (item, repost) in items.iter_mut().zip(self.reposts_of(me, &ids).await?) {
            item.reposted = repost;
        }
        Ok(())
    }
}
