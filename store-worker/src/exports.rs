//! The worker's wasm exports: open the store once, then pass each message to [`serve`]. The
//! store is this thread's, in a `thread_local`: a worker has one thread and one store.

use std::cell::RefCell;

use phemossa_store::{Store, StoreError};
use phemossa_store_protocol::{encode, Answer, Failure, FailureKind};
use wasm_bindgen::prelude::*;

use crate::serve;

/// Where the store is: not opened yet (or why it could not be), or open.
enum State {
    Closed(Failure),
    Open(Store),
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::Closed(Failure {
        kind: FailureKind::Unavailable,
        message: "the store is not open yet".into(),
    }));
}

/// What [`open`] did, as the number the script reads.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum Opened {
    /// The store is open.
    Open = 0,
    /// It could not be opened now (most often its files are still held by a previous
    /// document's worker): worth trying again shortly.
    TryAgain = 1,
    /// It will not open however often it is tried (written by a newer version): requests are
    /// answered with why.
    Never = 2,
}

/// Opens the store file `name` in the origin private file system, once; says whether it is
/// open. Until it is, every request is answered `Unavailable` (or `NewerSchema`) with why.
#[wasm_bindgen]
pub async fn open(name: String) -> Opened {
    if STATE.with_borrow(|state| matches!(state, State::Open(_))) {
        return Opened::Open;
    }
    match Store::open_in_opfs(&name).await {
        Ok(store) => {
            STATE.set(State::Open(store));
            Opened::Open
        }
        Err(error) => {
            let (kind, opened) = match error {
                StoreError::NewerSchema { .. } => (FailureKind::NewerSchema, Opened::Never),
                _ => (FailureKind::Unavailable, Opened::TryAgain),
            };
            STATE.set(State::Closed(Failure {
                kind,
                message: error.to_string(),
            }));
            opened
        }
    }
}

/// Answers one encoded request (see [`serve`]); before the store is open, `Unavailable` with
/// why it is not.
#[wasm_bindgen]
pub fn handle(message: &[u8]) -> Vec<u8> {
    STATE.with_borrow_mut(|state| match state {
        State::Open(store) => serve(store, message),
        State::Closed(why) => encode(&Answer::Failed(why.clone())),
    })
}
