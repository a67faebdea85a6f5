//! The node's slots on its relays (docs/protocol.md §8.7): for each relay in the bootstrap
//! setting, when to ask for a slot, when to give up on an ask, when to ask again after a slot
//! was lost or refused, and, while a slot is held, when to register in rendezvous and when to
//! look peers up. Told what happened, with the time; says what to do ([`RelayAction`]).
//!
//! Relays are named by their index in the bootstrap list, which the caller keeps with their
//! addresses; `L` is the caller's listener handle (libp2p's `ListenerId` in the browser).

use crate::backoff::Retry;
use crate::discovery::{GENERAL_NAMESPACE, RELAY_SLOT_RETRY};

/// An ask for a slot that is not granted within this long is given up and asked again after
/// the backoff: a relay that accepted the connection but never answers the reservation must
/// not leave the node unreachable.
pub const RESERVE_TIMEOUT_MS: u64 = 20_000;

/// Rendezvous registrations live this long on the relay, in seconds; renewed at half of it, so
/// a closed browser drops out of discovery within a minute or two.
pub const REGISTRATION_TTL_S: u64 = 120;

/// How often registrations are renewed, and the length of one round of the author namespace
/// rotation (`discovery::author_namespaces`).
pub const RENEW_REGISTRATION_MS: u64 = REGISTRATION_TTL_S * 1000 / 2;

/// How often each relay with a slot is asked who is registered: the general namespace every
/// time, and one of the author namespaces of the current window in turn, so a relay answers
/// two lookups per node per 10 s however many authors the node follows.
pub const DISCOVER_EVERY_MS: u64 = 10_000;

/// The gaps between the first lookups once a slot is granted, before they settle at
/// [`DISCOVER_EVERY_MS`]: lookups 1, 3 and 7 s after the first. Browsers that reach a relay
/// together (a laptop waking, two people opening the extension after an invite) register
/// together, and a lookup finds only who registered before it: the first two-browser sync in
/// tests/bench/p2p-sync.bench.mjs spent its first 10 s waiting for the second lookup, when A and
/// B had missed each other by a moment. Three lookups more per slot granted, to a relay that
/// answers each from memory.
pub const FIRST_LOOKUP_GAPS_MS: [u64; 3] = [1_000, 2_000, 4_000];

/// After a relay refused a registration, registering at all relays is tried again this much
/// later (not on the next tick: a relay that refuses one namespace would otherwise be asked
/// for all of them four times a second).
pub const REGISTER_AGAIN_AFTER_REFUSAL_MS: u64 = 10_000;

/// Where the node stands with one relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotState {
    /// Asked for a slot; waiting for the relay's answer.
    Connecting,
    /// A slot is held: other browsers can reach this one through the relay.
    Reserved,
    /// The last ask failed, or the slot was lost, for `reason`; the next ask is at `retry_at`.
    Waiting { reason: String, retry_at: u64 },
}

/// What the caller does for the relay slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayAction<L> {
    /// Ask relay `relay` for a slot (listen on its circuit address), and say how that went
    /// with [`RelaySlots::listening`] or [`RelaySlots::listen_failed`].
    Listen { relay: usize },
    /// Stop listening on `listener`: its ask was given up.
    StopListening { listener: L },
    /// Register in `namespaces` at relay `relay` for `ttl_s` seconds. If the swarm refuses
    /// at once, say so with [`RelaySlots::register_not_sent`].
    Register {
        relay: usize,
        namespaces: Vec<String>,
        ttl_s: u64,
    },
    /// Ask relay `relay` who is registered in each of `namespaces`.
    Discover {
        relay: usize,
        namespaces: Vec<String>,
    },
}

#[derive(Debug, Clone)]
struct Slot<L> {
    listener: Option<L>,
    state: SlotState,
    /// Asks that failed in a row (reset when one is granted), and when the next is due.
    retry: Retry,
    /// When the ask under way started (while `Connecting`).
    asked_at: u64,
    /// When registration is next due, and the next lookup (0: at once).
    register_at: u64,
    discover_at: u64,
    /// Lookups made since the slot was granted, up to past [`FIRST_LOOKUP_GAPS_MS`].
    lookups: usize,
}

impl<L> Slot<L> {
    fn new() -> Self {
        Self {
            listener: None,
            state: SlotState::Waiting {
                reason: "not tried yet".into(),
                retry_at: 0,
            },
            retry: Retry::default(),
            asked_at: 0,
            register_at: 0,
            discover_at: 0,
            lookups: 0,
        }
    }

    /// The ask failed or the slot was lost: wait [`RELAY_SLOT_RETRY`] for the failures so far.
    fn failed(&mut self, reason: String, now: u64) {
        self.listener = None;
        self.retry.failed(now, &RELAY_SLOT_RETRY);
        self.state = SlotState::Waiting {
            reason,
            retry_at: self.retry.next_at(),
        };
    }
}

/// The slots on every relay of the bootstrap setting. A new setting gets a new `RelaySlots`
/// (after the caller stopped every [`listeners`](Self::listeners) of the old one).
#[derive(Debug, Clone)]
pub struct RelaySlots<L> {
    slots: Vec<Slot<L>>,
}

impl<L: Clone + PartialEq> RelaySlots<L> {
    /// Slots for `relays` relays, each asked for on the first tick.
    pub fn new(relays: usize) -> Self {
        Self {
            slots: (0..relays).map(|_| Slot::new()).collect(),
        }
    }

    /// How it stands with relay `relay`, if there is one.
    pub fn state(&self, relay: usize) -> Option<&SlotState> {
        self.slots.get(relay).map(|s| &s.state)
    }

    /// Whether any relay holds a slot for this node (it is reachable).
    pub fn any_reserved(&self) -> bool {
        self.slots.iter().any(|s| s.state == SlotState::Reserved)
    }

    /// The listeners of asks and slots now held, for the caller to stop when the relays change.
    pub fn listeners(&self) -> impl Iterator<Item = &L> {
        self.slots.iter().filter_map(|s| s.listener.as_ref())
    }

    /// What is due at `now`: asks given up, asks due, registrations to renew and lookups.
    /// `author_namespaces(round)` names the author namespaces of rotation `round`
    /// (`discovery::author_namespaces`); it is called only when a registration or a lookup is due.
    pub fn tick(
        &mut self,
        now: u64,
        mut author_namespaces: impl FnMut(u64) -> Vec<String>,
    ) -> Vec<RelayAction<L>> {
        let mut actions = Vec::new();
        let round = now / RENEW_REGISTRATION_MS;
        // This round's author namespaces, asked for once however many relays need them.
        let mut window: Option<Vec<String>> = None;
        for (relay, slot) in self.slots.iter_mut().enumerate() {
            if slot.state == SlotState::Connecting
                && now.saturating_sub(slot.asked_at) > RESERVE_TIMEOUT_MS
            {
                if let Some(listener) = slot.listener.take() {
                    actions.push(RelayAction::StopListening { listener });
                }
                slot.failed("the relay did not grant a slot in time".into(), now);
            }
            match &slot.state {
                SlotState::Waiting { retry_at, .. } if now >= *retry_at => {
                    actions.push(RelayAction::Listen { relay });
                    continue;
                }
                SlotState::Reserved => {}
                _ => continue,
            }
            if now >= slot.register_at {
                slot.register_at = now.saturating_add(RENEW_REGISTRATION_MS);
                // A new window of followed authors each renewal; the last window's
                // registrations run out a TTL later.
                let mut namespaces = vec![GENERAL_NAMESPACE.to_owned()];
                let window = window.get_or_insert_with(|| author_namespaces(round));
                namespaces.extend(window.iter().cloned());
                actions.push(RelayAction::Register {
                    relay,
                    namespaces,
                    ttl_s: REGISTRATION_TTL_S,
                });
            }
            if now >= slot.discover_at {
                let gap = FIRST_LOOKUP_GAPS_MS
                    .get(slot.lookups)
                    .copied()
                    .unwrap_or(DISCOVER_EVERY_MS);
                slot.lookups = (slot.lookups + 1).min(FIRST_LOOKUP_GAPS_MS.len());
                slot.discover_at = now.saturating_add(gap);
                let window = window.get_or_insert_with(|| author_namespaces(round));
                let mut namespaces = vec![GENERAL_NAMESPACE.to_owned()];
                if !window.is_empty() {
                    let turn = (now / DISCOVER_EVERY_MS) % window.len() as u64;
                    namespaces.extend(window.get(turn as usize).cloned());
                }
                actions.push(RelayAction::Discover { relay, namespaces });
            }
        }
        actions
    }

    /// The ask for relay `relay`'s slot is under way on `listener` since `now`.
    pub fn listening(&mut self, relay: usize, listener: L, now: u64) {
        if let Some(slot) = self.slots.get_mut(relay) {
            slot.listener = Some(listener);
            slot.state = SlotState::Connecting;
            slot.asked_at = now;
        }
    }

    /// The ask for relay `relay`'s slot could not even start, for `reason`.
    pub fn listen_failed(&mut self, relay: usize, reason: String, now: u64) {
        if let Some(slot) = self.slots.get_mut(relay) {
            slot.failed(reason, now);
        }
    }

    /// Relay `relay` granted the slot: the failures are forgotten, and registration and a
    /// lookup are due at once, with the next lookups soon after ([`FIRST_LOOKUP_GAPS_MS`]).
    pub fn reserved(&mut self, relay: usize) {
        if let Some(slot) = self.slots.get_mut(relay) {
            slot.state = SlotState::Reserved;
            slot.retry.succeeded();
            slot.register_at = 0;
            slot.discover_at = 0;
            slot.lookups = 0;
        }
    }

    /// `listener` closed, for `reason`: if it was a relay's, that slot (or ask) is lost and
    /// asked for again after the backoff. Returns whether it was one of ours.
    pub fn listener_closed(&mut self, listener: &L, reason: String, now: u64) -> bool {
        let Some(slot) = self
            .slots
            .iter_mut()
            .find(|s| s.listener.as_ref() == Some(listener))
        else {
            return false;
        };
        slot.failed(reason, now);
        true
    }

    /// The connection to relay `relay` is gone (or could not be made), for `reason`. Returns the
    /// listener to stop, if one was open. A relay already waiting keeps its wait: the loss of
    /// a connection that served no slot is not one more failure.
    pub fn lost(&mut self, relay: usize, reason: String, now: u64) -> Option<L> {
        let slot = self.slots.get_mut(relay)?;
        let listener = slot.listener.take();
        if !matches!(slot.state, SlotState::Waiting { .. }) {
            slot.failed(reason, now);
        }
        listener
    }

    /// The swarm refused to send a registration to relay `relay`: it is tried on the next tick.
    pub fn register_not_sent(&mut self, relay: usize) {
        if let Some(slot) = self.slots.get_mut(relay) {
            slot.register_at = 0;
        }
    }

    /// A relay refused a registration at `now`: every relay's registration is tried again
    /// [`REGISTER_AGAIN_AFTER_REFUSAL_MS`] later.
    pub fn registration_refused(&mut self, now: u64) {
        let again = now.saturating_add(REGISTER_AGAIN_AFTER_REFUSAL_MS);
        for slot in &mut self.slots {
            slot.register_at = again;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A window of two author namespaces per round, named after the round.
    fn window(round: u64) -> Vec<String> {
        vec![format!("me@{round}"), format!("them@{round}")]
    }

    fn listens(actions: &[RelayAction<u32>]) -> Vec<usize> {
        actions
            .iter()
            .filter_map(|a| match a {
                RelayAction::Listen { relay } => Some(*relay),
                _ => None,
            })
            .collect()
    }

    fn retry_at(slots: &RelaySlots<u32>, relay: usize) -> u64 {
        match slots.state(relay) {
            Some(SlotState::Waiting { retry_at, .. }) => *retry_at,
            other => panic!("not waiting: {other:?}"),
        }
    }

    #[test]
    fn every_relay_is_asked_at_once_and_not_again_while_the_ask_runs() {
        let mut slots = RelaySlots::<u32>::new(2);
        assert_eq!(listens(&slots.tick(0, window)), [0, 1]);
        slots.listening(0, 10, 0);
        slots.listening(1, 11, 0);
        assert!(slots.tick(RESERVE_TIMEOUT_MS, window).is_empty());
        assert!(!slots.any_reserved());
        assert_eq!(slots.listeners().copied().collect::<Vec<_>>(), [10, 11]);
    }

    #[test]
    fn an_ask_not_granted_in_time_is_stopped_and_asked_again_after_the_backoff() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.tick(0, window);
        slots.listening(0, 7, 1_000);
        let actions = slots.tick(1_000 + RESERVE_TIMEOUT_MS + 1, window);
        assert_eq!(actions, [RelayAction::StopListening { listener: 7 }]);
        let due = retry_at(&slots, 0);
        assert_eq!(
            due,
            1_000 + RESERVE_TIMEOUT_MS + 1 + RELAY_SLOT_RETRY.first_ms
        );
        assert!(slots.tick(due - 1, window).is_empty());
        assert_eq!(listens(&slots.tick(due, window)), [0]);
    }

    #[test]
    fn lost_slots_back_off_doubling_to_the_cap_and_a_grant_starts_over() {
        let mut slots = RelaySlots::<u32>::new(1);
        let mut waits = Vec::new();
        let mut now = 0;
        for listener in 0..8 {
            slots.listening(0, listener, now);
            assert!(slots.listener_closed(&listener, "closed".into(), now));
            waits.push(retry_at(&slots, 0) - now);
            now = retry_at(&slots, 0);
        }
        assert_eq!(
            waits,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        slots.listening(0, 99, now);
        slots.reserved(0);
        assert!(slots.any_reserved());
        assert_eq!(slots.lost(0, "relay gone".into(), now), Some(99));
        assert_eq!(
            retry_at(&slots, 0) - now,
            1_000,
            "a granted slot starts over"
        );
        assert!(
            !slots.listener_closed(&99, "late".into(), now),
            "no longer ours"
        );
    }

    #[test]
    fn a_lost_connection_while_waiting_is_not_one_more_failure() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.listen_failed(0, "no route".into(), 0);
        let due = retry_at(&slots, 0);
        assert_eq!(slots.lost(0, "dial failed".into(), 10), None);
        assert_eq!(retry_at(&slots, 0), due);
    }

    #[test]
    fn a_held_slot_registers_at_once_and_renews_with_the_next_window() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.listening(0, 1, 0);
        slots.reserved(0);
        let now = 5 * RENEW_REGISTRATION_MS;
        let actions = slots.tick(now, window);
        assert!(actions.contains(&RelayAction::Register {
            relay: 0,
            namespaces: vec![GENERAL_NAMESPACE.into(), "me@5".into(), "them@5".into()],
            ttl_s: REGISTRATION_TTL_S,
        }));
        let registers = |actions: &[RelayAction<u32>]| {
            actions
                .iter()
                .filter(|a| matches!(a, RelayAction::Register { .. }))
                .count()
        };
        assert_eq!(
            registers(&slots.tick(now + RENEW_REGISTRATION_MS - 1, window)),
            0
        );
        let renewed = slots.tick(now + RENEW_REGISTRATION_MS, window);
        assert!(renewed.contains(&RelayAction::Register {
            relay: 0,
            namespaces: vec![GENERAL_NAMESPACE.into(), "me@6".into(), "them@6".into()],
            ttl_s: REGISTRATION_TTL_S,
        }));
    }

    #[test]
    fn lookups_ask_the_general_namespace_and_each_author_namespace_in_turn() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.reserved(0);
        let mut asked = Vec::new();
        for n in 0..4 {
            for action in slots.tick(n * DISCOVER_EVERY_MS, window) {
                if let RelayAction::Discover { relay, namespaces } = action {
                    assert_eq!(relay, 0);
                    assert_eq!(namespaces[0], GENERAL_NAMESPACE);
                    asked.push(namespaces[1].clone());
                }
            }
        }
        assert_eq!(asked, ["me@0", "them@0", "me@0", "them@0"]);
        // Not more often than every DISCOVER_EVERY_MS.
        let discovers = slots
            .tick(3 * DISCOVER_EVERY_MS + 1, window)
            .into_iter()
            .filter(|a| matches!(a, RelayAction::Discover { .. }))
            .count();
        assert_eq!(discovers, 0);
    }

    /// When `slots` looks peers up at relay 0, ticked every 250 ms (the node's tick) from
    /// `from` to `to`.
    fn lookup_times(slots: &mut RelaySlots<u32>, from: u64, to: u64) -> Vec<u64> {
        (from / 250..=to / 250)
            .map(|n| n * 250)
            .filter(|&now| {
                slots
                    .tick(now, window)
                    .iter()
                    .any(|a| matches!(a, RelayAction::Discover { relay: 0, .. }))
            })
            .collect()
    }

    #[test]
    fn lookups_come_quickly_after_a_slot_is_granted_then_every_ten_seconds() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.reserved(0);
        assert_eq!(
            lookup_times(&mut slots, 0, 40_000),
            [0, 1_000, 3_000, 7_000, 17_000, 27_000, 37_000]
        );
        // A slot lost and granted again starts quickly again: the relay may have restarted
        // and forgotten every registration.
        slots.lost(0, "closed".into(), 40_100);
        slots.reserved(0);
        assert_eq!(
            lookup_times(&mut slots, 41_000, 60_000),
            [41_000, 42_000, 44_000, 48_000, 58_000]
        );
    }

    #[test]
    fn a_refused_registration_is_tried_again_in_ten_seconds_not_every_tick() {
        let mut slots = RelaySlots::<u32>::new(2);
        slots.reserved(0);
        slots.reserved(1);
        slots.tick(0, window);
        slots.registration_refused(1_000);
        let registers_at = |slots: &mut RelaySlots<u32>, now| {
            slots
                .tick(now, window)
                .into_iter()
                .filter(|a| matches!(a, RelayAction::Register { .. }))
                .count()
        };
        assert_eq!(registers_at(&mut slots, 1_250), 0);
        assert_eq!(
            registers_at(&mut slots, 1_000 + REGISTER_AGAIN_AFTER_REFUSAL_MS),
            2
        );
        slots.register_not_sent(0);
        assert_eq!(
            registers_at(&mut slots, 11_250),
            1,
            "the one not sent, next tick"
        );
    }

    #[test]
    fn nothing_is_registered_or_looked_up_without_a_slot() {
        let mut slots = RelaySlots::<u32>::new(1);
        slots.listening(0, 1, 0);
        let actions = slots.tick(1_000, |_| panic!("no namespaces wanted without a slot"));
        assert!(actions.is_empty());
    }

    proptest! {
        /// Whatever happens in whatever order, a relay is never asked twice at once, a held
        /// slot is never asked for, and every wait ends within the backoff's cap.
        #[test]
        fn asks_never_overlap_and_waits_stay_capped(
            steps in proptest::collection::vec((0u8..6, 0u64..40_000), 1..200),
        ) {
            let mut slots = RelaySlots::<u32>::new(1);
            let (mut now, mut next_listener, mut open): (u64, u32, Option<u32>) = (0, 0, None);
            for (what, gap) in steps {
                now += gap;
                match what {
                    0 => {
                        for action in slots.tick(now, window) {
                            match action {
                                RelayAction::Listen { relay } => {
                                    prop_assert!(open.is_none(), "asked while an ask runs");
                                    next_listener += 1;
                                    open = Some(next_listener);
                                    slots.listening(relay, next_listener, now);
                                }
                                RelayAction::StopListening { listener } => {
                                    prop_assert_eq!(Some(listener), open.take());
                                }
                                _ => prop_assert_eq!(slots.state(0), Some(&SlotState::Reserved)),
                            }
                        }
                    }
                    1 => if open.is_some() { slots.reserved(0) },
                    2 => if let Some(l) = open.take() {
                        prop_assert!(slots.listener_closed(&l, "closed".into(), now));
                    },
                    3 => {
                        let stopped = slots.lost(0, "gone".into(), now);
                        prop_assert_eq!(stopped, open.take());
                    }
                    4 => if open.is_none() { slots.listen_failed(0, "no".into(), now) },
                    _ => slots.registration_refused(now),
                }
                if let Some(SlotState::Waiting { retry_at, .. }) = slots.state(0) {
                    prop_assert!(*retry_at <= now + RELAY_SLOT_RETRY.max_ms);
                    prop_assert!(open.is_none());
                }
            }
        }
    }
}
