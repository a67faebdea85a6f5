//! The feed: posts by followed authors and one's own, newest first, paged by a cursor.
//!
//! Order is (timestamp, id) descending, a total order, so pages never repeat or skip a post even
//! when many share a timestamp. A store reads at most `limit + 1` posts per author older than the
//! cursor (through an (author, timestamp, id) index) and [`merge_page`] makes the page from them,
//! so a page costs the page, not the size of the store. A store that reads each author through a
//! cursor of its own walks them with [`HeadMerge`] instead, which asks for `limit + 1` records in
//! all beyond each author's newest: a page of 30 for someone following 100 people reads about
//! 130 records, not 3,100.

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

/// A k-way merge over per-author sources read newest first, one record at a time: it holds
/// each source's head (its newest record not yet taken) and says which source to read next.
///
/// ```text
/// let mut merge = HeadMerge::new(heads, limit);   // each source's first record, or None
/// while let Some(source) = merge.take() {         // the newest head joins the page
///     merge.refill(source, read_next(source));    // that source's next record, or None
/// }
/// let page = merge.finish(before);
/// ```
///
/// It takes `limit + 1` records (the one past the page says whether older posts remain), so a
/// page reads `limit + 1` records plus each source's first, whatever the sources hold.
#[derive(Debug)]
pub struct HeadMerge<T> {
    heads: Vec<Option<T>>,
    taken: Vec<T>,
    limit: usize,
}

impl<T: FeedOrdered> HeadMerge<T> {
    /// Starts from each source's newest record (`None` for a source with none).
    pub fn new(heads: Vec<Option<T>>, limit: usize) -> Self {
        Self {
            heads,
            taken: Vec::with_capacity(limit + 1),
            limit,
        }
    }

    /// Moves the newest head into the page and returns its source, which is to be read next
    /// and [`HeadMerge::refill`]ed; `None` once the page is full or every source is spent.
    pub fn take(&mut self) -> Option<usize> {
        if self.taken.len() > self.limit {
            return None;
        }
        let (source, _) = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(source, head)| head.as_ref().map(|h| (source, h.feed_key())))
            .max_by_key(|(_, key)| *key)?;
        self.taken.extend(self.heads[source].take());
        Some(source)
    }

    /// Gives `source`'s next record (`None`: it holds no more).
    pub fn refill(&mut self, source: usize, next: Option<T>) {
        if let Some(head) = self.heads.get_mut(source) {
            *head = next;
        }
    }

    /// The page of what was taken: at most `limit` records, and `next` when more remain.
    pub fn finish(self, before: Option<FeedCursor>) -> Page<T> {
        merge_page([self.taken], before, self.limit)
    }
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
    use proptest::prelude::*;

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

    /// A record with only a place in the feed order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Keyed(u64, EventId);

    impl FeedOrdered for Keyed {
        fn feed_key(&self) -> (u64, EventId) {
            (self.0, self.1)
        }
    }

    /// Sources of distinct records (an id byte per record, timestamps from few values so many
    /// tie), each newest first, as an author's cursor reads them.
    fn sources() -> impl Strategy<Value = Vec<Vec<Keyed>>> {
        proptest::collection::vec(proptest::collection::vec(0u64..8, 0..12), 0..7).prop_map(
            |lists| {
                let mut next_id = 0u8;
                lists
                    .into_iter()
                    .map(|timestamps| {
                        let mut records: Vec<Keyed> = timestamps
                            .into_iter()
                            .map(|t| {
                                next_id += 1;
                                Keyed(t, EventId::from_bytes([next_id; 32]))
                            })
                            .collect();
                        records.sort_by_key(|r| Reverse(r.feed_key()));
                        records
                    })
                    .collect()
            },
        )
    }

    proptest! {
        /// Walking the sources' heads makes the page `merge_page` makes from everything, and
        /// reads no more than `limit + 1` records beyond each source's first.
        #[test]
        fn head_merge_pages_as_merge_page_reading_only_the_page(
            sources in sources(),
            limit in 1usize..10,
            cut in proptest::option::of((0u64..8, 0u8..80)),
        ) {
            let before = cut.map(|(timestamp, id)| FeedCursor { timestamp, id: EventId::from_bytes([id; 32]) });
            // What a store's cursor reads: each source strictly older than the cursor.
            let older: Vec<Vec<Keyed>> = sources
                .iter()
                .map(|s| s.iter().copied().filter(|r| before.is_none_or(|c| c.admits(r.feed_key()))).collect())
                .collect();
            let mut cursors: Vec<std::vec::IntoIter<Keyed>> = older.clone().into_iter().map(Vec::into_iter).collect();
            let heads = cursors.iter_mut().map(Iterator::next).collect();
            let mut merge = HeadMerge::new(heads, limit);
            let mut reads = 0;
            while let Some(source) = merge.take() {
                reads += 1;
                let next = cursors[source].next();
                merge.refill(source, next);
            }
            prop_assert!(reads <= limit + 1, "{} reads for a page of {}", reads, limit);
            prop_assert_eq!(merge.finish(before), merge_page(older, before, limit));
        }
    }
}
