//! Counts one peer's bad input and decides when it has sent enough to be disconnected.
//!
//! Counts are kept per kind (by `Error::code()`) so the options page can show a person what a
//! peer got wrong. Only input no honest peer sends counts toward disconnection (§8.7).

use std::collections::BTreeMap;

use phemossa_core::Error;

use crate::output::{Fault, Output};

/// Bad messages and events a peer may send before it is disconnected.
pub const DISCONNECT_THRESHOLD: u32 = 10;

/// Error codes an honest peer can cause: events of a newer format it relays, or an author clock
/// ahead of ours. They are counted and dropped, but never lead to a disconnect.
const EXCUSABLE: [&str; 5] = [
    "timestamp_in_future",
    "unsupported_version",
    "unknown_type",
    // Judged against what the receiver stores (protocol.md §5.2, §5.3): a sender that does
    // not hold the event named cannot know.
    "delete_not_own",
    "reaction_target_mismatch",
];

/// Whether an error is one an honest peer can cause (see [`EXCUSABLE`]).
pub fn is_excusable(error: &Error) -> bool {
    EXCUSABLE.contains(&error.code())
}

/// What one peer has sent that was dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerScore {
    /// Messages that did not decode, by error code.
    pub malformed_messages: BTreeMap<&'static str, u32>,
    /// Events that failed validation, by error code.
    pub invalid_events: BTreeMap<&'static str, u32>,
    /// Well-formed messages nobody asked for: unknown `req`, unrequested or out-of-scope events.
    pub unexpected: u32,
    /// Events received again that were already seen; normal in gossip, shown but never punished.
    pub duplicates: u32,
    /// Id-page cursors dated beyond our clock-skew allowance. A peer whose clock runs ahead of
    /// ours sends these honestly (as it sends `timestamp_in_future` events), so they are shown
    /// but never lead to a disconnect.
    pub cursors_in_future: u32,
}

impl PeerScore {
    /// Counts a message that did not decode.
    /// Counts one fault a sync machine reported.
    pub fn count(&mut self, fault: &Fault) {
        match fault {
            Fault::Malformed(error) => self.malformed_message(error),
            Fault::InvalidEvent(error) => self.invalid_event(error),
            Fault::Unexpected(_) => self.unexpected(),
            Fault::CursorInFuture(_) => self.cursor_in_future(),
        }
    }

    /// Counts the fault `output` reports, if it reports one: what whoever polls a machine's
    /// outputs calls on each, so every fault is counted exactly once.
    pub fn observe(&mut self, output: &Output) {
        if let Output::Misbehaved(fault) = output {
            self.count(fault);
        }
    }

    pub fn malformed_message(&mut self, error: &Error) {
        *self.malformed_messages.entry(error.code()).or_default() += 1;
    }

    /// Counts an event that failed `Event::from_json`.
    pub fn invalid_event(&mut self, error: &Error) {
        *self.invalid_events.entry(error.code()).or_default() += 1;
    }

    pub fn unexpected(&mut self) {
        self.unexpected += 1;
    }

    pub fn duplicate(&mut self) {
        self.duplicates += 1;
    }

    pub fn cursor_in_future(&mut self) {
        self.cursors_in_future += 1;
    }

    /// Everything dropped, for the "invalid messages" column of the options page.
    pub fn total_invalid(&self) -> u32 {
        let malformed: u32 = self.malformed_messages.values().sum();
        let invalid: u32 = self.invalid_events.values().sum();
        malformed + invalid + self.unexpected + self.cursors_in_future
    }

    /// The part of [`Self::total_invalid`] only a faulty or hostile peer produces.
    pub fn inexcusable(&self) -> u32 {
        let malformed: u32 = self.malformed_messages.values().sum();
        let invalid: u32 = self
            .invalid_events
            .iter()
            .filter(|(code, _)| !EXCUSABLE.contains(code))
            .map(|(_, n)| n)
            .sum();
        malformed + invalid + self.unexpected
    }

    pub fn should_disconnect(&self) -> bool {
        self.inexcusable() >= DISCONNECT_THRESHOLD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnects_at_the_threshold_of_inexcusable_input() {
        let mut score = PeerScore::default();
        for _ in 0..DISCONNECT_THRESHOLD - 1 {
            score.invalid_event(&Error::BadSignature);
        }
        assert!(!score.should_disconnect());
        score.malformed_message(&Error::MalformedSyncMessage { reason: "x".into() });
        assert!(score.should_disconnect());
        assert_eq!(
            score.invalid_events["bad_signature"],
            DISCONNECT_THRESHOLD - 1
        );
    }

    #[test]
    fn honest_peers_are_not_disconnected_for_clock_skew_newer_events_or_duplicates() {
        let mut score = PeerScore::default();
        for _ in 0..100 {
            score.invalid_event(&Error::UnknownType {
                type_name: "poll".into(),
            });
            score.invalid_event(&Error::TimestampInFuture {
                timestamp: 2,
                now: 1,
                max_skew_ms: 0,
            });
            score.duplicate();
        }
        assert!(!score.should_disconnect());
        assert_eq!(score.total_invalid(), 200);
    }
}
