//! The connection graph: peers that found each other through rendezvous (so at random) and
//! connected until each holds at most `max_peers` connections, as the driver's cap allows.

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
    /// Each peer in turn dials random peers until it or they are at `max_peers`; rounds go on
    /// while they add connections, as discovery keeps returning peers.
    pub fn random(n: usize, max_peers: usize, rng: &mut SplitMix64) -> Self {
        let mut ends: Vec<Vec<End>> = vec![Vec::with_capacity(max_peers); n];
        let mut made = Vec::new();
        let mut order: Vec<u32> = (0..n as u32).collect();
        for _round in 0..64 {
            let before = made.len();
            rng.shuffle(&mut order);
            for &a in &order {
                for _try in 0..4 {
                    if ends[a as usize].len() >= max_peers {
                        break;
                    }
                    let b = rng.below(n) as u32;
                    let (ai, bi) = (a as usize, b as usize);
                    if a == b || ends[bi].len() >= max_peers || ends[ai].iter().any(|e| e.peer == b)
                    {
                        continue;
                    }
                    let (slot_a, slot_b) = (ends[ai].len() as u16, ends[bi].len() as u16);
                    ends[ai].push(End {
                        peer: b,
                        back: slot_b,
                        outbound: true,
                    });
                    ends[bi].push(End {
                        peer: a,
                        back: slot_a,
                        outbound: false,
                    });
                    made.push((a, slot_a));
                }
            }
            if made.len() == before {
                break;
            }
        }
        Self { ends, made }
    }

    pub fn mean_degree(&self) -> f64 {
        2.0 * self.made.len() as f64 / self.ends.len() as f64
    }
}
