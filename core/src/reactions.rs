//! Counting the reactions on a post and deciding what the user's tap on one does. Pure, so the
//! background's counts and its toggle are tested here, natively.
//!
//! A person counts once per emoji on a post, however many reaction events they signed for it
//! (two devices, or a reaction re-sent after a delete that has not reached every node): counts
//! are of people, which is what a reader takes "👍 3" to mean. Reactions of people the user
//! hides (muted or blocked) are not counted, as their replies are not shown.

use crate::{EventId, PublicKey};

/// At most this many different emoji are told apart on one post; reactions with further emoji
/// are left out of its counts. Sized so a post's reactions fit a line of the popup twice over,
/// and so a stranger's flood of different emoji cannot make every feed item large.
pub const MAX_REACTION_KINDS: usize = 12;

/// One stored reaction to a post, as the store lists them (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReaction {
    pub id: EventId,
    pub author: PublicKey,
    pub emoji: String,
}

/// How many people reacted to a post with one emoji, and whether the user is one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub emoji: String,
    pub count: u32,
    pub mine: bool,
}

/// The counts of `reactions` (oldest first): one per person and emoji, people `hidden` left
/// out (the user's own always count), most people first, ties in the order each emoji was
/// first used; at most [`MAX_REACTION_KINDS`] emoji.
pub fn tally(
    reactions: &[StoredReaction],
    me: &PublicKey,
    hidden: impl Fn(&PublicKey) -> bool,
) -> Vec<Tally> {
    let mut tallies: Vec<(Tally, Vec<PublicKey>)> = Vec::new();
    for reaction in reactions {
        let mine = reaction.author == *me;
        if !mine && hidden(&reaction.author) {
            continue;
        }
        let at = match tallies.iter().position(|(t, _)| t.emoji == reaction.emoji) {
            Some(at) => at,
            None if tallies.len() < MAX_REACTION_KINDS => {
                tallies.push((
                    Tally {
                        emoji: reaction.emoji.clone(),
                        count: 0,
                        mine: false,
                    },
                    Vec::new(),
                ));
                tallies.len() - 1
            }
            None => continue,
        };
        let (tally, people) = &mut tallies[at];
        if !people.contains(&reaction.author) {
            people.push(reaction.author);
            tally.count += 1;
            tally.mine |= mine;
        }
    }
    // Stable: equal counts keep first-use order.
    tallies.sort_by_key(|(tally, _)| std::cmp::Reverse(tally.count));
    tallies.into_iter().map(|(tally, _)| tally).collect()
}

/// What the user's choice of `emoji` on a post does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toggle {
    /// The user has not reacted with it: sign a reaction.
    Add,
    /// The user has: delete every reaction of theirs with it (all of them, so none is left
    /// to count after a second device's copy arrives).
    Remove(Vec<EventId>),
}

/// Decides [`Toggle`] from the post's stored reactions.
pub fn toggle(reactions: &[StoredReaction], me: &PublicKey, emoji: &str) -> Toggle {
    let mine: Vec<EventId> = reactions
        .iter()
        .filter(|r| r.author == *me && r.emoji == emoji)
        .map(|r| r.id)
        .collect();
    if mine.is_empty() {
        Toggle::Add
    } else {
        Toggle::Remove(mine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;
    use proptest::prelude::*;

    fn key(seed: u8) -> PublicKey {
        Identity::from_seed([seed; 32]).public_key()
    }

    fn reaction(n: u8, author: u8, emoji: &str) -> StoredReaction {
        StoredReaction {
            id: EventId::from_bytes([n; 32]),
            author: key(author),
            emoji: emoji.to_owned(),
        }
    }

    #[test]
    fn people_count_once_per_emoji_most_first_and_hidden_people_are_left_out() {
        let me = key(1);
        let reactions = [
            reaction(1, 2, "🎉"),
            reaction(2, 3, "👍"),
            reaction(3, 2, "👍"),
            reaction(4, 2, "👍"), // a second copy of person 2's 👍
            reaction(5, 1, "🎉"),
            reaction(6, 9, "🎉"), // hidden
            reaction(7, 9, "🔥"), // hidden, and the only 🔥
            reaction(8, 1, "👍"),
        ];
        let counts = tally(&reactions, &me, |p| *p == key(9));
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
                    count: 2,
                    mine: true
                },
            ]
        );
        // The user's own reaction counts even if they somehow hide themselves.
        let mine_only = tally(&[reaction(1, 1, "🙏")], &me, |_| true);
        assert_eq!(mine_only.len(), 1);
        assert!(mine_only[0].mine);
    }

    #[test]
    fn ties_keep_the_order_emoji_were_first_used() {
        let me = key(1);
        let counts = tally(
            &[
                reaction(1, 2, "😂"),
                reaction(2, 3, "❤️"),
                reaction(3, 4, "👍"),
            ],
            &me,
            |_| false,
        );
        let order: Vec<_> = counts.iter().map(|t| t.emoji.as_str()).collect();
        assert_eq!(order, ["😂", "❤️", "👍"]);
        assert!(counts.iter().all(|t| t.count == 1 && !t.mine));
    }

    #[test]
    fn toggling_adds_once_and_removes_every_copy() {
        let me = key(1);
        let reactions = [
            reaction(1, 1, "👍"),
            reaction(2, 2, "👍"),
            reaction(3, 1, "👍"),
            reaction(4, 1, "🎉"),
        ];
        assert_eq!(
            toggle(&reactions, &me, "👍"),
            Toggle::Remove(vec![
                EventId::from_bytes([1; 32]),
                EventId::from_bytes([3; 32])
            ])
        );
        assert_eq!(toggle(&reactions, &me, "🔥"), Toggle::Add);
        assert_eq!(toggle(&reactions, &key(2), "🎉"), Toggle::Add);
    }

    proptest! {
        /// Whatever is stored: at most MAX_REACTION_KINDS emoji, each counted once per person,
        /// counts never more than the people who reacted, most first, and `mine` exactly when
        /// the user reacted with that emoji.
        #[test]
        fn tallies_are_bounded_and_agree_with_the_reactions(
            stored in proptest::collection::vec((0u8..40, 1u8..6, 0usize..16), 0..120),
        ) {
            const EMOJI: [&str; 16] = [
                "👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "🔥",
                "👀", "💯", "🤔", "👏", "🚀", "✨", "🌱", "🇫🇷",
            ];
            let me = key(1);
            let reactions: Vec<_> = stored
                .iter()
                .map(|&(n, author, e)| reaction(n, author, EMOJI[e]))
                .collect();
            let counts = tally(&reactions, &me, |_| false);
            prop_assert!(counts.len() <= MAX_REACTION_KINDS);
            prop_assert!(counts.windows(2).all(|w| w[0].count >= w[1].count));
            for t in &counts {
                let mut people: Vec<_> = reactions
                    .iter()
                    .filter(|r| r.emoji == t.emoji)
                    .map(|r| r.author)
                    .collect();
                people.sort();
                people.dedup();
                prop_assert_eq!(t.count as usize, people.len());
                prop_assert_eq!(t.mine, people.contains(&me));
                prop_assert_eq!(toggle(&reactions, &me, &t.emoji) == Toggle::Add, !t.mine);
            }
        }
    }
}
