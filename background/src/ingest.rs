//! Events from elsewhere (peers, via the node's store work, and imported files): validate, store
//! the new ones, update the follow graph, and push to subscribers what changed in the user's
//! feed, whose profiles changed and whether their followers did.

use std::cell::Cell;
use std::cmp::Reverse;
use std::rc::Rc;

use phemossa_api::Push;
use phemossa_core::event::VerifiedIds;
use phemossa_core::feed::FeedOrdered;
use phemossa_core::{Event, FollowRecord};

use crate::changes::Changes;
use crate::clock;
use crate::error::BackgroundError;
use crate::feed_items::item_of_event;
use crate::people::{followers_of, people_of};
use crate::search_indexer::SearchIndexer;
use crate::storage::{Storage, Terms};
use crate::user::User;

/// Events stored in one IndexedDB transaction: large enough that commits do not dominate,
/// small enough that a page's feed push is not held up long behind a big sync.
pub const INGEST_BATCH: usize = 256;

/// Batches up to this size (a gossip message, a small page of a sync) have their posts' search
/// terms written with them, so what arrives live is found at once; larger ones (a catch-up, an
/// import) leave them to the search indexer.
pub const TERMS_NOW_UP_TO: usize = 8;

/// What became of a batch of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    /// Stored now, for the first time.
    pub stored: usize,
    /// Already stored before.
    pub duplicates: usize,
    /// Refused by validation, each with its index in the input and why; never stored.
    pub rejected: Vec<(usize, phemossa_core::Error)>,
}

/// Where events from elsewhere go in: the user, storage and `Changes` they update, and the
/// memory of signatures already checked.
pub struct Ingest {
    storage: Rc<Storage>,
    user: Rc<User>,
    changes: Rc<Changes>,
    indexer: Rc<SearchIndexer>,
    /// Signatures already checked, shared by imports, every sync session and gossip.
    verified: VerifiedIds,
    rejected: Cell<u64>,
}

impl Ingest {
    pub fn new(
        storage: Rc<Storage>,
        user: Rc<User>,
        changes: Rc<Changes>,
        indexer: Rc<SearchIndexer>,
    ) -> Self {
        Self {
            storage,
            user,
            changes,
            indexer,
            verified: VerifiedIds::default(),
            rejected: Cell::new(0),
        }
    }

    /// The signatures already checked, for the node's sync sessions and gossip to share.
    pub fn verified(&self) -> &VerifiedIds {
        &self.verified
    }

    /// How many events from elsewhere failed validation since start.
    pub fn rejected(&self) -> u64 {
        self.rejected.get()
    }

    /// Validates each event's JSON bytes against the clock (skipping signature checks the
    /// node's memory already holds), counts the refusals (see [`Ingest::rejected`]) and
    /// ingests the valid ones.
    pub async fn ingest_json(&self, messages: &[Vec<u8>]) -> Result<IngestReport, BackgroundError> {
        let now = clock::now_ms();
        let (mut valid, mut rejected) = (Vec::new(), Vec::new());
        for (index, bytes) in messages.iter().enumerate() {
            match Event::from_json_remembering(bytes, now, &self.verified) {
                Ok(event) => valid.push(event),
                Err(error) => rejected.push((index, error)),
            }
        }
        self.rejected
            .set(self.rejected.get() + rejected.len() as u64);
        let mut report = self.ingest(&valid).await?;
        report.rejected = rejected;
        Ok(report)
    }

    /// Stores the validated `events` that are new, [`INGEST_BATCH`] to a transaction; pushes
    /// `FeedAdded` for new posts in the user's feed, and `Following` + `FeedReset` when the
    /// user's own follow events (made on another device) change whom they follow. A storage
    /// failure stops at its batch; the batches stored before it stay stored and are announced.
    pub async fn ingest(&self, events: &[Event]) -> Result<IngestReport, BackgroundError> {
        let mut report = IngestReport::default();
        let mut added = Vec::new();
        let mut following_changed = false;
        let mut followers_changed = false;
        let mut profiles = Vec::new();
        let mut failure = None;
        for batch in events.chunks(INGEST_BATCH) {
            let terms = if events.len() <= TERMS_NOW_UP_TO {
                Terms::Now
            } else {
                Terms::Later
            };
            let stored = match self.storage.insert_all_with(batch, terms).await {
                Ok(stored) => stored,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            let me = self.user.public_key();
            for (event, new) in batch.iter().zip(stored) {
                if !new {
                    report.duplicates += 1;
                    continue;
                }
                report.stored += 1;
                if let Some(record) = FollowRecord::from_event(event) {
                    if record.follower == me {
                        following_changed |= self.user.follows().borrow_mut().apply(record);
                    }
                    followers_changed |= record.followee == me;
                } else if event.as_profile().is_some() {
                    profiles.push(event.author);
                } else if event.author == me
                    || self
                        .user
                        .follows()
                        .borrow()
                        .is_following(&me, &event.author)
                {
                    added.extend(item_of_event(event, &me));
                }
            }
        }
        if !added.is_empty() {
            added.sort_by_key(|item| Reverse(item.feed_key()));
            self.changes.push(Push::FeedAdded(added));
        }
        if report.stored > 0 {
            self.changes.stored();
            if events.len() > TERMS_NOW_UP_TO {
                self.indexer.deferred();
            }
        }
        if following_changed {
            self.changes.following_changed();
        }
        // What changed is pushed after the store took it; a failed read only costs the push
        // (pages load it all again on their next open).
        if !profiles.is_empty() {
            profiles.sort_unstable();
            profiles.dedup();
            match people_of(&self.storage, &profiles).await {
                Ok(people) => self.changes.push(Push::People(people)),
                Err(error) => log_push_failure(&error),
            }
        }
        if followers_changed {
            match followers_of(&self.user, &self.storage).await {
                Ok(followers) => self.changes.push(Push::Followers(followers)),
                Err(error) => log_push_failure(&error),
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(report),
        }
    }
}

fn log_push_failure(error: &BackgroundError) {
    web_sys::console::warn_1(&format!("phemossa: could not read what to push: {error}").into());
}
