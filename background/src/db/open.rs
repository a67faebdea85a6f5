//! Opening a database at a version with a declared schema. The upgrade adds what is missing
//! (stores, then indexes) and deletes only the indexes a spec names as retired: never a store,
//! never an index it does not name, unlike the builders of `rexie` and `idb`, which drop every
//! store a version does not list. A connection closes
//! itself when a newer version is asked for, so it never blocks that upgrade.

use std::cell::RefCell;
use std::rc::Rc;

use idb::event::VersionChangeEvent;
use idb::{
    Database, DatabaseEvent, Event, Factory, IndexParams, KeyPath, ObjectStoreParams, Request,
};

use web_sys::console;

use super::request::describe;
use crate::error::BackgroundError;

/// An object store and its indexes, as a schema version has them.
pub struct StoreSpec {
    pub name: &'static str,
    pub key_path: &'static str,
    pub indexes: &'static [IndexSpec],
    /// Indexes an older version made that this one no longer keeps: deleted at the upgrade, so
    /// no write pays for them any more. Only these are ever deleted.
    pub retired: &'static [&'static str],
}

/// An index; a one-element key path is a plain (non-array) key path.
pub struct IndexSpec {
    pub name: &'static str,
    pub key_path: &'static [&'static str],
    /// A multi-entry index keys a record once by each element of its (array) field.
    pub multi_entry: bool,
}

/// Opens (creating or upgrading as needed) database `name` at `version` with `stores`.
pub async fn open(
    name: &str,
    version: u32,
    stores: &'static [StoreSpec],
) -> Result<Database, BackgroundError> {
    let fail = |reason: String| BackgroundError::OpenDatabase {
        database: name.to_owned(),
        reason,
    };
    let factory = Factory::new().map_err(|e| fail(describe(&e)))?;
    let mut request = factory
        .open(name, Some(version))
        .map_err(|e| fail(describe(&e)))?;
    let upgrade_error = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&upgrade_error);
    request.on_upgrade_needed(move |event| {
        if let Err(error) = upgrade(&event, stores) {
            // Aborting the version change makes the open fail; the reason is reported below.
            *slot.borrow_mut() = Some(format!("schema upgrade: {}", describe(&error)));
            if let Some(transaction) = event.target().ok().and_then(|r| r.transaction()) {
                let _ = transaction.abort();
            }
        }
    });
    // An older connection still open (a document being replaced) delays the upgrade until it
    // closes; every connection this code opens closes itself when asked (below), so the wait is
    // short. It is said in the console, since the start waits for it.
    let waiting_for = name.to_owned();
    request.on_blocked(move |_| {
        console::warn_1(
            &format!(
                "phemossa: upgrading database {waiting_for:?} waits for an older connection to close"
            )
            .into(),
        );
    });
    let mut database = request.await.map_err(|error| {
        let reason = upgrade_error.borrow_mut().take();
        fail(reason.unwrap_or_else(|| describe(&error)))
    })?;
    // A newer version asked for elsewhere (an updated extension's new document): this connection
    // closes at once, so that upgrade is never blocked by it. This document is being replaced
    // then; until it is, its requests fail in words rather than wait.
    // The browser closes a connection itself when its files fail (a full disk: "IO error ...
    // FILE_ERROR_NO_SPACE"); every later request on it would fail. Nothing here can reopen it
    // under the services that hold it, so the document is replaced, as after a panic, and the
    // new one opens the database afresh. (A close this code asks for fires no `close` event.)
    let lost = name.to_owned();
    database.on_close(move |_| {
        crate::panic_report::report_fatal(&format!(
            "the browser closed its database {lost:?} (is the disk full?)"
        ));
    });
    let closing = name.to_owned();
    database.on_version_change(move |event| {
        if let Some(database) = event.target().and_then(|t| Database::try_from(t).ok()) {
            database.close();
        }
        console::warn_1(
            &format!("phemossa: closed database {closing:?} for a newer version to open it").into(),
        );
    });
    Ok(database)
}

fn upgrade(event: &VersionChangeEvent, stores: &[StoreSpec]) -> Result<(), idb::Error> {
    let request = event.target()?;
    let database = event.database()?;
    let transaction = request
        .transaction()
        .ok_or(idb::Error::TransactionNotFound)?;
    let existing = database.store_names();
    for spec in stores {
        let store = if existing.iter().any(|name| name == spec.name) {
            transaction.object_store(spec.name)?
        } else {
            let mut params = ObjectStoreParams::new();
            params.key_path(Some(KeyPath::new_single(spec.key_path)));
            database.create_object_store(spec.name, params)?
        };
        let indexes = store.index_names();
        for retired in spec.retired {
            if indexes.iter().any(|name| name == retired) {
                store.delete_index(retired)?;
            }
        }
        for index in spec.indexes {
            if indexes.iter().any(|name| name == index.name) {
                continue;
            }
            let key_path = match index.key_path {
                [single] => KeyPath::new_single(single),
                many => KeyPath::new_array(many.iter().copied()),
            };
            let mut params = IndexParams::new();
            params.multi_entry(index.multi_entry);
            store.create_index(index.name, key_path, Some(params))?;
        }
    }
    Ok(())
}
