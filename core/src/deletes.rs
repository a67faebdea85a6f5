//! Which deletes of a batch act (protocol.md §5.2): the one rule both event stores apply
//! (`background/src/storage/write.rs` on IndexedDB, `phemossa-store` on SQLite), so that a batch
//! holding a delete and a delete of that delete ends as it would had they come one at a time.

use crate::Event;

/// For each of `events`, whether it is a delete that acts: new (`new[i]`, as the store decided:
/// not stored, not a repeat, not withdrawn by a stored tombstone) and not withdrawn by an acting
/// delete of its author in the same batch. A delete of a delete of a post thus leaves the post,
/// and a third delete of the second lets the first act again.
///
/// Ids are hashes of what they name, so deletes of deletes form chains, never cycles; were one
/// met, a delete on it would not count as withdrawing. Chains are followed with an explicit
/// stack, so one as long as the batch cannot overflow the call stack.
pub fn acting_deletes(events: &[Event], new: &[bool]) -> Vec<bool> {
    let is_new = |at: usize| new.get(at).copied().unwrap_or(false);
    let deletes: Vec<usize> = (0..events.len())
        .filter(|at| is_new(*at) && !events[*at].deleted().is_empty())
        .collect();
    // Most batches hold no delete or one, which nothing in the batch can withdraw.
    if deletes.len() < 2 {
        return (0..events.len()).map(|at| deletes.contains(&at)).collect();
    }
    // For each new delete, the batch's new deletes of its author that name it, by a scan: in
    // the background's wasm a sorted list cost 2.8 KB more, and a map no less. At worst (512
    // deletes of 100 targets each: the node's `STORE_BATCH` and `MAX_DELETE_TARGETS`) that is 26
    // million id comparisons, of the order of checking that batch's 512 signatures.
    let mut deleters: Vec<Vec<usize>> = vec![Vec::new(); events.len()];
    for &at in &deletes {
        let (id, author) = (&events[at].id, &events[at].author);
        deleters[at] = deletes
            .iter()
            .copied()
            .filter(|by| events[*by].author == *author && events[*by].deleted().contains(id))
            .collect();
    }
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Undecided,
        Deciding,
        Acts,
        Withdrawn,
    }
    let mut state = vec![State::Undecided; events.len()];
    for &start in &deletes {
        if state[start] != State::Undecided {
            continue;
        }
        let mut stack = vec![start];
        while let Some(&at) = stack.last() {
            let named_by = &deleters[at];
            if state[at] == State::Undecided {
                state[at] = State::Deciding;
                let undecided: Vec<usize> = named_by
                    .iter()
                    .copied()
                    .filter(|by| state[*by] == State::Undecided)
                    .collect();
                if !undecided.is_empty() {
                    stack.extend(undecided);
                    continue;
                }
            }
            // Every delete naming it is decided, or on the stack (a cycle: it does not count).
            let withdrawn = named_by.iter().any(|by| state[*by] == State::Acts);
            state[at] = if withdrawn {
                State::Withdrawn
            } else {
                State::Acts
            };
            stack.pop();
        }
    }
    state.iter().map(|state| *state == State::Acts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Content, EventId, Identity, Post};

    fn post(author: &Identity, timestamp: u64) -> Event {
        let content = Content::Post(Post {
            text: format!("post at {timestamp}"),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(author, timestamp, content).unwrap()
    }

    fn delete(author: &Identity, timestamp: u64, targets: &[EventId]) -> Event {
        let content = Content::Delete {
            targets: targets.to_vec(),
        };
        Event::create(author, timestamp, content).unwrap()
    }

    #[test]
    fn a_delete_withdrawn_by_its_authors_delete_in_the_batch_does_not_act() {
        let ada = Identity::from_seed([1; 32]);
        let target = post(&ada, 1);
        let first = delete(&ada, 2, &[target.id]);
        let second = delete(&ada, 3, &[first.id]);
        let third = delete(&ada, 4, &[second.id]);
        let all = [true; 4];
        assert_eq!(
            acting_deletes(&[target.clone(), first.clone(), second.clone()], &all[..3]),
            [false, false, true]
        );
        // The third withdraws the second, so the first acts again; order does not matter.
        assert_eq!(
            acting_deletes(
                &[third.clone(), target.clone(), second.clone(), first.clone()],
                &all
            ),
            [true, false, false, true]
        );
        // A delete that is not new (stored already, or withdrawn by a stored tombstone) neither
        // acts nor withdraws.
        assert_eq!(
            acting_deletes(&[first.clone(), second.clone()], &[true, false]),
            [true, false]
        );
    }

    #[test]
    fn another_authors_delete_withdraws_nothing() {
        let (ada, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
        let target = post(&ada, 1);
        let first = delete(&ada, 2, &[target.id]);
        let forged = delete(&bob, 3, &[first.id]);
        assert_eq!(
            acting_deletes(&[first, forged], &[true, true]),
            [true, true]
        );
    }
}
