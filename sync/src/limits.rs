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
