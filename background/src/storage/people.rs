//! What the store knows of people: current profiles by author and the nicknames the user gave.
//! Profiles are written with their events (`write.rs`); nicknames here. Who follows a key is
//! read with the other follow records (`read.rs`).

use idb::Query;
use phemossa_core::PublicKey;
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::records::{NicknameRecord, ProfileRecord};
use super::schema::{NICKNAMES, PROFILES};
use crate::db;
use crate::error::BackgroundError;

impl Storage {
    /// The current profile of each of `authors` that has one, in the order given.
    pub async fn profiles_of(
        &self,
        authors: &[PublicKey],
    ) -> Result<Vec<ProfileRecord>, BackgroundError> {
        const OP: &str = "reading profiles";
        let store = self.read_only(PROFILES, OP)?;
        let mut reads = Vec::with_capacity(authors.len());
        for author in authors {
            let key = JsValue::from_str(&author.to_base64());
            reads.push(store.get(key).map_err(db::failed(OP))?);
        }
        let mut out = Vec::new();
        for read in reads {
            if let Some(value) = read.await.map_err(db::failed(OP))? {
                out.push(db::from_js(&value, PROFILES)?);
            }
        }
        Ok(out)
    }

    /// Every nickname the user gave.
    pub async fn nicknames(&self) -> Result<Vec<NicknameRecord>, BackgroundError> {
        const OP: &str = "reading nicknames";
        let values = self
            .read_only(NICKNAMES, OP)?
            .get_all(None, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        values
            .iter()
            .map(|value| db::from_js(value, NICKNAMES))
            .collect()
    }

    /// Sets (`Some`) or removes (`None`) the nickname of `author`.
    pub async fn set_nickname(
        &self,
        author: PublicKey,
        nickname: Option<String>,
    ) -> Result<(), BackgroundError> {
        const OP: &str = "saving a nickname";
        let transaction = self.writing(&[NICKNAMES], OP)?;
        let store = transaction
            .object_store(NICKNAMES)
            .map_err(db::failed(OP))?;
        match nickname {
            Some(nickname) => {
                let record = NicknameRecord { author, nickname };
                store
                    .put(&db::to_js(&record, NICKNAMES)?, None)
                    .map_err(db::failed(OP))?
                    .await
                    .map_err(db::failed(OP))?;
            }
            None => {
                let key = JsValue::from_str(&author.to_base64());
                store
                    .delete(Query::Key(key))
                    .map_err(db::failed(OP))?
                    .await
                    .map_err(db::failed(OP))?;
            }
        }
        db::commit(transaction, OP).await
    }
}
