//! The pull scheduler (docs/protocol.md §8.7 "Pull slots" and "Retries"): two slots shared by
//! every pull, given to the peer waiting longest, taken back from pulls that make no progress,
//! and a retry rule that a follow change cannot turn into a loop; (§8.8) the catch-ups owed when
//! one of a peer's two connections closes; and anti-entropy. Time is virtual.

use phemossa_node::pulls::{
    PullScheduler, ANTI_ENTROPY_MS, CATCH_UP_AFTER_MS, CATCH_UP_MIN_GAP_MS, FIRST_RETRY_MS,
    MAX_RETRY_MS, PULL_SLOTS, RETRY, STALL_MS, WAKE_GAP_MS,
};
use proptest::prelude::*;

#[test]
fn a_free_slot_goes_to_the_peer_waiting_longest() {
    let mut pulls = PullScheduler::default();
    pulls.connected(9, 0);
    pulls.connected(8, 1);
    assert_eq!(pulls.grant(1), vec![9, 8]);
    pulls.connected(7, 2);
    pulls.connected(6, 3);
    assert!(pulls.grant(3).is_empty(), "both slots are held");
    pulls.finished(9, true, 10);
    assert_eq!(pulls.grant(10), vec![7], "7 waited longer than 6");
    pulls.finished(8, true, 11);
    assert_eq!(pulls.grant(11), vec![6]);
    assert_eq!(pulls.pulling(), PULL_SLOTS);
}

#[test]
fn a_follow_change_during_a_failing_pull_waits_for_the_retry() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    assert_eq!(pulls.grant(0), vec![1]);
    pulls.follows_changed(5);
    pulls.finished(1, false, 8);
    assert!(
        pulls.grant(8).is_empty(),
        "a failed pull is not restarted at once"
    );
    // More follow changes while it waits change nothing but the scope of the retry.
    pulls.follows_changed(9);
    pulls.follows_changed(10);
    assert!(pulls.grant(8 + FIRST_RETRY_MS - 1).is_empty());
    assert_eq!(
        pulls.grant(8 + FIRST_RETRY_MS),
        vec![1],
        "retried 15 s later"
    );
    // It fails again: the wait doubles, follow changes or not.
    let failed_at = 8 + FIRST_RETRY_MS + 100;
    pulls.finished(1, false, failed_at);
    pulls.follows_changed(failed_at + 1);
    assert!(pulls.grant(failed_at + 2 * FIRST_RETRY_MS - 1).is_empty());
    assert_eq!(pulls.grant(failed_at + 2 * FIRST_RETRY_MS), vec![1]);
}

#[test]
fn a_follow_change_during_a_successful_pull_pulls_once_more() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    assert_eq!(pulls.grant(0), vec![1]);
    pulls.follows_changed(5);
    pulls.follows_changed(6);
    pulls.finished(1, true, 8);
    assert_eq!(pulls.grant(8), vec![1], "one more pull, for the new scope");
    pulls.finished(1, true, 9);
    assert!(pulls.grant(9).is_empty(), "and only one");
}

#[test]
fn slots_held_by_silent_pulls_are_taken_back() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.connected(2, 0);
    pulls.connected(3, 0);
    assert_eq!(pulls.grant(0), vec![1, 2]);
    pulls.progressed(2, 60_000);
    assert!(pulls.reclaim(STALL_MS - 1).is_empty());
    assert_eq!(pulls.reclaim(STALL_MS), vec![1], "no progress for 120 s");
    assert_eq!(pulls.grant(STALL_MS), vec![3]);
    assert_eq!(pulls.reclaim(60_000 + STALL_MS), vec![2]);
    // A reclaimed pull counts as failed: it is retried later, behind those already waiting.
    pulls.finished(1, false, STALL_MS + 5);
    assert!(pulls.grant(STALL_MS + 10).is_empty());
    assert_eq!(pulls.grant(STALL_MS + FIRST_RETRY_MS), vec![1]);
}

#[test]
fn the_retry_wait_doubles_up_to_five_minutes_and_resets_on_success() {
    assert_eq!(RETRY.delay_ms(1), 15_000);
    assert_eq!(RETRY.delay_ms(2), 30_000);
    assert_eq!(RETRY.delay_ms(5), 240_000);
    assert_eq!(RETRY.delay_ms(6), MAX_RETRY_MS);
    assert_eq!(RETRY.delay_ms(u32::MAX), MAX_RETRY_MS);
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    let mut now = 0;
    for failures in 1..=3 {
        assert_eq!(pulls.grant(now), vec![1]);
        pulls.finished(1, false, now);
        now += RETRY.delay_ms(failures);
    }
    assert_eq!(pulls.grant(now), vec![1]);
    pulls.finished(1, true, now);
    pulls.want(1, now);
    assert_eq!(pulls.grant(now), vec![1]);
    pulls.finished(1, false, now);
    assert!(pulls.grant(now + FIRST_RETRY_MS - 1).is_empty());
    assert_eq!(pulls.grant(now + FIRST_RETRY_MS), vec![1], "back to 15 s");
}

#[test]
fn a_disconnected_peer_gives_its_slot_back() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.connected(2, 0);
    pulls.connected(3, 0);
    assert_eq!(pulls.grant(0), vec![1, 2]);
    pulls.disconnected(&1);
    assert_eq!(pulls.grant(1), vec![3]);
    pulls.finished(1, false, 2);
    assert_eq!(
        pulls.pulling(),
        2,
        "a late finish of a gone peer changes nothing"
    );
}

/// Peer 1 has pulled and is idle; peers 2 and 3 hold the slots.
fn idle_one_and_two_busy() -> PullScheduler<u8> {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    assert_eq!(pulls.grant(0), vec![1]);
    pulls.finished(1, true, 10);
    pulls.connected(2, 20);
    pulls.connected(3, 20);
    assert_eq!(pulls.grant(20), vec![2, 3]);
    pulls
}

const FIRST_CATCH_UP: u64 = CATCH_UP_AFTER_MS[0];
const SECOND_CATCH_UP: u64 = CATCH_UP_AFTER_MS[1];

#[test]
fn a_lost_connection_is_followed_by_two_catch_ups_first_in_line() {
    let mut pulls = idle_one_and_two_busy();
    pulls.connected(4, 30);
    pulls.connection_lost(&1, 100);
    assert_eq!(pulls.next_wake(), Some(100 + FIRST_CATCH_UP));
    pulls.finished(2, true, 101);
    assert_eq!(
        pulls.grant(101),
        vec![4],
        "not due yet: the waiting peer takes the free slot"
    );
    pulls.finished(3, true, 102);
    pulls.connected(5, 103);
    pulls.finished(4, true, 104);
    assert_eq!(
        pulls.grant(100 + FIRST_CATCH_UP),
        vec![1, 5],
        "due: ahead of peer 5, which waited longer"
    );
    pulls.finished(1, true, 3_000);
    pulls.finished(5, true, 3_000);
    assert!(pulls.grant(100 + SECOND_CATCH_UP - 1).is_empty());
    assert_eq!(
        pulls.grant(100 + SECOND_CATCH_UP),
        vec![1],
        "the second, for a peer that saw its side close later"
    );
    pulls.finished(1, true, 100 + SECOND_CATCH_UP + 1);
    assert!(
        pulls.grant(100 + 5 * SECOND_CATCH_UP).is_empty(),
        "and no third"
    );
}

#[test]
fn losses_close_together_share_their_catch_ups() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.grant(0);
    pulls.finished(1, true, 1);
    for lost in [100, 500, 1_500] {
        pulls.connection_lost(&1, lost);
    }
    let mut granted = Vec::new();
    for now in (0..=120_000).step_by(100) {
        if !pulls.grant(now).is_empty() {
            granted.push(now);
            pulls.finished(1, true, now + 50);
        }
    }
    assert_eq!(
        granted,
        vec![100 + FIRST_CATCH_UP, 100 + SECOND_CATCH_UP],
        "three losses within 2 s: two catch-ups, from the first"
    );
}

#[test]
fn a_peer_whose_connections_keep_closing_gets_a_catch_up_every_20_s_at_most() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.grant(0);
    pulls.finished(1, true, 1);
    let mut granted = Vec::new();
    for now in (0..=600_000u64).step_by(100) {
        if now % 1_000 == 0 {
            pulls.connection_lost(&1, now);
        }
        if !pulls.grant(now).is_empty() {
            granted.push(now);
            pulls.finished(1, true, now + 50);
        }
    }
    assert!(
        granted
            .windows(2)
            .all(|w| w[1] - w[0] >= CATCH_UP_MIN_GAP_MS),
        "{granted:?}"
    );
    assert!(granted.len() as u64 <= 600_000 / CATCH_UP_MIN_GAP_MS + 1);
}

#[test]
fn catch_ups_of_flapping_peers_never_hold_both_slots() {
    let mut pulls = PullScheduler::default();
    for peer in [1, 2, 3] {
        pulls.connected(peer, 0);
    }
    assert_eq!(pulls.grant(0), vec![1, 2]);
    pulls.finished(1, true, 1);
    pulls.finished(2, true, 1);
    assert_eq!(pulls.grant(1), vec![3]);
    // Peers 1 and 2 lose a connection every second and answer their catch-ups slowly (they
    // end only when stalled); peer 3 finished and is owed another pull from 10 s.
    pulls.finished(3, true, 5_000);
    pulls.want(3, 10_000);
    let mut three_at = None;
    for now in (5_000..=600_000u64).step_by(500) {
        if now % 1_000 == 0 {
            pulls.connection_lost(&1, now);
            pulls.connection_lost(&2, now);
        }
        for stalled in pulls.reclaim(now) {
            pulls.finished(stalled, false, now);
        }
        if pulls.grant(now).contains(&3) {
            three_at = Some(now);
            break;
        }
        assert!(pulls.pulling() <= PULL_SLOTS);
    }
    let three_at = three_at.expect("peer 3 never got a slot");
    assert!(
        three_at <= 10_000 + STALL_MS,
        "peer 3 waited until {three_at}: a catch-up may take one slot, not both"
    );
}

#[test]
fn a_catch_up_does_not_wait_out_a_failed_pulls_retry() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.grant(0);
    pulls.finished(1, false, 10);
    pulls.connection_lost(&1, 20);
    assert_eq!(
        pulls.grant(20 + FIRST_CATCH_UP),
        vec![1],
        "at once, not after the 15 s retry wait"
    );
    // A catch-up that falls due during a pull that then fails follows at once too.
    assert!(
        pulls.grant(20 + SECOND_CATCH_UP).is_empty(),
        "still pulling"
    );
    pulls.finished(1, false, 20 + SECOND_CATCH_UP + 1);
    assert_eq!(pulls.grant(20 + SECOND_CATCH_UP + 1), vec![1]);
}

#[test]
fn a_loss_on_an_unknown_or_gone_peer_changes_nothing() {
    let mut pulls = PullScheduler::default();
    pulls.connection_lost(&1, 0);
    assert!(pulls.grant(FIRST_CATCH_UP).is_empty());
    pulls.connected(2, 0);
    pulls.grant(0);
    pulls.connection_lost(&2, 1);
    pulls.disconnected(&2);
    assert!(pulls.grant(SECOND_CATCH_UP + 1).is_empty());
    assert_eq!(pulls.next_wake(), None);
}

#[test]
fn anti_entropy_pulls_every_idle_peer_for_recent_events_every_fifteen_minutes() {
    let mut pulls = PullScheduler::default();
    for peer in [1, 2, 3] {
        pulls.connected(peer, 0);
    }
    assert_eq!(pulls.grant(0), vec![1, 2]);
    assert!(
        !pulls.recent_only(&1),
        "a new connection's pull is a full one"
    );
    pulls.finished(2, true, 100);
    pulls.finished(1, true, 200);
    assert_eq!(pulls.grant(200), vec![3]);
    assert_eq!(pulls.next_wake(), Some(200 + STALL_MS));
    pulls.finished(3, true, 300);
    assert_eq!(pulls.next_wake(), Some(ANTI_ENTROPY_MS));
    assert!(pulls.grant(ANTI_ENTROPY_MS - 1).is_empty());
    assert_eq!(
        pulls.grant(ANTI_ENTROPY_MS),
        vec![1, 2],
        "every idle peer, in turn"
    );
    assert!(pulls.recent_only(&1) && pulls.recent_only(&2));
    pulls.finished(1, true, ANTI_ENTROPY_MS + 10);
    assert_eq!(pulls.grant(ANTI_ENTROPY_MS + 10), vec![3]);
    assert!(pulls.recent_only(&3));
    pulls.finished(2, true, ANTI_ENTROPY_MS + 20);
    pulls.finished(3, true, ANTI_ENTROPY_MS + 30);
    assert!(pulls.grant(2 * ANTI_ENTROPY_MS - 1).is_empty());
    assert_eq!(
        pulls.grant(2 * ANTI_ENTROPY_MS),
        vec![1, 2],
        "and a period later again"
    );
}

#[test]
fn a_peer_owed_a_full_pull_gets_one_despite_anti_entropy() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.connected(2, 0);
    assert_eq!(pulls.grant(0), vec![1, 2]);
    pulls.finished(1, true, 10);
    pulls.finished(2, true, 10);
    assert_eq!(pulls.grant(ANTI_ENTROPY_MS), vec![1, 2]);
    pulls.finished(1, true, ANTI_ENTROPY_MS + 1);
    // A follow change while 2 pulls recent events owes 2 one more, full pull.
    pulls.follows_changed(ANTI_ENTROPY_MS + 2);
    pulls.finished(2, true, ANTI_ENTROPY_MS + 3);
    assert_eq!(pulls.grant(ANTI_ENTROPY_MS + 3), vec![1, 2]);
    assert!(!pulls.recent_only(&1) && !pulls.recent_only(&2));
}

#[test]
fn waking_from_sleep_owes_every_idle_peer_a_pull() {
    let mut pulls = PullScheduler::default();
    for peer in [1, 2, 3] {
        pulls.connected(peer, 0);
    }
    assert_eq!(pulls.grant(0), vec![1, 2]);
    pulls.finished(1, true, 10);
    pulls.finished(2, false, 10);
    assert_eq!(pulls.grant(10), vec![3]);
    pulls.woke(20);
    assert_eq!(
        pulls.grant(20),
        vec![1],
        "1 was idle; 2 waits out its retry; 3 is still pulling"
    );
}

#[test]
fn a_gap_between_ticks_is_a_wake() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1, 0);
    pulls.grant(0);
    pulls.finished(1, true, 10);
    let mut now = 10;
    for _ in 0..100 {
        now += 250;
        pulls.tick(now);
    }
    assert!(pulls.grant(now).is_empty(), "ticks in time: nothing owed");
    now += WAKE_GAP_MS;
    pulls.tick(now);
    assert!(
        pulls.grant(now).is_empty(),
        "a gap of exactly the limit is not a sleep"
    );
    now += WAKE_GAP_MS + 1;
    pulls.tick(now);
    assert_eq!(pulls.grant(now), vec![1], "woke: pulled again at once");
}

#[derive(Debug, Clone)]
enum Op {
    Connect(u8),
    Disconnect(u8),
    FollowsChanged,
    Finish(u8, bool),
    Progress(u8),
    ConnectionLost(u8),
    Woke,
    Tick,
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..8).prop_map(Op::Connect),
        (0u8..8).prop_map(Op::Disconnect),
        Just(Op::FollowsChanged),
        ((0u8..8), any::<bool>()).prop_map(|(p, ok)| Op::Finish(p, ok)),
        (0u8..8).prop_map(Op::Progress),
        (0u8..8).prop_map(Op::ConnectionLost),
        Just(Op::Woke),
        Just(Op::Tick),
        prop_oneof![0u64..200_000, 0u64..2 * ANTI_ENTROPY_MS].prop_map(Op::Wait),
    ]
}

proptest! {
    /// Whatever happens, at most two pulls run; and once pulls stop making progress (silent
    /// peers), every connected peer that wants a pull (catch-ups included) gets a slot within
    /// a bounded time.
    #[test]
    fn slots_are_bounded_and_every_waiting_peer_gets_one(ops in proptest::collection::vec(op(), 0..60)) {
        let mut pulls = PullScheduler::default();
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Connect(p) => pulls.connected(p, now),
                Op::Disconnect(p) => pulls.disconnected(&p),
                Op::FollowsChanged => pulls.follows_changed(now),
                Op::Finish(p, ok) => pulls.finished(p, ok, now),
                Op::Progress(p) => pulls.progressed(p, now),
                Op::ConnectionLost(p) => pulls.connection_lost(&p, now),
                Op::Woke => pulls.woke(now),
                Op::Tick => pulls.tick(now),
                Op::Wait(ms) => now += ms,
            }
            pulls.reclaim(now);
            pulls.grant(now);
            prop_assert!(pulls.pulling() <= PULL_SLOTS);
        }
        // From here every pull is silent: no progress, no finish. Every peer that wants a pull
        // must still be granted one.
        let mut owed: std::collections::BTreeSet<u8> = pulls.wanting().into_iter().collect();
        let bound = now + (owed.len() as u64 + 2) * (STALL_MS + MAX_RETRY_MS);
        while !owed.is_empty() && now <= bound {
            now += 1_000;
            for p in pulls.reclaim(now) {
                pulls.finished(p, false, now);
            }
            for p in pulls.grant(now) {
                owed.remove(&p);
            }
            prop_assert!(pulls.pulling() <= PULL_SLOTS);
        }
        prop_assert!(owed.is_empty(), "never granted: {owed:?}");
    }
}

#[test]
fn a_failed_write_is_pulled_again_after_the_retry_wait() {
    let mut pulls = PullScheduler::default();
    pulls.connected(1u8, 0);
    assert_eq!(pulls.grant(0), vec![1]);
    pulls.finished(1, true, 1_000);
    assert!(pulls.wanting().is_empty(), "idle after a good pull");

    pulls.store_failed(1, 2_000);
    assert_eq!(pulls.wanting(), vec![1]);
    assert!(
        pulls.grant(2_000 + FIRST_RETRY_MS - 1).is_empty(),
        "not at once"
    );
    assert_eq!(pulls.grant(2_000 + FIRST_RETRY_MS), vec![1]);

    // The pull that follows succeeded: the next failed write waits the first wait again, so
    // a store that keeps failing costs a pull per peer every 15 s at most.
    pulls.finished(1, true, 20_000);
    pulls.store_failed(1, 20_000);
    assert!(pulls.grant(20_000 + FIRST_RETRY_MS - 1).is_empty());
    assert_eq!(pulls.grant(20_000 + FIRST_RETRY_MS), vec![1]);

    // During a pull, one more pull is owed after it.
    pulls.store_failed(1, 60_000);
    pulls.finished(1, true, 61_000);
    assert_eq!(pulls.grant(61_000), vec![1]);
}

#[test]
fn a_peer_that_delivered_events_pulls_before_fresh_identities() {
    let mut pulls = PullScheduler::default();
    for sybil in 10..20 {
        pulls.connected(sybil, 0);
    }
    assert_eq!(pulls.grant(0), vec![10, 11]);
    pulls.connected(1, 5);
    pulls.proven(&1);
    pulls.finished(10, false, 30_000);
    assert_eq!(
        pulls.grant(30_000),
        vec![1],
        "ahead of eight fresh peers that waited longer"
    );
}
