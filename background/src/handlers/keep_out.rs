//! GetKeepOut, SetStanding and SetKeepOutSettings: whom the user mutes or blocks, muted words and
//! the limits per author (`core::keep_out`), kept in this browser's `meta` store and never published.
//! Every change is saved before it takes effect, and pushed to every page with a feed reload.

use phemossa_api::{ApiError, KeepOutStatus, Push, Response};
use phemossa_core::keep_out::{KeepOut, Standing};
use phemossa_core::PublicKey;

use crate::changes::Changes;
use crate::clock;
use crate::handlers::follows::set_following;
use crate::ingest::Ingest;
use crate::people::people_of;
use crate::storage::Storage;
use crate::user::User;

/// Ids deleted per transaction when a blocked person's events are dropped.
const DELETE_BATCH: usize = 500;

/// The section whole: settings, the people by name (most recently kept out first), and what
/// was held back or refused since start.
pub async fn status(
    user: &User,
    storage: &Storage,
    ingest: &Ingest,
) -> Result<KeepOutStatus, ApiError> {
    let settings = user.keep_out().borrow().clone();
    let mut keys: Vec<(u64, PublicKey)> = settings
        .people
        .iter()
        .map(|(key, kept)| (kept.since, *key))
        .collect();
    keys.sort_by(|a, b| b.cmp(a));
    let keys: Vec<PublicKey> = keys.into_iter().map(|(_, key)| key).collect();
    let counts = ingest.kept_out_counts();
    Ok(KeepOutStatus {
        settings,
        people: people_of(storage, &keys).await?,
        held_back: counts.held_back,
        held_over_stored: counts.held_over_stored,
        held_back_authors: counts.held_back_authors,
        refused_blocked: counts.refused_blocked,
    })
}

pub async fn get(user: &User, storage: &Storage, ingest: &Ingest) -> Result<Response, ApiError> {
    Ok(Response::KeepOut(status(user, storage, ingest).await?))
}

/// Mutes, blocks or lets back the person `key_text`. Blocking someone the user follows
/// unfollows them first (a follow event, as the Unfollow button makes), then drops every
/// stored event of theirs.
pub async fn set_standing(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    ingest: &Ingest,
    key_text: &str,
    standing: Option<Standing>,
) -> Result<Response, ApiError> {
    let person = PublicKey::from_base64(key_text.trim(), "public key")?;
    let me = user.public_key();
    if person == me {
        return Err(ApiError::InvalidKeepOut {
            reason: "you cannot mute or block yourself".into(),
        });
    }
    if standing == Some(Standing::Blocked) && user.follows().borrow().will_follow(&me, &person) {
        set_following(user, storage, changes, None, key_text, false).await?;
    }
    // Changes wait for any ingest under way, and one another: an ingest that read the old
    // standing must not store a just-blocked person's events after they were listed for
    // deletion, and two quick changes must not each save a copy without the other.
    let writes = ingest.writes().await;
    let mut next = user.keep_out().borrow().clone();
    let changed = next
        .set(person, standing, clock::now_ms())
        .map_err(|error| ApiError::InvalidKeepOut {
            reason: error.to_string(),
        })?;
    if changed {
        save(user, storage, next).await?;
        // What was held back or counted under the old standing is judged afresh.
        ingest.forget_held();
    }
    // Also when already blocked: a deletion a failure cut short is finished by blocking again.
    if standing == Some(Standing::Blocked) {
        let ids = storage.ids_of_author(&person).await?;
        for batch in ids.chunks(DELETE_BATCH) {
            storage.delete_blocked(batch).await?;
        }
        if !ids.is_empty() {
            changes.stored();
        }
    }
    drop(writes);
    answer(user, storage, changes, ingest, changed).await
}

/// The numbers of the keep-out form; `None`: a request from before the field existed, which
/// keeps the saved value.
pub struct Limits {
    pub per_author_per_day: u32,
    pub per_author_mb: Option<u32>,
    pub stranger_work_bits: Option<u8>,
}

/// Saves new muted words and limits, checked again as if typed; the node hears the work asked
/// of strangers at once.
pub async fn set_settings(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    ingest: &Ingest,
    muted_words: Vec<String>,
    limits: Limits,
) -> Result<Response, ApiError> {
    let writes = ingest.writes().await;
    let mut next = user.keep_out().borrow().clone();
    next.muted_words = muted_words;
    next.per_author_per_day = limits.per_author_per_day;
    if let Some(per_author_mb) = limits.per_author_mb {
        next.per_author_mb = per_author_mb;
    }
    if let Some(bits) = limits.stranger_work_bits {
        next.stranger_work_bits = bits;
    }
    let next = next.validated().map_err(|error| ApiError::InvalidKeepOut {
        reason: error.to_string(),
    })?;
    let changed = next != *user.keep_out().borrow();
    if changed {
        let bits = next.stranger_work_bits;
        save(user, storage, next).await?;
        // A raised limit lets held events in: syncs may fetch them again.
        ingest.forget_held();
        changes.stranger_work(bits);
    }
    drop(writes);
    answer(user, storage, changes, ingest, changed).await
}

/// Stored first: the change takes effect only once it will outlive a restart.
async fn save(user: &User, storage: &Storage, next: KeepOut) -> Result<(), ApiError> {
    storage.save_keep_out(&next).await?;
    *user.keep_out().borrow_mut() = next;
    Ok(())
}

/// The status, as the answer; when it `changed`, every page also hears of it (the same status,
/// read once) and feeds load again without (or with) whom it hides.
async fn answer(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    ingest: &Ingest,
    changed: bool,
) -> Result<Response, ApiError> {
    let status = status(user, storage, ingest).await?;
    if changed {
        changes.push(Push::KeepOut(status.clone()));
        changes.push(Push::FeedReset);
    }
    Ok(Response::KeepOut(status))
}
