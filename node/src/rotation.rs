//! Rotating windows over lists too long to name at once, so that every item takes its turn:
//! the followed authors a pull's scope names (a scope names at most 1,000 authors, §8.1) and
//! the author namespaces a node registers in (8 at once, [`crate::discovery`]). A fixed prefix
//! would leave everyone past it out for good: with the first 1,000 followed authors only, the
//! 1,001st was never pulled (issue 12, hole 6).

use phemossa_core::keys::PublicKey;

/// `size` of `items` for rotation `round`: all of them when they fit; otherwise a window that
/// moves on by `size` each round and wraps around, so any `ceil(len / size)` consecutive rounds
/// cover every item.
pub fn rotating_window<T>(items: &[T], size: usize, round: u64) -> Vec<&T> {
    let len = items.len();
    if len <= size {
        return items.iter().collect();
    }
    let start = (round % len as u64) as usize * size % len;
    (0..size).map(|i| &items[(start + i) % len]).collect()
}

/// The authors a pull of rotation `round` names, at most `max`: `me` always, then a window of
/// the others of `followed` (see [`rotating_window`]).
pub fn pull_authors(
    me: &PublicKey,
    followed: &[PublicKey],
    max: usize,
    round: u64,
) -> Vec<PublicKey> {
    let others: Vec<PublicKey> = followed.iter().filter(|a| *a != me).copied().collect();
    let mut authors = vec![*me];
    authors.extend(
        rotating_window(&others, max.saturating_sub(1), round)
            .into_iter()
            .copied(),
    );
    authors
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(n: u16) -> PublicKey {
        let mut seed = [0; 32];
        seed[..2].copy_from_slice(&n.to_be_bytes());
        phemossa_core::Identity::from_seed(seed).public_key()
    }

    #[test]
    fn few_follows_are_all_named_with_ones_own_key_first() {
        let me = key(0);
        let followed = vec![key(1), me, key(2)];
        assert_eq!(
            pull_authors(&me, &followed, 1_000, 7),
            vec![me, key(1), key(2)]
        );
    }

    /// Issue 12, hole 6: the author past the first 1,000 is pulled too, within two rounds.
    #[test]
    fn an_author_past_the_first_thousand_is_named_in_turn() {
        let me = key(0);
        let followed: Vec<PublicKey> = (1..=1_500).map(key).collect();
        let mut named = HashSet::new();
        for round in 0..2 {
            let authors = pull_authors(&me, &followed, 1_000, round);
            assert_eq!(authors.len(), 1_000);
            assert_eq!(authors[0], me);
            assert_eq!(
                authors.iter().collect::<HashSet<_>>().len(),
                1_000,
                "no author twice"
            );
            named.extend(authors);
        }
        assert!(named.contains(&key(1_500)));
        assert_eq!(
            named.len(),
            1_501,
            "everyone within ceil(1500 / 999) rounds"
        );
    }

    proptest! {
        #[test]
        fn consecutive_rounds_cover_every_item(
            len in 0usize..300,
            size in 1usize..50,
            first in 0u64..u64::MAX / 2,
        ) {
            let items: Vec<usize> = (0..len).collect();
            let rounds = len.div_ceil(size).max(1) as u64;
            let mut seen = HashSet::new();
            for r in 0..rounds {
                let window = rotating_window(&items, size, first.wrapping_add(r));
                prop_assert_eq!(window.len(), len.min(size));
                seen.extend(window.into_iter().copied());
            }
            prop_assert_eq!(seen.len(), len);
        }
    }
}
