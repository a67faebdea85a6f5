//! Errors with context, and committing. `idb`'s errors name the failing call but not our
//! operation, and a quota failure often shows only as the transaction's `error` after an abort
//! at commit time, so every transaction is committed through [`commit`], which reads it.

use idb::Transaction;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DomException, IdbTransaction};

use crate::error::BackgroundError;

const QUOTA_EXCEEDED: &str = "QuotaExceededError";

/// Maps an `idb` error from `operation` to ours; a quota error becomes `QuotaExceeded`.
pub fn failed(operation: &'static str) -> impl Fn(idb::Error) -> BackgroundError {
    move |error| match dom_exception(&error) {
        Some(dom) => from_dom(operation, &dom),
        None => BackgroundError::Database {
            operation,
            reason: describe(&error),
        },
    }
}

/// Waits for `transaction` to commit; an abort is an error carrying the transaction's reason.
///
/// Not through idb's wait: it ends at the first error event of any request (an `add` of a
/// stored key, a write past the quota), before the abort that follows and sets the reason, and
/// dropping it leaves the transaction calling its dropped closures when the abort comes
/// ("closure invoked recursively or after being dropped"). The browser's own resolve and
/// reject functions are the handlers here instead: they outlive any wait, and nothing but the
/// end of the transaction settles them.
pub async fn commit(
    transaction: Transaction,
    operation: &'static str,
) -> Result<(), BackgroundError> {
    let raw: IdbTransaction = JsValue::from(transaction).unchecked_into();
    let ended = js_sys::Promise::new(&mut |committed, aborted| {
        raw.set_oncomplete(Some(&committed));
        raw.set_onabort(Some(&aborted));
    });
    if wasm_bindgen_futures::JsFuture::from(ended).await.is_ok() {
        return Ok(());
    }
    Err(match raw.error() {
        Some(dom) => from_dom(operation, &dom),
        None => BackgroundError::Database {
            operation,
            reason: "the transaction was aborted".into(),
        },
    })
}

/// How Chrome words a write that failed because the disk is full: not a QuotaExceededError but
/// an UnknownError whose message carries LevelDB's reason.
const NO_SPACE: &str = "FILE_ERROR_NO_SPACE";

/// The name of the error an `add` of a key already stored fails with, which aborts its
/// transaction.
const CONSTRAINT: &str = "ConstraintError";

/// Whether `error` is a transaction's abort by an `add` of a key already stored.
pub fn is_key_already_stored(error: &BackgroundError) -> bool {
    matches!(error, BackgroundError::Database { reason, .. }
        if reason.strip_prefix(CONSTRAINT).is_some_and(|rest| rest.starts_with(':')))
}

fn from_dom(operation: &'static str, dom: &DomException) -> BackgroundError {
    if dom.name() == QUOTA_EXCEEDED || dom.message().contains(NO_SPACE) {
        BackgroundError::QuotaExceeded { operation }
    } else {
        BackgroundError::Database {
            operation,
            reason: format!("{}: {}", dom.name(), dom.message()),
        }
    }
}

fn dom_exception(error: &idb::Error) -> Option<DomException> {
    use idb::Error as E;
    let value = match error {
        E::DomException(dom) => return Some(dom.clone()),
        E::AddFailed(v)
        | E::UpdateFailed(v)
        | E::GetFailed(v)
        | E::GetKeyFailed(v)
        | E::GetAllFailed(v)
        | E::CountFailed(v)
        | E::OpenCursorFailed(v)
        | E::CursorContinueFailed(v)
        | E::TransactionOpenFailed(v)
        | E::TransactionCommitError(v)
        | E::IndexedDbOpenFailed(v)
        | E::ObjectStoreCreateFailed(v)
        | E::IndexCreateFailed(v) => v,
        _ => return None,
    };
    value.dyn_ref::<DomException>().cloned()
}

/// Words for an `idb` error, with the DOMException's name and message when there is one.
pub fn describe(error: &idb::Error) -> String {
    match dom_exception(error) {
        Some(dom) => format!("{error} ({}: {})", dom.name(), dom.message()),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use phemossa_api::ApiError;
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn dom(name: &str) -> DomException {
        DomException::new_with_message_and_name("from the test", name).expect("DOMException")
    }

    #[wasm_bindgen_test]
    fn a_quota_error_becomes_storage_full_wherever_it_shows() {
        let from_request =
            failed("storing an event")(idb::Error::DomException(dom(QUOTA_EXCEEDED)));
        assert_eq!(
            from_request,
            BackgroundError::QuotaExceeded {
                operation: "storing an event"
            }
        );
        let thrown = failed("storing an event")(idb::Error::AddFailed(dom(QUOTA_EXCEEDED).into()));
        assert_eq!(ApiError::from(thrown), ApiError::StorageFull);
        // At commit time the quota error is the aborted transaction's error.
        assert_eq!(
            ApiError::from(from_dom("storing an event", &dom(QUOTA_EXCEEDED))),
            ApiError::StorageFull
        );
    }

    #[wasm_bindgen_test]
    fn other_errors_keep_the_operation_and_the_browsers_words() {
        let error = failed("reading a feed page")(idb::Error::DomException(dom("DataError")));
        assert_eq!(
            error,
            BackgroundError::Database {
                operation: "reading a feed page",
                reason: "DataError: from the test".into()
            }
        );
        let ApiError::Storage { reason } = ApiError::from(error) else {
            panic!("a database error is a storage error");
        };
        assert!(reason.contains("reading a feed page") && reason.contains("DataError"));
    }
}
