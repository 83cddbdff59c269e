//! A bounded cache of hot products, sharded so readers on different products never
//! share a lock.
//!
//! Eviction is CLOCK (second chance): a hit sets a bit, eviction sweeps the ring and
//! takes the first entry whose bit is clear. It approximates LRU without touching a
//! list on every hit. Writers put the new version in (write-through) instead of only
//! invalidating, and a reader's fill never replaces a newer version, so the cache never
//! serves a version older than the last acknowledged write.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::model::Product;

const SHARDS: usize = 16;
const _: () = assert!(SHARDS.is_power_of_two());

#[derive(Debug, Default)]
struct Shard {
    map: HashMap<u64, Slot>,
    ring: Vec<u64>,
    hand: usize,
}

#[derive(Debug)]
struct Slot {
    product: Arc<Product>,
    referenced: bool,
}

/// The hot-product cache.
#[derive(Debug)]
pub(crate) struct ProductCache {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ProductCache {
    /// A cache holding up to about `capacity` products.
    pub(crate) fn new(capacity: usize) -> ProductCache {
        let shard_capacity = capacity.div_ceil(SHARDS).max(1);
        ProductCache {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn shard(&self, id: u64) -> &Mutex<Shard> {
        // Ids are sequential: mix them so neighbours spread over shards.
        let mixed = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59;
        &self.shards[(mixed as usize) & (SHARDS - 1)]
    }

    /// The cached product, counting a hit or a miss.
    pub(crate) fn get(&self, id: u64) -> Option<Arc<Product>> {
        let mut shard = self.shard(id).lock();
        match shard.map.get_mut(&id) {
            Some(slot) => {
                slot.referenced = true;
                let product = Arc::clone(&slot.product);
                drop(shard);
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(product)
            }
            None => {
                drop(shard);
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Puts `product` in unless a newer version is already there. `still_current`
    /// runs under the shard lock: a reader's fill passes a check against the catalog's
    /// current version, so a value read from an older snapshot is never cached after
    /// the writer has moved on.
    pub(crate) fn put_if(
        &self,
        product: Arc<Product>,
        still_current: impl FnOnce(&Product) -> bool,
    ) {
        let id = product.id.raw();
        let mut shard = self.shard(id).lock();
        if let Some(slot) = shard.map.get_mut(&id) {
            if slot.product.version < product.version && still_current(&product) {
                slot.product = product;
            }
            return;
        }
        if !still_current(&product) {
            return;
        }
        if shard.map.len() >= self.shard_capacity {
            evict_one(&mut shard);
        }
        shard.ring.push(id);
        shard.map.insert(
            id,
            Slot {
                product,
                referenced: false,
            },
        );
    }

    /// Puts a freshly committed version in (write-through).
    pub(crate) fn put(&self, product: Arc<Product>) {
        self.put_if(product, |_| true);
    }

    /// (hits, misses) since start.
    pub(crate) fn counters(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// How many products are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().map.len()).sum()
    }
}

fn evict_one(shard: &mut Shard) {
    // At most two sweeps: the first clears every bit it passes, so the second finds one.
    let sweep_max = shard.ring.len() * 2;
    for _ in 0..sweep_max {
        let hand = shard.hand % shard.ring.len();
        let id = shard.ring[hand];
        let slot = shard
            .map
            .get_mut(&id)
            .expect("ring and map hold the same ids");
        if slot.referenced {
            slot.referenced = false;
            shard.hand = hand + 1;
        } else {
            shard.map.remove(&id);
            shard.ring.swap_remove(hand);
            shard.hand = hand;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CategoryId, Currency, Money, ProductId, ProductStatus, Timestamp};

    fn product(id: u64, version: u64) -> Arc<Product> {
        Arc::new(Product {
            id: ProductId::from_raw(id),
            sku: format!("S{id}"),
            name: "n".into(),
            description: String::new(),
            brand: None,
            category_id: CategoryId::from_raw(1),
            price: Money::new(1, Currency::USD),
            attributes: Default::default(),
            images: Vec::new(),
            status: ProductStatus::Active,
            created_at: Timestamp::EPOCH,
            updated_at: Timestamp::EPOCH,
            version,
        })
    }

    #[test]
    fn counts_hits_and_misses() {
        let cache = ProductCache::new(100);
        assert!(cache.get(1).is_none());
        cache.put(product(1, 1));
        assert_eq!(cache.get(1).map(|p| p.version), Some(1));
        assert_eq!(cache.counters(), (1, 1));
    }

    #[test]
    fn stays_bounded() {
        let cache = ProductCache::new(64);
        for id in 0..10_000 {
            cache.put(product(id, 1));
        }
        assert!(cache.len() <= 64, "{}", cache.len());
    }

    #[test]
    fn keeps_referenced_entries_longer() {
        let cache = ProductCache::new(SHARDS * 4);
        cache.put(product(7, 1));
        for id in 100..2_000 {
            cache.get(7);
            cache.put(product(id, 1));
        }
        assert!(
            cache.get(7).is_some(),
            "a product read between inserts survives"
        );
    }

    #[test]
    fn never_goes_back_to_an_older_version() {
        let cache = ProductCache::new(100);
        cache.put(product(1, 3));
        cache.put_if(product(1, 2), |_| true);
        assert_eq!(cache.get(1).map(|p| p.version), Some(3));
        cache.put_if(product(2, 1), |_| false);
        assert!(cache.get(2).is_none(), "a stale fill is refused");
    }
}
