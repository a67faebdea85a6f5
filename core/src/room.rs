//! Whether the store has room for more: the rule the background applies before each write, with
//! the free space the browser reports (with `unlimitedStorage`, the free disk). Pure, so the
//! rule is tested here rather than by filling a disk.
//!
//! Storing stops while [`RESERVE_BYTES`] are still free, not at the last byte: Chromium's
//! IndexedDB (LevelDB) that fills a disk closes its connections and may find the database
//! corrupt when it next opens it, and deletes it, identity included (tests/e2e/storage-full.test.mjs
//! saw that in one run of three before this reserve). LevelDB also needs free space to compact.
//!
//! LevelDB gives deleted records' space back only as it compacts, which it does as it writes,
//! not on a timer: after retention pruned, the disk can stay as full as before for minutes, and
//! storing would never resume. So what was pruned while the disk was tight counts as room, at
//! [`DISK_PER_EVENT_BYTE`], until the free space that comes back pays it off; but nothing is
//! ever written below [`FLOOR_BYTES`] truly free.

/// Kept free: a few LevelDB compactions' worth (tables of 2–4 MB, merged a level at a time) and
/// the identity's small writes.
pub const RESERVE_BYTES: u64 = 32 * 1024 * 1024;

/// Never written below, whatever retention pruned: LevelDB's compactions need their room (its
/// usage swung by 10 MB mid-compaction in the storage-full test).
pub const FLOOR_BYTES: u64 = 16 * 1024 * 1024;

/// Bytes of disk one byte of pruned event JSON gives back once LevelDB compacts it: the record
/// and its index entries. The storage-full test's database held about 2.3 KB of disk per
/// 400-byte event, so 3 is on the low side.
pub const DISK_PER_EVENT_BYTE: u64 = 3;

/// What the rule remembers between writes: the last free space and stored bytes it saw, and
/// the disk space pruning should still give back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Room {
    last_free: Option<u64>,
    last_stored: Option<u64>,
    /// Bytes of disk that events pruned while storage was tight should give back once LevelDB
    /// compacts them; paid off as free space comes back.
    pending: u64,
}

impl Room {
    /// Whether `free` bytes leave room to store more, with `stored` bytes of event JSON stored
    /// now (less than at the last look: the difference was pruned or deleted).
    pub fn has_room(&mut self, free: u64, stored: u64) -> bool {
        if free >= RESERVE_BYTES {
            // Room enough: what was pruned before does not count later.
            *self = Room {
                last_free: Some(free),
                last_stored: Some(stored),
                pending: 0,
            };
            return true;
        }
        if let Some(before) = self.last_stored {
            let removed = before.saturating_sub(stored);
            self.pending = self
                .pending
                .saturating_add(removed.saturating_mul(DISK_PER_EVENT_BYTE));
        }
        if let Some(before) = self.last_free {
            // Space came back: LevelDB compacted, some of what was pending is free now.
            self.pending = self.pending.saturating_sub(free.saturating_sub(before));
            // Space went while nothing more was stored: LevelDB's own writes (a compaction's
            // new tables before it drops the old, its log), which it gives back. Counted as
            // pending too, or each such swing would pay off pruned space that never came
            // back, and storing, stopped, would wait for good for a compaction that only
            // writes start (the storage-full test saw free space swing by 10 MB).
            // Only while something pruned is pending: without it, a fall from a moment's
            // glance at the reserve is the disk as it is.
            let grew = self.last_stored.is_some_and(|last| stored > last);
            if !grew && self.pending > 0 {
                self.pending = self.pending.saturating_add(before.saturating_sub(free));
            }
        }
        self.last_free = Some(free);
        self.last_stored = Some(stored);
        free >= FLOOR_BYTES && free.saturating_add(self.pending) >= RESERVE_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1024 * 1024;

    #[test]
    fn storing_stops_at_the_reserve_and_resumes_on_what_retention_pruned() {
        let mut room = Room::default();
        assert!(room.has_room(100 * MB, 5 * MB), "plenty");
        // Under the reserve: stopped; still as full, nothing pruned: still stopped.
        assert!(!room.has_room(25 * MB, 6 * MB));
        assert!(!room.has_room(25 * MB, 6 * MB));
        // Retention pruned 5 MB of events (15 MB of disk once compacted), and LevelDB gave
        // back only 2 MB so far: room, from what was pruned.
        assert!(room.has_room(27 * MB, MB));
        // Storing again uses the room up as the disk fills, down to the floor at most.
        assert!(room.has_room(20 * MB, 3 * MB));
        assert!(
            !room.has_room(FLOOR_BYTES - 1, 4 * MB),
            "never below the floor"
        );
        // LevelDB compacts: the space that comes back pays off what was pending.
        assert!(
            !room.has_room(30 * MB, 4 * MB),
            "the 14 MB that came back pay off the 13 MB pending: only truly free space is left"
        );
    }

    #[test]
    fn leveldbs_own_swings_while_stopped_neither_pay_off_nor_use_up_what_was_pruned() {
        let mut room = Room::default();
        assert!(room.has_room(100 * MB, 10 * MB));
        assert!(!room.has_room(25 * MB, 11 * MB), "stopped");
        // Retention pruned 4 MB of events: 12 MB of disk pending, so room.
        assert!(room.has_room(25 * MB, 7 * MB));
        // A compaction writes its new tables first (free falls, nothing stored), then drops
        // the old ones (free comes back): over and over, and the room stays.
        for _ in 0..20 {
            assert!(room.has_room(19 * MB, 7 * MB), "mid-compaction");
            assert!(room.has_room(26 * MB, 7 * MB), "after it");
        }
        // Space that stays back: the reserve is free again.
        assert!(room.has_room(40 * MB, 7 * MB), "free again");
    }

    #[test]
    fn pruning_while_roomy_does_not_count_later() {
        let mut room = Room::default();
        assert!(room.has_room(200 * MB, 50 * MB));
        assert!(
            room.has_room(190 * MB, 10 * MB),
            "40 MB pruned while there was room"
        );
        assert!(
            !room.has_room(25 * MB, 60 * MB),
            "not counted once the disk is tight"
        );
    }

    #[test]
    fn a_glance_of_room_before_the_pruning_does_not_lose_it() {
        // Stopped, then a compaction shows the reserve for a moment, then retention prunes.
        let mut room = Room::default();
        assert!(!room.has_room(30 * MB, 6 * MB));
        assert!(room.has_room(33 * MB, 6 * MB));
        assert!(!room.has_room(30 * MB, 6 * MB));
        assert!(room.has_room(28 * MB, MB), "the pruning after it counts");
    }

    #[test]
    fn huge_numbers_never_overflow() {
        let mut room = Room::default();
        assert!(room.has_room(u64::MAX, u64::MAX));
        assert!(!room.has_room(0, 0));
        let mut room = Room::default();
        assert!(!room.has_room(FLOOR_BYTES, u64::MAX));
        assert!(room.has_room(FLOOR_BYTES, 0), "everything pruned");
    }
}
