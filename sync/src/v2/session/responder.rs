//! The responder half: answering the peer's reconciliation from an item set loaded for its
//! scope and kept while it is in use (listed afresh by the next reconcile-open once the store
//! changed), and the peer's event-requests from the store.
//!
//! A negentropy responder keeps no state between rounds but its item set, so any round of the
//! peer's open reconciliation can be answered, in any order, and retries are harmless.

use negentropy::{Negentropy, NegentropyStorageBase as _, NegentropyStorageVector};

use super::Reconciler;
use crate::message::{Cursor, Scope};
use crate::output::Fault;
use crate::output::{Output, QueryId};
use crate::v1::session::respond::pack_events;
use crate::v2::budget::Reservation;
use crate::v2::items::{Loaded, Loading};
use crate::v2::limits::MAX_LOADS_PER_MINUTE;
use crate::v2::message::ReconcileMessage;
use phemossa_core::keys::EventId;
use phemossa_core::Error;

/// Events loaded from the store for one event-request, as in v1 (§8.4).
const MAX_EVENTS_LOADED: usize = 128;

/// The item set of the peer's open reconciliation.
#[derive(Debug)]
pub(super) struct Held {
    scope: Scope,
    state: HeldState,
    /// The store changed since this set's listing began: a new reconcile-open lists it
    /// again, or it would never show the peer what arrived meanwhile (§9.4). Rounds of the
    /// open reconciliation are still answered from it.
    stale: bool,
    /// When it is forgotten if unused (not while loading).
    expires: u64,
}

#[derive(Debug)]
enum HeldState {
    /// Being listed from the store; the rounds that came meanwhile wait, with their `req`.
    Loading {
        loading: Loading,
        waiting: Vec<(u64, Vec<u8>)>,
    },
    /// Loaded, with its items counted in the node's budget until dropped.
    Ready {
        items: NegentropyStorageVector,
        /// Held only to be dropped with the items.
        _reservation: Reservation,
    },
    /// The scope holds too many items: every round is refused.
    TooLarge,
    /// The node's budget was full when it loaded: rounds are refused, and the next
    /// reconcile-open loads again.
    OverBudget,
}

impl Held {
    pub fn expiry(&self) -> Option<u64> {
        match self.state {
            HeldState::Loading { .. } => None,
            _ => Some(self.expires),
        }
    }

    pub fn loading_query(&self) -> Option<QueryId> {
        match &self.state {
            HeldState::Loading { loading, .. } => Some(loading.query),
            _ => None,
        }
    }
}

/// A peer's event-request waiting for the store.
#[derive(Debug)]
pub(super) struct Inbound {
    req: u64,
    ids: Vec<EventId>,
}

impl Reconciler {
    /// The store's answer to [`Output::LoadEvents`]: the wire JSON of the events it holds.
    pub fn answer_events(&mut self, query: QueryId, found: Vec<(EventId, Vec<u8>)>) {
        let Some(Inbound { req, ids }) = self.inbound.remove(&query) else {
            return;
        };
        let bytes = pack_event_response(req, &ids, found);
        self.outputs.push_back(Output::Respond { to: req, bytes });
    }

    /// The store failed `query`, if it was one of the responder's (true). An event-request it
    /// served goes unanswered; an item set it was loading is dropped, and the rounds waiting
    /// for it are answered "start again", which is true. Nothing is counted against the peer.
    pub(super) fn responder_store_failed(&mut self, query: QueryId) -> bool {
        if let Some(Inbound { req, .. }) = self.inbound.remove(&query) {
            self.outputs.push_back(Output::Unanswered { to: req });
            return true;
        }
        if self.held.as_ref().and_then(Held::loading_query) != Some(query) {
            return false;
        }
        if let Some(Held {
            state: HeldState::Loading { waiting, .. },
            ..
        }) = self.held.take()
        {
            for (req, _) in waiting {
                self.refuse(req);
            }
        }
        true
    }

    /// This node stored events: the held item set no longer shows them all, and the next
    /// reconcile-open lists the scope afresh. A set still loading is stale too, since pages
    /// already listed missed the new events.
    pub fn store_changed(&mut self) {
        if let Some(held) = self.held.as_mut() {
            held.stale = true;
        }
    }

    /// A reconcile-open: loads the item set for `scope` unless it is the one held and the
    /// store has not changed since its listing began (or it is still loading, which a
    /// resent open must not restart), then answers.
    pub(super) fn on_open(&mut self, req: u64, scope: Scope, negentropy: Vec<u8>) {
        let reload = self.held.as_ref().is_none_or(|held| {
            held.scope != scope
                || matches!(held.state, HeldState::OverBudget)
                || (held.stale && !matches!(held.state, HeldState::Loading { .. }))
        });
        if reload {
            let now = self.now_ms;
            self.loads.retain(|at| at.saturating_add(60_000) > now);
            if self.loads.len() >= MAX_LOADS_PER_MINUTE {
                // Only stale, not another scope: an answer from the set held is better than
                // none, and a busy node storing events all the time must not refuse a peer
                // that merely opens again.
                let stale_only = self.held.as_ref().is_some_and(|held| {
                    held.scope == scope && matches!(held.state, HeldState::Ready { .. })
                });
                if stale_only {
                    return self.on_round(req, negentropy);
                }
                return self.refuse(req);
            }
            self.loads.push_back(now);
            if let Some(Held {
                state: HeldState::Loading { waiting, .. },
                ..
            }) = self.held.take()
            {
                for (req, _) in waiting {
                    self.refuse(req);
                }
            }
            let query = self.new_query();
            let (loading, output) = Loading::start(scope.clone(), query, self.config.item_page);
            self.outputs.push_back(output);
            self.held = Some(Held {
                scope,
                state: HeldState::Loading {
                    loading,
                    waiting: Vec::new(),
                },
                stale: false,
                expires: now,
            });
        }
        self.on_round(req, negentropy);
    }

    /// One round of the peer's open reconciliation.
    pub(super) fn on_round(&mut self, req: u64, negentropy: Vec<u8>) {
        let pending = self.pending();
        let (idle, frame) = (self.config.held_idle_ms, self.config.frame_limit.max(4096));
        let Some(held) = self.held.as_mut() else {
            return self.refuse(req);
        };
        held.expires = self.now_ms.saturating_add(idle);
        let answer = match &mut held.state {
            HeldState::TooLarge | HeldState::OverBudget => return self.refuse(req),
            HeldState::Loading { waiting, .. } if pending < self.config.max_inbound_pending => {
                return waiting.push((req, negentropy));
            }
            HeldState::Loading { .. } => return self.unexpected("too many concurrent requests"),
            HeldState::Ready { items, .. } => respond(items, frame, &negentropy),
        };
        self.answer_round(req, answer);
    }

    pub(super) fn on_event_request(&mut self, req: u64, mut ids: Vec<EventId>) {
        if self.pending() >= self.config.max_inbound_pending {
            return self.unexpected("too many concurrent requests");
        }
        ids.truncate(MAX_EVENTS_LOADED);
        let query = self.new_query();
        self.outputs.push_back(Output::LoadEvents {
            query,
            ids: ids.clone(),
        });
        self.inbound.insert(query, Inbound { req, ids });
    }

    /// One page of the item set being loaded for the peer; once complete, answers the rounds
    /// that waited for it.
    pub(super) fn on_held_items(&mut self, page: Vec<Cursor>, more: bool) {
        let query = self.new_query();
        let (limit, max) = (self.config.item_page, self.config.max_items);
        let (idle, frame) = (self.config.held_idle_ms, self.config.frame_limit.max(4096));
        let expires = self.now_ms.saturating_add(idle);
        let Some(held) = self.held.as_mut() else {
            return;
        };
        let state = std::mem::replace(&mut held.state, HeldState::TooLarge);
        let HeldState::Loading { loading, waiting } = state else {
            held.state = state;
            return;
        };
        let (loading, loaded) = loading.page(page, more, query, limit, max);
        held.expires = expires;
        match (loading, loaded) {
            (Some(loading), Loaded::More(output)) => {
                held.state = HeldState::Loading { loading, waiting };
                self.outputs.push_back(*output);
            }
            (_, Loaded::Done(items)) => {
                // A sealed storage always knows its size.
                let count = items.size().unwrap_or(usize::MAX);
                let Some(reservation) = self.config.held_budget.reserve(count) else {
                    held.state = HeldState::OverBudget;
                    for (req, _) in waiting {
                        self.refuse(req);
                    }
                    return;
                };
                let answers: Vec<_> = waiting
                    .into_iter()
                    .map(|(req, negentropy)| (req, respond(&items, frame, &negentropy)))
                    .collect();
                held.state = HeldState::Ready {
                    items,
                    _reservation: reservation,
                };
                for (req, answer) in answers {
                    self.answer_round(req, answer);
                }
            }
            // Too large (or a page the loader could not continue from): refuse what waits.
            _ => {
                for (req, _) in waiting {
                    self.refuse(req);
                }
            }
        }
    }

    /// Sends the answer to one round, or counts the peer's malformed negentropy message.
    fn answer_round(&mut self, req: u64, answer: Result<Vec<u8>, Error>) {
        match answer {
            Ok(negentropy) => {
                let bytes = ReconcileMessage::Response {
                    req,
                    negentropy: Some(negentropy),
                }
                .encode();
                self.outputs.push_back(Output::Respond { to: req, bytes });
            }
            Err(error) => {
                self.blame(Fault::Malformed(error));
            }
        }
    }

    /// Answers `req` with a reconcile-response without a negentropy message: "start again".
    fn refuse(&mut self, req: u64) {
        let bytes = ReconcileMessage::Response {
            req,
            negentropy: None,
        }
        .encode();
        self.outputs.push_back(Output::Respond { to: req, bytes });
    }

    /// Requests of the peer waiting for the store.
    fn pending(&self) -> usize {
        let waiting = match self.held.as_ref().map(|h| &h.state) {
            Some(HeldState::Loading { waiting, .. }) => waiting.len(),
            _ => 0,
        };
        self.inbound.len() + waiting
    }
}

/// negentropy's answer to one round, from our item set. A peer on another protocol version
/// gets our version byte alone, as negentropy's version negotiation asks.
fn respond(items: &NegentropyStorageVector, frame: u64, query: &[u8]) -> Result<Vec<u8>, Error> {
    Negentropy::borrowed(items, frame)
        .and_then(|mut responder| responder.reconcile(query))
        .map_err(|error| Error::MalformedReconciliation {
            reason: error.to_string(),
        })
}

/// An event-response as v1 packs it (§8.4): as many found events as fit, at least one, the
/// requested ids the store lacks as unknown; found events left out are asked for again.
fn pack_event_response(req: u64, ids: &[EventId], found: Vec<(EventId, Vec<u8>)>) -> Vec<u8> {
    let (events, unknown) = pack_events(ids, found);
    ReconcileMessage::EventResponse {
        req,
        events,
        unknown,
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_SYNC_MESSAGE_BYTES;
    use phemossa_core::limits::MAX_EVENT_BYTES;

    #[test]
    fn an_event_response_fits_the_limit_and_carries_at_least_one_event() {
        let ids: Vec<EventId> = (0..=127u8).map(|n| EventId::from_bytes([n; 32])).collect();
        let found: Vec<(EventId, Vec<u8>)> = ids[..20]
            .iter()
            .map(|id| (*id, vec![b'x'; MAX_EVENT_BYTES]))
            .collect();
        let bytes = pack_event_response(u64::MAX, &ids, found);
        assert!(bytes.len() <= MAX_SYNC_MESSAGE_BYTES);
        let Ok(ReconcileMessage::EventResponse {
            events, unknown, ..
        }) = ReconcileMessage::decode(&bytes)
        else {
            panic!("decodes")
        };
        assert!(!events.is_empty() && events.len() < 20);
        assert_eq!(unknown, ids[20..].to_vec());
    }
}
