//! The pictures events name by SHA-256 (docs/protocol.md §12): stored by hash only after the
//! hash checked, read back whole to serve a peer or show a page. Records are plain JS objects
//! holding the bytes as a `Uint8Array`, not serde JSON: an avatar is tens of KiB, and an array of
//! numbers would be five times that. Retention's sweep removes the blobs no current profile
//! names.

use std::collections::HashSet;

use idb::{KeyRange, Query};
use js_sys::{Object, Reflect, Uint8Array};
use phemossa_core::blob::{self, BlobKind};
use phemossa_core::keys::BlobHash;
use wasm_bindgen::{JsCast, JsValue};

use super::connection::Storage;
use super::records::ProfileRecord;
use super::schema::{BLOBS, BLOBS_BY_STORED, EVENTS, EVENT_BLOBS, PROFILES};
use crate::db;
use crate::error::BackgroundError;

impl Storage {
    /// Stores `bytes` as blob `hash` of `kind`, after checking that they are it: whoever
    /// fetched them, nothing unchecked is stored.
    pub async fn put_blob(
        &self,
        hash: &BlobHash,
        kind: BlobKind,
        bytes: &[u8],
    ) -> Result<(), BackgroundError> {
        const OP: &str = "storing a picture";
        blob::check(hash, kind, bytes)?;
        self.check_room(OP).await?;
        let record = Object::new();
        let set = |key: &str, value: &JsValue| Reflect::set(&record, &key.into(), value);
        set("hash", &JsValue::from_str(&hash.to_hex()))
            .and_then(|_| set("bytes", &Uint8Array::from(bytes).into()))
            .and_then(|_| set("size", &JsValue::from_f64(bytes.len() as f64)))
            .and_then(|_| set("stored", &JsValue::from_f64(crate::clock::now_ms() as f64)))
            .map_err(|e| BackgroundError::CorruptRecord {
                store: BLOBS,
                reason: crate::error::js_reason(&e),
            })?;
        let transaction = self.writing(&[BLOBS], OP)?;
        transaction
            .object_store(BLOBS)
            .map_err(db::failed(OP))?
            .put(&record, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await
    }

    /// The bytes of blob `hash`, if held.
    pub async fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, BackgroundError> {
        const OP: &str = "reading a picture";
        let Some(record) = self
            .read_only(BLOBS, OP)?
            .get(Query::Key(JsValue::from_str(&hash.to_hex())))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?
        else {
            return Ok(None);
        };
        let bytes = Reflect::get(&record, &"bytes".into())
            .ok()
            .and_then(|value| value.dyn_into::<Uint8Array>().ok())
            .ok_or_else(|| BackgroundError::CorruptRecord {
                store: BLOBS,
                reason: format!("blob {hash} holds no bytes"),
            })?;
        Ok(Some(bytes.to_vec()))
    }

    /// Which of `hashes` are held (read by key only, not their bytes).
    pub async fn held_blobs(&self, hashes: &[BlobHash]) -> Result<Vec<bool>, BackgroundError> {
        const OP: &str = "looking for pictures";
        let store = self.read_only(BLOBS, OP)?;
        let mut reads = Vec::with_capacity(hashes.len());
        for hash in hashes {
            let key = Query::Key(JsValue::from_str(&hash.to_hex()));
            reads.push(store.count(Some(key)).map_err(db::failed(OP))?);
        }
        let mut held = Vec::with_capacity(hashes.len());
        for read in reads {
            held.push(read.await.map_err(db::failed(OP))? > 0);
        }
        Ok(held)
    }
}

impl Storage {
    /// Removes the blobs stored before `stored_before` (ms) that neither a current profile nor a
    /// stored event names: the avatars of profiles superseded or pruned since, and the images
    /// of pruned posts (docs/protocol.md §12.4). Blobs stored since are spared, since an event is
    /// stored after the blob it names. One transaction over profiles, events and blobs, so no
    /// event stored meanwhile can name a blob as it goes. Returns how many went.
    pub async fn sweep_blobs(&self, stored_before: u64) -> Result<u64, BackgroundError> {
        const OP: &str = "removing pictures nothing names";
        let transaction = self.writing(&[PROFILES, EVENTS, BLOBS], OP)?;
        let profiles = transaction.object_store(PROFILES).map_err(db::failed(OP))?;
        let blobs = transaction.object_store(BLOBS).map_err(db::failed(OP))?;
        let older = KeyRange::upper_bound(&JsValue::from_f64(stored_before as f64), Some(true))
            .map_err(db::failed(OP))?;
        let named = profiles
            .get_all(None, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        let old = blobs
            .index(BLOBS_BY_STORED)
            .map_err(db::failed(OP))?
            .get_all_keys(Some(Query::KeyRange(older)), None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        let mut named_hashes = HashSet::new();
        for value in &named {
            let record: ProfileRecord = db::from_js(value, PROFILES)?;
            if let Some(avatar) = record.avatar {
                named_hashes.insert(avatar.to_hex());
            }
        }
        // Of the old blobs no profile names, how many stored events name each (queued together,
        // then awaited in order).
        let by_events = transaction
            .object_store(EVENTS)
            .map_err(db::failed(OP))?
            .index(EVENT_BLOBS)
            .map_err(db::failed(OP))?;
        let mut candidates = Vec::new();
        for key in old {
            let Some(hash) = key.as_string() else {
                continue;
            };
            if !named_hashes.contains(&hash) {
                let count = by_events
                    .count(Some(Query::Key(key.clone())))
                    .map_err(db::failed(OP))?;
                candidates.push((key, count));
            }
        }
        let mut unnamed = Vec::new();
        for (key, count) in candidates {
            if count.await.map_err(db::failed(OP))? == 0 {
                unnamed.push(key);
            }
        }
        let mut removed = 0;
        for key in unnamed {
            // Not awaited one by one: the commit below waits for all of them.
            blobs.delete(Query::Key(key)).map_err(db::failed(OP))?;
            removed += 1;
        }
        db::commit(transaction, OP).await?;
        Ok(removed)
    }
}
