//! Proof of work from a page (docs/protocol.md §5.5): sends a request, and when the background
//! answers `WorkNeeded`, finds the work in the proof-of-work Web Worker (`work_worker.js`,
//! `work-worker/`) with progress and a way to cancel, then sends the request again with it.
//! The page stays responsive meanwhile: the search never runs on its thread.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use dioxus::prelude::*;
use phemossa_api::{ApiError, FoundWork, Request, Response};
pub use phemossa_webext::work_search::WorkCancel;
use phemossa_webext::work_search::{search, SearchFailure};
use phemossa_webext::PortClient;

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
    let found = search(&prefix, bits, cancel, &mut |tried| {
        on_progress(Some(WorkProgress { tried, bits }))
    })
    .await;
    on_progress(None);
    let nonce = found.map_err(|failure| match failure {
        SearchFailure::Cancelled => WorkFailure::Cancelled,
        SearchFailure::Worker(reason) => WorkFailure::Worker(reason),
    })?;
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
