//! Phemossa's node policy that is not wire protocol, as sans-IO code: callers give it time and
//! what happened, it says what to do. The browser's swarm glue (`background/src/network/`) only
//! carries these decisions out.
//!
//! - [`backoff`]: the one doubling wait everything the node retries uses, each with its own
//!   first wait and cap.
//! - [`blob_fetches`]: which peer to fetch each wanted blob from, a few at a time, and whose
//!   fault bad bytes are.
//! - [`admission`]: which peers a node connects to when its slots run short, with slots kept
//!   for peers that have delivered valid events (an eclipse defence).
//! - [`discovery`]: the rendezvous namespaces a node registers in and looks up.
//! - [`gossip`]: the node's side of gossip: subscriptions, the user's posts batched, the
//!   seen-cache, and what a message's verdict waits for.
//! - [`inbox_catch_up`]: asking each peer, once per connection, for the events addressed to
//!   the user over the last week, so a stranger's reply sent while the browser was closed
//!   still arrives (§8.9), judged as the inbox topic judges it.
//! - [`direct`]: when to try a direct WebRTC connection to a relayed peer, and again after one
//!   failed, and how that stands for the pages ([`direct::DirectState`]).
//! - [`peer_table`]: every peer seen: its two sync machines and one score, its connections,
//!   the response channels its requests await, its session generation, what is saved of it,
//!   and which peers are forgotten ([`peer_table::Peers`]).
//! - [`pulls`]: which peers may pull now: two slots shared by v1 and v2 pulls, given out
//!   oldest-waiting first, taken back from stalled pulls, the retry rule, the catch-ups owed
//!   when one of a peer's connections closes, and anti-entropy ([`pulls::PullScheduler`]).
//! - [`limits`]: what peers may cost the node before they deliver anything: connection caps,
//!   how long a ban lasts, when a peer's record is forgotten.
//! - [`relay_slots`]: the node's slots on its relays: when to ask, give up and ask again, and
//!   while a slot is held, when to register in rendezvous and look peers up.
//! - [`state`]: the node's sync and gossip as one machine: inputs with the time in, actions
//!   and the next timer out ([`state::NodeState`]); the peer table, the pull scheduler and
//!   the gossip side composed.
//! - `sim` (feature `sim`): a deterministic many-node simulator over the real
//!   [`state::NodeState`], with in-memory stores and links.
//! - [`thread_fetches`]: asking connected peers for the replies of a thread the user opened,
//!   level by level, and when to stop (§8.10).
//! - [`serve_limits`]: how many of peers' sync 2.1 requests are served at once, two a peer
//!   and four in all.
//! - [`rotation`]: rotating windows over lists too long to name at once (the authors a pull
//!   names, the author namespaces), so every item takes its turn.

pub mod admission;
pub mod backoff;
pub mod blob_fetches;
pub mod direct;
pub mod discovery;
pub mod gossip;
pub mod inbox_catch_up;
pub mod limits;
pub mod peer_sync;
pub mod peer_table;
pub mod pulls;
pub mod relay_slots;
pub mod rotation;
pub mod serve_limits;
#[cfg(feature = "sim")]
pub mod sim;
pub mod state;
#[cfg(test)]
mod test_events;
pub mod thread_fetches;

pub use direct::{ConnectionKind, DirectAttempts, DirectState, Links};
pub use pulls::PullScheduler;
pub use relay_slots::{RelayAction, RelaySlots, SlotState};
pub use state::{Action, Input, NodeState};
