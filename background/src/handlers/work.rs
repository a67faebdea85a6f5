//! Proof of work for the user's own events (docs/protocol.md §5.5, §8.9): whether a new event
//! needs it, and signing one with the work a page found. The search itself runs in the page's
//! Web Worker (`work-worker/`), never here: the offscreen document keeps syncing meanwhile.
//!
//! An event addressing someone not known to follow the user needs the default work, 22 bits: a
//! sender cannot know what the addressee asks (§8.9). "Known to follow" is by the follow events
//! stored here, so it errs towards doing the work, which only costs the sender time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use phemossa_api::{ApiError, FoundWork, Response};
use phemossa_core::event::canonical_prefix;
use phemossa_core::notices::addressees;
use phemossa_core::work::{Work, DEFAULT_STRANGER_WORK_BITS};
use phemossa_core::{Content, Error, Event, FollowGraph, PublicKey};

use crate::clock;
use crate::storage::Storage;
use crate::user::User;

/// How old a timestamp the page may bring back with its work: a search at 22 bits takes about a
/// second, so an hour is room for a slow machine and a person who looked away, while a post
/// still never appears dated long before it was sent.
const MAX_WORK_AGE_MS: u64 = 60 * 60 * 1000;
/// How far ahead of this clock: none is expected, as the timestamp came from here; a minute is
/// room for the clock being set back meanwhile.
const MAX_WORK_AHEAD_MS: u64 = 60 * 1000;

/// The user's event of `content`: signed at `at` (now, or later for a repost of a post dated
/// ahead) when it needs no work; with `found` work, signed at the timestamp the work was found
/// for; or, when it needs work the page has not done, `Err(WorkNeeded)` to send the page, and
/// nothing is signed. `refused` says in the request's terms why the content cannot be signed.
pub async fn sign(
    user: &User,
    storage: &Storage,
    content: Content,
    at: u64,
    found: Option<FoundWork>,
    refused: fn(Error) -> ApiError,
) -> Result<Result<Event, Response>, ApiError> {
    let identity = user.identity();
    let now = clock::now_ms();
    if let Some(found) = found {
        let fresh = found.timestamp.saturating_add(MAX_WORK_AGE_MS) >= now
            && found.timestamp <= at.max(now).saturating_add(MAX_WORK_AHEAD_MS);
        if !fresh {
            return Err(ApiError::InvalidRequest {
                reason: "the proof of work was found for another time; post again to find it anew"
                    .into(),
            });
        }
        let work = Work {
            bits: found.bits,
            nonce: found.nonce,
        };
        return Event::create_with_work(&identity, found.timestamp, content, Some(work))
            .map(Ok)
            .map_err(|error| match error {
                Error::WorkNotDone { .. } | Error::MalformedWork { .. } => {
                    ApiError::InvalidRequest {
                        reason: format!("the proof of work does not hold for this event: {error}"),
                    }
                }
                other => refused(other),
            });
    }
    let event = Event::create(&identity, at, content).map_err(refused)?;
    let strangers = strangers_addressed(user, storage, &event).await?;
    if strangers == 0 {
        return Ok(Ok(event));
    }
    // Only now encoded for the page: most events address nobody, or only followers.
    let prefix = canonical_prefix(&event.author, event.timestamp, &event.content);
    Ok(Err(Response::WorkNeeded {
        prefix: STANDARD.encode(prefix),
        bits: DEFAULT_STRANGER_WORK_BITS,
        timestamp: at,
        strangers,
    }))
}

/// How many of the people `event` addresses have no stored follow of the user.
async fn strangers_addressed(
    user: &User,
    storage: &Storage,
    event: &Event,
) -> Result<u32, ApiError> {
    strangers_among(user, storage, &addressees(event)).await
}

/// How many of `addressed` have no stored follow of the user.
pub(crate) async fn strangers_among(
    user: &User,
    storage: &Storage,
    addressed: &[PublicKey],
) -> Result<u32, ApiError> {
    if addressed.is_empty() {
        return Ok(0);
    }
    let me = user.public_key();
    let followers = FollowGraph::from_records(storage.records_following(&me).await?);
    let strangers = addressed
        .iter()
        .filter(|person| !followers.is_following(person, &me))
        .count();
    Ok(u32::try_from(strangers).unwrap_or(u32::MAX))
}
