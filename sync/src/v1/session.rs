//! The per-peer sync state machine: pulls what a peer has and we lack, and answers its pulls.
//!
//! Sans-IO: the driver feeds it message bytes, answers to its store queries and the time, and
//! polls [`Output`]s. The local store is never held in memory; the machine asks for one page of
//! ids, one batch of lookups or one batch of events at a time (the store is async IndexedDB).
//! A pull lists the peer's ids page by page in (timestamp, id) order, asks the store which are
//! missing, fetches those, validates every event and only then hands it over to be stored. Both
//! peers pull, so after one pull each way both hold the union (within the scopes asked). The
//! answering of the peer's pulls is in `respond.rs`.

use crate::fetched::{take_fetched, Judge};
use crate::flight::Spent;
use crate::requester::{Request, Requester};
use std::collections::{HashMap, VecDeque};

pub(crate) mod respond;

use respond::Inbound;

use crate::limits::{
    LATE_ANSWER_WINDOW_MS, MAX_IDS_PER_MESSAGE, MAX_IDS_PER_PULL, MAX_INBOUND_PENDING,
    MAX_MISSING_PER_PULL, MAX_REQUESTS_PER_PULL, MAX_SENDS, PULL_DEADLINE_MS, REQUEST_TIMEOUT_MS,
};
use crate::message::{Cursor, Message, Scope};
use crate::output::Fault;
pub use crate::output::{Output, Progress, QueryId};
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::limits::MAX_CLOCK_SKEW_MS;
use phemossa_core::Error;

/// Tunables of a session; the defaults are what docs/protocol.md §8.3–§8.4 name.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How long a request may go unanswered before it is sent again.
    pub request_timeout_ms: u64,
    /// Sends of one request before the pull is abandoned with `sync_timeout`.
    pub max_attempts: u32,
    /// Ids asked for in one event-request.
    pub event_batch: usize,
    /// Ids listed in one sync-response this side sends (at most `MAX_IDS_PER_MESSAGE`).
    pub id_page: usize,
    /// Inbound requests of this peer being answered at once; more are dropped and counted.
    pub max_inbound_pending: usize,
    /// Ids one pull lets the peer list before it ends with `pull_too_long`.
    pub max_ids_per_pull: u64,
    /// Missing ids one pull asks for before it ends with `pull_too_long`.
    pub max_missing_per_pull: u64,
    /// How long one pull may run before it ends with `pull_deadline`.
    pub pull_deadline_ms: u64,
    /// Requests one pull may send (resends not counted) before it ends with `pull_too_long`.
    pub max_requests_per_pull: u32,
    /// How long after its send an answer to a request no longer in flight is excused.
    pub late_answer_window_ms: u64,
    /// Signatures already checked; a node shares one among all its sessions and its gossip.
    pub verified: VerifiedIds,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: REQUEST_TIMEOUT_MS,
            max_attempts: MAX_SENDS,
            event_batch: 128,
            id_page: MAX_IDS_PER_MESSAGE,
            max_inbound_pending: MAX_INBOUND_PENDING,
            max_ids_per_pull: MAX_IDS_PER_PULL,
            max_missing_per_pull: MAX_MISSING_PER_PULL,
            pull_deadline_ms: PULL_DEADLINE_MS,
            max_requests_per_pull: MAX_REQUESTS_PER_PULL,
            late_answer_window_ms: LATE_ANSWER_WINDOW_MS,
            verified: VerifiedIds::default(),
        }
    }
}

/// Where listing the peer's ids stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// The next page starts after this cursor (`None`: from the beginning).
    More(Option<Cursor>),
    Done,
}

#[derive(Debug)]
struct Pull {
    scope: Scope,
    /// Every page before this cursor is fully fetched: a new pull may start here.
    checkpoint: Option<Cursor>,
    listing: Listing,
    want: VecDeque<EventId>,
    finding: Option<QueryId>,
    progress: Progress,
    spent: Spent,
}

/// Sync with one peer: at most one pull of ours, and answers to the peer's pulls.
#[derive(Debug, Default)]
pub struct Session {
    config: SessionConfig,
    pull: Option<Pull>,
    /// Where the last pull stopped when it ended at a per-pull limit: the next may resume here.
    resume: Option<Cursor>,
    inbound: HashMap<QueryId, Inbound>,
    next_query: QueryId,
    /// Our request in flight and our recent sends (the shell v2 shares).
    requester: Requester<Message>,
    outputs: VecDeque<Output>,
}

impl Session {
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Starts pulling the peer's events in `scope`, from `after` (a [`Self::checkpoint`] of an
    /// interrupted pull, or `None` for all). Returns false if a pull is already running.
    pub fn start(&mut self, scope: Scope, after: Option<Cursor>, now_ms: u64) -> bool {
        if self.pull.is_some() {
            return false;
        }
        self.resume = None;
        self.pull = Some(Pull {
            scope,
            checkpoint: after,
            listing: Listing::More(after),
            want: VecDeque::new(),
            finding: None,
            progress: Progress::default(),
            spent: Spent::new(now_ms),
        });
        self.advance(now_ms);
        true
    }

    /// Ends the pull in progress with `reason`, without blame (the node took its slot back,
    /// §8.7). Where it stood is kept as [`Self::checkpoint`]; answers to its requests that
    /// arrive later are excused like any late answer.
    pub fn stop(&mut self, reason: Error) {
        if self.pull.is_some() {
            self.resume = self.pull.as_ref().and_then(|p| p.checkpoint);
            self.finish(Err(reason));
        }
    }

    pub fn is_pulling(&self) -> bool {
        self.pull.is_some()
    }

    /// Where a new pull can resume if this one is interrupted; after a pull that ended with
    /// `pull_too_long`, where that pull stopped.
    pub fn checkpoint(&self) -> Option<Cursor> {
        match &self.pull {
            Some(pull) => pull.checkpoint,
            None => self.resume,
        }
    }

    /// When [`Self::handle_timeout`] should next be called, if anything is waiting.
    pub fn next_deadline(&self) -> Option<u64> {
        let pull = self.pull.as_ref()?;
        let end = pull.spent.deadline(self.config.pull_deadline_ms);
        let resend = self.requester.deadline();
        Some(resend.map_or(end, |at| at.min(end)))
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Feeds one message the peer sent (request or response).
    pub fn handle_message(&mut self, bytes: &[u8], now_ms: u64) {
        let message = match Message::decode(bytes) {
            Ok(message) => message,
            Err(error) => return self.blame(Fault::Malformed(error)),
        };
        match message {
            Message::SyncRequest { req, scope, after } => self.on_sync_request(req, scope, after),
            Message::EventRequest { req, ids } => self.on_event_request(req, ids),
            Message::SyncResponse { req, ids, next } => {
                if self
                    .take_answer(req, now_ms, |m| matches!(m, Message::SyncRequest { .. }))
                    .is_some()
                {
                    self.on_id_page(ids, next, now_ms);
                }
            }
            Message::EventResponse {
                req,
                events,
                unknown,
            } => {
                let fetching = |m: &Message| matches!(m, Message::EventRequest { .. });
                if let Some(Message::EventRequest { ids, .. }) =
                    self.take_answer(req, now_ms, fetching)
                {
                    self.on_events(events, unknown, ids, now_ms);
                }
            }
            Message::NewEvent { .. } => self.unexpected("new-event belongs on gossip"),
        }
    }

    /// Ends a pull past its deadline; sends again, or gives up on, a request past its own.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        if now_ms >= pull.spent.deadline(self.config.pull_deadline_ms) {
            let max_ms = self.config.pull_deadline_ms;
            return self.stop(Error::PullDeadline { max_ms });
        }
        let (timeout_ms, attempts) = (self.config.request_timeout_ms, self.config.max_attempts);
        let resent = self
            .requester
            .resend_due(now_ms, timeout_ms, attempts, &mut self.outputs);
        if let Err(timeout) = resent {
            self.finish(Err(timeout));
        }
    }

    /// The store failed `query`. A peer's request it served goes unanswered
    /// ([`Output::Unanswered`]) and no longer counts as pending; our pull's lookup ends the
    /// pull with `reason`, blamed on nobody, and the node's scheduler retries it (§8.6, §8.7).
    /// Either way nothing waits on a store answer that will never come (issue 12, hole 3).
    pub fn store_failed(&mut self, query: QueryId, reason: Error) {
        if self.inbound_store_failed(query) {
            return;
        }
        if self.pull.as_ref().is_some_and(|p| p.finding == Some(query)) {
            self.stop(reason);
        }
    }

    /// The store's answer to [`Output::FindMissing`].
    pub fn answer_missing(&mut self, query: QueryId, missing: Vec<EventId>, now_ms: u64) {
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        if pull.finding != Some(query) {
            return;
        }
        pull.finding = None;
        let max = self.config.max_missing_per_pull;
        if pull.progress.missing + missing.len() as u64 > max {
            return self.stop_at_limit("missing ids", max);
        }
        pull.progress.missing += missing.len() as u64;
        pull.want.extend(missing);
        self.outputs.push_back(Output::Progress(pull.progress));
        self.advance(now_ms);
    }

    /// Matches a response to a request in flight, under any `req` it was sent with, and gives
    /// that request back; ignores a late answer to a request sent within the window; blames
    /// the peer for anything else.
    fn take_answer(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&Message) -> bool,
    ) -> Option<Message> {
        let window = self.config.late_answer_window_ms;
        self.requester
            .take(req, now_ms, kind, window, &mut self.outputs)
    }

    fn on_id_page(&mut self, ids: Vec<EventId>, next: Option<Cursor>, now_ms: u64) {
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        let Listing::More(after) = pull.listing else {
            return;
        };
        // `next` is the last listed id when more follow (§8.2): an empty page has none, and
        // answering it would let a peer keep a pull going forever without listing anything.
        if ids.is_empty() && next.is_some() {
            self.blame(Fault::Unexpected(Error::EmptySyncPage));
            return self.finish(Err(Error::EmptySyncPage));
        }
        // A cursor that does not move forward would make the pull loop forever.
        if next.is_some_and(|n| after.is_some_and(|a| n <= a)) {
            self.unexpected("sync-response cursor does not advance");
            return self.finish(Err(Error::UnexpectedSyncMessage {
                reason: "sync-response cursor does not advance".into(),
            }));
        }
        pull.checkpoint = after;
        // A cursor far ahead of our clock cannot be fetched from (its events would be refused,
        // §4) and could be a way to list forever, so the pull ends. It is counted but excused:
        // a peer whose clock runs ahead of ours sends it honestly.
        if let Some(cursor) =
            next.filter(|n| n.timestamp > now_ms.saturating_add(MAX_CLOCK_SKEW_MS))
        {
            // Built twice rather than cloned: `Error` is not `Clone`, whose derive for every
            // variant cost the browser's wasm 5.7 KB for the two places that cloned one.
            let error = || Error::SyncCursorInFuture {
                timestamp: cursor.timestamp,
                now: now_ms,
                max_skew_ms: MAX_CLOCK_SKEW_MS,
            };
            self.blame(Fault::CursorInFuture(error()));
            return self.finish(Err(error()));
        }
        let max = self.config.max_ids_per_pull;
        if pull.progress.listed + ids.len() as u64 > max {
            return self.stop_at_limit("listed ids", max);
        }
        pull.listing = next.map_or(Listing::Done, |n| Listing::More(Some(n)));
        pull.progress.listed += ids.len() as u64;
        if !ids.is_empty() {
            self.next_query += 1;
            pull.finding = Some(self.next_query);
            self.outputs.push_back(Output::FindMissing {
                query: self.next_query,
                ids,
            });
        }
        self.advance(now_ms);
    }

    fn on_events(
        &mut self,
        events: Vec<Vec<u8>>,
        unknown: Vec<EventId>,
        asked: Vec<EventId>,
        now_ms: u64,
    ) {
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        let fetched = take_fetched(
            events,
            unknown,
            asked,
            &mut pull.want,
            Judge {
                scope: &pull.scope,
                verified: &self.config.verified,
                now_ms,
            },
        );
        let blamed = fetched.record(&mut pull.progress, &mut self.outputs);
        for fault in blamed {
            self.blame(fault);
        }
        self.advance(now_ms);
    }

    /// Sends the pull's next requests, or finishes it when nothing is left: event-requests
    /// side by side while missing ids wait (up to [`crate::limits::MAX_IN_FLIGHT`]), and the next page only
    /// once every id of this one is fetched, so the page's `after` stays a checkpoint (§8.4).
    fn advance(&mut self, now_ms: u64) {
        while self.requester.has_room() && self.advance_one(now_ms) {}
    }

    /// Sends one request if one is due; whether it did.
    fn advance_one(&mut self, now_ms: u64) -> bool {
        let Some(pull) = self.pull.as_mut() else {
            return false;
        };
        if pull.finding.is_some() {
            return false;
        }
        let (deadline_ms, max_requests) = (
            self.config.pull_deadline_ms,
            self.config.max_requests_per_pull,
        );
        let waiting = self.requester.waiting();
        let more = !pull.want.is_empty() || (!waiting && matches!(pull.listing, Listing::More(_)));
        if let Some(reason) = more
            .then(|| pull.spent.exhausted(now_ms, deadline_ms, max_requests))
            .flatten()
        {
            self.stop(reason);
            return false;
        }
        let message = if !pull.want.is_empty() {
            let n = pull
                .want
                .len()
                .min(self.config.event_batch.clamp(1, MAX_IDS_PER_MESSAGE));
            let ids: Vec<EventId> = pull.want.drain(..n).collect();
            Message::EventRequest { req: 0, ids }
        } else if waiting {
            // The page's fetches still run: its ids may come back to `want`.
            return false;
        } else if let Listing::More(after) = pull.listing {
            Message::SyncRequest {
                req: 0,
                scope: pull.scope.clone(),
                after,
            }
        } else {
            let progress = pull.progress;
            self.finish(Ok(progress));
            return false;
        };
        pull.spent.requests += 1;
        let bytes = self
            .requester
            .send(message, now_ms, self.config.request_timeout_ms);
        self.outputs.push_back(Output::Request(bytes));
        true
    }

    /// Ends a pull that reached a per-pull limit, without blame: the peer may just hold a lot.
    /// The page in progress is not fetched, so its start is where the next pull resumes.
    fn stop_at_limit(&mut self, what: &'static str, max: u64) {
        self.resume = self.pull.as_ref().and_then(|p| p.checkpoint);
        self.finish(Err(Error::PullTooLong { what, max }));
    }

    fn finish(&mut self, result: Result<Progress, Error>) {
        self.pull = None;
        self.requester.forget();
        self.outputs.push_back(Output::Finished(result));
    }

    pub(super) fn unexpected(&mut self, reason: &str) {
        self.blame(Fault::Unexpected(unexpected_error(reason)));
    }

    /// Reports dropped input, for whoever keeps the peer's score.
    fn blame(&mut self, fault: Fault) {
        self.outputs.push_back(Output::Misbehaved(fault));
    }
}

fn unexpected_error(reason: &str) -> Error {
    Error::UnexpectedSyncMessage {
        reason: reason.into(),
    }
}

impl Request for Message {
    /// The same request under a new `req`.
    fn with_req(mut self, req: u64) -> Self {
        match &mut self {
            Message::SyncRequest { req: r, .. }
            | Message::SyncResponse { req: r, .. }
            | Message::EventRequest { req: r, .. }
            | Message::EventResponse { req: r, .. } => *r = req,
            Message::NewEvent { .. } => {}
        }
        self
    }

    fn encode(&self) -> Vec<u8> {
        Message::encode(self)
    }
}
