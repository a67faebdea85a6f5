//! The documented limits of the sync protocol (docs/protocol.md §8.3).

/// Largest encoded sync or gossip message, in bytes. Checked before parsing. Equal to gossipsub's
/// default `max_transmit_size`, and small enough that the transport's chunking into WebRTC-sized
/// frames stays cheap.
pub const MAX_SYNC_MESSAGE_BYTES: usize = 64 * 1024;

/// Most ids in one list (a page of a sync-response, an event-request, an event-response's
/// `unknown`). 1,500 ids of 34 encoded bytes each is 51,000 bytes, which leaves room under
/// [`MAX_SYNC_MESSAGE_BYTES`] for the rest of the message.
pub const MAX_IDS_PER_MESSAGE: usize = 1_500;

/// Most events in one event-response or new-event message. Each event is at most 8 KiB, and the
/// whole message must still fit [`MAX_SYNC_MESSAGE_BYTES`].
pub const MAX_EVENTS_PER_MESSAGE: usize = 256;

/// Most authors a sync scope may name.
pub const MAX_AUTHORS_PER_SCOPE: usize = 1_000;

/// Most ids one pull lets the peer list. Far above the 100,000-event stores the project targets,
/// so an honest pull never reaches it; it stops a peer that lists fake ids forever. Past it the
/// pull ends with `pull_too_long` and is not counted against the peer: a new pull may resume
/// from the checkpoint (docs/protocol.md §8.3, §8.4).
pub const MAX_IDS_PER_PULL: u64 = 2_000_000;

/// Most missing ids one pull asks the peer for. Five times the 100,000-event stores the project
/// targets; a larger honest backlog is fetched over several pulls, each resuming from the last
/// one's checkpoint. Past it the pull ends with `pull_too_long`, not counted against the peer.
pub const MAX_MISSING_PER_PULL: u64 = 500_000;

/// How long a request of a pull may go unanswered before it is sent again under a new `req`
/// (docs/protocol.md §8.4). An answer through a relay circuit takes well under a second; 10 s
/// leaves room for a busy store on the other side.
pub const REQUEST_TIMEOUT_MS: u64 = 10_000;

/// The longest a request waits before it is sent again, on a link whose answers have shown a
/// slow round trip (`request_timeout` in `flight.rs`): a quarter more than the slowest answer,
/// never more than this. 60 s covers a 48 s round trip; a peer slower than that is given up on
/// (never blamed).
pub const MAX_REQUEST_TIMEOUT_MS: u64 = 60_000;

/// Sends of one request (the first and two resends, at 0 s, 10 s and 20 s on a quick link)
/// before the pull ends with `sync_timeout`, 30 s after the first send (up to 180 s on a link
/// whose answers were slow).
pub const MAX_SENDS: u32 = 3;

/// Most requests one pull keeps in flight: one listing or reconcile round, and up to three
/// event-requests beside it. With one in flight, each batch of about 60 events waited a whole
/// round trip through the relay and the responder's store read, and both browsers sat idle
/// half the time (issue 16: a first sync of 100,000 events took 465 s). Each may be sent up to
/// [`MAX_SENDS`] times, so a responder lets a peer have
/// [`MAX_INBOUND_PENDING`] requests waiting.
pub const MAX_IN_FLIGHT: usize = 4;

/// Requests of one peer a responder has waiting for its store at once; more are dropped and
/// counted. An honest pull has at most [`MAX_IN_FLIGHT`] requests in flight,
/// each sent up to [`MAX_SENDS`] times while the responder's store is slow: all of them fit.
pub const MAX_INBOUND_PENDING: usize = MAX_IN_FLIGHT * MAX_SENDS as usize;

/// How long a requester keeps a request's stream open for its answer: every send's stream
/// stays open until the pull gives up on the request (30 s after the first send, up to 180 s on
/// a slow link), so an answer to any send is still read. Drivers set their request-response
/// timeout to this.
pub const STREAM_TIMEOUT_MS: u64 = MAX_REQUEST_TIMEOUT_MS * MAX_SENDS as u64;

/// How long after a request was last sent an answer to it is ignored without blame once it is
/// no longer in flight (its pull ended, or gave up): twice [`STREAM_TIMEOUT_MS`], for answers
/// already on their way when the stream closed and for timers that fire late in a suspended
/// worker. After that a response to it counts as unexpected.
pub const LATE_ANSWER_WINDOW_MS: u64 = 2 * STREAM_TIMEOUT_MS;

/// How long one pull (v1) or run (v2) may take, from its start. An honest pull of 100,000
/// events takes about 850 requests (67 pages and 782 event batches); through a relay at a few
/// hundred ms each that is a few minutes. Past it the pull ends with `pull_deadline`, not
/// counted (a peer may just be slow): its slot is freed, and the next pull goes on from the
/// checkpoint (v1) or finds only what is still missing (v2).
pub const PULL_DEADLINE_MS: u64 = 5 * 60_000;

/// Requests one pull or run may send, resends not counted. The honest pull of 100,000 events
/// above takes about 850; a peer listing one id per page would otherwise make 2,000,000
/// requests before [`MAX_IDS_PER_PULL`]. Past it the pull ends with `pull_too_long`, not
/// counted, like the other per-pull limits.
pub const MAX_REQUESTS_PER_PULL: u32 = 4_096;
