//! Stock facts that leave the inventory capability: ledger entries of admin
//! adjustments, and low-stock alerts.

use serde::{Deserialize, Serialize};

use super::{Actor, ProductId, Timestamp};

/// One entry of a product's stock ledger: an admin's adjustment, why, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAdjustment {
    /// The product.
    pub product_id: ProductId,
    /// Its SKU.
    pub sku: String,
    /// Position in the product's ledger, from 1.
    pub seq: u64,
    /// Units added (positive) or taken away (negative).
    pub delta: i64,
    /// Why (1–200 characters).
    pub reason: String,
    /// Who.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// Units on hand after the adjustment.
    pub on_hand_after: u64,
}

/// A product's stock on hand fell to or below its low-stock threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStock {
    /// The product.
    pub product_id: ProductId,
    /// Units on hand now.
    pub on_hand: u64,
    /// Its threshold.
    pub threshold: u64,
}
