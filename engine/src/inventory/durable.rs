//! Durable stock changes inside a committer job, in two phases so that a job reads and
//! decides everything before it writes anything: [`plan_sale`] / [`plan_return`] read
//! and check every line, [`apply`] writes them (and the low-stock alerts).

use std::collections::BTreeMap;

use redb::ReadableTable;

use crate::model::{Event, LowStock, ProductId};
use crate::store::Tx;
use crate::store::codec::encode;
use crate::{Error, Result};

use super::{InventoryError, StockRecord};

/// One product's stored stock before and after a change.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StockChange {
    product: u64,
    before: StockRecord,
    after: StockRecord,
}

fn plan(
    tx: &mut Tx<'_>,
    lines: &[(u64, u64)],
    change: impl Fn(u64, u64, StockRecord) -> Result<StockRecord>,
) -> Result<Vec<StockChange>> {
    let mut merged: BTreeMap<u64, u64> = BTreeMap::new();
    for &(product, quantity) in lines {
        let slot = merged.entry(product).or_default();
        *slot = slot.saturating_add(quantity);
    }
    let mut changes = Vec::with_capacity(merged.len());
    for (product, quantity) in merged {
        let before: StockRecord = match tx.stock()?.get(product)? {
            Some(value) => StockRecord::decode(value.value())?,
            None => {
                return Err(InventoryError::UnknownProduct {
                    product: ProductId::from_raw(product),
                }
                .into());
            }
        };
        let after = change(product, quantity, before)?;
        changes.push(StockChange {
            product,
            before,
            after,
        });
    }
    Ok(changes)
}

/// Applies `change` to one product's stored stock and writes the result; returns the
/// record before and after. A refused change writes nothing.
pub(crate) fn update(
    tx: &mut Tx<'_>,
    product: u64,
    change: impl FnOnce(StockRecord) -> Result<StockRecord>,
) -> Result<(StockRecord, StockRecord)> {
    let changes = plan(tx, &[(product, 0)], |_, _, record| Ok(record))?;
    let before = changes.first().map(|change| change.before).ok_or_else(|| {
        Error::Inventory(InventoryError::UnknownProduct {
            product: ProductId::from_raw(product),
        })
    })?;
    let after = change(before)?;
    tx.stock()?.insert(product, encode(&after).as_slice())?;
    Ok((before, after))
}

/// Plans the sale of `lines`: `on_hand -= q`, `sold += q` for each.
pub(crate) fn plan_sale(tx: &mut Tx<'_>, lines: &[(u64, u64)]) -> Result<Vec<StockChange>> {
    plan(tx, lines, |product, quantity, record| {
        match (
            record.on_hand.checked_sub(quantity),
            record.sold.checked_add(quantity),
        ) {
            (Some(on_hand), Some(sold)) => Ok(StockRecord {
                on_hand,
                sold,
                ..record
            }),
            // The sale was held in memory against the same on-hand count, so this
            // means memory and store disagree: refuse this sale, not the whole batch.
            _ => Err(Error::Inventory(InventoryError::Insufficient {
                product: ProductId::from_raw(product),
                sku: String::new(),
                requested: quantity,
                available: record.on_hand,
            })),
        }
    })
}

/// Plans the return of sold `lines` to stock (a cancelled order).
pub(crate) fn plan_return(tx: &mut Tx<'_>, lines: &[(u64, u64)]) -> Result<Vec<StockChange>> {
    plan(tx, lines, |_, quantity, record| {
        Ok(StockRecord {
            on_hand: record.on_hand.saturating_add(quantity),
            sold: record.sold.saturating_sub(quantity),
            ..record
        })
    })
}

/// Writes planned changes, with a [`LowStock`] event for each that crosses its
/// product's threshold downwards.
pub(crate) fn apply(tx: &mut Tx<'_>, changes: &[StockChange]) -> Result<()> {
    for change in changes {
        tx.stock()?
            .insert(change.product, encode(&change.after).as_slice())?;
        emit_low_stock(tx, change.product, change.before, change.after)?;
    }
    Ok(())
}

/// Emits [`Event::LowStock`] when `before → after` crosses the threshold downwards.
pub(crate) fn emit_low_stock(
    tx: &mut Tx<'_>,
    product: u64,
    before: StockRecord,
    after: StockRecord,
) -> Result<()> {
    let threshold = after.low_stock_threshold;
    if before.on_hand > threshold && after.on_hand <= threshold {
        tx.emit(Event::LowStock(LowStock {
            product_id: ProductId::from_raw(product),
            on_hand: after.on_hand,
            threshold,
        }))?;
    }
    Ok(())
}
