//! A tiny hand-written PRNG (splitmix64).
//!
//! It lives here, rather than coming from the `rand` crate, because the catalog must be
//! byte-for-byte the same forever: a dependency update that changed a sampling
//! algorithm would silently change every generated product and the committed sample.

/// The splitmix64 increment (the golden ratio in 64-bit fixed point).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The splitmix64 output function: a bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 stream. One stream per product, so products can be made in any order.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream of product `index` in catalog `seed`. `mix` is a bijection, so for a
    /// fixed seed distinct indices start from distinct states; hashing the index (rather
    /// than offsetting by it) keeps neighbouring products' streams unrelated.
    pub(crate) fn for_product(seed: u64, index: u64) -> Rng {
        Rng(mix(seed ^ mix(index ^ 0x5EED_CA7A_1065_0000)))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// A number in `0..n` (`n > 0`), by multiply-and-shift: the bias is below 2^-50
    /// for the small `n` used here, and it needs no rejection loop.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo <= hi`).
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Two distinct elements of a slice with at least two elements.
    pub(crate) fn pick_two<'a, T>(&mut self, items: &'a [T]) -> (&'a T, &'a T) {
        let n = items.len() as u64;
        let first = self.below(n);
        // Draw from the n-1 others and skip over `first`, so no retry loop is needed.
        let mut second = self.below(n - 1);
        if second >= first {
            second += 1;
        }
        (&items[first as usize], &items[second as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // The published splitmix64 sequence for state 0 pins the algorithm down.
        let mut rng = Rng(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn helpers_stay_in_bounds() {
        let mut rng = Rng::for_product(1, 2);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            assert!((3..=5).contains(&rng.range(3, 5)));
            let (a, b) = rng.pick_two(&[1, 2, 3]);
            assert_ne!(a, b);
        }
    }
}
