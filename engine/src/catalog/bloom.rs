//! A bloom filter over SKUs: an unknown SKU is rejected without touching the store.
//!
//! Sized for a false-positive rate of at most 1%: about 9.6 bits per SKU and seven
//! probes. Bits live in atomics so checks take no lock; when the number of SKUs passes
//! the capacity the owner rebuilds a larger filter (SKUs are never deleted).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Probes per key: optimal for ~9.6 bits per key (k = m/n · ln 2).
const PROBES: u32 = 7;
/// Bits per expected key for a 1% false-positive rate (−ln 0.01 / ln² 2 ≈ 9.59).
const BITS_PER_KEY: usize = 10;
/// The smallest filter, so an empty catalog still has a sane one.
const CAPACITY_MIN: usize = 1_024;

/// A fixed-capacity bloom filter with lock-free inserts and checks.
#[derive(Debug)]
pub(crate) struct Bloom {
    words: Box<[AtomicU64]>,
    bits: u64,
    capacity: usize,
    len: AtomicU64,
}

impl Bloom {
    /// A filter for up to `capacity` keys at ≤ 1% false positives.
    pub(crate) fn with_capacity(capacity: usize) -> Bloom {
        let capacity = capacity.max(CAPACITY_MIN);
        let words = (capacity * BITS_PER_KEY).div_ceil(64);
        Bloom {
            words: (0..words).map(|_| AtomicU64::new(0)).collect(),
            bits: words as u64 * 64,
            capacity,
            len: AtomicU64::new(0),
        }
    }

    /// How many keys it was sized for.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many keys were inserted (with repeats).
    pub(crate) fn len(&self) -> usize {
        usize::try_from(self.len.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }

    /// Adds `key`.
    pub(crate) fn insert(&self, key: &str) {
        for bit in self.probes(key) {
            self.words[(bit / 64) as usize].fetch_or(1 << (bit % 64), Ordering::Relaxed);
        }
        self.len.fetch_add(1, Ordering::Relaxed);
    }

    /// False means `key` was certainly never inserted; true means it probably was.
    pub(crate) fn may_contain(&self, key: &str) -> bool {
        self.probes(key).all(|bit| {
            self.words[(bit / 64) as usize].load(Ordering::Relaxed) & (1 << (bit % 64)) != 0
        })
    }

    /// Kirsch–Mitzenmacher double hashing: two hashes give every probe position.
    fn probes(&self, key: &str) -> impl Iterator<Item = u64> + '_ {
        let hash = hash64(key);
        let (first, second) = (hash, hash.rotate_left(32) | 1);
        (0..u64::from(PROBES)).map(move |i| first.wrapping_add(i.wrapping_mul(second)) % self.bits)
    }
}

/// A fixed-key SipHash, so positions are stable for the life of the process.
fn hash64(key: &str) -> u64 {
    let mut hasher =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    hasher.write(key.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_forgets_an_inserted_key() {
        let bloom = Bloom::with_capacity(10_000);
        let keys: Vec<String> = (0..10_000).map(|i| format!("SKU-{i}")).collect();
        keys.iter().for_each(|key| bloom.insert(key));
        assert!(keys.iter().all(|key| bloom.may_contain(key)));
        assert_eq!(bloom.len(), 10_000);
    }

    /// The bound: at full capacity, at most 1% of unknown keys get through.
    #[test]
    fn false_positive_rate_is_at_most_one_percent_at_capacity() {
        let capacity = 100_000;
        let bloom = Bloom::with_capacity(capacity);
        (0..capacity).for_each(|i| bloom.insert(&format!("ELE-AUD-{i:07}")));
        let probes = 200_000;
        let false_positives = (0..probes)
            .filter(|i| bloom.may_contain(&format!("UNKNOWN-{i}")))
            .count();
        let rate = false_positives as f64 / probes as f64;
        assert!(rate <= 0.01, "false-positive rate {rate:.4}");
    }
}
