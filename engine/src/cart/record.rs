//! The stored cart and its public view.

use serde::{Deserialize, Serialize};

use crate::model::{CartId, Currency, Money, OrderId, ProductId, Timestamp, Totals, UserId};
use crate::store::{StoreError, decode_from, tables};

/// Whether a cart can still change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    /// Being filled; can be checked out.
    Open,
    /// Turned into an order; frozen.
    CheckedOut,
}

/// A line as stored: one per product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CartLine {
    pub(crate) product_id: ProductId,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) quantity: u64,
    pub(crate) unit_price: Money,
}

/// A cart as stored. Every change bumps `version`.
///
/// `order_id` is the LAST field on purpose: checkout encodes the closed cart on the
/// caller's thread with a placeholder order id and the committer splices in the real
/// one (see `checkout::splice`), so the field order is part of the format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CartRecord {
    pub(crate) id: CartId,
    pub(crate) user_id: Option<UserId>,
    pub(crate) version: u64,
    pub(crate) status: CartStatus,
    pub(crate) lines: Vec<CartLine>,
    /// The voucher code as the voucher spells it.
    pub(crate) voucher: Option<String>,
    /// The currency of every line (`None` while empty).
    pub(crate) currency: Option<Currency>,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
    /// The order it became (set by the checkout commit).
    pub(crate) order_id: Option<OrderId>,
}

impl CartRecord {
    /// The line of `sku`, if any.
    pub(crate) fn line(&self, sku: &str) -> Option<&CartLine> {
        self.lines.iter().find(|line| line.sku == sku)
    }

    /// The record after one change: version bumped, time moved.
    pub(crate) fn next(&self, now: Timestamp) -> CartRecord {
        CartRecord {
            version: self.version + 1,
            updated_at: now,
            ..self.clone()
        }
    }

    /// `(product, quantity)` of every line, for holds and sales.
    pub(crate) fn hold_lines(&self) -> Vec<(u64, u64)> {
        self.lines
            .iter()
            .map(|line| (line.product_id.raw(), line.quantity))
            .collect()
    }
}

/// A cart as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// Its id (`cart_…`).
    pub id: CartId,
    /// Its owner, if it was created by a signed-in user.
    pub user_id: Option<UserId>,
    /// Bumped by every change; send it as `If-Match` to guard a change.
    pub version: u64,
    /// Open or checked out.
    pub status: CartStatus,
    /// The lines, in the order they were added.
    pub items: Vec<CartItem>,
    /// The voucher code applied, if any.
    pub voucher: Option<String>,
    /// The money, with the voucher's discount if it still applies.
    pub totals: Totals,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The order it became, once checked out.
    pub order_id: Option<OrderId>,
}

/// A line of a cart as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartItem {
    /// The merchant's SKU.
    pub sku: String,
    /// The product.
    pub product_id: ProductId,
    /// The product's name when it was added.
    pub name: String,
    /// Units.
    pub quantity: u64,
    /// Price of one unit when it was added.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub line_total: Money,
    /// Whether the whole quantity is held for this cart right now.
    pub held: bool,
    /// When the hold lapses; `None` when not held.
    pub reserved_until: Option<Timestamp>,
}

/// Reads cart `id` from a snapshot: its stored bytes (to detect a concurrent change
/// at commit) and the decoded record.
pub(crate) fn read_cart(
    txn: &redb::ReadTransaction,
    id: CartId,
) -> Result<Option<(Vec<u8>, CartRecord)>, StoreError> {
    let table = txn.open_table(tables::CARTS)?;
    let Some(value) = table.get(id.raw())? else {
        return Ok(None);
    };
    let bytes = value.value().to_vec();
    let record = decode_from("carts", &bytes)?;
    Ok(Some((bytes, record)))
}
