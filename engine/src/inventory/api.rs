//! The inventory part of the engine's public API: live levels by SKU, admin
//! adjustments with a reason into the stock ledger, low-stock thresholds, and the
//! consistency check on open.
//!
//! A negative adjustment first takes its units as a hold by [`ADJUSTMENT_HOLDER`], so a
//! concurrent reservation cannot take them between the check and the commit; after the
//! commit the hold becomes the removal (exactly like a sale in memory). Adjustments of
//! one product are serialized by a key lock (they share that holder).

use std::time::Duration;

use redb::ReadableTable;

use super::{ADJUSTMENT_HOLDER, InventoryError, StockLevel, StockRecord, durable};
use crate::model::{
    Actor, Event, ProductId, STOCK_MAX, StockAdjustment, Timestamp, ValidationError, validate_line,
};
use crate::store::codec::encode;
use crate::store::{Store, StoreError, Tx, decode_from, tables};
use crate::{Engine, Error, Result};

/// Longest adjustment reason, in characters.
pub const ADJUSTMENT_REASON_CHARS_MAX: usize = 200;
/// Longest wait for another adjustment of the same product.
pub const ADJUSTMENT_LOCK_WAIT_MS_MAX: u64 = 10_000;
/// Largest ledger page.
pub const LEDGER_PAGE_LIMIT_MAX: usize = 100;

/// Holds never expire while an adjustment commits.
const PINNED_EXPIRY_MS: u64 = u64::MAX;

/// One page of a product's stock ledger, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerPage {
    /// The entries.
    pub entries: Vec<StockAdjustment>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

impl Engine {
    /// The live stock of the product with `sku` (the bloom filter answers most
    /// unknown SKUs without a lookup); `None` for an unknown SKU.
    pub fn stock_by_sku(&self, sku: &str) -> Result<Option<StockLevel>> {
        let id = self
            .inner
            .catalog
            .product_id_by_sku(&self.inner.store, sku)?;
        Ok(id.map(|id| self.inner.inventory.level(id.raw()).unwrap_or_default()))
    }

    /// Adds (`delta > 0`) or removes (`delta < 0`) units on hand, with a reason (1–200
    /// characters) recorded with `actor` in the product's stock ledger. Refused if on
    /// hand would leave `0..=10^12`, or if the units to remove are held by carts.
    pub fn adjust_stock(
        &self,
        sku: &str,
        delta: i64,
        reason: &str,
        actor: Actor,
    ) -> Result<StockLevel> {
        validate_line("reason", reason, 1, ADJUSTMENT_REASON_CHARS_MAX)?;
        if delta == 0 || delta.unsigned_abs() > STOCK_MAX {
            let message = format!("`delta` must be non-zero and at most {STOCK_MAX} either way");
            return Err(ValidationError::new("delta", "out_of_range", message).into());
        }
        let product = self.product_id_of(sku)?;
        let inventory = &self.inner.inventory;
        let _guard = inventory
            .adjust_locks
            .lock(
                product.raw(),
                Duration::from_millis(ADJUSTMENT_LOCK_WAIT_MS_MAX),
            )
            .ok_or(Error::Inventory(InventoryError::Busy))?;
        let units = delta.unsigned_abs();
        if delta < 0 {
            inventory
                .reserve(
                    ADJUSTMENT_HOLDER,
                    &[(product.raw(), units)],
                    PINNED_EXPIRY_MS,
                )
                .map_err(|error| {
                    let on_hand = inventory
                        .level(product.raw())
                        .map_or(0, |level| level.on_hand);
                    match error {
                        InventoryError::Insufficient { .. } if on_hand < units => {
                            Error::Inventory(InventoryError::AdjustmentOutOfRange {
                                product,
                                delta,
                                on_hand,
                            })
                        }
                        other => self.name_sku(other),
                    }
                })?;
        }
        let entry = StockAdjustment {
            product_id: product,
            sku: sku.to_string(),
            seq: 0,
            delta,
            reason: reason.to_string(),
            actor,
            at: Timestamp::now(),
            on_hand_after: 0,
        };
        let memory = std::sync::Arc::clone(inventory);
        let written = self.inner.store.write(
            move |tx| write_adjustment(tx, entry),
            move |_| {
                if delta > 0 {
                    memory.add_on_hand(product.raw(), units);
                } else {
                    memory.commit_sale(ADJUSTMENT_HOLDER, &[(product.raw(), units)]);
                }
            },
        );
        if let Err(error) = written {
            if delta < 0 {
                inventory.release(ADJUSTMENT_HOLDER, &[product.raw()]);
            }
            return Err(error);
        }
        Ok(inventory.level(product.raw()).unwrap_or_default())
    }

    /// Sets the on-hand level at or below which a sale or adjustment emits a
    /// low-stock event.
    pub fn set_low_stock_threshold(&self, sku: &str, threshold: u64) -> Result<()> {
        if threshold > STOCK_MAX {
            let message = format!("`threshold` must be at most {STOCK_MAX}");
            return Err(ValidationError::new("threshold", "out_of_range", message).into());
        }
        let product = self.product_id_of(sku)?.raw();
        self.inner.store.write(
            move |tx| {
                durable::update(tx, product, |record| {
                    Ok(StockRecord {
                        low_stock_threshold: threshold,
                        ..record
                    })
                })?;
                Ok(())
            },
            |_| {},
        )
    }

    /// The stock ledger of `sku`, oldest first; `cursor` is the last `seq` seen.
    pub fn stock_ledger(
        &self,
        sku: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<LedgerPage> {
        if !(1..=LEDGER_PAGE_LIMIT_MAX).contains(&limit) {
            let message = format!("`limit` must be between 1 and {LEDGER_PAGE_LIMIT_MAX}");
            return Err(ValidationError::new("limit", "out_of_range", message).into());
        }
        let after = match cursor {
            None => 0,
            Some(text) => text.parse::<u64>().map_err(|_| {
                ValidationError::new(
                    "cursor",
                    "invalid",
                    "`cursor` is not a cursor this listing gave out",
                )
            })?,
        };
        let product = self.product_id_of(sku)?.raw();
        let txn = self.inner.store.read()?;
        let table = txn
            .open_table(tables::STOCK_LEDGER)
            .map_err(StoreError::from)?;
        let mut entries = Vec::with_capacity(limit + 1);
        for entry in table
            .range((product, after.saturating_add(1))..=(product, u64::MAX))
            .map_err(StoreError::from)?
            .take(limit + 1)
        {
            let (_, value) = entry.map_err(StoreError::from)?;
            entries.push(decode_from::<StockAdjustment>(
                "stock_ledger",
                value.value(),
            )?);
        }
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_cursor = more
            .then(|| entries.last().map(|e| e.seq.to_string()))
            .flatten();
        Ok(LedgerPage {
            entries,
            next_cursor,
        })
    }

    /// Returns every hold due at `now` to stock (the sweeper thread does this every
    /// ~250 ms with the current time); returns how many holds lapsed.
    pub fn sweep_holds(&self, now: Timestamp) -> usize {
        let activity = &self.inner.activity;
        super::sweeper::sweep_all(&self.inner.inventory, now.as_millis(), &|hold| {
            activity.record(crate::events::activity::hold_expired(hold));
        })
    }

    fn product_id_of(&self, sku: &str) -> Result<ProductId> {
        self.inner
            .catalog
            .product_id_by_sku(&self.inner.store, sku)?
            .ok_or_else(|| {
                Error::Inventory(InventoryError::SkuNotFound {
                    sku: sku.to_string(),
                })
            })
    }
}

/// The adjustment job: reads the stock and the ledger's end, checks the range, then
/// writes the stock, the ledger entry and the events.
fn write_adjustment(tx: &mut Tx<'_>, mut entry: StockAdjustment) -> Result<()> {
    let product = entry.product_id.raw();
    let seq = {
        let ledger = tx
            .txn()
            .open_table(tables::STOCK_LEDGER)
            .map_err(StoreError::from)?;
        let last = ledger
            .range((product, 0)..=(product, u64::MAX))?
            .next_back()
            .transpose()?;
        last.map_or(0, |(key, _)| key.value().1) + 1
    };
    let (before, after) = durable::update(tx, product, |record| {
        let on_hand = record
            .on_hand
            .checked_add_signed(entry.delta)
            .filter(|&on_hand| on_hand <= STOCK_MAX);
        match on_hand {
            Some(on_hand) => Ok(StockRecord { on_hand, ..record }),
            None => Err(InventoryError::AdjustmentOutOfRange {
                product: entry.product_id,
                delta: entry.delta,
                on_hand: record.on_hand,
            }
            .into()),
        }
    })?;
    entry.seq = seq;
    entry.on_hand_after = after.on_hand;
    entry.at = tx.now;
    let mut ledger = tx
        .txn()
        .open_table(tables::STOCK_LEDGER)
        .map_err(StoreError::from)?;
    ledger.insert((product, seq), encode(&entry).as_slice())?;
    drop(ledger);
    tx.emit(Event::StockAdjusted(entry))?;
    durable::emit_low_stock(tx, product, before, after)
}

/// Checks the stored stock against itself and against memory when the engine opens:
/// every record decodes, on hand and sold stay within bounds, memory matches the
/// store, and `on_hand = available + reserved` holds in every cell.
pub(crate) fn check_on_open(store: &Store, inventory: &super::Inventory) -> Result<()> {
    let inconsistent = |detail: String| Error::Inventory(InventoryError::Inconsistent { detail });
    let txn = store.read()?;
    let table = txn.open_table(tables::STOCK).map_err(StoreError::from)?;
    for entry in table.iter().map_err(StoreError::from)? {
        let (key, value) = entry.map_err(StoreError::from)?;
        let product = ProductId::from_raw(key.value());
        let record = StockRecord::decode(value.value())?;
        if record.on_hand > STOCK_MAX || record.on_hand.checked_add(record.sold).is_none() {
            return Err(inconsistent(format!(
                "{product}: on hand {} and sold {} out of range",
                record.on_hand, record.sold
            )));
        }
        let live = inventory.level(product.raw()).map(|level| level.on_hand);
        if live != Some(record.on_hand) {
            return Err(inconsistent(format!(
                "{product}: stored on hand {} but {live:?} in memory",
                record.on_hand
            )));
        }
    }
    inventory.check_invariants().map_err(inconsistent)
}
