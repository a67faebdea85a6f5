//! Client-side rules for posts and the feed, pure so they are unit-tested natively. The
//! background stays the authority; these let a page answer at once, in the same words.

use std::cmp::Reverse;

use phemossa_api::{ApiError, FeedItem};
use phemossa_core::limits::MAX_POST_CHARS;
use phemossa_core::EventId;

/// Characters as the core counts them (Unicode scalar values).
pub fn post_chars(text: &str) -> usize {
    text.chars().count()
}

/// The error the background would give for this post text, if any.
pub fn check_post(text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::EmptyPost);
    }
    let chars = post_chars(text);
    if chars > MAX_POST_CHARS {
        return Err(ApiError::PostTooLong {
            chars,
            max: MAX_POST_CHARS,
        });
    }
    Ok(())
}

/// What the character counter says and how loudly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub text: String,
    pub level: CounterLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterLevel {
    Normal,
    /// Within [`WARN_REMAINING`] characters of the limit.
    Near,
    Over,
}

/// From this many characters left, the counter warns.
pub const WARN_REMAINING: usize = 100;

pub fn counter(text: &str) -> Counter {
    let chars = post_chars(text);
    if chars > MAX_POST_CHARS {
        let over = chars - MAX_POST_CHARS;
        Counter {
            text: format!(
                "{over} character{} over the limit of {MAX_POST_CHARS}",
                if over == 1 { "" } else { "s" }
            ),
            level: CounterLevel::Over,
        }
    } else if MAX_POST_CHARS - chars <= WARN_REMAINING {
        let left = MAX_POST_CHARS - chars;
        Counter {
            text: format!("{left} character{} left", if left == 1 { "" } else { "s" }),
            level: CounterLevel::Near,
        }
    } else {
        Counter {
            text: format!("{chars}/{MAX_POST_CHARS}"),
            level: CounterLevel::Normal,
        }
    }
}

/// Merges `new` into `items`: one entry per id (a newer copy replaces the old), newest first
/// by (timestamp, id) descending, the feed's order. A post new to `items` that replies to one of
/// them adds one to that post's count of replies; a copy that was not counted (a push says 0,
/// and no reactions) keeps the counts the page had. The user's own new repost marks the post it
/// passes on as reposted, wherever the page shows that post.
pub fn merge_feed(items: &mut Vec<FeedItem>, new: impl IntoIterator<Item = FeedItem>) {
    for mut item in new {
        if let (true, Some(original)) = (item.own, item.original.as_mut()) {
            original.reposted = Some(item.id);
            for existing in items.iter_mut() {
                // The post itself, or someone's repost of it.
                let post = match existing.original.as_deref_mut() {
                    Some(inner) => inner,
                    None => existing,
                };
                if post.id == original.id {
                    post.reposted = Some(item.id);
                }
            }
        }
        match items.iter_mut().find(|existing| existing.id == item.id) {
            Some(existing) => {
                if item.replies == 0 {
                    item.replies = existing.replies;
                }
                if item.reactions.is_empty() {
                    item.reactions = std::mem::take(&mut existing.reactions);
                }
                if item.reposted.is_none() {
                    item.reposted = existing.reposted;
                }
                *existing = item;
            }
            None => {
                if let Some(parent) = item.reply_to {
                    if let Some(parent) = items.iter_mut().find(|p| p.id == parent) {
                        parent.replies += 1;
                    }
                }
                items.push(item);
            }
        }
    }
    // Ids are unique here, so no two keys are equal and the unstable sort gives the one order
    // a stable sort would, with 2 KB less of sorting code in the popup.
    items.sort_unstable_by_key(|item| Reverse((item.timestamp, item.id)));
}

/// Replies the feed does not show arrived (`Push::Replies`, by people the user does not
/// follow): each adds one to its parent's count of replies, where the page shows the parent.
pub fn count_replies(items: &mut [FeedItem], parents: &[EventId]) {
    for parent in parents {
        if let Some(item) = items.iter_mut().find(|item| item.id == *parent) {
            item.replies += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::Identity;

    fn item(timestamp: u64, id: u8, text: &str) -> FeedItem {
        let author = Identity::from_seed([1; 32]).public_key();
        FeedItem {
            id: EventId::from_bytes([id; 32]),
            author,
            author_short: author.short(),
            timestamp,
            text: text.into(),
            mentions: vec![],
            reply_to: None,
            images: vec![],
            own: true,
            muted_word: None,
            replies: 0,
            reactions: vec![],
            original: None,
            reposted: None,
        }
    }

    #[test]
    fn a_new_reply_counts_on_its_post_once_and_an_uncounted_copy_keeps_the_count() {
        let mut items = vec![item(1, 1, "root")];
        items[0].replies = 2;
        let mut answer = item(2, 2, "answer");
        answer.reply_to = Some(EventId::from_bytes([1; 32]));
        merge_feed(&mut items, [answer.clone()]);
        assert_eq!(items[1].replies, 3);
        merge_feed(&mut items, [answer, item(1, 1, "root")]);
        assert_eq!(
            items[1].replies, 3,
            "a repeat is not a new reply; a push keeps the count"
        );
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn replies_from_outside_the_feed_count_on_the_posts_shown() {
        let mut items = vec![item(2, 2, "shown"), item(1, 1, "also shown")];
        let elsewhere = EventId::from_bytes([9; 32]);
        count_replies(
            &mut items,
            &[
                EventId::from_bytes([1; 32]),
                EventId::from_bytes([1; 32]),
                elsewhere,
            ],
        );
        assert_eq!(
            items.iter().map(|i| i.replies).collect::<Vec<_>>(),
            vec![0, 2],
            "each reply counts once on its parent; a parent not shown is skipped"
        );
    }

    #[test]
    fn an_uncounted_copy_keeps_the_reactions_shown() {
        let mut items = vec![item(1, 1, "a")];
        items[0].reactions = vec![phemossa_api::ReactionCount {
            emoji: "👍".into(),
            count: 2,
            mine: true,
        }];
        let shown = items[0].reactions.clone();
        merge_feed(&mut items, [item(1, 1, "a, pushed again")]);
        assert_eq!(items[0].reactions, shown);
        assert_eq!(items[0].text, "a, pushed again");
    }

    #[test]
    fn the_users_new_repost_marks_its_post_wherever_shown_and_a_push_keeps_the_mark() {
        // The post, and someone's repost of it, on the page.
        let mut others = item(3, 3, "");
        others.own = false;
        others.original = Some(Box::new(item(1, 1, "the post")));
        let mut items = vec![item(1, 1, "the post"), others];
        let mut mine = item(5, 5, "");
        mine.original = Some(Box::new(item(1, 1, "the post")));
        merge_feed(&mut items, [mine]);
        let marked: Vec<_> = items
            .iter()
            .map(|item| item.original.as_deref().unwrap_or(item).reposted)
            .collect();
        let repost = Some(EventId::from_bytes([5; 32]));
        assert_eq!(marked, [repost; 3]);
        // A pushed copy of the post, which says nothing of reposts, keeps the mark.
        merge_feed(&mut items, [item(1, 1, "the post")]);
        let post = items
            .iter()
            .find(|item| item.id == EventId::from_bytes([1; 32]));
        assert_eq!(post.unwrap().reposted, repost);
        // Someone else's repost marks nothing.
        let mut theirs = item(6, 6, "");
        theirs.own = false;
        theirs.original = Some(Box::new(item(2, 2, "another")));
        let mut other_post = vec![item(2, 2, "another")];
        merge_feed(&mut other_post, [theirs]);
        assert!(other_post.iter().all(|item| item
            .original
            .as_deref()
            .unwrap_or(item)
            .reposted
            .is_none()));
    }

    #[test]
    fn posts_are_checked_like_the_background_does() {
        assert_eq!(check_post(""), Err(ApiError::EmptyPost));
        assert_eq!(check_post(" \n\t"), Err(ApiError::EmptyPost));
        assert!(check_post("hi").is_ok());
        assert!(check_post(&"é".repeat(MAX_POST_CHARS)).is_ok());
        let too_long = check_post(&"x".repeat(MAX_POST_CHARS + 1)).unwrap_err();
        assert!(too_long.to_string().contains("too long"));
        assert!(check_post("").unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn counter_warns_near_and_over_the_limit() {
        assert_eq!(counter("abc").level, CounterLevel::Normal);
        assert_eq!(counter("abc").text, "3/1000");
        let near = counter(&"x".repeat(MAX_POST_CHARS - 1));
        assert_eq!(
            (near.level, near.text.as_str()),
            (CounterLevel::Near, "1 character left")
        );
        let over = counter(&"x".repeat(MAX_POST_CHARS + 2));
        assert_eq!(over.level, CounterLevel::Over);
        assert!(over.text.starts_with("2 characters over"));
    }

    #[test]
    fn merging_dedupes_and_keeps_newest_first() {
        let mut feed = vec![item(20, 2, "b"), item(10, 1, "a")];
        merge_feed(
            &mut feed,
            vec![
                item(30, 3, "c"),
                item(20, 2, "b again"),
                item(20, 9, "same time"),
            ],
        );
        let order: Vec<_> = feed.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(order, ["c", "same time", "b again", "a"]);
    }
}
