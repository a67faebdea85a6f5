//! The event archive over the port: importing events a person chose from a file (validated
//! like anything from a peer), exporting stored events a page at a time, and timing this
//! device's signature checks so an ingest can be compared with them.

use phemossa_api::{
    ApiError, EventsPage, ImportReport, Response, VerificationTiming, MAX_EXPORT_PAGE,
    MAX_EXPORT_PAGE_BYTES, MAX_IMPORT_EVENTS, MAX_IMPORT_REASONS,
};
use phemossa_core::{Event, EventId};
use wasm_bindgen::JsCast as _;

use crate::clock;
use crate::ingest::Ingest;
use crate::storage::Storage;

/// Validates and stores `events`; `first_line` numbers them in the refusal reasons.
pub async fn import_events(
    ingest: &Ingest,
    events: Vec<String>,
    first_line: u64,
) -> Result<Response, ApiError> {
    if events.len() > MAX_IMPORT_EVENTS {
        return Err(ApiError::InvalidRequest {
            reason: format!(
                "{} events in one import, more than the {MAX_IMPORT_EVENTS} allowed",
                events.len()
            ),
        });
    }
    let started = precise_now_ms();
    let messages: Vec<Vec<u8>> = events.into_iter().map(String::into_bytes).collect();
    let ingested = ingest.ingest_json(&messages).await?;
    let reasons = ingested
        .rejected
        .iter()
        .take(MAX_IMPORT_REASONS)
        .map(|(index, error)| {
            let line = first_line.saturating_add(*index as u64);
            format!("line {line}: {error}")
        })
        .collect();
    let report = ImportReport {
        stored: ingested.stored as u64,
        duplicates: ingested.duplicates as u64,
        rejected: ingested.rejected.len() as u64,
        kept_out: (ingested.held_back + ingested.blocked) as u64,
        reasons,
        micros: ((precise_now_ms() - started) * 1000.0).round() as u64,
    };
    Ok(Response::Imported(report))
}

/// Up to `limit` stored events after `after`, in id order, within the page byte budget.
pub async fn export_events(
    storage: &Storage,
    after: Option<EventId>,
    limit: u32,
) -> Result<Response, ApiError> {
    let limit = limit.clamp(1, MAX_EXPORT_PAGE);
    let records = storage.events_after(after.as_ref(), limit).await?;
    let full = records.len() as u32 == limit;
    let mut page = EventsPage {
        events: Vec::with_capacity(records.len()),
        next: None,
    };
    let mut bytes = 0;
    let mut cut_short = false;
    for record in records {
        if bytes + record.json.len() > MAX_EXPORT_PAGE_BYTES && !page.events.is_empty() {
            cut_short = true;
            break;
        }
        bytes += record.json.len();
        page.next = Some(record.id);
        page.events.push(record.json);
    }
    if !full && !cut_short {
        page.next = None;
    }
    Ok(Response::Events(page))
}

/// Parses `events` (untimed), then times their signature checks alone.
pub fn measure_verification(events: Vec<String>) -> Result<Response, ApiError> {
    if events.len() > MAX_IMPORT_EVENTS {
        return Err(ApiError::InvalidRequest {
            reason: format!("at most {MAX_IMPORT_EVENTS} events to time at once"),
        });
    }
    let now = clock::now_ms();
    let parsed: Vec<Event> = events
        .iter()
        .filter_map(|json| Event::from_json(json.as_bytes(), now).ok())
        .collect();
    let start = precise_now_ms();
    let valid = parsed
        .iter()
        .filter(|e| e.check_signature().is_ok())
        .count();
    let micros = ((precise_now_ms() - start) * 1000.0).round() as u64;
    Ok(Response::VerificationTiming(VerificationTiming {
        events: parsed.len() as u64,
        micros,
        valid: valid as u64,
    }))
}

/// `performance.now()`, sub-millisecond where the browser allows; `Date.now()` otherwise.
fn precise_now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|value| value.dyn_into::<web_sys::Performance>().ok());
    match performance {
        Some(performance) => performance.now(),
        None => js_sys::Date::now(),
    }
}
