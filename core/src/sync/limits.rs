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
