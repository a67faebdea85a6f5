//! Opening the store in the origin private file system, where the design record's store worker
//! keeps it: through sqlite-wasm-rs's "opfs-sahpool" VFS, which holds the files' sync access
//! handles, so it works only in a dedicated worker (the offscreen document's own thread has no
//! such handles, and the popup and options pages never open the store).

use rusqlite::{Connection, OpenFlags};
use sqlite_wasm_rs::sahpool_vfs::{install, OpfsSAHPoolCfg};

use crate::{Store, StoreError};

/// The VFS's name, and the folder of the origin private file system its files live in.
const VFS: &str = "opfs-sahpool";
const DIRECTORY: &str = ".phemossa-store";

impl Store {
    /// Opens (creating if need be) the store file `name` in the origin private file system. Must
    /// be called in a dedicated worker; elsewhere it fails with [`StoreError::Opfs`].
    pub async fn open_in_opfs(name: &str) -> Result<Self, StoreError> {
        let config = OpfsSAHPoolCfg {
            vfs_name: VFS.into(),
            directory: DIRECTORY.into(),
            ..OpfsSAHPoolCfg::default()
        };
        // Installing twice is harmless: a registered VFS is found and reused.
        install(&config, false)
            .await
            .map_err(|error| StoreError::Opfs(error.to_string()))?;
        let connection = Connection::open_with_flags_and_vfs(name, OpenFlags::default(), VFS)
            .map_err(StoreError::sqlite("opening the store"))?;
        Self::with(connection)
    }
}
