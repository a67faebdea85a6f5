//! The pictures events name by SHA-256 (docs/protocol.md §12): stored by hash only after the
//! hash checked, read back whole to serve a peer or show a page. Records are plain JS objects
//! holding the bytes as a `Uint8Array`, not serde JSON: an avatar is tens of KiB, and an array of
//! numbers would be five times that.

use idb::{Query, TransactionMode};
use js_sys::{Object, Reflect, Uint8Array};
use phemossa_core::blob::{self, BlobKind};
use phemossa_core::keys::BlobHash;
use wasm_bindgen::{JsCast, JsValue};

use super::connection::Storage;
use super::schema::BLOBS;
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
        let record = Object::new();
        let set = |key: &str, value: &JsValue| Reflect::set(&record, &key.into(), value);
        set("hash", &JsValue::from_str(&hash.to_hex()))
            .and_then(|_| set("bytes", &Uint8Array::from(bytes).into()))
            .and_then(|_| set("size", &JsValue::from_f64(bytes.len() as f64)))
            .map_err(|e| BackgroundError::CorruptRecord {
                store: BLOBS,
                reason: crate::error::js_reason(&e),
            })?;
        let transaction = self
            .db
            .transaction(&[BLOBS], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
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
