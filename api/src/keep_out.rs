//! What pages see and send of what the user keeps out (`core::keep_out`): the settings, the
//! people muted or blocked as [`Person`]s, and what was held back or refused since start.

use phemossa_core::keep_out::KeepOut;
use serde::{Deserialize, Serialize};

use crate::Person;

/// The options page's "Keep out" section, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeepOutStatus {
    pub settings: KeepOut,
    /// Everyone in `settings.people`, by name, most recently kept out first.
    pub people: Vec<Person>,
    /// Valid events held back since the background started because their author had reached
    /// the daily or the stored limit (never stored; the peers that carried them are not blamed).
    pub held_back: u64,
    /// Of those, how many by the stored limit.
    #[serde(default)]
    pub held_over_stored: u64,
    /// How many authors those were.
    pub held_back_authors: u64,
    /// Events refused since start because their author is blocked.
    pub refused_blocked: u64,
}
