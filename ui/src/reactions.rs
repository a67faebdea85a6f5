//! Reactions as pages show them: the emoji the "React" picker offers, and the newest counts
//! pushed or answered for each post, laid over whatever page loaded the post (feed, thread,
//! a person's posts, search), so a count changes everywhere it is shown at once.

use std::collections::HashMap;

use phemossa_api::{FeedItem, PostReactions, ReactionCount};
use phemossa_core::EventId;

/// What the "React" picker offers, each a button named by its emoji. Any single emoji is a
/// valid reaction (protocol.md §5.3); these are the ones most people reach for.
pub const CHOICES: [&str; 8] = ["👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "🔥"];

/// Posts whose counts the overlay keeps at most; past it, it starts over (pages then show the
/// counts they loaded, which are at most as old as their last load).
const MAX_POSTS: usize = 2_000;

/// The newest counts of posts, by id, over the counts their pages loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReactionOverlay {
    newest: HashMap<EventId, Vec<ReactionCount>>,
}

impl ReactionOverlay {
    /// Takes the counts of a push or of the answer to the user's tap.
    pub fn apply(&mut self, posts: Vec<PostReactions>) {
        if self.newest.len() + posts.len() > MAX_POSTS {
            self.newest.clear();
        }
        for post in posts {
            self.newest.insert(post.post, post.reactions);
        }
    }

    /// Forgets every count, when pages load everything again (after a reset): what they load
    /// is at least as new.
    pub fn clear(&mut self) {
        self.newest.clear();
    }

    /// The counts to show for `item`: the newest known, else those it was loaded with.
    pub fn of<'a>(&'a self, item: &'a FeedItem) -> &'a [ReactionCount] {
        self.newest.get(&item.id).unwrap_or(&item.reactions)
    }
}

/// A count's accessible name and words: "👍 2", and whether the user is one of them.
pub fn count_label(count: &ReactionCount) -> String {
    format!("{} {}", count.emoji, count.count)
}

/// What pressing a count does, said as its tooltip.
pub fn count_title(count: &ReactionCount) -> String {
    let people = crate::format::plural(u64::from(count.count), "person", "people");
    if count.mine {
        format!(
            "{people} reacted {}, you among them: press to take yours back",
            count.emoji
        )
    } else {
        format!(
            "{people} reacted {}: press to react {} too",
            count.emoji, count.emoji
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;

    fn item(id: u8, reactions: Vec<ReactionCount>) -> FeedItem {
        let author = Identity::from_seed([1; 32]).public_key();
        FeedItem {
            id: EventId::from_bytes([id; 32]),
            author,
            author_short: author.short(),
            timestamp: 1,
            text: "a post".into(),
            mentions: vec![],
            reply_to: None,
            images: vec![],
            own: false,
            muted_word: None,
            replies: 0,
            reactions,
            original: None,
            reposted: None,
        }
    }

    fn thumbs(count: u32, mine: bool) -> Vec<ReactionCount> {
        vec![ReactionCount {
            emoji: "👍".into(),
            count,
            mine,
        }]
    }

    #[test]
    fn the_newest_counts_win_until_pages_load_again() {
        let loaded = item(1, thumbs(1, false));
        let other = item(2, vec![]);
        let mut overlay = ReactionOverlay::default();
        assert_eq!(overlay.of(&loaded), thumbs(1, false));
        overlay.apply(vec![PostReactions {
            post: loaded.id,
            reactions: thumbs(2, true),
        }]);
        assert_eq!(overlay.of(&loaded), thumbs(2, true));
        assert!(overlay.of(&other).is_empty(), "other posts keep theirs");
        // The last reaction taken back: none shown, not the loaded one.
        overlay.apply(vec![PostReactions {
            post: loaded.id,
            reactions: vec![],
        }]);
        assert!(overlay.of(&loaded).is_empty());
        overlay.clear();
        assert_eq!(overlay.of(&loaded), thumbs(1, false));
    }

    #[test]
    fn the_overlay_stays_bounded() {
        let mut overlay = ReactionOverlay::default();
        for n in 0..(MAX_POSTS as u32 + 10) {
            let mut id = [0u8; 32];
            id[..4].copy_from_slice(&n.to_be_bytes());
            overlay.apply(vec![PostReactions {
                post: EventId::from_bytes(id),
                reactions: thumbs(1, false),
            }]);
            assert!(overlay.newest.len() <= MAX_POSTS);
        }
    }

    #[test]
    fn counts_say_who_and_what_pressing_does() {
        let [mine] = <[ReactionCount; 1]>::try_from(thumbs(3, true)).unwrap();
        assert_eq!(count_label(&mine), "👍 3");
        assert!(count_title(&mine).contains("take yours back"));
        let [theirs] = <[ReactionCount; 1]>::try_from(thumbs(1, false)).unwrap();
        assert!(count_title(&theirs).starts_with("1 person reacted 👍"));
        for choice in CHOICES {
            phemossa_core::event::check_emoji(choice).expect("every choice is a valid reaction");
        }
    }
}
