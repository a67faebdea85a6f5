//! The proof-of-work Web Worker. Its one job: find the nonce that gives an event's id the zero
//! bits its work claims (docs/protocol.md §5.5), off the page's thread, telling the page how far
//! it has got.
//!
//! The page starts `work_worker.js` (this crate's `static/work_worker.js`) as a module worker and
//! posts it one message, `{prefix: Uint8Array, bits: number, slice?: number}`: the event's
//! canonical encoding up to its work (`phemossa_core::event::canonical_prefix`), the
//! bits wanted (1 to 32) and how many nonces to try per slice (default 65,536). The worker
//! answers `{progress: tried}` after each slice, then `{found: {bits, nonce}}` (the nonce a JS
//! number, below 2^53), or `{error: "…"}` for a message it refuses. The page cancels by
//! terminating the worker. The script runs the event loop, yielding between slices so the
//! worker stays responsive; this wasm reads the message, searches a slice and writes the reply.

mod search;

use js_sys::{Object, Reflect, Uint8Array};
use phemossa_core::limits::MAX_EVENT_BYTES;
use wasm_bindgen::prelude::*;

use search::{RequestError, Search, Step};

/// The worker's one search, as `static/work_worker.js` drives it.
#[wasm_bindgen]
#[derive(Default)]
pub struct WorkWorker {
    search: Option<Search>,
}

#[wasm_bindgen]
impl WorkWorker {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WorkWorker {
        WorkWorker::default()
    }

    /// A message from the page: starts the search it asks for and returns `undefined`, or
    /// returns the `{error}` reply to post when it is refused (a malformed request, or a search
    /// already running).
    pub fn receive(&mut self, message: &JsValue) -> JsValue {
        if self.search.is_some() {
            return refusal(RequestError::Busy);
        }
        match request(message) {
            Ok(search) => {
                self.search = Some(search);
                JsValue::UNDEFINED
            }
            Err(error) => refusal(error),
        }
    }

    /// Tries the next slice of the running search and returns the reply to post: `{progress}`
    /// (call again after yielding to the event loop), `{found}` or `{error}` (the search is
    /// over), or `undefined` when no search runs.
    pub fn step(&mut self) -> JsValue {
        let Some(search) = self.search.as_mut() else {
            return JsValue::UNDEFINED;
        };
        match search.step() {
            // At most 2^53: exact as a JS number.
            Step::Tried(tried) => reply("progress", &JsValue::from_f64(tried as f64)),
            Step::Found(work) => {
                self.search = None;
                let found = Object::new();
                set(&found, "bits", &JsValue::from_f64(f64::from(work.bits)));
                set(&found, "nonce", &JsValue::from_f64(work.nonce as f64));
                reply("found", &found)
            }
            Step::Exhausted => {
                self.search = None;
                reply(
                    "error",
                    &JsValue::from_str("no nonce up to 2^53 - 1 gives the work"),
                )
            }
        }
    }
}

/// Reads `{prefix, bits, slice?}`. Nothing here throws: a field that cannot be read counts as
/// missing.
fn request(message: &JsValue) -> Result<Search, RequestError> {
    if !message.is_object() {
        return Err(RequestError::NotAnObject);
    }
    let field =
        |name: &str| Reflect::get(message, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let prefix = field("prefix")
        .dyn_into::<Uint8Array>()
        .map_err(|_| RequestError::PrefixNotBytes)?;
    // Before copying it in: an oversized array costs nothing but its length.
    if prefix.length() as usize > MAX_EVENT_BYTES {
        return Err(RequestError::PrefixTooLong);
    }
    let bits = field("bits").as_f64().ok_or(RequestError::BitsOutOfRange)?;
    let slice = field("slice");
    let slice = if slice.is_undefined() || slice.is_null() {
        None
    } else {
        Some(slice.as_f64().ok_or(RequestError::SliceOutOfRange)?)
    };
    Search::new(&prefix.to_vec(), bits, slice)
}

fn refusal(error: RequestError) -> JsValue {
    reply("error", &JsValue::from_str(error.message()))
}

/// `{key: value}`.
fn reply(key: &str, value: &JsValue) -> JsValue {
    let object = Object::new();
    set(&object, key, value);
    object.into()
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Defining a property of a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}
