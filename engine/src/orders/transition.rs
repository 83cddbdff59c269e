//! Moving an order along its state machine: under the order's key lock, read it,
//! check the move, move the money (a refund talks to the provider BEFORE the commit),
//! then commit the new record, one log entry, the returned stock (cancel) and the
//! event in one transaction.
//!
//! Crash window R1: the provider refunded, the commit did not happen (crash or storage
//! failure). The order still shows the money as received. Retrying the same action
//! repeats the refund with the same idempotency key (it is derived from the number of
//! transactions, which did not change), so the provider does not pay twice, and the
//! commit then records it.

use std::time::Duration;

use redb::ReadableTable;

use super::{
    LogRecord, ORDER_LOCK_WAIT_MS_MAX, OrderAction, OrderError, OrderRecord,
    PAYMENT_TRANSACTIONS_MAX, PaymentRecord, decode_order, next_status,
};
use crate::inventory::durable;
use crate::model::{
    Actor, Event, Money, Order, OrderChanged, OrderEventData, OrderEventKind, OrderId, OrderStatus,
    PaymentStatus, PaymentTransaction, Timestamp, TransactionKind, TransactionOutcome,
    ValidationError,
};
use crate::store::codec::encode;
use crate::store::{StoreError, tables};
use crate::{Engine, Error, Result};

/// A transition computed on the caller's thread, ready for the committer.
struct Prepared {
    order: u64,
    before: Vec<u8>,
    after: Vec<u8>,
    log_seq: u64,
    log: Vec<u8>,
    event: Event,
    restock: Vec<(u64, u64)>,
    from: OrderStatus,
    to: OrderStatus,
}

impl Engine {
    /// Applies `action` to order `id` on behalf of `actor`.
    pub(crate) fn transition_order(
        &self,
        id: OrderId,
        actor: Actor,
        action: OrderAction,
        amount: Option<Money>,
    ) -> Result<Order> {
        let orders = &self.inner.orders;
        let _guard = orders
            .locks
            .lock(id.raw(), Duration::from_millis(ORDER_LOCK_WAIT_MS_MAX))
            .ok_or(Error::Order(OrderError::Busy))?;
        let (before, record) = self.read_order(id, actor)?;
        if !actor.is_privileged() && action != OrderAction::Cancel {
            return Err(OrderError::Forbidden { action }.into());
        }
        let from = record.body.status;
        let invalid = || Error::Order(OrderError::InvalidTransition { from, action });
        let mut to = next_status(from, action).ok_or_else(invalid)?;
        let now = Timestamp::now();
        let mut after = record.clone();
        let (kind, moved) = self.move_money(&mut after.body.payment, action, amount, now)?;
        if kind == OrderEventKind::PartiallyRefunded {
            to = from;
        }
        after.body.status = to;
        after.body.version += 1;
        after.body.updated_at = now;
        after.body.log_len += 1;
        let log = LogRecord {
            kind,
            from_status: Some(from),
            to_status: to,
            actor,
            at: now,
            data: OrderEventData {
                amount: moved,
                payment_status: Some(after.body.payment.status),
            },
        };
        let restock = match action {
            OrderAction::Cancel => after
                .body
                .lines
                .iter()
                .map(|l| (l.product_id.raw(), l.quantity))
                .collect(),
            _ => Vec::new(),
        };
        let prepared = Prepared {
            order: id.raw(),
            before,
            after: encode(&after),
            log_seq: after.body.log_len,
            log: encode(&log),
            event: Event::OrderChanged(OrderChanged {
                user_id: after.body.user_id,
                entry: log.view(id, after.body.log_len),
            }),
            restock,
            from,
            to,
        };
        self.commit_transition(prepared)?;
        Ok(after.view())
    }

    /// Reads order `id` as `viewer` may see it: a customer sees only their own.
    pub(crate) fn read_order(&self, id: OrderId, viewer: Actor) -> Result<(Vec<u8>, OrderRecord)> {
        let txn = self.inner.store.read()?;
        let table = txn.open_table(tables::ORDERS).map_err(StoreError::from)?;
        let not_found = || Error::Order(OrderError::NotFound { id: id.to_string() });
        let bytes = table
            .get(id.raw())
            .map_err(StoreError::from)?
            .ok_or_else(not_found)?
            .value()
            .to_vec();
        let record = decode_order(&bytes)?;
        match viewer {
            Actor::Customer(user) if record.body.user_id != Some(user) => Err(not_found()),
            _ => Ok((bytes, record)),
        }
    }

    /// Moves the money `action` needs; returns the log kind and the amount moved.
    fn move_money(
        &self,
        payment: &mut PaymentRecord,
        action: OrderAction,
        amount: Option<Money>,
        now: Timestamp,
    ) -> Result<(OrderEventKind, Option<Money>)> {
        match action {
            OrderAction::MarkPaid => {
                payment.transactions.push(PaymentTransaction {
                    kind: TransactionKind::Capture,
                    amount: payment.amount,
                    at: now,
                    reference: None,
                    outcome: TransactionOutcome::Succeeded,
                });
                payment.status = PaymentStatus::Captured;
                Ok((OrderEventKind::Paid, Some(payment.amount)))
            }
            OrderAction::Ship => Ok((OrderEventKind::Shipped, None)),
            OrderAction::Deliver => Ok((OrderEventKind::Delivered, None)),
            OrderAction::Cancel => {
                let refundable = payment.refundable();
                if refundable == 0 {
                    payment.status = PaymentStatus::Voided;
                    return Ok((OrderEventKind::Cancelled, None));
                }
                let moved = self.refund_payment(
                    payment,
                    Money::new(refundable, payment.amount.currency),
                    now,
                )?;
                Ok((OrderEventKind::Cancelled, Some(moved)))
            }
            OrderAction::Refund => {
                let refundable = payment.refundable();
                let currency = payment.amount.currency;
                let amount = amount.unwrap_or(Money::new(refundable, currency));
                if amount.currency != currency {
                    let message =
                        format!("`amount.currency` must be the order's currency, {currency}");
                    return Err(ValidationError::new(
                        "amount.currency",
                        "currency_mismatch",
                        message,
                    )
                    .into());
                }
                if amount.amount == 0 && refundable > 0 {
                    return Err(ValidationError::new(
                        "amount.amount",
                        "out_of_range",
                        "`amount.amount` must be more than 0",
                    )
                    .into());
                }
                if amount.amount > refundable || refundable == 0 {
                    return Err(OrderError::RefundExceedsPaid {
                        requested: amount.amount,
                        refundable,
                    }
                    .into());
                }
                if payment.transactions.len() >= PAYMENT_TRANSACTIONS_MAX {
                    return Err(OrderError::HistoryFull {
                        max: PAYMENT_TRANSACTIONS_MAX,
                    }
                    .into());
                }
                let moved = self.refund_payment(payment, amount, now)?;
                let kind = if payment.refundable() == 0 {
                    OrderEventKind::Refunded
                } else {
                    OrderEventKind::PartiallyRefunded
                };
                Ok((kind, Some(moved)))
            }
        }
    }

    /// Refunds `amount` (through the provider when it captured the money, else as a
    /// manual record) and updates the payment's status and history.
    fn refund_payment(
        &self,
        payment: &mut PaymentRecord,
        amount: Money,
        now: Timestamp,
    ) -> Result<Money> {
        let reference = match &payment.authorization {
            Some(authorization) => {
                // Derived from the history's length, which only a committed change
                // moves: a retry after a failed commit reuses it (window R1).
                let key = format!(
                    "{}:refund:{}",
                    authorization.reference,
                    payment.transactions.len()
                );
                Some(self.inner.payments.refund(authorization, amount, &key)?.id)
            }
            None => None,
        };
        payment.transactions.push(PaymentTransaction {
            kind: TransactionKind::Refund,
            amount,
            at: now,
            reference,
            outcome: TransactionOutcome::Succeeded,
        });
        payment.refunded = payment
            .refunded
            .checked_add(amount)
            .unwrap_or(payment.amount);
        payment.status = if payment.refundable() == 0 {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        };
        Ok(amount)
    }

    fn commit_transition(&self, prepared: Prepared) -> Result<()> {
        let Prepared {
            order,
            before,
            after,
            log_seq,
            log,
            event,
            restock,
            from,
            to,
        } = prepared;
        let restock_after = restock.clone();
        let orders = std::sync::Arc::clone(&self.inner.orders);
        let inventory = std::sync::Arc::clone(&self.inner.inventory);
        self.inner.store.write(
            move |tx| {
                // Under the order's lock nothing else changes it; a mismatch would be
                // a bug, refused rather than overwritten.
                let unchanged = tx
                    .orders()?
                    .get(order)?
                    .is_some_and(|stored| stored.value() == before.as_slice());
                if !unchanged {
                    return Err(OrderError::Busy.into());
                }
                let returns = durable::plan_return(tx, &restock)?;
                durable::apply(tx, &returns)?;
                tx.orders()?.insert(order, after.as_slice())?;
                tx.order_log()?.insert((order, log_seq), log.as_slice())?;
                tx.emit(event)?;
                Ok(())
            },
            move |()| {
                orders.index.write().moved(from, to, order);
                for (product, quantity) in restock_after {
                    inventory.add_on_hand(product, quantity);
                }
            },
        )
    }
}
