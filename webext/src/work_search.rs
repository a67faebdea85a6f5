//! Finding proof of work (docs/protocol.md §5.5) in the proof-of-work Web Worker
//! (`work_worker.js`, the `work-worker` crate), from any extension page or the offscreen
//! document: the search never runs on the caller's thread, so a page stays responsive and the
//! background keeps syncing meanwhile. The pages show progress and a Cancel button
//! (`phemossa_ui::work`); the background announces a follow with it (§8.9).

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::mpsc;
use futures_util::StreamExt as _;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker's script, from the extension's root (`build.sh` puts it in `dist/`).
const WORKER_URL: &str = "/work_worker.js";

/// Why a search found nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchFailure {
    /// Cancelled; nothing was found.
    Cancelled,
    /// The worker could not search, in words.
    Worker(String),
}

/// What stops the search under way: ends its worker and the wait for it.
type Stop = Box<dyn FnOnce()>;

/// Stops the search under way, if any: a page's Cancel button.
#[derive(Clone, Default)]
pub struct WorkCancel(Rc<RefCell<Option<Stop>>>);

impl PartialEq for WorkCancel {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl WorkCancel {
    pub fn cancel(&self) {
        if let Some(stop) = self.0.borrow_mut().take() {
            stop();
        }
    }
}

/// One message from the worker, as read here.
enum Reply {
    Progress(u64),
    Found(u64),
    Error(String),
}

/// Runs one search for `bits` of work over `prefix` in a fresh worker and returns the nonce
/// found; `on_progress` hears how many nonces were tried after each slice, and `cancel` ends
/// the search (then `Cancelled`).
pub async fn search(
    prefix: &[u8],
    bits: u8,
    cancel: &WorkCancel,
    on_progress: &mut dyn FnMut(u64),
) -> Result<u64, SearchFailure> {
    let failed = |what: &str, error: JsValue| {
        SearchFailure::Worker(format!(
            "{what}: {}",
            error.as_string().unwrap_or_else(|| format!("{error:?}"))
        ))
    };
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WORKER_URL, &options)
        .map_err(|error| failed("the proof-of-work worker did not start", error))?;
    let (sender, mut replies) = mpsc::unbounded::<Reply>();
    let on_message = {
        let sender = sender.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let _ = sender.unbounded_send(read_reply(&message.data()));
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let on_error = {
        let sender = sender.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let _ = sender.unbounded_send(Reply::Error(
                "the proof-of-work worker failed to load".into(),
            ));
        })
    };
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Cancel ends the worker at once and closes the channel, which ends the wait below.
    {
        let worker = worker.clone();
        *cancel.0.borrow_mut() = Some(Box::new(move || {
            worker.terminate();
            sender.close_channel();
        }));
    }
    let message = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&message, &JsValue::from_str(key), value);
    set("prefix", &Uint8Array::from(prefix).into())
        .and_then(|_| set("bits", &JsValue::from(bits)))
        .map_err(|error| failed("the search could not be asked for", error))?;
    worker
        .post_message(&message)
        .map_err(|error| failed("the search could not be asked for", error))?;
    let outcome = loop {
        match replies.next().await {
            None => break Err(SearchFailure::Cancelled),
            Some(Reply::Progress(tried)) => on_progress(tried),
            Some(Reply::Found(nonce)) => break Ok(nonce),
            Some(Reply::Error(error)) => break Err(SearchFailure::Worker(error)),
        }
    };
    cancel.0.borrow_mut().take();
    worker.terminate();
    drop((on_message, on_error));
    outcome
}

/// Reads `{progress}`, `{found: {nonce}}` or `{error}`.
fn read_reply(data: &JsValue) -> Reply {
    let field = |object: &JsValue, key: &str| Reflect::get(object, &JsValue::from_str(key)).ok();
    let whole = |value: Option<JsValue>| {
        value
            .and_then(|value| value.as_f64())
            .filter(|n| {
                n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n < 9_007_199_254_740_992.0
            })
            // Checked whole and below 2^53 just above: exact as a u64.
            .map(|n| n as u64)
    };
    if let Some(tried) = whole(field(data, "progress")) {
        return Reply::Progress(tried);
    }
    if let Some(found) = field(data, "found").filter(|found| found.is_object()) {
        return match whole(field(&found, "nonce")) {
            Some(nonce) => Reply::Found(nonce),
            None => Reply::Error("the proof-of-work worker answered without a nonce".into()),
        };
    }
    let error = field(data, "error")
        .and_then(|error| error.as_string())
        .unwrap_or_else(|| "the proof-of-work worker answered something unexpected".into());
    Reply::Error(error)
}
