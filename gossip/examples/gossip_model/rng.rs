//! The model's only source of randomness: SplitMix64, seeded, so one command prints the same
//! figures every run.
//!
//! Written here rather than taken from `rand`: core has no `rand` dependency, and a benchmark
//! example is no reason to add one. SplitMix64 (Steele, Lea and Flood 2014) is ten lines, passes
//! BigCrush, and is more than good enough to pick peers and shuffle lists.

pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (multiply-shift; the bias is below 2^-50 for the n used here).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// Keeps `n` of `items` picked uniformly at random (all of them if there are no more than
    /// `n`), as gossipsub's `get_random_peers` does.
    pub fn keep_random<T>(&mut self, items: &mut Vec<T>, n: usize) {
        if items.len() <= n {
            return;
        }
        for i in 0..n {
            let j = i + self.below(items.len() - i);
            items.swap(i, j);
        }
        items.truncate(n);
    }
}
