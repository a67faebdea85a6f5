//! The connection graph: peers that found each other through rendezvous and connected until
//! each holds at most `max_peers` connections, as the driver's cap allows. In the general
//! namespace peers find each other at random; in an author namespace (core's
//! `sync::discovery`) an author's followers find each other first.

use crate::rng::SplitMix64;

/// One end of a connection.
#[derive(Debug, Clone, Copy)]
pub struct End {
    pub peer: u32,
    /// Where this connection sits in `peer`'s own list.
    pub back: u16,
    /// Whether this side dialed (gossipsub's "outbound peer").
    pub outbound: bool,
}

/// Every peer's connections, and the order they were made in.
pub struct Graph {
    pub ends: Vec<Vec<End>>,
    /// (peer, index in its list) of each connection's dialing side, in the order made.
    pub made: Vec<(u32, u16)>,
}

impl Graph {
    /// Each peer in turn dials random peers until it or they are at `max_peers`.
    pub fn random(n: usize, max_peers: usize, rng: &mut SplitMix64) -> Self {
        let mut graph = Self {
            ends: vec![Vec::with_capacity(max_peers); n],
            made: Vec::new(),
        };
        graph.fill(max_peers, rng);
        graph
    }

    /// As the driver connects with author namespaces: each follower of the author (`follows`)
    /// first dials other followers found in the author's namespace until it holds
    /// `author_slots` such connections, then everyone fills up at random from the general one.
    pub fn with_author_slots(
        follows: &[bool],
        max_peers: usize,
        author_slots: usize,
        rng: &mut SplitMix64,
    ) -> Self {
        let n = follows.len();
        let mut graph = Self {
            ends: vec![Vec::with_capacity(max_peers); n],
            made: Vec::new(),
        };
        let followers: Vec<u32> = (0..n as u32).filter(|&p| follows[p as usize]).collect();
        if followers.len() > 1 {
            let mut order = followers.clone();
            for _round in 0..16 {
                rng.shuffle(&mut order);
                for &a in &order {
                    let b = followers[rng.below(followers.len())];
                    let full = |p: u32, ends: &Vec<Vec<End>>| {
                        ends[p as usize]
                            .iter()
                            .filter(|e| follows[e.peer as usize])
                            .count()
                            >= author_slots
                    };
                    if a != b && !full(a, &graph.ends) && !full(b, &graph.ends) {
                        graph.connect(a, b, max_peers);
                    }
                }
            }
        }
        graph.fill(max_peers, rng);
        graph
    }

    /// Connects `a` (dialing) to `b` unless either is full or they already are connected.
    fn connect(&mut self, a: u32, b: u32, max_peers: usize) -> bool {
        let (ai, bi) = (a as usize, b as usize);
        if a == b
            || self.ends[ai].len() >= max_peers
            || self.ends[bi].len() >= max_peers
            || self.ends[ai].iter().any(|e| e.peer == b)
        {
            return false;
        }
        let (slot_a, slot_b) = (self.ends[ai].len() as u16, self.ends[bi].len() as u16);
        self.ends[ai].push(End {
            peer: b,
            back: slot_b,
            outbound: true,
        });
        self.ends[bi].push(End {
            peer: a,
            back: slot_a,
            outbound: false,
        });
        self.made.push((a, slot_a));
        true
    }

    /// Each peer in turn dials random peers until it or they are at `max_peers`; rounds go on
    /// while they add connections, as discovery keeps returning peers.
    fn fill(&mut self, max_peers: usize, rng: &mut SplitMix64) {
        let n = self.ends.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        for _round in 0..64 {
            let before = self.made.len();
            rng.shuffle(&mut order);
            for &a in &order {
                for _try in 0..4 {
                    if self.ends[a as usize].len() >= max_peers {
                        break;
                    }
                    let b = rng.below(n) as u32;
                    self.connect(a, b, max_peers);
                }
            }
            if self.made.len() == before {
                break;
            }
        }
    }

    pub fn mean_degree(&self) -> f64 {
        2.0 * self.made.len() as f64 / self.ends.len() as f64
    }
}
