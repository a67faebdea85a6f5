//! Taking in an event-response to a pull's event-request, shared by sync v1 and v2 (§8.4):
//! validate each event, keep only those asked for and in scope, settle the ids the peer says it
//! lacks, and queue again the ids that did not fit.

use std::collections::{HashSet, VecDeque};

use super::message::Scope;
use super::peer_score::is_excusable;
use crate::output::Fault;
use crate::output::{Output, Progress};
use phemossa_core::event::VerifiedIds;
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event};

/// What an event-response is judged against.
pub(crate) struct Judge<'a> {
    pub scope: &'a Scope,
    pub verified: &'a VerifiedIds,
    pub now_ms: u64,
}

/// What one event-response brought.
pub(crate) struct Fetched {
    /// Valid events that were asked for and are in scope, to be stored.
    pub stored: Vec<Event>,
    /// Asked-for ids that will not come: declared unknown, or dropped by a response that
    /// brought nothing.
    pub unavailable: u64,
    /// What the peer did wrong, for the session to report.
    pub blamed: Vec<Fault>,
}

impl Fetched {
    /// Adds what came to the pull's `progress`, queues the events to be stored and the new
    /// progress as outputs, and returns the faults for the session to report: the part of
    /// taking a response that v1 and v2 do alike.
    pub(crate) fn record(
        self,
        progress: &mut Progress,
        outputs: &mut VecDeque<Output>,
    ) -> Vec<Fault> {
        progress.received += self.stored.len() as u64;
        progress.unavailable += self.unavailable;
        outputs.extend(self.stored.into_iter().map(Output::Store));
        outputs.push_back(Output::Progress(*progress));
        self.blamed
    }
}

/// Judges `events` and `unknown` against the ids `asked` for in the event-request they answer
/// (other requests of the pull may be in flight beside it, §8.4); ids neither delivered nor
/// declared unknown go back to the front of `want`, unless the response made no progress at
/// all, which would make the pull loop forever.
pub(crate) fn take_fetched(
    events: Vec<Vec<u8>>,
    unknown: Vec<EventId>,
    asked: Vec<EventId>,
    want: &mut VecDeque<EventId>,
    judge: Judge<'_>,
) -> Fetched {
    // The request's order is kept for the ids that go back to `want`, so a run is the same
    // every time (the simulator replays seeds).
    let order = asked;
    let mut asked: HashSet<EventId> = order.iter().copied().collect();
    let Judge {
        scope,
        verified,
        now_ms,
    } = judge;
    let mut blamed = Vec::new();
    let mut stored = Vec::new();
    // The first inexcusable fault ends the look at a response: the rest would cost up to 255
    // more signature checks for a peer already counted (issue 12, hole 6). Ids it left go
    // back to the queue, as for a response cut short.
    let mut cut_short = false;
    for bytes in events {
        match Event::from_json_remembering(&bytes, now_ms, verified) {
            Err(error) => {
                cut_short = !is_excusable(&error);
                blamed.push(Fault::InvalidEvent(error));
            }
            Ok(event) if !asked.contains(&event.id) => {
                blamed.push(unexpected("event that was not requested"));
                cut_short = true;
            }
            Ok(event) if !scope.admits(&event.author, event.timestamp) => {
                blamed.push(unexpected("event outside the requested scope"));
                cut_short = true;
            }
            Ok(event) => {
                asked.remove(&event.id);
                stored.push(event);
            }
        }
        if cut_short {
            break;
        }
    }
    let mut gone = unknown.iter().filter(|id| asked.remove(id)).count();
    let left: Vec<EventId> = order.into_iter().filter(|id| asked.contains(id)).collect();
    if cut_short || !stored.is_empty() || gone > 0 {
        for id in left.into_iter().rev() {
            want.push_front(id);
        }
    } else if !left.is_empty() {
        gone += left.len();
        blamed.push(unexpected("event-response without any requested event"));
    }
    Fetched {
        stored,
        unavailable: gone as u64,
        blamed,
    }
}

fn unexpected(reason: &str) -> Fault {
    Fault::Unexpected(Error::UnexpectedSyncMessage {
        reason: reason.into(),
    })
}
