//! Small named records in the `meta` store (network, retention and keep-out settings, the device's libp2p
//! key, whether the identity is backed up) and the `peers` store's one row per peer seen.

use phemossa_core::retention::RetentionSettings;
use phemossa_core::settings::NetworkSettings;
use phemossa_core::PublicKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::schema::{META, PEERS};
use crate::db;
use crate::error::BackgroundError;

const NETWORK_KEY: &str = "network";
const DEVICE_KEY: &str = "device_key";
const RETENTION_KEY: &str = "retention";
const BACKUP_KEY: &str = "backup";
const KEEP_OUT_KEY: &str = "keep_out";

#[derive(Serialize, Deserialize)]
struct Named<T> {
    key: String,
    value: T,
}

/// Whether and when the identity `public_key` was backed up, and until when the person put off
/// being reminded. Keyed to the identity: a restored or new one starts afresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    pub public_key: phemossa_core::PublicKey,
    pub exported_at: Option<u64>,
    pub snoozed_until: u64,
}

/// What is remembered of a peer between runs (`peers` store, keyed by peer id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerRecord {
    pub peer_id: String,
    pub address: Option<String>,
    pub events_received: u64,
    pub invalid_messages: u64,
    /// Ms since the epoch.
    pub last_seen: u64,
    /// Until when (ms since the epoch) the peer is banned, if it is (`phemossa_node::limits`);
    /// absent from records saved before bans outlived a restart.
    #[serde(default)]
    pub banned_until: Option<u64>,
    /// Who runs the peer, from its checked owner claim (docs/protocol.md §13); absent from
    /// records saved before peers were named.
    #[serde(default)]
    pub owner: Option<PublicKey>,
}

impl Storage {
    /// The saved network settings; empty ones if none were ever saved.
    pub async fn network_settings(&self) -> Result<NetworkSettings, BackgroundError> {
        Ok(self.named(NETWORK_KEY).await?.unwrap_or_default())
    }

    pub async fn save_network_settings(
        &self,
        settings: &NetworkSettings,
    ) -> Result<(), BackgroundError> {
        self.put_named(NETWORK_KEY, settings).await
    }

    /// The saved retention limits; the defaults if none were ever saved.
    /// What the user keeps out (`core::keep_out`); nothing if never saved.
    pub async fn keep_out(&self) -> Result<phemossa_core::keep_out::KeepOut, BackgroundError> {
        Ok(self.named(KEEP_OUT_KEY).await?.unwrap_or_default())
    }

    pub async fn save_keep_out(
        &self,
        keep_out: &phemossa_core::keep_out::KeepOut,
    ) -> Result<(), BackgroundError> {
        self.put_named(KEEP_OUT_KEY, keep_out).await
    }

    pub async fn retention_settings(&self) -> Result<RetentionSettings, BackgroundError> {
        Ok(self.named(RETENTION_KEY).await?.unwrap_or_default())
    }

    pub async fn save_retention_settings(
        &self,
        settings: &RetentionSettings,
    ) -> Result<(), BackgroundError> {
        self.put_named(RETENTION_KEY, settings).await
    }

    /// The backup record, if one was saved.
    pub async fn backup_record(&self) -> Result<Option<BackupRecord>, BackgroundError> {
        self.named(BACKUP_KEY).await
    }

    pub async fn save_backup_record(&self, record: &BackupRecord) -> Result<(), BackgroundError> {
        self.put_named(BACKUP_KEY, record).await
    }

    /// The device's libp2p key, protobuf-encoded, if one was made.
    pub async fn device_key(&self) -> Result<Option<Vec<u8>>, BackgroundError> {
        self.named(DEVICE_KEY).await
    }

    pub async fn save_device_key(&self, protobuf: &[u8]) -> Result<(), BackgroundError> {
        self.put_named(DEVICE_KEY, &protobuf.to_vec()).await
    }

    /// Every peer remembered from earlier runs.
    pub async fn peer_records(&self) -> Result<Vec<PeerRecord>, BackgroundError> {
        const OP: &str = "reading known peers";
        let values = self
            .read_only(PEERS, OP)?
            .get_all(None, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        values.iter().map(|v| db::from_js(v, PEERS)).collect()
    }

    pub async fn save_peer(&self, record: &PeerRecord) -> Result<(), BackgroundError> {
        self.put(PEERS, &db::to_js(record, PEERS)?, "saving a peer")
            .await
    }

    /// Forgets the peers `peer_ids` (their records aged out).
    pub async fn forget_peers(&self, peer_ids: &[String]) -> Result<(), BackgroundError> {
        const OP: &str = "forgetting peers";
        if peer_ids.is_empty() {
            return Ok(());
        }
        let transaction = self.writing(&[PEERS], OP)?;
        let store = transaction.object_store(PEERS).map_err(db::failed(OP))?;
        let mut deletes = Vec::with_capacity(peer_ids.len());
        for id in peer_ids {
            let key = idb::Query::Key(JsValue::from_str(id));
            deletes.push(store.delete(key).map_err(db::failed(OP))?);
        }
        for delete in deletes {
            delete.await.map_err(db::failed(OP))?;
        }
        db::commit(transaction, OP).await
    }

    async fn named<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, BackgroundError> {
        match self.named_value(key).await? {
            Some(value) => Ok(Some(db::from_js::<Named<T>>(&value, META)?.value)),
            None => Ok(None),
        }
    }

    /// The read of [`Self::named`], kept apart from its generic decoding so the wasm carries
    /// it once, not once per kind of setting.
    async fn named_value(&self, key: &str) -> Result<Option<JsValue>, BackgroundError> {
        const OP: &str = "reading a setting";
        self.read_only(META, OP)?
            .get(JsValue::from_str(key))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))
    }

    async fn put_named<T: Serialize>(&self, key: &str, value: &T) -> Result<(), BackgroundError> {
        let record = Named {
            key: key.to_owned(),
            value,
        };
        self.put(META, &db::to_js(&record, META)?, "saving a setting")
            .await
    }

    async fn put(
        &self,
        store: &str,
        value: &JsValue,
        op: &'static str,
    ) -> Result<(), BackgroundError> {
        let transaction = self.writing(&[store], op)?;
        transaction
            .object_store(store)
            .map_err(db::failed(op))?
            .put(value, None)
            .map_err(db::failed(op))?
            .await
            .map_err(db::failed(op))?;
        db::commit(transaction, op).await
    }
}
