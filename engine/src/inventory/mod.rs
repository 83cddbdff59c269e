//! Stock: durable levels in the store, live levels and holds in lock-striped memory.
//!
//! Durable stock (`on_hand`, `sold`) changes only in the commit that records a sale, an
//! adjustment or a restock. Holds (reservations for carts and checkouts) live only in
//! memory: a crash releases them, which is correct because nothing they held was
//! acknowledged as sold. Invariant, asserted on every change and checked on open:
//! `on_hand = available + reserved`, and nothing is reserved or sold beyond `on_hand`.
//!
//! Cells live in [`STRIPES`] stripes, each a mutex over its products' cells and holds,
//! chosen by a hash of the product id, so unrelated SKUs never contend. A reservation
//! over several products locks their stripes in ascending order and checks every line
//! before changing any (all-or-nothing, never a deadlock). Holds expire: each stripe
//! keeps its holds ordered by expiry, so a sweep pops only what is due, with a bounded
//! cost per call. A bitmap of "has stock available" sits beside the stripes so that
//! filters over a million products read bits, not locks.
//!
//! Around the cells: admin adjustments with a reason go into a per-product stock
//! ledger (`api.rs`; a removal is first taken as a hold, so it cannot race a
//! reservation); durable changes inside committer jobs read and check every line
//! before they write any (`durable.rs`), and emit a low-stock event when on hand
//! crosses its threshold downwards; a background thread returns lapsed holds in bounded
//! steps (`sweeper.rs`); and opening the engine checks every stored record against the
//! cells (`check_on_open`).

mod api;
pub(crate) mod durable;
mod hash;
mod live;
mod stripes;
mod sweeper;

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::model::ProductId;
pub(crate) use api::check_on_open;
pub use api::{
    ADJUSTMENT_LOCK_WAIT_MS_MAX, ADJUSTMENT_REASON_CHARS_MAX, LEDGER_PAGE_LIMIT_MAX, LedgerPage,
};
pub(crate) use hash::IdBuildHasher;
pub use live::Reservation;
pub(crate) use stripes::Stripes;
pub(crate) use sweeper::HoldSweeper;
pub use sweeper::{HOLD_SWEEP_INTERVAL_MS_DEFAULT, HOLD_SWEEP_STEP_MAX, HOLD_SWEEP_STEPS_MAX};

/// Number of lock stripes; a power of two so a mask picks one.
pub const STRIPES: usize = 64;
const _: () = assert!(STRIPES.is_power_of_two());

/// Most distinct products in one reservation (a cart's lines bound it too).
pub const HOLD_LINES_MAX: usize = 100;

/// The low-stock threshold of a new product, until an admin sets one.
pub const LOW_STOCK_THRESHOLD_DEFAULT: u64 = 5;

/// The holder that takes stock away for an admin's negative adjustment while it
/// commits; carts and checkouts use their cart's id, which is never 0.
pub(crate) const ADJUSTMENT_HOLDER: u64 = 0;

/// The durable stock of one product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StockRecord {
    /// Units physically held.
    pub(crate) on_hand: u64,
    /// Units sold so far (so `on_hand + sold = received` can be checked).
    pub(crate) sold: u64,
    /// At or below this many units on hand, a sale emits a low-stock event.
    pub(crate) low_stock_threshold: u64,
}

impl StockRecord {
    /// Decodes a stored record. Stores of format version 1 written before thresholds
    /// existed hold two fields (`on_hand`, `sold`); those read with the default
    /// threshold, and the next write of the product's stock stores all three.
    pub(crate) fn decode(bytes: &[u8]) -> Result<StockRecord, crate::store::StoreError> {
        crate::store::decode_from::<StockRecord>("stock", bytes).or_else(|error| {
            match crate::store::codec::decode::<(u64, u64)>(bytes) {
                Ok((on_hand, sold)) => Ok(StockRecord {
                    on_hand,
                    sold,
                    low_stock_threshold: LOW_STOCK_THRESHOLD_DEFAULT,
                }),
                Err(_) => Err(error),
            }
        })
    }
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

/// A hold as a cart shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    /// Units held.
    pub quantity: u64,
    /// When the hold lapses, in milliseconds since the epoch.
    pub expires_ms: u64,
}

/// A hold that lapsed and was returned to stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpiredHold {
    /// Who held it (a cart's raw id).
    pub holder: u64,
    /// The product.
    pub product: u64,
    /// Units returned.
    pub quantity: u64,
}

/// Why stock could not be reserved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// Fewer units are available than asked for (HTTP 409, `insufficient_stock`).
    #[error("insufficient stock for SKU `{sku}`: requested {requested}, available {available}")]
    Insufficient {
        /// The product.
        product: ProductId,
        /// Its SKU (filled in by the engine before the error leaves it).
        sku: String,
        /// Units asked for (the whole hold, summed over the lines that share the stock).
        requested: u64,
        /// Units that could be held.
        available: u64,
    },
    /// The product has no stock record.
    #[error("no stock for {product}")]
    UnknownProduct {
        /// The product.
        product: ProductId,
    },
    /// A reservation named more products than [`HOLD_LINES_MAX`].
    #[error("a reservation may name at most {HOLD_LINES_MAX} products")]
    TooManyLines,
    /// An adjustment would take on-hand stock below zero or above the maximum.
    #[error("adjustment of {delta} is out of range for {product} (on hand {on_hand})")]
    AdjustmentOutOfRange {
        /// The product.
        product: ProductId,
        /// The delta asked for.
        delta: i64,
        /// Units on hand now.
        on_hand: u64,
    },
    /// No product has this SKU (HTTP 404, `sku_not_found`).
    #[error("no product with SKU `{sku}`")]
    SkuNotFound {
        /// The SKU.
        sku: String,
    },
    /// Another adjustment of the same product took too long (HTTP 409, `stock_busy`).
    #[error("another adjustment of this product is in progress")]
    Busy,
    /// The stored stock contradicts itself (HTTP 500: found on open, needs repair).
    #[error("inconsistent stock: {detail}")]
    Inconsistent {
        /// What is wrong, naming the product.
        detail: String,
    },
}

impl InventoryError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            InventoryError::Insufficient { .. } => "insufficient_stock",
            InventoryError::UnknownProduct { .. } | InventoryError::SkuNotFound { .. } => {
                "sku_not_found"
            }
            InventoryError::TooManyLines => "too_many_lines",
            InventoryError::AdjustmentOutOfRange { .. } => "adjustment_out_of_range",
            InventoryError::Busy => "stock_busy",
            InventoryError::Inconsistent { .. } => "internal",
        }
    }
}

/// The live stock of every product.
#[derive(Debug)]
pub(crate) struct Inventory {
    stripes: Stripes,
    available: AvailableBits,
    /// Serializes admin adjustments of one product (they share one holder).
    pub(crate) adjust_locks: crate::cart::KeyedLocks,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            stripes: Stripes::new(),
            available: AvailableBits::default(),
            adjust_locks: Default::default(),
        }
    }
}

impl Inventory {
    /// Sets the durable on-hand level of `product` (on open and creation).
    pub(crate) fn set_on_hand(&self, product: u64, on_hand: u64) {
        let available = self.stripes.set_on_hand(product, on_hand);
        self.set_available_bit(product, available);
    }

    /// Adds `delta` units to `product` after a committed restock.
    pub(crate) fn add_on_hand(&self, product: u64, delta: u64) {
        let available = self.stripes.add_on_hand(product, delta);
        self.set_available_bit(product, available);
    }

    /// The live level of `product`, if it has stock at all.
    pub(crate) fn level(&self, product: u64) -> Option<StockLevel> {
        self.stripes.level(product)
    }

    /// Sets `holder`'s holds on each product to the given quantity (0 releases), all or
    /// nothing, expiring at `expires_ms`. Quantities for one product are summed first.
    pub(crate) fn reserve(
        &self,
        holder: u64,
        lines: &[(u64, u64)],
        expires_ms: u64,
    ) -> Result<(), InventoryError> {
        let changed = self.stripes.reserve(holder, lines, expires_ms)?;
        changed
            .into_iter()
            .for_each(|(product, available)| self.set_available_bit(product, available));
        Ok(())
    }

    /// Moves the expiry of `holder`'s existing holds on `products`.
    pub(crate) fn set_expiry(&self, holder: u64, products: &[u64], expires_ms: u64) {
        self.stripes.set_expiry(holder, products, expires_ms);
    }

    /// `holder`'s hold on `product`, if any.
    pub(crate) fn hold(&self, holder: u64, product: u64) -> Option<Hold> {
        self.stripes.hold(holder, product)
    }

    /// Releases `holder`'s holds on `products`.
    pub(crate) fn release(&self, holder: u64, products: &[u64]) {
        for (product, available) in self.stripes.release(holder, products) {
            self.set_available_bit(product, available);
        }
    }

    /// After a committed sale: `holder`'s holds become sold units (reserved and on hand
    /// both drop by the quantity).
    pub(crate) fn commit_sale(&self, holder: u64, lines: &[(u64, u64)]) {
        for (product, available) in self.stripes.commit_sale(holder, lines) {
            self.set_available_bit(product, available);
        }
    }

    /// Returns every hold due at `now_ms` to stock, at most `max` of them.
    pub(crate) fn sweep(&self, now_ms: u64, max: usize) -> Vec<ExpiredHold> {
        let expired = self.stripes.sweep(now_ms, max);
        for hold in &expired {
            if let Some(level) = self.stripes.level(hold.product) {
                self.set_available_bit(hold.product, level.available > 0);
            }
        }
        expired
    }

    /// Checks `on_hand = available + reserved` and that every hold is accounted for, over
    /// every cell. For tests and the consistency check on open.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        self.stripes.check_invariants()
    }

    /// The total of every live hold, in units.
    pub(crate) fn reserved_total(&self) -> u64 {
        self.stripes.reserved_total()
    }

    fn set_available_bit(&self, product: u64, available: bool) {
        self.available.set(product, available);
    }

    /// A view for filters over many products.
    pub(crate) fn availability(&self) -> Availability<'_> {
        Availability {
            bits: &self.available,
        }
    }
}

/// Words of one lazily allocated chunk of the availability bitmap (65,536 products).
const CHUNK_WORDS: usize = 1_024;
/// Chunks: enough for product ids below 2^30 (about a billion products, far beyond
/// any catalog); ids above are reported as unavailable rather than grown into.
const CHUNKS: usize = (1 << 30) / (CHUNK_WORDS * 64);

/// One bit per product: has at least one unit available. Read by every search and
/// listing that filters on stock and written by every reservation, from many threads:
/// reads and writes take no lock (chunks are allocated once and never move), and a
/// write that would not change the bit does not write at all, so the cache line is
/// not taken from the readers.
#[derive(Debug)]
pub(crate) struct AvailableBits {
    chunks: Box<[std::sync::OnceLock<Box<[AtomicU64]>>]>,
}

impl Default for AvailableBits {
    fn default() -> Self {
        AvailableBits {
            chunks: (0..CHUNKS).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }
}

impl AvailableBits {
    fn locate(product: u64) -> Option<(usize, usize, u64)> {
        let word = usize::try_from(product / 64).ok()?;
        let chunk = word / CHUNK_WORDS;
        (chunk < CHUNKS).then_some((chunk, word % CHUNK_WORDS, 1u64 << (product % 64)))
    }

    fn set(&self, product: u64, available: bool) {
        let Some((chunk, word, mask)) = Self::locate(product) else {
            return;
        };
        let slot = match self.chunks[chunk].get() {
            Some(words) => &words[word],
            None if !available => return,
            None => &self.chunks[chunk]
                .get_or_init(|| (0..CHUNK_WORDS).map(|_| AtomicU64::new(0)).collect())[word],
        };
        if (slot.load(Ordering::Relaxed) & mask != 0) == available {
            return;
        }
        if available {
            slot.fetch_or(mask, Ordering::Relaxed);
        } else {
            slot.fetch_and(!mask, Ordering::Relaxed);
        }
    }

    fn get(&self, product: u64) -> bool {
        Self::locate(product).is_some_and(|(chunk, word, mask)| {
            self.chunks[chunk]
                .get()
                .is_some_and(|words| words[word].load(Ordering::Relaxed) & mask != 0)
        })
    }
}

/// Read access to the "has stock available" bitmap.
pub(crate) struct Availability<'a> {
    bits: &'a AvailableBits,
}

impl Availability<'_> {
    /// Whether `product` has at least one unit available.
    #[inline]
    pub(crate) fn in_stock(&self, product: u64) -> bool {
        self.bits.get(product)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_follows_holds_and_sales() {
        let inventory = Inventory::default();
        inventory.set_on_hand(5, 3);
        inventory.set_on_hand(1_000, 0);
        assert!(inventory.availability().in_stock(5));
        assert!(!inventory.availability().in_stock(1_000));
        assert!(!inventory.availability().in_stock(6));
        inventory
            .reserve(9, &[(5, 3)], u64::MAX)
            .expect("reserve all");
        assert!(!inventory.availability().in_stock(5), "everything is held");
        inventory.release(9, &[5]);
        assert!(inventory.availability().in_stock(5));
        inventory
            .reserve(9, &[(5, 3)], u64::MAX)
            .expect("reserve all");
        inventory.commit_sale(9, &[(5, 3)]);
        assert_eq!(
            inventory.level(5),
            Some(StockLevel {
                on_hand: 0,
                reserved: 0,
                available: 0
            })
        );
        assert!(!inventory.availability().in_stock(5));
        inventory.add_on_hand(5, 2);
        assert!(inventory.availability().in_stock(5));
        assert_eq!(inventory.level(77), None);
        inventory.check_invariants().expect("invariants");
    }
}
