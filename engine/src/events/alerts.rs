//! The low-stock alerts read model: the latest low-stock event per product, cleared
//! when an adjustment or a restock lifts the product back above its threshold.

use std::collections::BTreeMap;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::Subscriber;
use crate::model::{Event, EventRecord, ProductId, Timestamp};

/// The subscriber's name.
pub(crate) const NAME: &str = "alerts";
/// Most products with an open alert kept; past it the oldest alert is dropped.
pub const LOW_STOCK_ALERTS_MAX: usize = 10_000;

/// A product whose stock fell to or below its threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStockAlert {
    /// The product.
    pub product_id: ProductId,
    /// Units on hand when the alert was raised.
    pub on_hand: u64,
    /// The product's threshold.
    pub threshold: u64,
    /// When stock crossed the threshold.
    pub at: Timestamp,
}

/// Open alerts by product.
#[derive(Default)]
pub(crate) struct Alerts {
    open: RwLock<BTreeMap<ProductId, LowStockAlert>>,
}

impl Alerts {
    /// Open alerts, newest first.
    pub(crate) fn list(&self) -> Vec<LowStockAlert> {
        let mut alerts: Vec<LowStockAlert> = self.open.read().values().cloned().collect();
        alerts.sort_by(|a, b| b.at.cmp(&a.at).then(a.product_id.cmp(&b.product_id)));
        alerts
    }
}

impl Subscriber for Alerts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, events: &[EventRecord]) {
        let mut open = self.open.write();
        for record in events {
            match &record.event {
                Event::LowStock(low) => {
                    if open.len() >= LOW_STOCK_ALERTS_MAX
                        && !open.contains_key(&low.product_id)
                        && let Some(oldest) = open
                            .values()
                            .min_by_key(|alert| (alert.at, alert.product_id))
                            .map(|alert| alert.product_id)
                    {
                        open.remove(&oldest);
                    }
                    open.insert(
                        low.product_id,
                        LowStockAlert {
                            product_id: low.product_id,
                            on_hand: low.on_hand,
                            threshold: low.threshold,
                            at: record.at,
                        },
                    );
                }
                Event::StockAdjusted(adjusted) => {
                    let lifted = open
                        .get(&adjusted.product_id)
                        .is_some_and(|alert| adjusted.on_hand_after > alert.threshold);
                    if lifted {
                        open.remove(&adjusted.product_id);
                    }
                }
                _ => {}
            }
        }
    }

    fn checkpoint(&self) -> Vec<u8> {
        let alerts: Vec<LowStockAlert> = self.open.read().values().cloned().collect();
        // Plain owned data into a Vec cannot fail to serialize.
        postcard::to_allocvec(&alerts).unwrap_or_default()
    }

    fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let alerts: Vec<LowStockAlert> =
            postcard::from_bytes(bytes).map_err(|error| error.to_string())?;
        *self.open.write() = alerts
            .into_iter()
            .map(|alert| (alert.product_id, alert))
            .collect();
        Ok(())
    }

    fn reset(&self) {
        self.open.write().clear();
    }
}
