//! Dense interning of the keys the windows count by: products, (product, currency)
//! pairs, currencies and search queries each get a `u32` index in arrival order, so a
//! window keeps plain arrays instead of maps and checkpoints are deterministic (the
//! order is the order of the input, never a hash order).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::{Currency, ProductId};

/// An index that is not in use: the key was not interned because its table was full.
pub(crate) const UNTRACKED: u32 = u32::MAX;

/// A multiply-rotate hasher (the Fx hash of rustc). Keys here are engine ids and
/// short query strings from our own normalizer, not attacker-chosen collisions on a
/// shared table, and every table is bounded; speed is what matters on this path.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(tail));
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

pub(crate) fn fast_map<K, V>(capacity: usize) -> FastMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default())
}

/// Engine product numbers below this are looked up in a plain array (four bytes per
/// number up to the largest seen), the rest in a hash map. The engine hands ids out
/// in sequence from 1, so in practice every lookup is one array read.
const DIRECT_IDS_MAX: u64 = 1 << 22;

/// Products, keyed by their engine number.
#[derive(Debug)]
pub(crate) struct ProductInterner {
    ids: Vec<ProductId>,
    direct: Vec<u32>,
    index: FastMap<u64, u32>,
    max: usize,
}

impl ProductInterner {
    pub(crate) fn new(max: usize) -> ProductInterner {
        ProductInterner {
            ids: Vec::new(),
            direct: Vec::new(),
            index: fast_map(0),
            max,
        }
    }

    pub(crate) fn from_ids(ids: Vec<ProductId>, max: usize) -> Option<ProductInterner> {
        let mut interner = ProductInterner::new(max);
        for id in ids {
            let before = interner.ids.len();
            if interner.intern(id) as usize != before {
                return None;
            }
        }
        Some(interner)
    }

    /// The index of `id`, adding it if there is room; [`UNTRACKED`] if not.
    #[inline]
    pub(crate) fn intern(&mut self, id: ProductId) -> u32 {
        let raw = id.raw();
        let known = match self.direct.get(raw as usize) {
            Some(&index) => index,
            None if raw < DIRECT_IDS_MAX => UNTRACKED,
            None => self.index.get(&raw).copied().unwrap_or(UNTRACKED),
        };
        if known != UNTRACKED || self.ids.len() >= self.max {
            return known;
        }
        let index = self.ids.len() as u32;
        self.ids.push(id);
        if raw < DIRECT_IDS_MAX {
            if raw as usize >= self.direct.len() {
                let length = (raw as usize + 1).next_power_of_two().max(1_024);
                self.direct.resize(length, UNTRACKED);
            }
            self.direct[raw as usize] = index;
        } else {
            self.index.insert(raw, index);
        }
        index
    }

    pub(crate) fn id(&self, index: u32) -> ProductId {
        self.ids[index as usize]
    }

    pub(crate) fn ids(&self) -> &[ProductId] {
        &self.ids
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Revenue keys: a product sold in a currency.
#[derive(Debug)]
pub(crate) struct PairInterner {
    pairs: Vec<(u32, u8)>,
    index: FastMap<(u32, u8), u32>,
    max: usize,
}

impl PairInterner {
    pub(crate) fn new(max: usize) -> PairInterner {
        PairInterner {
            pairs: Vec::new(),
            index: fast_map(0),
            max,
        }
    }

    pub(crate) fn from_pairs(pairs: Vec<(u32, u8)>, max: usize) -> Option<PairInterner> {
        let mut interner = PairInterner::new(max);
        for (product, currency) in pairs {
            let before = interner.pairs.len();
            if interner.intern(product, currency) as usize != before {
                return None;
            }
        }
        Some(interner)
    }

    #[inline]
    pub(crate) fn intern(&mut self, product: u32, currency: u8) -> u32 {
        if let Some(&index) = self.index.get(&(product, currency)) {
            return index;
        }
        if self.pairs.len() >= self.max {
            return UNTRACKED;
        }
        let index = self.pairs.len() as u32;
        self.pairs.push((product, currency));
        self.index.insert((product, currency), index);
        index
    }

    pub(crate) fn pair(&self, index: u32) -> (u32, u8) {
        self.pairs[index as usize]
    }

    pub(crate) fn pairs(&self) -> &[(u32, u8)] {
        &self.pairs
    }

    pub(crate) fn len(&self) -> usize {
        self.pairs.len()
    }
}

/// Currencies seen, in arrival order (at most the known ISO 4217 list).
#[derive(Debug, Default)]
pub(crate) struct CurrencyInterner {
    currencies: Vec<Currency>,
}

impl CurrencyInterner {
    pub(crate) fn from_currencies(currencies: Vec<Currency>) -> Option<CurrencyInterner> {
        let mut interner = CurrencyInterner::default();
        for currency in currencies {
            let before = interner.currencies.len();
            if usize::from(interner.intern(currency)) != before {
                return None;
            }
        }
        Some(interner)
    }

    #[inline]
    pub(crate) fn intern(&mut self, currency: Currency) -> u8 {
        if let Some(index) = self.currencies.iter().position(|&c| c == currency) {
            return index as u8;
        }
        // Only known ISO codes can be built, and there are fewer than 256 of them.
        self.currencies.push(currency);
        (self.currencies.len() - 1) as u8
    }

    pub(crate) fn currency(&self, index: u8) -> Currency {
        self.currencies[usize::from(index)]
    }

    pub(crate) fn currencies(&self) -> &[Currency] {
        &self.currencies
    }
}

const _: () = assert!(Currency::KNOWN.len() < 256);

/// Normalized search queries. Unlike products, queries are unbounded in number, so the
/// table is compacted (see [`QueryInterner::compact`]) to the queries live windows
/// still count.
#[derive(Debug)]
pub(crate) struct QueryInterner {
    queries: Vec<Box<str>>,
    index: FastMap<Box<str>, u32>,
    max: usize,
}

impl QueryInterner {
    pub(crate) fn new(max: usize) -> QueryInterner {
        QueryInterner {
            queries: Vec::new(),
            index: fast_map(0),
            max,
        }
    }

    pub(crate) fn from_queries(queries: Vec<String>, max: usize) -> Option<QueryInterner> {
        let mut interner = QueryInterner::new(max);
        for query in queries {
            let before = interner.queries.len();
            if interner.intern(&query) as usize != before {
                return None;
            }
        }
        Some(interner)
    }

    #[inline]
    pub(crate) fn intern(&mut self, query: &str) -> u32 {
        if let Some(&index) = self.index.get(query) {
            return index;
        }
        if self.queries.len() >= self.max {
            return UNTRACKED;
        }
        let index = self.queries.len() as u32;
        self.queries.push(query.into());
        self.index.insert(query.into(), index);
        index
    }

    pub(crate) fn query(&self, index: u32) -> &str {
        &self.queries[index as usize]
    }

    pub(crate) fn queries(&self) -> &[Box<str>] {
        &self.queries
    }

    pub(crate) fn len(&self) -> usize {
        self.queries.len()
    }

    /// Keeps only the queries for which `keep` is true, in their order, and returns the
    /// map from old index to new index ([`UNTRACKED`] for dropped ones).
    pub(crate) fn compact(&mut self, keep: &[bool]) -> Vec<u32> {
        let mut remap = vec![UNTRACKED; self.queries.len()];
        let old = std::mem::take(&mut self.queries);
        self.index.clear();
        for (old_index, query) in old.into_iter().enumerate() {
            if keep.get(old_index).copied().unwrap_or(false) {
                let new_index = self.queries.len() as u32;
                self.index.insert(query.clone(), new_index);
                self.queries.push(query);
                remap[old_index] = new_index;
            }
        }
        remap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interners_are_dense_bounded_and_stable() {
        let mut products = ProductInterner::new(2);
        assert_eq!(products.intern(ProductId::from_raw(9)), 0);
        assert_eq!(products.intern(ProductId::from_raw(4)), 1);
        assert_eq!(products.intern(ProductId::from_raw(9)), 0);
        assert_eq!(products.intern(ProductId::from_raw(5)), UNTRACKED);
        let mut far = ProductInterner::new(3);
        assert_eq!(far.intern(ProductId::from_raw(u64::MAX)), 0);
        assert_eq!(far.intern(ProductId::from_raw(DIRECT_IDS_MAX)), 1);
        assert_eq!(far.intern(ProductId::from_raw(3)), 2);
        assert_eq!(far.intern(ProductId::from_raw(u64::MAX)), 0);
        assert_eq!(far.intern(ProductId::from_raw(DIRECT_IDS_MAX)), 1);
        assert_eq!(far.intern(ProductId::from_raw(3)), 2);
        let again = ProductInterner::from_ids(products.ids().to_vec(), 2).expect("valid");
        assert_eq!(again.id(1), ProductId::from_raw(4));
        assert!(ProductInterner::from_ids(vec![ProductId::from_raw(1); 2], 2).is_none());

        let mut queries = QueryInterner::new(10);
        for query in ["shoes", "hat", "shoes", "lamp"] {
            queries.intern(query);
        }
        let remap = queries.compact(&[true, false, true]);
        assert_eq!(remap, vec![0, UNTRACKED, 1]);
        assert_eq!(queries.query(1), "lamp");
        assert_eq!(queries.intern("lamp"), 1);
        assert_eq!(queries.intern("hat"), 2);
    }
}
