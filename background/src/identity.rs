//! The user's identity: a random ed25519 seed made on first start and kept in its own IndexedDB
//! database, loaded on every start, replaced only by a confirmed restore. The seed leaves this
//! module only as an `Identity` value, which the backup handlers seal before anything sees it.

use idb::{Database, TransactionMode};
use js_sys::{Object, Reflect, Uint8Array};
use phemossa_core::Identity;
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroizing;

use crate::db::{self, StoreSpec};
use crate::error::BackgroundError;
use crate::random;

/// The database the product uses; tests pass their own names.
pub const DATABASE: &str = "phemossa-identity";
const VERSION: u32 = 1;
const STORE: &str = "identity";
/// The one record's key.
const KEY: &str = "self";

static SCHEMA: [StoreSpec; 1] = [StoreSpec {
    name: STORE,
    key_path: "id",
    indexes: &[],
    retired: &[],
}];

pub struct IdentityStore {
    db: Database,
}

impl IdentityStore {
    pub async fn open(name: &str) -> Result<Self, BackgroundError> {
        Ok(Self {
            db: db::open(name, VERSION, &SCHEMA).await?,
        })
    }

    /// The stored identity; on first start, a new random one, stored before it is returned.
    pub async fn load_or_create(&self) -> Result<Identity, BackgroundError> {
        const OP: &str = "loading the identity";
        let transaction = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
        let store = transaction.object_store(STORE).map_err(db::failed(OP))?;
        let stored = store
            .get(JsValue::from_str(KEY))
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        let identity = match stored {
            Some(record) => decode(&record)?,
            None => {
                let seed = Zeroizing::new(random::array::<32>()?);
                let identity = Identity::from_seed(*seed);
                store
                    .add(&encode(&identity)?, None)
                    .map_err(db::failed(OP))?
                    .await
                    .map_err(db::failed(OP))?;
                identity
            }
        };
        db::commit(transaction, OP).await?;
        Ok(identity)
    }

    /// Stores `identity` in place of the current one; done when the write has committed.
    pub async fn replace(&self, identity: &Identity) -> Result<(), BackgroundError> {
        const OP: &str = "replacing the identity";
        let transaction = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(db::failed(OP))?;
        let store = transaction.object_store(STORE).map_err(db::failed(OP))?;
        store
            .put(&encode(identity)?, None)
            .map_err(db::failed(OP))?
            .await
            .map_err(db::failed(OP))?;
        db::commit(transaction, OP).await
    }

    pub fn close(&self) {
        self.db.close();
    }
}

/// `{id: "self", seed: Uint8Array(32)}`: bytes, so the seed never becomes a JS string.
fn encode(identity: &Identity) -> Result<JsValue, BackgroundError> {
    let record = Object::new();
    let seed = identity.seed();
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&record, &JsValue::from_str(key), value).map_err(|e| {
            BackgroundError::CorruptRecord {
                store: STORE,
                reason: crate::error::js_reason(&e),
            }
        })
    };
    set("id", &JsValue::from_str(KEY))?;
    set("seed", &Uint8Array::from(seed.as_slice()).into())?;
    Ok(record.into())
}

fn decode(record: &JsValue) -> Result<Identity, BackgroundError> {
    let corrupt = |reason: &str| BackgroundError::CorruptRecord {
        store: STORE,
        reason: reason.into(),
    };
    let seed = Reflect::get(record, &JsValue::from_str("seed"))
        .ok()
        .and_then(|value| value.dyn_into::<Uint8Array>().ok())
        .ok_or_else(|| corrupt("the seed is missing or not bytes"))?;
    let mut bytes = Zeroizing::new([0u8; 32]);
    if seed.length() != 32 {
        return Err(corrupt("the seed is not 32 bytes"));
    }
    seed.copy_to(bytes.as_mut());
    Ok(Identity::from_seed(*bytes))
}
