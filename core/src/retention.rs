//! Retention: how much this browser keeps of authors the user does not follow, and which stored
//! events a pruning pass removes to honour it.
//!
//! The user's own events and those of authors they follow are never pruned. Everyone else's
//! (authors unfollowed since, events imported from an archive) are kept for `others_days` days
//! and up to `others_mb` megabytes of event JSON, oldest removed first. Pruned events are not
//! fetched again: every pull is scoped to the user and the authors they follow (§8.2 of
//! docs/protocol.md), so a pruned author's events are outside every scope until the user
//! follows them again, when fetching their history is what the user asked for.

use serde::{Deserialize, Serialize};

use crate::keys::{EventId, PublicKey};
use crate::settings::whole_number;
use crate::Error;

/// Days of others' events kept unless the settings say otherwise: a month, long enough to serve
/// them to peers who follow those authors, short enough that unfollowing lets them go.
pub const DEFAULT_OTHERS_DAYS: u32 = 30;
/// Megabytes of others' event JSON kept unless the settings say otherwise.
pub const DEFAULT_OTHERS_MB: u32 = 50;
/// Largest accepted values: ten years, ten gigabytes.
pub const MAX_OTHERS_DAYS: u32 = 3_650;
pub const MAX_OTHERS_MB: u32 = 10_000;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
const MB: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionSettings {
    /// Others' events older than this many days are pruned.
    pub others_days: u32,
    /// Others' events beyond this many megabytes (of event JSON) are pruned, oldest first.
    pub others_mb: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            others_days: DEFAULT_OTHERS_DAYS,
            others_mb: DEFAULT_OTHERS_MB,
        }
    }
}

impl RetentionSettings {
    /// Parses the two fields of the options page.
    pub fn parse(days: &str, megabytes: &str) -> Result<Self, Error> {
        Ok(Self {
            others_days: whole_number(days, "Keep others' events for (days)", 1..=MAX_OTHERS_DAYS)?,
            others_mb: whole_number(
                megabytes,
                "Keep others' events up to (MB)",
                1..=MAX_OTHERS_MB,
            )?,
        })
    }

    /// Checks settings that arrived whole (over the port) as if typed.
    pub fn validated(&self) -> Result<Self, Error> {
        Self::parse(&self.others_days.to_string(), &self.others_mb.to_string())
    }

    /// Oldest timestamp (ms) of others' events that is kept at `now_ms`.
    pub fn cutoff_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(u64::from(self.others_days) * DAY_MS)
    }

    pub fn max_bytes(&self) -> u64 {
        u64::from(self.others_mb) * MB
    }
}

/// One stored event as pruning sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: EventId,
    pub author: PublicKey,
    pub timestamp: u64,
    /// Bytes of its JSON.
    pub size: u64,
}

/// What a pruning pass removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrunePlan {
    /// Events to delete, oldest first.
    pub remove: Vec<EventId>,
    /// Bytes of event JSON they hold.
    pub bytes: u64,
}

/// Decides which of `stored` (any order) to remove: others' events older than the cutoff, then others' oldest until their
/// total fits the size limit. `kept` says whose events are never pruned.
pub fn plan_prune(
    stored: &[StoredEvent],
    kept: impl Fn(&PublicKey) -> bool,
    settings: &RetentionSettings,
    now_ms: u64,
) -> PrunePlan {
    let mut others: Vec<&StoredEvent> = stored.iter().filter(|e| !kept(&e.author)).collect();
    // Oldest first; the id breaks ties so every implementation prunes the same events.
    others.sort_by_key(|e| (e.timestamp, e.id));
    let cutoff = settings.cutoff_ms(now_ms);
    let mut others_bytes: u64 = others.iter().map(|e| e.size).sum();
    let mut plan = PrunePlan::default();
    for event in others {
        if event.timestamp >= cutoff && others_bytes <= settings.max_bytes() {
            break;
        }
        others_bytes -= event.size;
        plan.bytes += event.size;
        plan.remove.push(event.id);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    fn key(n: u8) -> PublicKey {
        crate::Identity::from_seed([n; 32]).public_key()
    }

    fn event(n: u32, author: &PublicKey, age_days: u64, size: u64) -> StoredEvent {
        let mut id = [0u8; 32];
        id[..4].copy_from_slice(&n.to_be_bytes());
        StoredEvent {
            id: EventId::from_bytes(id),
            author: *author,
            timestamp: NOW - age_days * DAY_MS,
            size,
        }
    }

    fn settings(days: u32, mb: u32) -> RetentionSettings {
        RetentionSettings {
            others_days: days,
            others_mb: mb,
        }
    }

    #[test]
    fn own_and_followed_events_are_never_pruned_however_old_or_large() {
        let (me, friend) = (key(1), key(2));
        let stored = vec![event(1, &me, 4000, 9 * MB), event(2, &friend, 4000, 9 * MB)];
        let plan = plan_prune(&stored, |a| *a == me || *a == friend, &settings(1, 1), NOW);
        assert_eq!(plan, PrunePlan::default());
    }

    #[test]
    fn others_older_than_the_cutoff_go_and_newer_ones_stay() {
        let (me, stranger) = (key(1), key(3));
        let stored = vec![
            event(1, &stranger, 40, 500),
            event(2, &stranger, 31, 500),
            event(3, &stranger, 29, 500),
            event(4, &me, 400, 500),
        ];
        let plan = plan_prune(&stored, |a| *a == me, &settings(30, 50), NOW);
        assert_eq!(plan.remove, vec![stored[0].id, stored[1].id]);
        assert_eq!(plan.bytes, 1000);
    }

    #[test]
    fn over_the_size_limit_the_oldest_of_others_go_first() {
        let (a, b) = (key(4), key(5));
        let stored = vec![
            event(1, &a, 3, 400_000),
            event(2, &b, 5, 400_000),
            event(3, &a, 1, 400_000),
            event(4, &b, 2, 400_000),
        ];
        let plan = plan_prune(&stored, |_| false, &settings(30, 1), NOW);
        // 1.6 MB over a 1 MB limit: the two oldest (b's at 5 days, a's at 3) go.
        assert_eq!(plan.remove, vec![stored[1].id, stored[0].id]);
        assert_eq!(plan.bytes, 800_000);
    }

    #[test]
    fn settings_are_checked_like_typed_ones() {
        assert_eq!(
            RetentionSettings::parse(" 7 ", "20").unwrap(),
            settings(7, 20)
        );
        for (days, mb) in [
            ("0", "5"),
            ("5", "0"),
            ("3651", "5"),
            ("x", "5"),
            ("5", "-1"),
        ] {
            assert!(
                matches!(
                    RetentionSettings::parse(days, mb),
                    Err(Error::InvalidSetting { .. })
                ),
                "{days:?} {mb:?}"
            );
        }
        assert!(settings(0, 5).validated().is_err());
        assert_eq!(
            RetentionSettings::default()
                .validated()
                .unwrap()
                .others_days,
            30
        );
    }
}
