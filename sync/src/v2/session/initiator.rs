//! Our reconciliation with the peer: load our item set in scope, run negentropy as initiator
//! until the peer's differences are known, ask the store which of the ids the peer holds it
//! lacks, and fetch, validate and store those. The ids the peer lacks need nothing from us:
//! the peer runs its own reconciliation and pulls them.

use crate::fetched::{take_fetched, Judge};
use crate::flight::Spent;
use crate::output::Fault;
use std::collections::VecDeque;

use negentropy::{Negentropy, NegentropyStorageVector};

use super::Reconciler;
use crate::limits::{MAX_IDS_PER_MESSAGE, MAX_IN_FLIGHT};
use crate::message::{Cursor, Scope};
use crate::output::{Output, Progress, QueryId};
use crate::v2::items::{from_negentropy, Loaded, Loading};
use crate::v2::message::ReconcileMessage;
use phemossa_core::keys::EventId;
use phemossa_core::Error;

/// One reconciliation of ours. `Progress` counts as v1's does: `listed` is ids the peer named
/// as ones we lack, `missing` those the store confirmed missing.
#[derive(Debug)]
pub(super) struct Pull {
    pub scope: Scope,
    /// Our item set while it is being listed from the store.
    pub loading: Option<Loading>,
    negentropy: Option<Negentropy<'static, NegentropyStorageVector>>,
    /// The negentropy message to send next; `None` once reconciliation is over.
    next: Option<Vec<u8>>,
    /// Whether the reconcile-open has been sent (later rounds are reconcile-next).
    opened: bool,
    rounds: u32,
    /// Why reconciliation stopped early: the pull fetches what it found, then ends with this.
    stop: Option<Error>,
    want: VecDeque<EventId>,
    finding: Option<QueryId>,
    progress: Progress,
    pub spent: Spent,
}

impl Reconciler {
    /// Starts reconciling `scope` with the peer, then fetching what we lack. Returns false if a
    /// reconciliation is already running. There is no checkpoint: after an interruption a new
    /// reconciliation finds only what is still missing.
    pub fn start(&mut self, scope: Scope, now_ms: u64) -> bool {
        if self.pull.is_some() {
            return false;
        }
        self.now_ms = self.now_ms.max(now_ms);
        let query = self.new_query();
        let (loading, output) = Loading::start(scope.clone(), query, self.config.item_page);
        self.outputs.push_back(output);
        self.pull = Some(Pull {
            scope,
            loading: Some(loading),
            negentropy: None,
            next: None,
            opened: false,
            rounds: 0,
            stop: None,
            want: VecDeque::new(),
            finding: None,
            progress: Progress::default(),
            spent: Spent::new(self.now_ms),
        });
        true
    }

    /// Ends the run in progress with `reason`, without blame (the node took its slot back,
    /// §8.7). Answers to its requests that arrive later are excused like any late answer.
    pub fn stop(&mut self, reason: Error) {
        if self.pull.is_some() {
            self.finish(Err(reason));
        }
    }

    /// The store failed `query`. A peer's request it served goes unanswered
    /// ([`Output::Unanswered`]) or, for an item set being loaded, is answered "start again";
    /// our run's listing or lookup ends the run with `reason`, blamed on nobody, and the node's
    /// scheduler retries it (§8.6, §8.7). Nothing waits on a store answer that will never come
    /// (issue 12, hole 3).
    pub fn store_failed(&mut self, query: QueryId, reason: Error) {
        if self.responder_store_failed(query) {
            return;
        }
        let ours = self.pull.as_ref().is_some_and(|p| {
            p.finding == Some(query) || p.loading.as_ref().is_some_and(|l| l.query == query)
        });
        if ours {
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
        pull.progress.missing += missing.len() as u64;
        pull.want.extend(missing);
        self.outputs.push_back(Output::Progress(pull.progress));
        self.advance(now_ms);
    }

    pub(super) fn on_own_items(&mut self, page: Vec<Cursor>, more: bool) {
        let query = self.new_query();
        let (limit, max, frame) = (
            self.config.item_page,
            self.config.max_items,
            self.config.frame_limit.max(4096),
        );
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        let Some(loading) = pull.loading.take() else {
            return;
        };
        let (loading, loaded) = loading.page(page, more, query, limit, max);
        pull.loading = loading;
        let items = match loaded {
            Loaded::More(output) => return self.outputs.push_back(*output),
            Loaded::TooLarge(error) => return self.finish(Err(error)),
            Loaded::Done(items) => items,
        };
        // Neither fails on a fresh instance over a sealed storage with a limit of 4,096 or more.
        let first = Negentropy::owned(items, frame).and_then(|mut negentropy| {
            let first = negentropy.initiate()?;
            pull.negentropy = Some(negentropy);
            Ok(first)
        });
        match first {
            Ok(first) => {
                pull.next = Some(first);
                let now = self.now_ms;
                self.advance(now);
            }
            Err(error) => self.finish(Err(Error::MalformedReconciliation {
                reason: error.to_string(),
            })),
        }
    }

    /// The peer's negentropy message: the next round, the ids it holds that we lack, or the end.
    pub(super) fn on_response(&mut self, negentropy: Option<Vec<u8>>, now_ms: u64) {
        let (max_rounds, max_missing) = (self.config.max_rounds, self.config.max_missing);
        let Some(pull) = self.pull.as_mut() else {
            return;
        };
        let Some(bytes) = negentropy else {
            pull.stop(Error::ReconciliationRefused);
            return self.advance(now_ms);
        };
        let Some(machine) = pull.negentropy.as_mut() else {
            return;
        };
        pull.rounds += 1;
        let mut have = Vec::new();
        let mut need = Vec::new();
        match machine.reconcile_with_ids(&bytes, &mut have, &mut need) {
            Ok(next) if next.is_some() && pull.rounds >= max_rounds => {
                pull.stop(Error::PullTooLong {
                    what: "reconcile rounds",
                    max: u64::from(max_rounds),
                });
            }
            Ok(next) => pull.next = next,
            Err(negentropy::Error::UnsupportedProtocolVersion) => {
                // A peer on a newer negentropy version answers with its version alone: honest.
                let version = bytes.first().copied().unwrap_or_default();
                pull.stop(Error::UnsupportedReconciliationVersion { version });
            }
            Err(error) => {
                // Built twice, as `Error` is not `Clone` (see `v1::session`).
                let reason = error.to_string();
                pull.stop(Error::MalformedReconciliation {
                    reason: reason.clone(),
                });
                self.blame(Fault::Malformed(Error::MalformedReconciliation { reason }));
                return self.advance(now_ms);
            }
        }
        // negentropy lists an id-list range's need ids from a HashSet, in an order that changes
        // from run to run; sorted, a pull fetches the same batches every time (the simulator
        // replays seeds, and a lossy run's outcome must not depend on the hasher).
        need.sort_unstable();
        let room = max_missing.saturating_sub(pull.progress.listed);
        if need.len() as u64 > room {
            need.truncate(room as usize);
            pull.stop(Error::PullTooLong {
                what: "missing ids",
                max: max_missing,
            });
        }
        pull.progress.listed += need.len() as u64;
        if !need.is_empty() {
            let ids = need.iter().map(from_negentropy).collect();
            let query = self.new_query();
            if let Some(pull) = self.pull.as_mut() {
                pull.finding = Some(query);
            }
            self.outputs.push_back(Output::FindMissing { query, ids });
        }
        self.advance(now_ms);
    }

    /// Validates fetched events as v1 does (§8.4) and hands over the good ones to be stored.
    // The same lines as v1's `Session::on_events`: the work is shared (`take_fetched`,
    // `Fetched::record`), but each machine's pull is its own struct, so each passes its own
    // fields. One per-peer session shell for both versions is the node issue's (issue 12).
    pub(super) fn on_events(
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

    /// Sends the next requests, side by side up to [`MAX_IN_FLIGHT`] (§9.4): the next reconcile
    /// round as soon as the last is answered and its ids passed through the store, and beside
    /// it event-requests for every full batch of ids found; the rest are fetched once
    /// reconciliation is over, with every slot. Rounds wait while a few batches' worth of ids
    /// are still to be fetched, so found ids never pile up. Finishes when nothing is left.
    pub(super) fn advance(&mut self, now_ms: u64) {
        while self.requester.has_room() && self.advance_one(now_ms) {}
    }

    /// Sends one request if one is due, or finishes the run; whether it sent one.
    fn advance_one(&mut self, now_ms: u64) -> bool {
        let batch = self.config.event_batch.clamp(1, MAX_IDS_PER_MESSAGE);
        let (deadline_ms, max_requests) = (self.config.pull_deadline_ms, self.config.max_requests);
        let reconciling = self.requester.in_flight(is_round) > 0;
        let fetching = self.requester.in_flight(is_fetch);
        let waiting = self.requester.waiting();
        let Some(pull) = self.pull.as_mut() else {
            return false;
        };
        if pull.loading.is_some() {
            return false;
        }
        let settled = !reconciling && pull.finding.is_none();
        let over = settled && pull.next.is_none();
        let piled = pull.want.len() >= batch * MAX_IN_FLIGHT;
        let round = settled && pull.next.is_some() && !piled;
        let fetch_room = if over {
            MAX_IN_FLIGHT
        } else {
            MAX_IN_FLIGHT - 1
        };
        let fetch =
            fetching < fetch_room && (pull.want.len() >= batch || (over && !pull.want.is_empty()));
        if !round && !fetch {
            if over && !waiting && pull.want.is_empty() {
                let result = pull.stop.take().map_or(Ok(pull.progress), Err);
                self.finish(result);
            }
            return false;
        }
        if let Some(reason) = pull.spent.exhausted(now_ms, deadline_ms, max_requests) {
            self.stop(reason);
            return false;
        }
        let message = if let Some(negentropy) = round.then(|| pull.next.take()).flatten() {
            if std::mem::replace(&mut pull.opened, true) {
                ReconcileMessage::Next { req: 0, negentropy }
            } else {
                let scope = pull.scope.clone();
                ReconcileMessage::Open {
                    req: 0,
                    scope,
                    negentropy,
                }
            }
        } else {
            let n = pull.want.len().min(batch);
            let ids: Vec<EventId> = pull.want.drain(..n).collect();
            ReconcileMessage::EventRequest { req: 0, ids }
        };
        self.send(message, now_ms);
        true
    }

    pub(super) fn finish(&mut self, result: Result<Progress, Error>) {
        self.pull = None;
        self.requester.forget();
        self.outputs.push_back(Output::Finished(result));
    }
}

impl Pull {
    /// Ends reconciliation early, keeping the first reason given.
    fn stop(&mut self, error: Error) {
        self.next = None;
        self.stop.get_or_insert(error);
    }
}

/// Whether a request of ours is a reconcile round (open or next).
pub(super) fn is_round(message: &ReconcileMessage) -> bool {
    matches!(
        message,
        ReconcileMessage::Open { .. } | ReconcileMessage::Next { .. }
    )
}

/// Whether a request of ours is an event-request.
pub(super) fn is_fetch(message: &ReconcileMessage) -> bool {
    matches!(message, ReconcileMessage::EventRequest { .. })
}
