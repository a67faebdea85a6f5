//! What a sync machine of either version asks its driver to do ([`Output`]), the store queries
//! it names ([`QueryId`]), how far a pull has got ([`Progress`]) and the bad input it reports
//! ([`Fault`]): the vocabulary every driver speaks, whichever version runs.

use crate::message::{Cursor, Scope};
use phemossa_core::keys::EventId;
use phemossa_core::{Error, Event};

/// Names one store query so its answer can be matched to it.
pub type QueryId = u64;

/// How far a pull has got, for the UI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Ids the peer listed.
    pub listed: u64,
    /// Of those, ids the local store lacked.
    pub missing: u64,
    /// Events received, validated and handed over to be stored.
    pub received: u64,
    /// Missing ids the peer then said it does not hold, or never delivered.
    pub unavailable: u64,
}

/// What the driver must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Send as a new request on `/phemossa/sync/1.0.0`.
    Request(Vec<u8>),
    /// Send as the response to the inbound request whose `req` was `to`.
    Respond {
        to: u64,
        bytes: Vec<u8>,
    },
    /// The inbound request whose `req` was `to` gets no answer: the store failed the query it
    /// needed. Drop its response channel, so the peer's request fails at once and is asked
    /// again; nothing is counted against the peer (issue 12, hole 3).
    Unanswered {
        to: u64,
    },
    /// List local ids in `scope` strictly after `after` in (timestamp, id) order, at most
    /// `limit`; answer with [`Session::answer_ids`].
    ListIds {
        query: QueryId,
        scope: Scope,
        after: Option<Cursor>,
        limit: usize,
    },
    /// Say which of `ids` the store lacks; answer with [`Session::answer_missing`].
    FindMissing {
        query: QueryId,
        ids: Vec<EventId>,
    },
    /// Load the wire JSON of those of `ids` the store holds; answer with
    /// [`Session::answer_events`].
    LoadEvents {
        query: QueryId,
        ids: Vec<EventId>,
    },
    /// A validated event to store (idempotently, by id).
    Store(Event),
    Progress(Progress),
    /// The pull ended: every listed, missing id was fetched or is unavailable; or it failed.
    Finished(Result<Progress, Error>),
    /// The peer sent something that was dropped. The machine keeps no score: whoever keeps the
    /// peer counts it ([`PeerScore::count`](crate::PeerScore::count)) in the one score it holds
    /// for the peer across protocols and connections, and decides when to disconnect.
    Misbehaved(Fault),
}

/// One piece of bad input a peer sent that was dropped, as its score counts it. Sync machines
/// report each as `Output::Misbehaved`; whoever keeps the peer counts it with
/// [`PeerScore::count`](crate::PeerScore::count), so one score per peer covers every protocol
/// the peer speaks.
#[derive(Debug, PartialEq, Eq)]
pub enum Fault {
    /// A message that does not decode, or is too large.
    Malformed(Error),
    /// An event that fails validation.
    InvalidEvent(Error),
    /// A well-formed message the protocol does not allow now (an answer to nothing asked, an
    /// event not requested, an empty page with a cursor).
    Unexpected(Error),
    /// A cursor far ahead of our clock: counted and shown, but excused (a fast clock is honest).
    CursorInFuture(Error),
}

impl Fault {
    /// What was wrong, in words and with its code.
    pub fn error(&self) -> &Error {
        match self {
            Fault::Malformed(error)
            | Fault::InvalidEvent(error)
            | Fault::Unexpected(error)
            | Fault::CursorInFuture(error) => error,
        }
    }
}
