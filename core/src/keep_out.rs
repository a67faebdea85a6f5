//! What a person keeps out, kept in this browser and never published: people they muted or
//! blocked, words that hide a post, and how many events one author may add to the store per day.
//!
//! - **Mute** hides a person from what the user sees; their events are still synced and stored,
//!   so unmuting brings everything back with nothing missing.
//! - **Block** also drops their stored events and refuses new ones, so nothing of theirs is
//!   stored, shown or forwarded (a node forwards only what it stored).
//! - **Muted words** hide a post that holds every word of one entry behind a "Show anyway" line.
//! - **The daily limit** holds back an author's events beyond [`KeepOut::per_author_per_day`] on
//!   one day (by the events' own timestamps, UTC days), even for followed authors: one followed
//!   author, or a stolen key, cannot flood the store in a day.
//! - **The stored limit** holds back an author's events once the store holds
//!   [`KeepOut::per_author_mb`] megabytes of theirs (event JSON, as retention counts it), even for
//!   followed authors, whom retention never prunes: backdated events, spread over past days to
//!   slip under the daily limit, still cannot fill the store.
//!
//! Events held back are valid: the peers that carried them are never blamed.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::search::words;
use crate::settings::whole_number;
use crate::work::{DEFAULT_STRANGER_WORK_BITS, MAX_WORK_BITS};
use crate::{Error, EventId, PublicKey};

/// The daily limit unless the person sets another: about one event every 90 s around the
/// clock, far above what a person writes by hand, far below a script's flood.
pub const DEFAULT_PER_AUTHOR_PER_DAY: u32 = 1_000;
/// Below this an active person's day (posts, follows, a profile edit) would be cut short.
pub const MIN_PER_AUTHOR_PER_DAY: u32 = 10;
/// Above this the limit no longer protects a store of a few hundred MB.
pub const MAX_PER_AUTHOR_PER_DAY: u32 = 100_000;
/// The stored limit unless the person sets another, in megabytes of event JSON: as much as
/// retention keeps of everyone not followed together (`retention::DEFAULT_OTHERS_MB`), and
/// about seven years of a prolific person (20 posts of 1 KB a day).
pub const DEFAULT_PER_AUTHOR_MB: u32 = 50;
/// Largest stored limit: ten gigabytes, as retention's.
pub const MAX_PER_AUTHOR_MB: u32 = 10_000;
/// Most muted words or phrases: each is matched against every post shown.
pub const MAX_MUTED_WORDS: usize = 200;
/// Longest muted entry, in characters.
pub const MAX_MUTED_WORD_CHARS: usize = 100;
/// Most people muted or blocked: the list is kept whole in memory and on each page.
pub const MAX_KEPT_OUT_PEOPLE: usize = 10_000;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
const MUTED_WORDS: &str = "Muted words";
const PER_DAY: &str = "Most events per author per day";
const PER_AUTHOR_MB: &str = "Most megabytes stored per author";
const STRANGER_WORK: &str = "Proof of work required from strangers (bits)";
const MB: u64 = 1_000_000;

/// How the user stands towards one person they keep out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Hidden from view; still synced and stored.
    Muted,
    /// Hidden, dropped, refused and not forwarded.
    Blocked,
}

/// Everything the user keeps out. Serialized whole into the store's `meta` record and to pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeepOut {
    /// Each muted or blocked person and when (ms since the epoch) they were.
    #[serde(default)]
    pub people: BTreeMap<PublicKey, KeptOut>,
    /// Words or phrases as the person typed them (trimmed), one per entry.
    #[serde(default)]
    pub muted_words: Vec<String>,
    #[serde(default = "default_per_day")]
    pub per_author_per_day: u32,
    /// Megabytes (10^6 bytes) of one author's event JSON the store takes; the user's own are
    /// never limited. Absent from records saved before it existed.
    #[serde(default = "default_per_author_mb")]
    pub per_author_mb: u32,
    /// The proof of work, in bits, a stranger's event needs to reach the user's inbox
    /// (docs/protocol.md §5.5, §8.9; 0 lets every stranger's event in). Absent from records
    /// saved before it existed.
    #[serde(default = "default_stranger_work_bits")]
    pub stranger_work_bits: u8,
}

/// One person kept out, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptOut {
    pub standing: Standing,
    pub since: u64,
}

fn default_per_day() -> u32 {
    DEFAULT_PER_AUTHOR_PER_DAY
}

fn default_per_author_mb() -> u32 {
    DEFAULT_PER_AUTHOR_MB
}

fn default_stranger_work_bits() -> u8 {
    DEFAULT_STRANGER_WORK_BITS
}

impl Default for KeepOut {
    fn default() -> Self {
        Self {
            people: BTreeMap::new(),
            muted_words: Vec::new(),
            per_author_per_day: DEFAULT_PER_AUTHOR_PER_DAY,
            per_author_mb: DEFAULT_PER_AUTHOR_MB,
            stranger_work_bits: DEFAULT_STRANGER_WORK_BITS,
        }
    }
}

impl KeepOut {
    pub fn standing(&self, person: &PublicKey) -> Option<Standing> {
        self.people.get(person).map(|kept| kept.standing)
    }

    /// Whether `person` is kept out of what the user sees (muted or blocked).
    pub fn hides(&self, person: &PublicKey) -> bool {
        self.people.contains_key(person)
    }

    /// Whether `person`'s events are refused and dropped.
    pub fn blocks(&self, person: &PublicKey) -> bool {
        self.standing(person) == Some(Standing::Blocked)
    }

    /// Mutes or blocks `person` (`Some`), or lets them back (`None`). Refused past
    /// [`MAX_KEPT_OUT_PEOPLE`]; returns whether anything changed.
    pub fn set(
        &mut self,
        person: PublicKey,
        standing: Option<Standing>,
        now_ms: u64,
    ) -> Result<bool, Error> {
        match standing {
            None => Ok(self.people.remove(&person).is_some()),
            Some(standing) => {
                if self.standing(&person) == Some(standing) {
                    return Ok(false);
                }
                if !self.people.contains_key(&person) && self.people.len() >= MAX_KEPT_OUT_PEOPLE {
                    return Err(Error::InvalidSetting {
                        setting: "Muted and blocked",
                        line: 1,
                        reason: format!(
                            "at most {} people can be muted or blocked",
                            crate::words::group_digits(MAX_KEPT_OUT_PEOPLE as u64)
                        ),
                    });
                }
                self.people.insert(
                    person,
                    KeptOut {
                        standing,
                        since: now_ms,
                    },
                );
                Ok(true)
            }
        }
    }

    /// The muted entry that hides a post with `text`, if any: the first whose every word the
    /// post holds (as search matches words: any script, any case, whole words only).
    pub fn muted_word_in(&self, text: &str) -> Option<&str> {
        if self.muted_words.is_empty() {
            return None;
        }
        let held = words(text);
        self.muted_words
            .iter()
            .find(|entry| {
                let wanted = words(entry);
                !wanted.is_empty() && wanted.iter().all(|word| held.contains(word))
            })
            .map(String::as_str)
    }

    /// Checks settings that arrived whole (over the port) as if typed.
    pub fn validated(&self) -> Result<Self, Error> {
        let mut out = self.clone();
        out.muted_words = parse_muted_words(&self.muted_words.join("\n"))?;
        out.per_author_per_day = parse_per_day(&self.per_author_per_day.to_string())?;
        out.per_author_mb = parse_per_author_mb(&self.per_author_mb.to_string())?;
        out.stranger_work_bits = parse_stranger_work_bits(&self.stranger_work_bits.to_string())?;
        if out.people.len() > MAX_KEPT_OUT_PEOPLE {
            return Err(Error::InvalidSetting {
                setting: "Muted and blocked",
                line: 1,
                reason: format!("more than {MAX_KEPT_OUT_PEOPLE} people"),
            });
        }
        Ok(out)
    }
}

/// The "Muted words" box: one word or phrase per line; blank lines and repeats are dropped. A
/// line with no word in it (only punctuation or emoji) could never match and is refused.
pub fn parse_muted_words(text: &str) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let invalid = |reason: String| Error::InvalidSetting {
            setting: MUTED_WORDS,
            line: index + 1,
            reason,
        };
        if line.is_empty() {
            continue;
        }
        if line.chars().count() > MAX_MUTED_WORD_CHARS {
            return Err(invalid(format!(
                "longer than {MAX_MUTED_WORD_CHARS} characters"
            )));
        }
        if words(line).is_empty() {
            return Err(invalid(format!(
                "{line:?} has no word in it (letters or digits) to look for"
            )));
        }
        if out.iter().any(|kept| words(kept) == words(line)) {
            continue;
        }
        if out.len() == MAX_MUTED_WORDS {
            return Err(invalid(format!("more than {MAX_MUTED_WORDS} entries")));
        }
        out.push(line.to_owned());
    }
    Ok(out)
}

/// The "Most events per author per day" field.
pub fn parse_per_day(text: &str) -> Result<u32, Error> {
    whole_number(
        text,
        PER_DAY,
        MIN_PER_AUTHOR_PER_DAY..=MAX_PER_AUTHOR_PER_DAY,
    )
}

/// The UTC day an event of `timestamp_ms` counts against: `[start, end)` in ms.
pub fn day_of(timestamp_ms: u64) -> (u64, u64) {
    let start = timestamp_ms - timestamp_ms % DAY_MS;
    (start, start.saturating_add(DAY_MS))
}

/// "Most megabytes stored per author".
pub fn parse_per_author_mb(text: &str) -> Result<u32, Error> {
    whole_number(text, PER_AUTHOR_MB, 1..=MAX_PER_AUTHOR_MB)
}

/// The "Proof of work required from strangers (bits)" field: 0 to
/// [`crate::work::MAX_WORK_BITS`].
pub fn parse_stranger_work_bits(text: &str) -> Result<u8, Error> {
    // Read as the other fields' u32, so the wasm carries one copy of the parser.
    let bits = whole_number(text, STRANGER_WORK, 0..=u32::from(MAX_WORK_BITS))?;
    Ok(u8::try_from(bits).unwrap_or(MAX_WORK_BITS))
}

/// One new event offered to the store, as the limits see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    /// Its id: an id offered again in the batch is judged once.
    pub id: EventId,
    pub author: PublicKey,
    /// Ms since the epoch: which UTC day it counts against.
    pub timestamp: u64,
    /// Bytes it would add to its author's stored total (its wire JSON).
    pub size: u64,
}

/// What the limits make of one offered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Its author's day is full.
    OverDaily,
    /// Its author's stored bytes would pass the stored limit.
    OverStored,
}

/// The two limits per author, as [`admit`] applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_day: u32,
    pub per_author_mb: u32,
}

impl Limits {
    /// The stored limit in bytes.
    pub fn max_bytes(&self) -> u64 {
        u64::from(self.per_author_mb) * MB
    }
}

impl KeepOut {
    pub fn limits(&self) -> Limits {
        Limits {
            per_day: self.per_author_per_day,
            per_author_mb: self.per_author_mb,
        }
    }
}

/// What the store already holds of the authors offered: `day(author, day_start)` is how many of
/// the author's events of that UTC day it holds, `bytes(author)` how many bytes of theirs.
pub struct Held<D, B> {
    pub day: D,
    pub bytes: B,
}

/// Which of a batch of new events fit the `limits` (the daily and the stored limit);
/// `exempt` authors (the user) have none. Returns, per event in the batch's order, whether it
/// is admitted: within one author, earlier in the batch wins, and an event held back uses up
/// nothing, so a smaller one after it may still fit. An id offered more than once (a repost's
/// original comes with each repost of it; a peer may send an event twice) counts once: its
/// later copies take its first copy's verdict and use up nothing.
pub fn admit<D, B>(
    events: &[Offered],
    limits: Limits,
    held: Held<D, B>,
    exempt: impl Fn(&PublicKey) -> bool,
) -> Vec<Admission>
where
    D: Fn(&PublicKey, u64) -> u64,
    B: Fn(&PublicKey) -> u64,
{
    let max_bytes = limits.max_bytes();
    let mut days: BTreeMap<(PublicKey, u64), u64> = BTreeMap::new();
    let mut bytes: BTreeMap<PublicKey, u64> = BTreeMap::new();
    let mut judge = |offered: &Offered| {
        if exempt(&offered.author) {
            return Admission::Admitted;
        }
        let day = day_of(offered.timestamp).0;
        let count = days
            .entry((offered.author, day))
            .or_insert_with(|| (held.day)(&offered.author, day));
        if *count >= u64::from(limits.per_day) {
            return Admission::OverDaily;
        }
        let stored = bytes
            .entry(offered.author)
            .or_insert_with(|| (held.bytes)(&offered.author));
        if stored.saturating_add(offered.size) > max_bytes {
            return Admission::OverStored;
        }
        *count += 1;
        *stored += offered.size;
        Admission::Admitted
    };
    // Where each id was first offered.
    let mut first: HashMap<EventId, usize> = HashMap::new();
    let mut verdicts: Vec<Admission> = Vec::with_capacity(events.len());
    for (index, offered) in events.iter().enumerate() {
        let at = *first.entry(offered.id).or_insert(index);
        let verdict = if at < index {
            verdicts[at]
        } else {
            judge(offered)
        };
        verdicts.push(verdict);
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(n: u8) -> PublicKey {
        crate::Identity::from_seed([n; 32]).public_key()
    }

    #[test]
    fn muted_words_match_whole_words_of_any_case_and_every_word_of_a_phrase() {
        let keep = KeepOut {
            muted_words: parse_muted_words("Spoiler\n\n  season finale \nspoiler").unwrap(),
            ..KeepOut::default()
        };
        assert_eq!(
            keep.muted_words,
            ["Spoiler", "season finale"],
            "repeats dropped"
        );
        assert_eq!(keep.muted_word_in("Big SPOILER ahead"), Some("Spoiler"));
        assert_eq!(
            keep.muted_word_in("the finale of the season"),
            Some("season finale")
        );
        assert_eq!(keep.muted_word_in("spoilers are fine"), None, "whole words");
        assert_eq!(keep.muted_word_in("the season opener"), None);
    }

    #[test]
    fn muted_words_refuse_what_could_never_match_or_is_too_much() {
        let refused = parse_muted_words("ok\n🌿!!").unwrap_err();
        assert!(
            matches!(refused, Error::InvalidSetting { line: 2, .. }),
            "{refused}"
        );
        assert!(parse_muted_words(&"x".repeat(MAX_MUTED_WORD_CHARS + 1)).is_err());
        let many: String = (0..=MAX_MUTED_WORDS)
            .map(|n| format!("word{n}\n"))
            .collect();
        assert!(parse_muted_words(&many).is_err());
    }

    #[test]
    fn the_daily_limit_is_checked_in_range() {
        assert_eq!(parse_per_day(" 1000 ").unwrap(), 1_000);
        assert!(parse_per_day("9").is_err());
        assert!(parse_per_day("many").is_err());
        assert!(parse_per_day("100001").is_err());
    }

    #[test]
    fn mute_then_block_then_unblock() {
        let mut keep = KeepOut::default();
        let ada = key(1);
        assert!(keep.set(ada, Some(Standing::Muted), 5).unwrap());
        assert!(keep.hides(&ada) && !keep.blocks(&ada));
        assert!(
            !keep.set(ada, Some(Standing::Muted), 6).unwrap(),
            "no change"
        );
        assert!(keep.set(ada, Some(Standing::Blocked), 7).unwrap());
        assert!(keep.blocks(&ada));
        let json = serde_json::to_string(&keep).unwrap();
        assert_eq!(serde_json::from_str::<KeepOut>(&json).unwrap(), keep);
        assert!(keep.set(ada, None, 8).unwrap());
        assert!(!keep.hides(&ada));
        let back: KeepOut = serde_json::from_str("{}").unwrap();
        assert_eq!(back, KeepOut::default(), "older records read with defaults");
    }

    /// An id no other offered event of the tests has.
    fn fresh_id() -> EventId {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut bytes = [0; 32];
        bytes[..8].copy_from_slice(&n.to_le_bytes());
        EventId::from_bytes(bytes)
    }

    fn offered(author: PublicKey, timestamp: u64, size: u64) -> Offered {
        Offered {
            id: fresh_id(),
            author,
            timestamp,
            size,
        }
    }

    fn limits(per_day: u32, per_author_mb: u32) -> Limits {
        Limits {
            per_day,
            per_author_mb,
        }
    }

    fn admitted(verdicts: &[Admission]) -> usize {
        verdicts
            .iter()
            .filter(|v| **v == Admission::Admitted)
            .count()
    }

    #[test]
    fn a_flood_on_one_day_is_held_to_the_limit_and_the_user_is_exempt() {
        let (flooder, me) = (key(1), key(2));
        let day = 1_767_225_600_000;
        let mut events: Vec<_> = (0..50).map(|n| offered(flooder, day + n, 100)).collect();
        events.push(offered(me, day, 100));
        events.push(offered(flooder, day + DAY_MS, 100)); // the next day
        let held = Held {
            day: |_: &PublicKey, _| 3,
            bytes: |_: &PublicKey| 0,
        };
        let verdicts = admit(&events, limits(10, 1), held, |a| *a == me);
        assert_eq!(admitted(&verdicts[..50]), 7, "10 - 3 stored");
        assert_eq!(verdicts[7], Admission::OverDaily);
        assert_eq!(verdicts[50], Admission::Admitted);
        assert_eq!(verdicts[51], Admission::Admitted);
    }

    #[test]
    fn backdated_events_are_held_to_the_stored_limit_and_a_smaller_one_still_fits() {
        let (author, me) = (key(1), key(2));
        // One event a day, far under the daily limit, 400 kB each: 1 MB already stored.
        let mut events: Vec<_> = (0..5)
            .map(|n| offered(author, n * DAY_MS, 400_000))
            .collect();
        events.push(offered(author, 9 * DAY_MS, 1_000));
        events.push(offered(me, 0, 5_000_000));
        let held = Held {
            day: |_: &PublicKey, _| 0,
            bytes: |_: &PublicKey| 1_000_000,
        };
        let verdicts = admit(&events, limits(1_000, 2), held, |a| *a == me);
        assert_eq!(
            verdicts,
            [
                Admission::Admitted,
                Admission::Admitted,
                Admission::OverStored,
                Admission::OverStored,
                Admission::OverStored,
                Admission::Admitted,
                Admission::Admitted,
            ],
            "1 MB + 2 × 400 kB fit in 2 MB, a third does not, 1 kB more does, the user is exempt"
        );
        let status = parse_per_author_mb("0").unwrap_err();
        assert!(
            status.to_string().contains("between 1 and 10000"),
            "{status}"
        );
        assert_eq!(parse_per_author_mb(" 50 ").unwrap(), 50);
        let old: KeepOut = serde_json::from_str(r#"{"per_author_per_day":20}"#).unwrap();
        assert_eq!(old.per_author_mb, DEFAULT_PER_AUTHOR_MB);
        assert_eq!(old.stranger_work_bits, DEFAULT_STRANGER_WORK_BITS);
    }

    #[test]
    fn a_repeated_id_counts_once_and_its_copies_share_its_verdict() {
        let (author, reposter) = (key(1), key(2));
        let day = 1_767_225_600_000;
        // Three reposts of one new post of the author's, each carrying it, then two more of
        // their events: 7 stored, a limit of 10 leaves room for all three events.
        let original = offered(author, day, 100);
        let mut events = Vec::new();
        for n in 0..3 {
            events.push(original);
            events.push(offered(reposter, day + 10 + n, 100));
        }
        events.push(offered(author, day + 20, 100));
        events.push(offered(author, day + 21, 100));
        let held = Held {
            day: |author: &PublicKey, _| if *author == key(1) { 7 } else { 0 },
            bytes: |_: &PublicKey| 0,
        };
        let verdicts = admit(&events, limits(10, 1), held, |_| false);
        assert_eq!(
            verdicts,
            [Admission::Admitted; 8],
            "the original counted once"
        );

        // A copy of an event held back is held back too, and leaves no room taken.
        let full = Held {
            day: |_: &PublicKey, _| 0,
            bytes: |_: &PublicKey| 999_000,
        };
        let big = offered(author, day, 2_000);
        let small = offered(author, day + 1, 600);
        let verdicts = admit(
            &[big, small, big, small, small],
            limits(10, 1),
            full,
            |_| false,
        );
        assert_eq!(
            verdicts,
            [
                Admission::OverStored,
                Admission::Admitted,
                Admission::OverStored,
                Admission::Admitted,
                Admission::Admitted,
            ],
            "600 bytes fit once in the 1,000 left, and its copies take no more"
        );
    }

    #[test]
    fn the_work_asked_of_strangers_is_0_to_32_bits() {
        assert_eq!(parse_stranger_work_bits("0").unwrap(), 0);
        assert_eq!(parse_stranger_work_bits(" 24 ").unwrap(), 24);
        for bad in ["33", "-1", "twenty", ""] {
            let error = parse_stranger_work_bits(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("Proof of work required from strangers"),
                "{bad}: {error}"
            );
        }
        let too_much = KeepOut {
            stranger_work_bits: 40,
            ..KeepOut::default()
        };
        assert!(too_much.validated().is_err());
    }

    proptest! {
        /// However a batch mixes authors, days and sizes, no (author, day) ends over the daily
        /// limit and no author over the stored limit, and every event of an (author, day) is
        /// admitted while both have room.
        #[test]
        fn admitted_never_exceeds_and_never_wastes(
            picks in proptest::collection::vec((0u8..4, 0u64..3, 0u64..1000), 0..200),
            stored in 0u64..12,
            limit in 1u32..12,
        ) {
            let events: Vec<_> = picks
                .iter()
                .map(|(a, d, ms)| offered(key(*a), d * DAY_MS + ms, 1))
                .collect();
            let held = Held { day: |_: &PublicKey, _| stored, bytes: |_: &PublicKey| 0 };
            let verdicts = admit(&events, limits(limit, 1), held, |_| false);
            let mut totals: BTreeMap<(PublicKey, u64), (u64, u64)> = BTreeMap::new();
            for (event, verdict) in events.iter().zip(&verdicts) {
                let entry = totals.entry((event.author, day_of(event.timestamp).0)).or_default();
                entry.0 += 1;
                entry.1 += u64::from(*verdict == Admission::Admitted);
            }
            for (offered, taken) in totals.values() {
                let room = u64::from(limit).saturating_sub(stored);
                prop_assert_eq!(*taken, (*offered).min(room));
            }
        }

        /// A batch with ids offered again is judged as the batch of its first copies alone,
        /// each copy taking its first copy's verdict.
        #[test]
        fn a_repeated_id_is_judged_as_its_first_copy(
            picks in proptest::collection::vec((0u8..3, 0u64..2, 0usize..8), 0..80),
            stored in 0u64..6,
            limit in 1u32..8,
        ) {
            // Up to 8 distinct events; each pick offers one of them again or a new one.
            let mut distinct: Vec<Offered> = Vec::new();
            let events: Vec<Offered> = picks
                .iter()
                .map(|(a, d, again)| match distinct.get(*again) {
                    Some(earlier) => *earlier,
                    None => {
                        let new = offered(key(*a), d * DAY_MS, 1);
                        distinct.push(new);
                        new
                    }
                })
                .collect();
            let held = || Held { day: |_: &PublicKey, _| stored, bytes: |_: &PublicKey| 0 };
            let verdicts = admit(&events, limits(limit, 1), held(), |_| false);
            let alone = admit(&distinct, limits(limit, 1), held(), |_| false);
            for (event, verdict) in events.iter().zip(&verdicts) {
                let first = distinct.iter().position(|d| d.id == event.id).unwrap();
                prop_assert_eq!(*verdict, alone[first]);
            }
        }

        /// No author's stored bytes pass the stored limit, and an event is held back for it
        /// only when it would not have fitted.
        #[test]
        fn stored_bytes_never_pass_the_limit(
            picks in proptest::collection::vec((0u8..3, 1u64..400_000), 0..60),
            stored in 0u64..2_000_000,
        ) {
            let events: Vec<_> = picks.iter().map(|(a, size)| offered(key(*a), 0, *size)).collect();
            let held = Held { day: |_: &PublicKey, _| 0, bytes: |_: &PublicKey| stored };
            let verdicts = admit(&events, limits(MAX_PER_AUTHOR_PER_DAY, 2), held, |_| false);
            let mut totals: BTreeMap<PublicKey, u64> = BTreeMap::new();
            for (event, verdict) in events.iter().zip(&verdicts) {
                let total = totals.entry(event.author).or_insert(stored);
                match verdict {
                    Admission::Admitted => *total += event.size,
                    Admission::OverStored => prop_assert!(*total + event.size > 2 * MB),
                    Admission::OverDaily => prop_assert!(false, "no daily limit reached"),
                }
                prop_assert!(*total <= (2 * MB).max(stored));
            }
        }
    }
}
