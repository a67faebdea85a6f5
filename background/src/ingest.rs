//! Events from elsewhere (peers, via the node's store work, and imported files): validate, store
//! the new ones, update the follow graph, and push to subscribers what changed in the user's
//! feed, whose profiles changed and whether their followers did.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use phemossa_api::Push;
use phemossa_core::event::VerifiedIds;
use phemossa_core::feed::FeedOrdered;
use phemossa_core::keep_out::{admit, day_of, Admission, Held, Offered};
use phemossa_core::{Event, EventId, FollowRecord, PublicKey};

use crate::changes::Changes;
use crate::clock;
use crate::error::BackgroundError;
use crate::feed_items::{feed_item, hidden};
use crate::notifications;
use crate::people::{followers_of, people_of};
use crate::reaction_counts;
use crate::search_indexer::SearchIndexer;
use crate::storage::{Storage, StoredPost, Terms};
use crate::user::User;
use crate::verify_pool::VerifyPool;

/// Events stored in one IndexedDB transaction: large enough that commits do not dominate,
/// small enough that a page's feed push is not held up long behind a big sync. 512 (one
/// transaction per import request of 500) stored 2,840 events/s in the store bench where 256
/// stored 2,540 (means of three alternating runs; 3,600 with the `author` index retired too,
/// docs/benchmarks.md); a batch takes 130–200 ms here, which `PAGES_FIRST_MAX_MS` lets pages
/// go before.
pub const INGEST_BATCH: usize = 512;

/// Batches up to this size (a gossip message, a small page of a sync) have their posts' search
/// terms written with them, so what arrives live is found at once; larger ones (a catch-up, an
/// import) leave them to the search indexer.
pub const TERMS_NOW_UP_TO: usize = 8;

/// Most posts whose new reactions one ingest pushes counts for (one index read each).
const MAX_REACTION_PUSH: usize = 256;

/// What became of a batch of events.
#[derive(Debug, Default, PartialEq)]
pub struct IngestReport {
    /// Stored now, for the first time.
    pub stored: usize,
    /// Already stored before.
    pub duplicates: usize,
    /// Refused by validation, each with its index in the input and why; never stored.
    pub rejected: Vec<(usize, phemossa_core::Error)>,
    /// Valid, but held back: their author had reached the daily or the stored limit
    /// (`core::keep_out`).
    pub held_back: usize,
    /// Valid, but refused: their author is blocked.
    pub blocked: usize,
    /// Valid alone, but refused against what is stored: a delete naming another author's event,
    /// a reaction naming an event as someone else's (protocol.md §5.2, §5.3). Counted as
    /// refused input, never blamed on the peer that relayed them.
    pub refused: Vec<(EventId, phemossa_core::Error)>,
}

/// Longest a batch write waits for page requests to be answered first: a page's read waits for
/// any write transaction begun before it (IndexedDB orders them), and a batch of
/// [`INGEST_BATCH`] takes 130–200 ms to store here, so letting pages go first keeps the popup
/// quick during a large sync.
/// Bounded, so a page asking without pause cannot starve storing.
const PAGES_FIRST_MAX_MS: f64 = 200.0;
/// How often a waiting batch looks again.
const PAGES_FIRST_POLL: std::time::Duration = std::time::Duration::from_millis(4);

/// Marks a page request as being answered while it lives (see [`Ingest::page_request`]).
pub struct PageRequest(Rc<Cell<u32>>);

impl Drop for PageRequest {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// How long a count of an author-day's stored events is trusted (see [`Ingest::day_counts`]).
const DAY_COUNT_FRESH_MS: f64 = 60_000.0;
/// Most author-days whose counts are remembered (about 40 bytes each).
const MAX_DAY_COUNTS: usize = 10_000;

/// Most ids of held-back events remembered, so syncs do not fetch them again and again
/// (32 bytes each: 3.2 MB at most). Past it, held events may be fetched again, and held again.
const MAX_HELD_IDS: usize = 100_000;

/// What was kept out since start: counts for the options page, and the ids not to fetch again.
#[derive(Default)]
struct KeptOutSinceStart {
    held: HashSet<EventId>,
    held_authors: BTreeSet<PublicKey>,
    /// By either limit.
    held_back: u64,
    /// Of those, by the stored limit.
    held_over_stored: u64,
    refused_blocked: u64,
}

/// What the limits see of an event whose author's stored bytes are far from the stored limit:
/// any size up to this, far above a valid event's JSON (at most 8 KiB on the wire, protocol.md
/// "Limits"), admits the same. Only the events of an author within a batch's worth of this of
/// the limit have their JSON measured, which would otherwise be written out twice per event.
const SIZE_BOUND: u64 = 64 * 1024;

/// What a batch's keep-out checks let through and held back.
struct Sifted<'a> {
    events: Cow<'a, [Event]>,
    held_back: usize,
    blocked: usize,
}

/// Events held back since start by either limit, of them by the stored limit, from how many
/// authors; events refused since start because their author is blocked.
pub struct KeptOutCounts {
    pub held_back: u64,
    pub held_over_stored: u64,
    pub held_back_authors: u64,
    pub refused_blocked: u64,
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
    /// Checks the signatures of large batches off this thread, into `verified`.
    pool: VerifyPool,
    rejected: Cell<u64>,
    kept_out: RefCell<KeptOutSinceStart>,
    /// Page requests being answered now.
    pages: Rc<Cell<u32>>,
    /// One ingest at a time: the daily limit counts what is stored, so two ingests that each
    /// counted before the other wrote would both admit up to the limit. IndexedDB runs their
    /// write transactions one after the other anyway.
    writing: futures::lock::Mutex<()>,
    /// Recent counts of stored events by (author, UTC day start), with when each was read.
    day_counts: RefCell<HashMap<(PublicKey, u64), (u64, f64)>>,
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
            pool: VerifyPool::default(),
            rejected: Cell::new(0),
            kept_out: RefCell::default(),
            pages: Rc::default(),
            writing: futures::lock::Mutex::new(()),
            day_counts: RefCell::default(),
        }
    }

    /// Waits for any ingest under way and holds further ones off while the guard lives: what the
    /// user keeps out changes under it (`handlers/keep_out.rs`).
    pub async fn writes(&self) -> futures::lock::MutexGuard<'_, ()> {
        self.writing.lock().await
    }

    /// Forgets which events were held back and the remembered author-day counts, after what
    /// the user keeps out changed: held events may be fetched again and judged by the new rules.
    pub fn forget_held(&self) {
        self.kept_out.borrow_mut().held.clear();
        self.day_counts.borrow_mut().clear();
    }

    /// A page's request is being answered until the guard drops: batch writes let it go first.
    pub fn page_request(&self) -> PageRequest {
        self.pages.set(self.pages.get() + 1);
        PageRequest(Rc::clone(&self.pages))
    }

    /// Waits (at most [`PAGES_FIRST_MAX_MS`]) while page requests are being answered.
    async fn pages_first(&self) {
        let started = js_sys::Date::now();
        while self.pages.get() > 0 && js_sys::Date::now() - started < PAGES_FIRST_MAX_MS {
            futures_timer::Delay::new(PAGES_FIRST_POLL).await;
        }
    }

    /// The signatures already checked, for the node's sync sessions and gossip to share.
    pub fn verified(&self) -> &VerifiedIds {
        &self.verified
    }

    /// The signature-check workers that fill [`Ingest::verified`] ahead of validation.
    pub fn pool(&self) -> &VerifyPool {
        &self.pool
    }

    /// How many events from elsewhere failed validation since start.
    pub fn rejected(&self) -> u64 {
        self.rejected.get()
    }

    /// What was kept out since start, for the options page.
    pub fn kept_out_counts(&self) -> KeptOutCounts {
        let kept = self.kept_out.borrow();
        KeptOutCounts {
            held_back: kept.held_back,
            held_over_stored: kept.held_over_stored,
            held_back_authors: kept.held_authors.len() as u64,
            refused_blocked: kept.refused_blocked,
        }
    }

    /// Those of `ids` a sync should fetch: neither stored, superseded (`Storage::missing_ids`)
    /// nor held back for the daily limit, since fetching those again would only hold them back
    /// again.
    pub async fn missing(&self, ids: &[EventId]) -> Result<Vec<EventId>, BackgroundError> {
        let mut missing = self.storage.missing_ids(ids).await?;
        let kept = self.kept_out.borrow();
        missing.retain(|id| !kept.held.contains(id));
        Ok(missing)
    }

    /// Drops from `events` those whose author is blocked and those past their author's daily or
    /// stored limit (counting what the store already holds), counting both. Valid events kept
    /// out like this blame no one: the peer that carried them did nothing wrong.
    async fn keep_out<'a>(&self, events: &'a [Event]) -> Result<Sifted<'a>, BackgroundError> {
        let (limits, me) = (
            self.user.keep_out().borrow().limits(),
            self.user.public_key(),
        );
        let kept: Vec<&Event> = {
            let keep_out = self.user.keep_out().borrow();
            events
                .iter()
                .filter(|event| !keep_out.blocks(&event.author))
                .collect()
        };
        let blocked = events.len() - kept.len();
        let mut days: Vec<(PublicKey, u64)> = kept
            .iter()
            .filter(|event| event.author != me)
            .map(|event| (event.author, day_of(event.timestamp).0))
            .collect();
        days.sort_unstable();
        days.dedup();
        let verdicts = if days.is_empty() {
            vec![Admission::Admitted; kept.len()]
        } else {
            let mut authors: Vec<PublicKey> = days.iter().map(|(author, _)| *author).collect();
            authors.dedup();
            let counts = self.day_counts(&days).await?;
            let bytes = self.storage.stored_bytes_of(&authors).await?;
            let held = || Held {
                day: |author: &PublicKey, day: u64| {
                    days.binary_search(&(*author, day))
                        .map_or(0, |at| counts[at])
                },
                bytes: |author: &PublicKey| authors.binary_search(author).map_or(0, |at| bytes[at]),
            };
            let max_bytes = limits.max_bytes();
            let offer = |events: &[&Event]| -> Vec<Offered> {
                let mut in_batch: HashMap<PublicKey, u64> = HashMap::new();
                for event in events {
                    *in_batch.entry(event.author).or_default() += 1;
                }
                let near = |author: &PublicKey| {
                    let stored = (held().bytes)(author);
                    stored + in_batch.get(author).copied().unwrap_or(0) * SIZE_BOUND > max_bytes
                };
                events
                    .iter()
                    .map(|event| Offered {
                        id: event.id,
                        author: event.author,
                        timestamp: event.timestamp,
                        size: if near(&event.author) {
                            event.to_json().len() as u64
                        } else {
                            SIZE_BOUND
                        },
                    })
                    .collect()
            };
            let exempt = |author: &PublicKey| *author == me;
            let verdicts = admit(&offer(&kept), limits, held(), exempt);
            if verdicts.iter().all(|v| *v == Admission::Admitted) {
                verdicts
            } else {
                // Near a limit, events already stored must not take the room of new ones:
                // judged again over the new events alone.
                let ids: Vec<EventId> = kept.iter().map(|event| event.id).collect();
                let missing: HashSet<EventId> =
                    self.storage.missing_ids(&ids).await?.into_iter().collect();
                let new: Vec<&Event> = kept
                    .iter()
                    .copied()
                    .filter(|event| missing.contains(&event.id))
                    .collect();
                let mut fresh = admit(&offer(&new), limits, held(), exempt).into_iter();
                kept.iter()
                    .map(|event| {
                        if missing.contains(&event.id) {
                            fresh.next().unwrap_or(Admission::OverDaily)
                        } else {
                            Admission::Admitted
                        }
                    })
                    .collect()
            }
        };
        let held = verdicts
            .iter()
            .filter(|v| **v != Admission::Admitted)
            .count();
        let over_stored = verdicts
            .iter()
            .filter(|v| **v == Admission::OverStored)
            .count();
        let mut memory = self.kept_out.borrow_mut();
        memory.held_back += held as u64;
        memory.held_over_stored += over_stored as u64;
        memory.refused_blocked += blocked as u64;
        if held == 0 && blocked == 0 {
            // The usual case: nothing kept out, nothing copied.
            return Ok(Sifted {
                events: Cow::Borrowed(events),
                held_back: 0,
                blocked: 0,
            });
        }
        let mut out = Vec::with_capacity(kept.len() - held);
        for (event, verdict) in kept.into_iter().zip(verdicts) {
            if verdict == Admission::Admitted {
                out.push(event.clone());
                continue;
            }
            memory.held_authors.insert(event.author);
            if memory.held.len() < MAX_HELD_IDS {
                memory.held.insert(event.id);
            }
        }
        Ok(Sifted {
            events: Cow::Owned(out),
            held_back: held,
            blocked,
        })
    }

    /// Drops the deletes and reactions that name a stored event (or one of the batch) whose
    /// author is not theirs to name (protocol.md §5.2, §5.3).
    async fn check_named<'a>(
        &self,
        events: Cow<'a, [Event]>,
    ) -> Result<(Cow<'a, [Event]>, Vec<(EventId, phemossa_core::Error)>), BackgroundError> {
        let named: Vec<EventId> = events
            .iter()
            .flat_map(|event| {
                let reacted = event.as_reaction().map(|reaction| reaction.target);
                event.deleted().iter().copied().chain(reacted)
            })
            .collect();
        if named.is_empty() {
            return Ok((events, Vec::new()));
        }
        let mut authors = self.storage.authors_of(&named).await?;
        for event in events.iter() {
            authors.entry(event.id).or_insert(event.author);
        }
        let fault = |event: &Event| -> Option<phemossa_core::Error> {
            if let Some(target) = event
                .deleted()
                .iter()
                .find(|target| authors.get(*target).is_some_and(|a| *a != event.author))
            {
                return Some(phemossa_core::Error::DeleteNotOwn {
                    target: target.to_hex(),
                });
            }
            let reaction = event.as_reaction()?;
            authors
                .get(&reaction.target)
                .is_some_and(|author| *author != reaction.target_author)
                .then(|| phemossa_core::Error::ReactionTargetMismatch {
                    target: reaction.target.to_hex(),
                })
        };
        let mut refused = Vec::new();
        let mut kept = Vec::with_capacity(events.len());
        for event in events.iter() {
            match fault(event) {
                Some(error) => refused.push((event.id, error)),
                None => kept.push(event.clone()),
            }
        }
        if refused.is_empty() {
            return Ok((events, refused));
        }
        Ok((Cow::Owned(kept), refused))
    }

    /// How many events of each `(author, day_start)` the store holds, from the memory of recent
    /// counts where it has one. IndexedDB's `count` walks the whole range, an author-day of a
    /// busy author thousands of entries: counting each at every batch halved the store bench's
    /// ingest rate (1,793 against 3,477 events/s) and more as the store grew. A count is
    /// fetched once, kept up to date with what this node stores, and fetched again after
    /// [`DAY_COUNT_FRESH_MS`], since deletions (retention, a superseded profile) only make it
    /// high: then the limit holds an author back a little early, never lets one through.
    async fn day_counts(&self, days: &[(PublicKey, u64)]) -> Result<Vec<u64>, BackgroundError> {
        let now = js_sys::Date::now();
        let stale: Vec<(PublicKey, u64)> = {
            let memory = self.day_counts.borrow();
            days.iter()
                .filter(|day| {
                    memory
                        .get(day)
                        .is_none_or(|(_, at)| now - at > DAY_COUNT_FRESH_MS)
                })
                .copied()
                .collect()
        };
        if !stale.is_empty() {
            let counts = self.storage.counts_by_author_day(&stale).await?;
            let mut memory = self.day_counts.borrow_mut();
            if memory.len() + stale.len() > MAX_DAY_COUNTS {
                memory.clear();
            }
            for (day, count) in stale.into_iter().zip(counts) {
                memory.insert(day, (count, now));
            }
        }
        let memory = self.day_counts.borrow();
        Ok(days
            .iter()
            .map(|day| memory.get(day).map_or(0, |(count, _)| *count))
            .collect())
    }

    /// Counts `event`, just stored, in the memory of author-day counts (if it holds that day).
    fn count_stored(&self, event: &Event) {
        let day = (event.author, day_of(event.timestamp).0);
        if let Some((count, _)) = self.day_counts.borrow_mut().get_mut(&day) {
            *count += 1;
        }
    }

    /// Validates each event's JSON bytes against the clock (skipping signature checks the
    /// node's memory already holds), counts the refusals (see [`Ingest::rejected`]) and
    /// ingests the valid ones. The worker pool checks the signatures first, off this thread;
    /// a caller with more to ingest keeps a second call going (the options page's import
    /// does), so the workers check one while this thread writes the other.
    pub async fn ingest_json(&self, messages: &[Vec<u8>]) -> Result<IngestReport, BackgroundError> {
        self.pool.check(messages, &self.verified).await;
        let now = clock::now_ms();
        let (mut valid, mut rejected) = (Vec::new(), Vec::new());
        let mut index_of = HashMap::new();
        for (index, bytes) in messages.iter().enumerate() {
            match Event::from_json_remembering(bytes, now, &self.verified) {
                Ok(event) => {
                    index_of.entry(event.id).or_insert(index);
                    valid.push(event);
                }
                Err(error) => rejected.push((index, error)),
            }
        }
        self.rejected
            .set(self.rejected.get() + rejected.len() as u64);
        let mut report = self.ingest(&valid).await?;
        // Refused against the store: said by line, as validation's refusals are.
        for (id, error) in std::mem::take(&mut report.refused) {
            if let Some(index) = index_of.get(&id) {
                rejected.push((*index, error));
            }
        }
        rejected.sort_by_key(|(index, _)| *index);
        report.rejected = rejected;
        Ok(report)
    }

    /// Stores the validated `events` that are new, [`INGEST_BATCH`] to a transaction; pushes
    /// `FeedAdded` for new posts in the user's feed (but reposts of deleted originals),
    /// `Following` + `FeedReset` when the user's own follow events (made on another device)
    /// change whom they follow, and `FeedReset` when a delete is stored. A storage failure
    /// stops at its batch; the batches stored before it stay stored and are announced.
    pub async fn ingest(&self, events: &[Event]) -> Result<IngestReport, BackgroundError> {
        let _writing = self.writing.lock().await;
        let mut report = IngestReport::default();
        let expanded;
        let events = if events.iter().any(|event| event.as_repost().is_some()) {
            expanded = with_originals(events);
            &expanded[..]
        } else {
            events
        };
        let sifted = self.keep_out(events).await?;
        let (events, refused) = self.check_named(sifted.events).await?;
        self.rejected
            .set(self.rejected.get() + refused.len() as u64);
        report.refused = refused;
        let events: &[Event] = &events;
        if !events.is_empty() {
            self.storage.check_room("storing events").await?;
        }
        report.held_back = sifted.held_back;
        report.blocked = sifted.blocked;
        let me = self.user.public_key();
        // The feed's new posts, pushed once reposts of deleted originals are left out.
        let mut added = Vec::new();
        // Parents of new replies the feed does not show, for an open thread to load again.
        let mut replied = Vec::new();
        let mut following_changed = false;
        // A delete may have taken posts out of the feed, or the original out of a repost in
        // it: pages load it again.
        let mut feed_withdrawn = false;
        let mut followers_changed = false;
        let mut profiles = Vec::new();
        // Posts whose reactions changed: pages are pushed their new counts.
        let mut reacted = Vec::new();
        let mut notified = false;
        let mut failure = None;
        for batch in events.chunks(INGEST_BATCH) {
            self.pages_first().await;
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
            let mut fresh = Vec::new();
            for (event, new) in batch.iter().zip(stored) {
                if !new {
                    report.duplicates += 1;
                    continue;
                }
                report.stored += 1;
                self.count_stored(event);
                fresh.push(event);
                if let Some(reaction) = event.as_reaction() {
                    reacted.push(reaction.target);
                }
                // Whoever it is by: it may withdraw the original of a repost in the feed.
                feed_withdrawn |= !event.deleted().is_empty();
                if let Some(record) = FollowRecord::from_event(event) {
                    if record.follower == me {
                        following_changed |= self.user.follows().borrow_mut().apply(record);
                    }
                    followers_changed |= record.followee == me;
                } else if event.as_profile().is_some() {
                    profiles.push(event.author);
                } else if event.author == me
                    || (self
                        .user
                        .follows()
                        .borrow()
                        .is_following(&me, &event.author)
                        && !self.user.keep_out().borrow().hides(&event.author))
                {
                    added.extend(StoredPost::of_event(event));
                } else if let Some(parent) = event.as_post().and_then(|post| post.reply_to) {
                    replied.push(parent);
                }
            }
            // What of it is news for the user: a failure costs the notifications, not the events.
            match notifications::record(&self.user, &self.storage, &fresh).await {
                Ok(added) => notified |= added,
                Err(error) => log_push_failure(&error),
            }
        }
        if !added.is_empty() {
            // As on feed pages (`handlers/feed.rs`): a repost whose original was deleted is not.
            match self.storage.without_withdrawn(added).await {
                Ok(mut posts) => {
                    let keep_out = self.user.keep_out().borrow();
                    posts.retain(|post| !hidden(post, &me, &keep_out));
                    posts.sort_by_key(|post| Reverse(post.feed_key()));
                    let items: Vec<_> = posts
                        .into_iter()
                        .map(|post| feed_item(post, &me, &keep_out))
                        .collect();
                    if !items.is_empty() {
                        self.changes.push(Push::FeedAdded(items));
                    }
                }
                Err(error) => log_push_failure(&error),
            }
        }
        if !replied.is_empty() {
            self.changes.push(Push::Replies(replied));
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
        if feed_withdrawn {
            self.changes.push(Push::FeedReset);
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
        if notified {
            notifications::announce_unread(&self.user, &self.storage, &self.changes).await;
        }
        if !reacted.is_empty() {
            reacted.sort_unstable();
            reacted.dedup();
            // A bulk sync's reactions mostly name posts no page shows; past this many, pages
            // count them when they next load.
            reacted.truncate(MAX_REACTION_PUSH);
            match reaction_counts::of_posts(&self.user, &self.storage, &reacted).await {
                Ok(posts) => self.changes.push(Push::Reactions(posts)),
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

/// `events` with each repost's original just before it: an event of its own (protocol.md §5.4),
/// stored so that replies and reactions can name it, and kept out, withdrawn or pruned as any
/// event of its author is.
fn with_originals(events: &[Event]) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len() * 2);
    for event in events {
        if let Some(original) = event.as_repost() {
            out.push(original.clone());
        }
        out.push(event.clone());
    }
    out
}

fn log_push_failure(error: &BackgroundError) {
    web_sys::console::warn_1(&format!("phemossa: could not read what to push: {error}").into());
}
