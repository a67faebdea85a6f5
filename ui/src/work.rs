//! Proof of work from a page (docs/protocol.md §5.5): sends a request, and when the background
//! answers `WorkNeeded`, finds the work in the proof-of-work Web Worker (`work_worker.js`,
//! `work-worker/`) with progress and a way to cancel, then sends the request again with it.
//! The page stays responsive meanwhile: the search never runs on its thread.

use std::cell::RefCell;
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use dioxus::prelude::*;
use futures_channel::mpsc;
use futures_util::StreamExt as _;
use js_sys::{Object, Reflect, Uint8Array};
use phemossa_api::{ApiError, FoundWork, Request, Response};
use phemossa_webext::PortClient;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker's script, from the extension's root (`build.sh` puts it in `dist/`).
const WORKER_URL: &str = "/work_worker.js";

/// How a search stands, for the page to show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkProgress {
    /// Nonces tried so far.
    pub tried: u64,
    /// The bits being searched for: 2^bits tries are expected on average.
    pub bits: u8,
}

impl WorkProgress {
    /// How far along, 0 to 99 %, against the expected number of tries. A search can take
    /// longer than expected: it then stays at 99 % rather than pass 100.
    pub fn percent(&self) -> u8 {
        let expected = 1u64 << self.bits.min(63);
        let percent = self.tried.saturating_mul(100) / expected.max(1);
        u8::try_from(percent.min(99)).unwrap_or(99)
    }
}

/// What stops the search under way: ends its worker and the wait for it.
type Stop = Box<dyn FnOnce()>;

/// Stops the search under way, if any: the page's Cancel button.
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

/// Why a request with work did not go through.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkFailure {
    /// The person pressed Cancel; nothing was sent.
    Cancelled,
    /// The worker could not search, in words.
    Worker(String),
    /// The background refused the request.
    Refused(ApiError),
}

impl WorkFailure {
    /// In words, for the page's alert: `what` is what was not sent ("your reaction").
    pub fn text(&self, what: &str) -> String {
        match self {
            WorkFailure::Cancelled => {
                format!("Not sent: you cancelled the proof of work for {what}.")
            }
            WorkFailure::Worker(reason) => {
                format!("Not sent: the proof of work for {what} could not be found ({reason}).")
            }
            WorkFailure::Refused(refused) => refused.to_string(),
        }
    }
}

/// The search under way, as a person sees it: why the browser works, a progress bar and
/// "Cancel". Nothing while no search runs.
#[component]
pub fn WorkShown(
    /// The id of the progress bar, unique on the page.
    id: String,
    progress: Option<WorkProgress>,
    cancel: WorkCancel,
) -> Element {
    let Some(now) = progress else {
        return rsx! {};
    };
    let percent = now.percent();
    rsx! {
        div { class: "work-progress",
            label { r#for: "{id}", class: "hint",
                "This reaches someone who does not follow you, so your browser first proves it is not spam: {percent} %"
            }
            progress { id: "{id}", max: "100", value: "{percent}" }
            button {
                r#type: "button",
                class: "button secondary",
                onclick: move |_| cancel.cancel(),
                "Cancel"
            }
        }
    }
}

/// Sends `request(None)`; if it needs proof of work, finds it (showing how far in `progress`
/// after each slice; `cancel` stops it) and sends `request(Some(work))`. Not generic, so the
/// popup carries one copy for its three callers.
pub async fn request_with_work(
    client: &PortClient,
    request: &dyn Fn(Option<FoundWork>) -> Request,
    cancel: &WorkCancel,
    mut progress: Signal<Option<WorkProgress>>,
) -> Result<Response, WorkFailure> {
    let mut on_progress = move |now| progress.set(now);
    let answer = client
        .request(request(None))
        .await
        .map_err(WorkFailure::Refused)?;
    let Response::WorkNeeded {
        prefix,
        bits,
        timestamp,
        ..
    } = answer
    else {
        return Ok(answer);
    };
    let prefix = STANDARD
        .decode(prefix)
        .map_err(|error| WorkFailure::Worker(format!("the post to prove was garbled: {error}")))?;
    on_progress(Some(WorkProgress { tried: 0, bits }));
    let found = find(&prefix, bits, cancel, &mut on_progress).await;
    on_progress(None);
    let nonce = found?;
    let work = FoundWork {
        timestamp,
        bits,
        nonce,
    };
    client
        .request(request(Some(work)))
        .await
        .map_err(WorkFailure::Refused)
}

/// One message from the worker, as read here.
enum Reply {
    Progress(u64),
    Found(u64),
    Error(String),
}

/// Runs one search in a fresh worker and returns the nonce found.
async fn find(
    prefix: &[u8],
    bits: u8,
    cancel: &WorkCancel,
    on_progress: &mut dyn FnMut(Option<WorkProgress>),
) -> Result<u64, WorkFailure> {
    let failed = |what: &str, error: JsValue| {
        WorkFailure::Worker(format!(
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
            None => break Err(WorkFailure::Cancelled),
            Some(Reply::Progress(tried)) => on_progress(Some(WorkProgress { tried, bits })),
            Some(Reply::Found(nonce)) => break Ok(nonce),
            Some(Reply::Error(error)) => break Err(WorkFailure::Worker(error)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_against_the_expected_tries_and_never_says_done() {
        let at = |tried| WorkProgress { tried, bits: 20 }.percent();
        assert_eq!(at(0), 0);
        assert_eq!(at(1 << 19), 50);
        assert_eq!(at(1 << 20), 99);
        assert_eq!(at(u64::MAX), 99);
        assert_eq!(WorkProgress { tried: 5, bits: 0 }.percent(), 99);
    }
}
