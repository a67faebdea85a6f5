//! The per-peer sync v2 state machine: reconciles a scope with the peer and fetches what it
//! lacks, and answers the peer's reconciliations and fetches.
//!
//! Sans-IO, driven exactly like v1's [`Session`](crate::Session): the driver feeds it
//! message bytes, store answers and the time, and carries out the same [`Output`]s. The driver
//! keeps no state of its own beyond the request-response channels, so switching a peer from
//! v1 to v2 swaps the machine and the protocol id, nothing else. Our reconciliation is in
//! `initiator.rs`, the answering of the peer's in `responder.rs`.

use std::collections::{HashMap, VecDeque};

use super::budget::HeldBudget;
mod initiator;
mod responder;

use super::limits::{
    ITEM_PAGE, MAX_RECONCILE_ITEMS, MAX_ROUNDS_PER_RECONCILE, NEGENTROPY_FRAME_LIMIT,
};
use super::message::ReconcileMessage;
use crate::limits::{
    LATE_ANSWER_WINDOW_MS, MAX_INBOUND_PENDING, MAX_MISSING_PER_PULL, MAX_REQUESTS_PER_PULL,
    MAX_SENDS, PULL_DEADLINE_MS, REQUEST_TIMEOUT_MS,
};
use crate::message::Cursor;
use crate::output::Fault;
use crate::output::{Output, QueryId};
use crate::requester::{Request, Requester};
use initiator::{is_fetch, is_round, Pull};
use phemossa_core::event::VerifiedIds;
use phemossa_core::Error;
use responder::{Held, Inbound};

/// Tunables of a v2 session; the defaults are what docs/protocol.md §9.4 names.
#[derive(Debug, Clone)]
pub struct ReconcileConfig {
    /// How long a request may go unanswered before it is sent again.
    pub request_timeout_ms: u64,
    /// Sends of one request before the reconciliation is abandoned with `sync_timeout`.
    pub max_attempts: u32,
    /// Ids asked for in one event-request.
    pub event_batch: usize,
    /// Items asked of the store per page while loading an item set.
    pub item_page: usize,
    /// Most items one reconciliation holds, ours or the one we answer with.
    pub max_items: usize,
    /// Largest negentropy message written (at least 4,096).
    pub frame_limit: u64,
    /// Round trips of one reconciliation before it stops with `pull_too_long`.
    pub max_rounds: u32,
    /// Ids the peer may name as missing in one reconciliation before it stops there.
    pub max_missing: u64,
    /// How long one run may take before it ends with `pull_deadline`.
    pub pull_deadline_ms: u64,
    /// Requests one run may send (resends not counted) before it ends with `pull_too_long`.
    pub max_requests: u32,
    /// How long after its send an answer to a request no longer in flight is excused.
    pub late_answer_window_ms: u64,
    /// Inbound requests of this peer waiting at once; more are dropped and counted.
    pub max_inbound_pending: usize,
    /// How long an item set loaded for the peer's reconciliation is kept after its last use.
    pub held_idle_ms: u64,
    /// Signatures already checked; a node shares one among all its sessions and its gossip.
    pub verified: VerifiedIds,
    /// Items held for peers, counted across all of a node's sessions.
    pub held_budget: HeldBudget,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: REQUEST_TIMEOUT_MS,
            max_attempts: MAX_SENDS,
            event_batch: 128,
            item_page: ITEM_PAGE,
            max_items: MAX_RECONCILE_ITEMS,
            frame_limit: NEGENTROPY_FRAME_LIMIT,
            max_rounds: MAX_ROUNDS_PER_RECONCILE,
            max_missing: MAX_MISSING_PER_PULL,
            pull_deadline_ms: PULL_DEADLINE_MS,
            max_requests: MAX_REQUESTS_PER_PULL,
            late_answer_window_ms: LATE_ANSWER_WINDOW_MS,
            max_inbound_pending: MAX_INBOUND_PENDING,
            held_idle_ms: 30_000,
            verified: VerifiedIds::default(),
            held_budget: HeldBudget::default(),
        }
    }
}

/// Sync v2 with one peer: at most one reconciliation of ours, and answers to the peer's. Its
/// requests go through the shell v1 shares (`crate::requester`): v2 differs only in its
/// messages and in finding what is missing by negentropy rounds instead of id pages.
#[derive(Debug, Default)]
pub struct Reconciler {
    config: ReconcileConfig,
    pull: Option<Pull>,
    /// The item set loaded for the peer's reconciliation.
    held: Option<Held>,
    /// The peer's event-requests waiting for the store.
    inbound: HashMap<QueryId, Inbound>,
    /// When item sets were loaded for the peer, for [`super::limits::MAX_LOADS_PER_MINUTE`].
    loads: VecDeque<u64>,
    /// The latest time fed in.
    now_ms: u64,
    next_query: QueryId,
    /// Our request in flight and our recent sends (the shell v1 shares).
    requester: Requester<ReconcileMessage>,
    outputs: VecDeque<Output>,
}

impl Reconciler {
    pub fn new(config: ReconcileConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    pub fn is_pulling(&self) -> bool {
        self.pull.is_some()
    }

    /// When [`Self::handle_timeout`] should next be called, if anything is waiting.
    pub fn next_deadline(&self) -> Option<u64> {
        let flight = self.requester.deadline();
        let end = self
            .pull
            .as_ref()
            .map(|p| p.spent.deadline(self.config.pull_deadline_ms));
        let held = self.held.as_ref().and_then(Held::expiry);
        flight.into_iter().chain(end).chain(held).min()
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Feeds one message the peer sent on `/phemossa/sync/2.0.0` (request or response).
    pub fn handle_message(&mut self, bytes: &[u8], now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        let message = match ReconcileMessage::decode(bytes) {
            Ok(message) => message,
            Err(error) => return self.blame(Fault::Malformed(error)),
        };
        match message {
            ReconcileMessage::Open {
                req,
                scope,
                negentropy,
            } => self.on_open(req, scope, negentropy),
            ReconcileMessage::Next { req, negentropy } => self.on_round(req, negentropy),
            ReconcileMessage::EventRequest { req, ids } => self.on_event_request(req, ids),
            ReconcileMessage::Response { req, negentropy } => {
                if self.take_answer(req, now_ms, is_round).is_some() {
                    self.on_response(negentropy, now_ms);
                }
            }
            ReconcileMessage::EventResponse {
                req,
                events,
                unknown,
            } => {
                if let Some(ReconcileMessage::EventRequest { ids, .. }) =
                    self.take_answer(req, now_ms, is_fetch)
                {
                    self.on_events(events, unknown, ids, now_ms);
                }
            }
        }
    }

    /// Ends a run past its deadline; sends again, or gives up on, a request past its own;
    /// forgets an idle item set.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        if self
            .held
            .as_ref()
            .and_then(Held::expiry)
            .is_some_and(|at| at <= now_ms)
        {
            self.held = None;
        }
        let deadline_ms = self.config.pull_deadline_ms;
        if self
            .pull
            .as_ref()
            .is_some_and(|p| now_ms >= p.spent.deadline(deadline_ms))
        {
            return self.stop(Error::PullDeadline {
                max_ms: deadline_ms,
            });
        }
        let (timeout_ms, attempts) = (self.config.request_timeout_ms, self.config.max_attempts);
        let resent = self
            .requester
            .resend_due(now_ms, timeout_ms, attempts, &mut self.outputs);
        if let Err(timeout) = resent {
            self.finish(Err(timeout));
        }
    }

    /// The store's answer to [`Output::ListIds`]: one page of the items in scope, in order, and
    /// whether more follow.
    pub fn answer_ids(&mut self, query: QueryId, page: Vec<Cursor>, more: bool) {
        let ours = self
            .pull
            .as_ref()
            .and_then(|p| p.loading.as_ref())
            .is_some_and(|l| l.query == query);
        if ours {
            return self.on_own_items(page, more);
        }
        if self.held.as_ref().and_then(Held::loading_query) == Some(query) {
            self.on_held_items(page, more);
        }
    }

    /// Sends `message` as one more request in flight.
    pub(super) fn send(&mut self, message: ReconcileMessage, now_ms: u64) {
        let bytes = self
            .requester
            .send(message, now_ms, self.config.request_timeout_ms);
        self.outputs.push_back(Output::Request(bytes));
        if let Some(pull) = self.pull.as_mut() {
            pull.spent.requests += 1;
        }
    }

    pub(super) fn new_query(&mut self) -> QueryId {
        self.next_query += 1;
        self.next_query
    }

    /// Matches a response to a request in flight, under any `req` it was sent with, and gives
    /// that request back; ignores a late answer to a request sent within the window; blames
    /// the peer for anything else.
    fn take_answer(
        &mut self,
        req: u64,
        now_ms: u64,
        kind: impl Fn(&ReconcileMessage) -> bool,
    ) -> Option<ReconcileMessage> {
        let window = self.config.late_answer_window_ms;
        self.requester
            .take(req, now_ms, kind, window, &mut self.outputs)
    }

    pub(super) fn unexpected(&mut self, reason: &str) {
        self.blame(Fault::Unexpected(Error::UnexpectedSyncMessage {
            reason: reason.into(),
        }));
    }

    /// Reports dropped input, for whoever keeps the peer's score.
    pub(super) fn blame(&mut self, fault: Fault) {
        self.outputs.push_back(Output::Misbehaved(fault));
    }
}

impl Request for ReconcileMessage {
    fn with_req(self, req: u64) -> Self {
        ReconcileMessage::with_req(self, req)
    }

    fn encode(&self) -> Vec<u8> {
        ReconcileMessage::encode(self)
    }
}
