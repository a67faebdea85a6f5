//! Reactions and reposts as pages mark them, through the store's public API: each post's
//! reactions oldest first, whose repost of a post is stored, and what deletes take back.

use crate::common::{delete, identity, post, reaction, repost, store_with};
use phemossa_core::reactions::{tally, StoredReaction, Tally};
use phemossa_core::{Event, EventId};

fn as_stored(event: &Event) -> StoredReaction {
    let reaction = event.as_reaction().expect("a reaction");
    StoredReaction {
        id: event.id,
        author: event.author,
        emoji: reaction.emoji.clone(),
    }
}

#[test]
fn each_posts_reactions_read_oldest_first() {
    let a = identity(1);
    let b = identity(2);
    let c = identity(3);
    let first = post(&a, 1, "first");
    let second = post(&b, 1, "second");
    let late = reaction(&b, 30, &first, "👍");
    let early = reaction(&c, 10, &first, "🎉");
    // Two at one millisecond: in id order.
    let tie_1 = reaction(&a, 20, &first, "👍");
    let tie_2 = reaction(&c, 20, &first, "👍");
    let on_second = reaction(&a, 5, &second, "❤️");
    let store = store_with(&[
        first.clone(),
        second.clone(),
        late.clone(),
        early.clone(),
        tie_1.clone(),
        tie_2.clone(),
        on_second.clone(),
        // A reaction to a post not stored, listed under none of those asked.
        reaction(&c, 7, &post(&c, 2, "not stored"), "🔥"),
    ]);
    let mut ties = [tie_1, tie_2];
    ties.sort_by_key(|e| e.id);
    let expected_first: Vec<_> = [&early, &ties[0], &ties[1], &late]
        .into_iter()
        .map(as_stored)
        .collect();
    let nowhere = EventId::from_bytes([9; 32]);
    let lists = store
        .reactions_to(&[first.id, nowhere, second.id, first.id])
        .expect("read");
    assert_eq!(
        lists,
        [
            expected_first.clone(),
            vec![],
            vec![as_stored(&on_second)],
            expected_first.clone(),
        ]
    );
    assert_eq!(store.reactions_to(&[]).expect("read"), Vec::<Vec<_>>::new());
    // What the counts make of them (core's rule): three people gave 👍, one 🎉.
    let counts = tally(&lists[0], &a.public_key(), |_| false);
    assert_eq!(
        counts,
        [
            Tally {
                emoji: "👍".into(),
                count: 3,
                mine: true
            },
            Tally {
                emoji: "🎉".into(),
                count: 1,
                mine: false
            }
        ]
    );
}

#[test]
fn a_deleted_reaction_no_longer_counts() {
    let a = identity(1);
    let b = identity(2);
    let target = post(&a, 1, "target");
    let withdrawn = reaction(&b, 2, &target, "👍");
    let kept = reaction(&b, 3, &target, "🎉");
    let mut store = store_with(&[target.clone(), withdrawn.clone(), kept.clone()]);
    // Someone else's delete of it does nothing.
    store
        .insert_batch(&[delete(&a, 4, &[withdrawn.id])])
        .unwrap();
    assert_eq!(store.reactions_to(&[target.id]).unwrap()[0].len(), 2);
    store
        .insert_batch(&[delete(&b, 5, &[withdrawn.id])])
        .unwrap();
    assert_eq!(
        store.reactions_to(&[target.id]).unwrap(),
        [vec![as_stored(&kept)]]
    );
    // And arriving again after its delete, it is not stored.
    store.insert_batch(&[withdrawn]).unwrap();
    assert_eq!(
        store.reactions_to(&[target.id]).unwrap(),
        [vec![as_stored(&kept)]]
    );
}

#[test]
fn reposts_of_finds_one_authors_repost_of_each_post() {
    let me = identity(1);
    let other = identity(2);
    let first = post(&other, 1, "first");
    let second = post(&other, 2, "second");
    let third = post(&me, 3, "mine");
    let mine_1 = repost(&me, 10, &first);
    let mine_2 = repost(&me, 11, &first);
    let theirs = repost(&other, 12, &second);
    let mut store = store_with(&[
        first.clone(),
        second.clone(),
        third.clone(),
        mine_1.clone(),
        mine_2.clone(),
        theirs.clone(),
    ]);
    let smaller = mine_1.id.min(mine_2.id);
    let larger = mine_1.id.max(mine_2.id);
    let nowhere = EventId::from_bytes([9; 32]);
    assert_eq!(
        store
            .reposts_of(&me.public_key(), &[first.id, second.id, third.id, nowhere])
            .unwrap(),
        [Some(smaller), None, None, None]
    );
    assert_eq!(
        store.reposts_of(&other.public_key(), &[second.id]).unwrap(),
        [Some(theirs.id)]
    );
    assert_eq!(
        store.reposts_of(&me.public_key(), &[]).unwrap(),
        Vec::<Option<EventId>>::new()
    );
    // Undoing a repost deletes it; the other repost of the same post is still found.
    store.insert_batch(&[delete(&me, 20, &[smaller])]).unwrap();
    assert_eq!(
        store.reposts_of(&me.public_key(), &[first.id]).unwrap(),
        [Some(larger)]
    );
    store.insert_batch(&[delete(&me, 21, &[larger])]).unwrap();
    assert_eq!(
        store.reposts_of(&me.public_key(), &[first.id]).unwrap(),
        [None]
    );
    // A repost stays a repost of its original when the original is deleted.
    store
        .insert_batch(&[delete(&other, 22, &[second.id])])
        .unwrap();
    assert_eq!(
        store.reposts_of(&other.public_key(), &[second.id]).unwrap(),
        [Some(theirs.id)]
    );
}
