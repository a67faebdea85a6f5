//! The feed: posts by followed authors and one's own, newest first, paged by a cursor.
//!
//! Order is (timestamp, id) descending, a total order, so pages never repeat or skip a post even
//! when many share a timestamp. A store reads at most `limit + 1` posts per author older than the
//! cursor (through an (author, timestamp, id) index) and [`merge_page`] makes the page from them,
//! so a page costs the page, not the size of the store.

use std::cmp::Reverse;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::follow_graph::FollowGraph;
use crate::keys::{EventId, PublicKey};

/// Where the next page starts: strictly older than this (timestamp, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedCursor {
    pub timestamp: u64,
    pub id: EventId,
}

/// Anything with a place in the feed order.
pub trait FeedOrdered {
    fn feed_key(&self) -> (u64, EventId);
}

impl FeedOrdered for Event {
    fn feed_key(&self) -> (u64, EventId) {
        Event::feed_key(self)
    }
}

impl FeedCursor {
    /// Whether an item with this key belongs after the cursor (is strictly older).
    pub fn admits(&self, key: (u64, EventId)) -> bool {
        key < (self.timestamp, self.id)
    }
}

/// One page of the feed, newest first; `next` is set when older posts remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<FeedCursor>,
}

/// The authors whose posts make up `me`'s feed: everyone `me` follows, and `me`.
pub fn feed_authors(me: &PublicKey, graph: &FollowGraph) -> Vec<PublicKey> {
    let mut authors = graph.following(me);
    if !authors.contains(me) {
        authors.push(*me);
    }
    authors
}

/// Merges per-author candidate lists into one page. Each source should hold that author's
/// newest `limit + 1` posts older than `before` (more is harmless); duplicates are dropped.
pub fn merge_page<T: FeedOrdered>(
    sources: impl IntoIterator<Item = Vec<T>>,
    before: Option<FeedCursor>,
    limit: usize,
) -> Page<T> {
    let mut seen = HashSet::new();
    let mut items: Vec<T> = sources
        .into_iter()
        .flatten()
        .filter(|item| before.is_none_or(|cursor| cursor.admits(item.feed_key())))
        .filter(|item| seen.insert(item.feed_key().1))
        .collect();
    items.sort_by_key(|item| Reverse(item.feed_key()));
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| {
            let (timestamp, id) = last.feed_key();
            FeedCursor { timestamp, id }
        })
    } else {
        None
    };
    Page { items, next }
}

/// The reference feed over events held in memory: what an indexed store must reproduce.
pub fn page_in_memory<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    me: &PublicKey,
    graph: &FollowGraph,
    before: Option<FeedCursor>,
    limit: usize,
) -> Page<&'a Event> {
    let authors: HashSet<PublicKey> = feed_authors(me, graph).into_iter().collect();
    let posts = events
        .into_iter()
        .filter(|event| event.as_post().is_some() && authors.contains(&event.author))
        .collect();
    merge_page([posts], before, limit)
}

impl<T: FeedOrdered> FeedOrdered for &T {
    fn feed_key(&self) -> (u64, EventId) {
        (*self).feed_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Content, Post};
    use crate::Identity;

    fn post(identity: &Identity, timestamp: u64, text: &str) -> Event {
        let content = Content::Post(Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        });
        Event::create(identity, timestamp, content).unwrap()
    }

    #[test]
    fn feed_holds_own_and_followed_posts_newest_first() {
        let me = Identity::from_seed([1; 32]);
        let friend = Identity::from_seed([2; 32]);
        let stranger = Identity::from_seed([3; 32]);
        let follow = Event::create(
            &me,
            1,
            Content::Follow {
                followee: friend.public_key(),
            },
        )
        .unwrap();
        let mut graph = FollowGraph::new();
        graph.apply_event(&follow);
        let events = [
            post(&me, 10, "mine"),
            post(&friend, 30, "friend"),
            post(&stranger, 20, "stranger"),
            follow,
        ];
        let page = page_in_memory(&events, &me.public_key(), &graph, None, 10);
        let texts: Vec<_> = page
            .items
            .iter()
            .map(|e| e.as_post().unwrap().text.as_str())
            .collect();
        assert_eq!(texts, ["friend", "mine"]);
        assert_eq!(page.next, None);
    }

    #[test]
    fn paging_visits_every_post_once_even_with_equal_timestamps() {
        let me = Identity::from_seed([1; 32]);
        let events: Vec<Event> = (0..25)
            .map(|i| post(&me, 100 + (i / 5), &format!("post {i}")))
            .collect();
        let graph = FollowGraph::new();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = page_in_memory(&events, &me.public_key(), &graph, cursor, 4);
            assert!(page.items.len() <= 4);
            seen.extend(page.items.iter().map(|e| e.feed_key()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<_> = events.iter().map(Event::feed_key).collect();
        expected.sort_by_key(|k| Reverse(*k));
        assert_eq!(seen, expected);
    }

    #[test]
    fn merge_drops_duplicates_across_sources() {
        let me = Identity::from_seed([1; 32]);
        let a = post(&me, 1, "a");
        let b = post(&me, 2, "b");
        let page = merge_page([vec![&b, &a], vec![&a]], None, 10);
        assert_eq!(page.items, vec![&b, &a]);
    }
}
