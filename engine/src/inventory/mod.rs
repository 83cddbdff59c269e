//! Stock: durable levels in the store, live levels in lock-striped memory cells.
//!
//! Durable stock (`on_hand`, `sold`) changes only in the commit that records a sale, an
//! adjustment or a restock. The live cells add what is reserved in memory. Invariant,
//! checked on every change and on open: `on_hand = available + reserved`, and nothing
//! is ever reserved or sold beyond `on_hand`.
//!
//! Cells live in [`STRIPES`] stripes, each a mutex over a map, chosen by a hash of the
//! product id, so unrelated SKUs never contend. A bitmap of "has stock available" is
//! kept beside them so that filters over a million products (`in_stock`) read bits, not
//! locks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use serde::{Deserialize, Serialize};

/// Number of lock stripes; a power of two so a mask picks one.
pub const STRIPES: usize = 64;
const _: () = assert!(STRIPES.is_power_of_two());

/// The durable stock of one product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StockRecord {
    /// Units physically held.
    pub(crate) on_hand: u64,
    /// Units sold so far (for `on_hand + sold = received`).
    pub(crate) sold: u64,
}

/// Stock as the API shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    /// Units physically held.
    pub on_hand: u64,
    /// Units held for carts and checkouts in progress.
    pub reserved: u64,
    /// Units that can still be reserved: `on_hand - reserved`.
    pub available: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    on_hand: u64,
    reserved: u64,
}

impl Cell {
    fn level(self) -> StockLevel {
        debug_assert!(self.reserved <= self.on_hand, "reserved beyond on hand");
        StockLevel {
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.on_hand - self.reserved,
        }
    }
}

/// The live stock of every product.
#[derive(Debug)]
pub(crate) struct Inventory {
    stripes: Box<[Mutex<HashMap<u64, Cell>>]>,
    available_bits: RwLock<Vec<AtomicU64>>,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            stripes: (0..STRIPES).map(|_| Mutex::new(HashMap::new())).collect(),
            available_bits: RwLock::new(Vec::new()),
        }
    }
}

fn stripe_of(product: u64) -> usize {
    (product.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize & (STRIPES - 1)
}

impl Inventory {
    /// Sets the durable on-hand level of `product` (on open, creation, adjustment),
    /// keeping what is reserved.
    pub(crate) fn set_on_hand(&self, product: u64, on_hand: u64) {
        let mut stripe = self.stripes[stripe_of(product)].lock();
        let cell = stripe.entry(product).or_default();
        cell.on_hand = on_hand;
        // A lower on-hand than reserved can only come from an admin's correction; the
        // holds beyond it are the ones checkout will refuse.
        cell.reserved = cell.reserved.min(on_hand);
        let available = cell.on_hand > cell.reserved;
        drop(stripe);
        self.set_available_bit(product, available);
    }

    /// The live level of `product`, if it has stock at all.
    pub(crate) fn level(&self, product: u64) -> Option<StockLevel> {
        self.stripes[stripe_of(product)]
            .lock()
            .get(&product)
            .map(|cell| cell.level())
    }

    fn set_available_bit(&self, product: u64, available: bool) {
        let word = usize::try_from(product / 64).unwrap_or(usize::MAX);
        let mask = 1u64 << (product % 64);
        {
            let bits = self.available_bits.read();
            if let Some(slot) = bits.get(word) {
                if available {
                    slot.fetch_or(mask, Ordering::Relaxed);
                } else {
                    slot.fetch_and(!mask, Ordering::Relaxed);
                }
                return;
            }
        }
        let mut bits = self.available_bits.write();
        if bits.len() <= word {
            let grown = (word + 1).next_power_of_two();
            bits.resize_with(grown, || AtomicU64::new(0));
        }
        if available {
            bits[word].fetch_or(mask, Ordering::Relaxed);
        }
    }

    /// A snapshot view for filters over many products: one lock for the whole scan.
    pub(crate) fn availability(&self) -> Availability<'_> {
        Availability {
            bits: self.available_bits.read(),
        }
    }
}

/// Read access to the "has stock available" bitmap.
pub(crate) struct Availability<'a> {
    bits: RwLockReadGuard<'a, Vec<AtomicU64>>,
}

impl Availability<'_> {
    /// Whether `product` has at least one unit available.
    pub(crate) fn in_stock(&self, product: u64) -> bool {
        let word = usize::try_from(product / 64).unwrap_or(usize::MAX);
        self.bits
            .get(word)
            .is_some_and(|slot| slot.load(Ordering::Relaxed) & (1 << (product % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_follows_on_hand() {
        let inventory = Inventory::default();
        inventory.set_on_hand(5, 3);
        inventory.set_on_hand(1_000, 0);
        let view = inventory.availability();
        assert!(view.in_stock(5));
        assert!(!view.in_stock(1_000));
        assert!(!view.in_stock(6));
        drop(view);
        inventory.set_on_hand(5, 0);
        assert!(!inventory.availability().in_stock(5));
        assert_eq!(
            inventory.level(5),
            Some(StockLevel {
                on_hand: 0,
                reserved: 0,
                available: 0
            })
        );
        assert_eq!(inventory.level(77), None);
    }
}
