//! One page of ids in scope from per-author reads, for a store whose index is by author and
//! then time (the browser's IndexedDB): how many to read per author, and how to merge the reads
//! into a page that is exactly the next ids in (timestamp, id) order.
//!
//! Reading `limit` ids of every author for every page made listing quadratic: a page of 10,000
//! over 100 authors of 1,000 posts each read all 100,000 entries, and a reconciliation's 10
//! pages read a million, so a responder took over 30 s to answer and every first sync of 100,000
//! events ended in `sync_timeout` (issue 16). Reading a share of the limit per author, and
//! keeping only what is known complete, reads each entry about once.

use crate::message::Cursor;

/// The fewest entries read per author for one page, so that a page over many authors is not
/// made of a handful of ids.
pub const MIN_PER_AUTHOR: usize = 64;

/// Entries to read per author (beyond which one more is read, to learn there are more) for a
/// page of at most `limit` ids over `authors` authors: an even share of the limit, at least
/// [`MIN_PER_AUTHOR`], never more than the limit, and at least 1.
pub fn per_author_cap(limit: usize, authors: usize) -> usize {
    (limit / authors.max(1))
        .max(MIN_PER_AUTHOR)
        .min(limit)
        .max(1)
}

/// Merges per-author reads into one page of at most `limit` ids, ascending, and whether more
/// follow. Each read is ascending and holds up to `cap + 1` entries after the same cursor; a
/// read of `cap + 1` means that author has more past its last entry, so only ids up to the
/// smallest such last entry are known to be all the ids there are, and the page stops there.
/// The page is never empty while more follow: the author that set the bound gave `cap + 1`
/// ids up to it.
pub fn merge_author_reads(
    reads: Vec<Vec<Cursor>>,
    cap: usize,
    limit: usize,
) -> (Vec<Cursor>, bool) {
    let bound = reads
        .iter()
        .filter(|read| read.len() > cap)
        .filter_map(|read| read.last().copied())
        .min();
    let mut page: Vec<Cursor> = reads.into_iter().flatten().collect();
    page.sort_unstable();
    page.dedup();
    if let Some(bound) = bound {
        page.retain(|entry| *entry <= bound);
    }
    let more = bound.is_some() || page.len() > limit;
    page.truncate(limit);
    (page, more)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::keys::EventId;
    use proptest::prelude::*;

    fn cursor(timestamp: u64, n: u8) -> Cursor {
        Cursor {
            timestamp,
            id: EventId::from_bytes([n; 32]),
        }
    }

    /// What a store gives for one author: up to `cap + 1` of its entries after `after`.
    fn read(entries: &[Cursor], after: Option<Cursor>, cap: usize) -> Vec<Cursor> {
        entries
            .iter()
            .filter(|e| after.is_none_or(|a| **e > a))
            .take(cap + 1)
            .copied()
            .collect()
    }

    #[test]
    fn the_cap_is_a_share_of_the_limit_within_bounds() {
        assert_eq!(per_author_cap(10_000, 100), 100);
        assert_eq!(per_author_cap(10_000, 1_000), MIN_PER_AUTHOR);
        assert_eq!(per_author_cap(1_500, 1), 1_500);
        assert_eq!(per_author_cap(7, 3), 7);
        assert_eq!(per_author_cap(1, 0), 1);
        assert_eq!(per_author_cap(0, 5), 1);
    }

    proptest! {
        /// Paging to the end gives every entry once, in order, whatever the authors, the limit
        /// and how their entries interleave; no page is empty before the last, none holds more
        /// than the limit; and each entry is read about once, not once a page.
        #[test]
        fn pages_are_exactly_the_sorted_entries(
            authors in proptest::collection::vec(
                proptest::collection::btree_set((0u64..400, any::<u8>()), 0..120),
                1..12,
            ),
            limit in 1usize..300,
        ) {
            let authors: Vec<Vec<Cursor>> = authors
                .into_iter()
                .map(|set| set.into_iter().map(|(t, n)| cursor(t, n)).collect())
                .collect();
            let mut expected: Vec<Cursor> = authors.iter().flatten().copied().collect();
            expected.sort_unstable();
            expected.dedup();
            let cap = per_author_cap(limit, authors.len());
            let (mut got, mut after, mut reads) = (Vec::new(), None, 0usize);
            loop {
                let per_author: Vec<Vec<Cursor>> =
                    authors.iter().map(|a| read(a, after, cap)).collect();
                reads += per_author.iter().map(Vec::len).sum::<usize>();
                let (page, more) = merge_author_reads(per_author, cap, limit);
                prop_assert!(page.len() <= limit);
                prop_assert!(page.windows(2).all(|w| w[0] < w[1]));
                got.extend(page.iter().copied());
                if !more {
                    break;
                }
                prop_assert!(!page.is_empty(), "a page before the last is never empty");
                after = page.last().copied();
            }
            prop_assert_eq!(&got, &expected);
            // Each page reads at most cap + 1 per author and returns at least cap + 1 (or the
            // limit, or the rest): reads stay within a small multiple of the entries.
            let pages_bound = expected.len() / cap.min(limit) + 2;
            prop_assert!(reads <= pages_bound * authors.len() * (cap + 1));
        }
    }
}
