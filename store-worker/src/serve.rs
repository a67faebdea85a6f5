//! Answering one store message: decode it, run it on the store as one transaction or one read,
//! encode the answer. Nothing here can panic on a message's content: a message that does not
//! decode, or names a key that is not one, is answered [`FailureKind::BadRequest`]; an event
//! that does not validate here as it did in the document fails its batch
//! ([`FailureKind::Refused`]) and stores nothing of it.

use phemossa_core::event::check_batch::remember_pairs;
use phemossa_core::event::VerifiedIds;
use phemossa_core::{Event, EventId};
use phemossa_store::{Store, StoreError};
use phemossa_store_protocol::{
    decode, encode, scope_of, Answer, ByteString, Bytes32, Failure, FailureKind, Request,
};

/// Answers the encoded request `message` on `store`, as an encoded [`Answer`].
pub fn serve(store: &mut Store, message: &[u8]) -> Vec<u8> {
    let answer = match decode::<Request>(message) {
        Ok(request) => answer(store, request).unwrap_or_else(Answer::Failed),
        Err(error) => Answer::Failed(Failure {
            kind: FailureKind::BadRequest,
            message: error.to_string(),
        }),
    };
    encode(&answer)
}

fn answer(store: &mut Store, request: Request) -> Result<Answer, Failure> {
    match request {
        Request::Insert {
            events,
            verified,
            now_ms,
        } => {
            let events = rebuild(&events, &verified, now_ms)?;
            let new = store.insert_batch(&events).map_err(failure)?;
            Ok(Answer::Inserted { new })
        }
        Request::ListIds {
            authors,
            since,
            after,
            limit,
        } => {
            let scope = scope_of(&authors, since)?;
            let after = after.map(|(timestamp, id)| phemossa_sync::Cursor {
                timestamp,
                id: id.into(),
            });
            let (page, more) = store
                .list_ids(&scope, after, limit as usize)
                .map_err(failure)?;
            Ok(Answer::Ids {
                page: page
                    .into_iter()
                    .map(|cursor| (cursor.timestamp, cursor.id.into()))
                    .collect(),
                more,
            })
        }
        Request::MissingIds { ids } => {
            let missing = store.missing_ids(&event_ids(&ids)).map_err(failure)?;
            Ok(Answer::Missing {
                ids: missing.into_iter().map(Bytes32::from).collect(),
            })
        }
        Request::LoadJson { ids } => {
            let loaded = store.load_json(&event_ids(&ids)).map_err(failure)?;
            Ok(Answer::Loaded {
                events: loaded
                    .into_iter()
                    .map(|(id, json)| (id.into(), ByteString(json)))
                    .collect(),
            })
        }
        Request::EventCount => Ok(Answer::Count {
            events: store.event_count().map_err(failure)?,
        }),
    }
}

/// A batch's events as core's `Event`s again, validated with the signatures the document
/// checked taken as checked (`verified`'s pairs). A signature it did not name is checked here,
/// so a pair missing costs time, never a wrong verdict.
fn rebuild(
    events: &[ByteString],
    verified: &ByteString,
    now_ms: u64,
) -> Result<Vec<Event>, Failure> {
    let memory = VerifiedIds::with_capacity(events.len().max(1));
    remember_pairs(&verified.0, &memory).map_err(|error| Failure {
        kind: FailureKind::BadRequest,
        message: format!("the batch's signature pairs: {error}"),
    })?;
    events
        .iter()
        .enumerate()
        .map(|(n, json)| {
            Event::from_json_remembering(&json.0, now_ms, &memory).map_err(|error| Failure {
                kind: FailureKind::Refused,
                message: format!("event {n} of the batch did not validate: {error}"),
            })
        })
        .collect()
}

fn event_ids(ids: &[Bytes32]) -> Vec<EventId> {
    ids.iter().map(|id| EventId::from(*id)).collect()
}

/// A store error as the failure the document is told of.
fn failure(error: StoreError) -> Failure {
    let kind = match &error {
        StoreError::NewerSchema { .. } => FailureKind::NewerSchema,
        StoreError::Opfs(_) => FailureKind::Unavailable,
        _ => FailureKind::Storage,
    };
    Failure {
        kind,
        message: error.to_string(),
    }
}
