//! Reconciliation of crash window W2 (and of compensations whose refund failed): money
//! the provider holds for a checkout attempt that has no committed order is given back.
//!
//! A checkout attempt pays under a reference `chk:<cart>:<nonce>`. Its order, once
//! committed, closes the cart and names the order, whose payment keeps the same
//! reference. So a provider payment is settled exactly when its cart names an order
//! whose payment has its reference; anything else is refunded (if captured) or voided
//! (if only authorized). Attempts still running in this process are left alone: the
//! in-flight set is read before the store snapshot, so an attempt that is not in
//! flight has either committed (visible in the snapshot) or will never commit.

use crate::cart::read_cart;
use crate::model::{CartId, Timestamp};
use crate::orders::decode_order;
use crate::payments::ProviderPayment;
use crate::store::{StoreError, tables};
use crate::{Engine, Result};

/// How far back reconciliation looks (7 days).
pub const RECONCILE_WINDOW_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// Most provider payments one reconciliation looks at.
pub const RECONCILE_PAYMENTS_MAX: usize = 100_000;

const REFERENCE_PREFIX: &str = "chk:";

/// What a reconciliation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Provider payments looked at.
    pub examined: usize,
    /// Captures without an order, refunded.
    pub refunded: usize,
    /// Authorizations without an order, voided.
    pub voided: usize,
    /// Refunds or voids that failed (retried by the next reconciliation).
    pub failed: usize,
}

/// The reference of a new checkout attempt on `cart`.
pub(crate) fn attempt_reference(cart: CartId) -> String {
    format!("{REFERENCE_PREFIX}{cart}:{:016x}", rand::random::<u64>())
}

fn cart_of(reference: &str) -> Option<CartId> {
    let rest = reference.strip_prefix(REFERENCE_PREFIX)?;
    CartId::parse(rest.split(':').next()?)
}

fn committed(txn: &redb::ReadTransaction, cart: CartId, reference: &str) -> Result<bool> {
    let Some((_, record)) = read_cart(txn, cart)? else {
        return Ok(false);
    };
    let Some(order) = record.order_id else {
        return Ok(false);
    };
    let orders = txn.open_table(tables::ORDERS).map_err(StoreError::from)?;
    let Some(bytes) = orders.get(order.raw()).map_err(StoreError::from)? else {
        return Ok(false);
    };
    let order = decode_order(bytes.value())?;
    Ok(order
        .body
        .payment
        .authorization
        .is_some_and(|a| a.reference == reference))
}

impl Engine {
    /// Gives back money the provider holds for checkouts that never committed (crash
    /// window W2, or a compensation whose refund failed). Runs on open; safe to call
    /// any time, from any thread, as often as wanted (refunds are idempotent).
    pub fn reconcile_payments(&self) -> Result<ReconcileReport> {
        let since = Timestamp::from_millis(
            Timestamp::now()
                .as_millis()
                .saturating_sub(RECONCILE_WINDOW_MS),
        );
        let listed = self
            .inner
            .payments
            .payments_since(since, RECONCILE_PAYMENTS_MAX)?;
        let mut report = ReconcileReport {
            examined: listed.len(),
            ..ReconcileReport::default()
        };
        let unsettled: Vec<(CartId, ProviderPayment)> = listed
            .into_iter()
            .filter(|p| p.outstanding() > 0 || (p.captured == 0 && !p.voided))
            .filter_map(|p| cart_of(&p.reference).map(|cart| (cart, p)))
            .filter(|(_, p)| !self.inner.checkout.attempts.contains(&p.reference))
            .collect();
        // The snapshot comes after the in-flight check (see the module docs).
        let txn = self.inner.store.read()?;
        for (cart, payment) in unsettled {
            if committed(&txn, cart, &payment.reference)? {
                continue;
            }
            let reference = &payment.reference;
            let outcome = if payment.outstanding() > 0 {
                let amount = crate::model::Money::new(
                    payment.outstanding(),
                    payment.authorization.amount.currency,
                );
                let key = format!("{reference}:reconcile-refund:{}", payment.refunded);
                self.inner
                    .payments
                    .refund(&payment.authorization, amount, &key)
                    .map(|_| &mut report.refunded)
            } else {
                self.inner
                    .payments
                    .void(
                        &payment.authorization,
                        &format!("{reference}:reconcile-void"),
                    )
                    .map(|_| &mut report.voided)
            };
            match outcome {
                Ok(counter) => {
                    *counter += 1;
                    tracing::info!(reference, "payment without an order given back");
                }
                Err(error) => {
                    report.failed += 1;
                    tracing::warn!(%error, reference, "reconciliation could not give a payment back");
                }
            }
        }
        Ok(report)
    }
}
