//! Writes the address file: the relay's full multiaddrs, one per line, each ending in
//! `/p2p/<id>`, replaced atomically so a test polling for it never reads half a file.

use std::path::Path;

use libp2p::{Multiaddr, PeerId};

use crate::{
    addrs::with_peer_id,
    error::Error,
    files::{remove_if_exists, write_atomic, PUBLIC_MODE},
};

/// The file's content: each address with `/p2p/<peer>` appended, one per line, in the given
/// order without duplicates, each line ending in `\n`.
pub fn render(addrs: &[Multiaddr], peer: PeerId) -> String {
    let mut lines: Vec<String> = Vec::with_capacity(addrs.len());
    for a in addrs {
        let line = with_peer_id(a, peer).to_string();
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Parses a file written by [`render`] (blank lines ignored); used by tests and tools.
pub fn parse(text: &str) -> Result<Vec<Multiaddr>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.parse()
                .map_err(|e| format!("bad address line {l:?}: {e}"))
        })
        .collect()
}

/// Atomically replaces `path` with [`render`]`(addrs, peer)`.
pub fn write(path: &Path, addrs: &[Multiaddr], peer: PeerId) -> Result<(), Error> {
    write_atomic(path, render(addrs, peer).as_bytes(), PUBLIC_MODE)
        .map_err(|e| Error::file("writing address file", path, e))
}

/// Deletes the address file (at start, so nobody reads a previous run's addresses, and at a clean
/// shutdown, when the addresses stop working).
pub fn remove(path: &Path) -> Result<(), Error> {
    remove_if_exists(path).map_err(|e| Error::file("removing address file", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_full_address_per_line() {
        let peer = PeerId::random();
        let addrs: Vec<Multiaddr> = vec![
            "/ip4/127.0.0.1/tcp/4001/ws".parse().unwrap(),
            "/ip4/127.0.0.1/udp/4002/webrtc-direct".parse().unwrap(),
            "/ip4/127.0.0.1/tcp/4001/ws".parse().unwrap(),
        ];
        let text = render(&addrs, peer);
        assert_eq!(
            text,
            format!("/ip4/127.0.0.1/tcp/4001/ws/p2p/{peer}\n/ip4/127.0.0.1/udp/4002/webrtc-direct/p2p/{peer}\n")
        );
        let back = parse(&text).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], with_peer_id(&addrs[0], peer));
        assert_eq!(render(&[], peer), "");
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(parse("/ip4/127.0.0.1/tcp/1\n\nnot an address\n").is_err());
        assert_eq!(parse("\n \n").unwrap(), vec![]);
    }

    #[test]
    fn write_then_remove() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.addrs");
        let peer = PeerId::random();
        let addrs: Vec<Multiaddr> = vec!["/ip4/127.0.0.1/tcp/9/ws".parse().unwrap()];
        write(&path, &addrs, peer).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            render(&addrs, peer)
        );
        remove(&path).unwrap();
        assert!(!path.exists());
        remove(&path).unwrap();
    }
}
