//! Which rendezvous namespaces a node registers in and looks up at its relays. Besides the one
//! every node shares, a node registers under its own author namespace and those of a rotating
//! window of the authors it follows, so an author's followers find the author and each other.
//! With random connections alone, followers of an author few peers follow are rarely connected
//! to anyone who has that author's events (the gossip model in docs/benchmarks.md: at 1 % of
//! 10,000 peers following, gossip reached 0.6 % of them). Follow events are public, so naming
//! the authors one follows to a relay tells it nothing the network does not already hold.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use phemossa_core::keys::PublicKey;

use crate::backoff::Backoff;
use crate::rotation::rotating_window;

/// Tries for a slot on a relay after it was lost or refused: 1 s, doubling up to 30 s. A node
/// with no slot can neither be found nor find anyone, so the cap is short; a relay that is
/// down costs each browser one dial every 30 s.
pub const RELAY_SLOT_RETRY: Backoff = Backoff::new(1_000, 30_000);

/// The namespace every Phemossa node registers in.
pub const GENERAL_NAMESPACE: &str = "phemossa";
const AUTHOR_PREFIX: &str = "phemossa/author/";
/// Author namespaces registered at once: the node's own and a window of this many less one of
/// the authors it follows, moved on every round so each is covered in turn.
pub const MAX_AUTHOR_NAMESPACES: usize = 8;

/// The namespace of `author`'s followers (and the author).
pub fn author_namespace(author: &PublicKey) -> String {
    format!(
        "{AUTHOR_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(author.as_bytes())
    )
}

/// Whether `namespace` is an author namespace (so a peer found there follows someone we do).
pub fn is_author_namespace(namespace: &str) -> bool {
    namespace.starts_with(AUTHOR_PREFIX)
}

/// The author namespaces for rotation `round`: `me`'s, then a window of `followed` that moves
/// by its own length each round and wraps around.
pub fn author_namespaces(me: &PublicKey, followed: &[PublicKey], round: u64) -> Vec<String> {
    let others: Vec<&PublicKey> = followed.iter().filter(|a| *a != me).collect();
    let mut namespaces = vec![author_namespace(me)];
    namespaces.extend(
        rotating_window(&others, MAX_AUTHOR_NAMESPACES - 1, round)
            .into_iter()
            .map(|author| author_namespace(author)),
    );
    namespaces
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn key(n: u8) -> PublicKey {
        phemossa_core::Identity::from_seed([n; 32]).public_key()
    }

    #[test]
    fn a_few_follows_are_all_registered_with_ones_own() {
        let me = key(1);
        let followed = vec![key(2), key(3), me];
        let namespaces = author_namespaces(&me, &followed, 5);
        assert_eq!(
            namespaces,
            vec![
                author_namespace(&me),
                author_namespace(&key(2)),
                author_namespace(&key(3))
            ]
        );
        assert!(namespaces.iter().all(|n| is_author_namespace(n)));
        assert!(!is_author_namespace(GENERAL_NAMESPACE));
        assert!(
            namespaces.iter().all(|n| n.len() <= 255),
            "rendezvous limit"
        );
    }

    #[test]
    fn many_follows_rotate_so_every_author_is_covered() {
        let me = key(1);
        let followed: Vec<PublicKey> = (2..=31).map(key).collect();
        let mut covered = HashSet::new();
        for round in 0..5 {
            let namespaces = author_namespaces(&me, &followed, round);
            assert_eq!(namespaces.len(), MAX_AUTHOR_NAMESPACES);
            assert_eq!(namespaces[0], author_namespace(&me));
            let distinct: HashSet<_> = namespaces.iter().collect();
            assert_eq!(distinct.len(), namespaces.len(), "no namespace twice");
            covered.extend(namespaces.into_iter().skip(1));
        }
        assert_eq!(
            covered.len(),
            30,
            "30 follows, 7 a round: all within 5 rounds"
        );
    }
}
