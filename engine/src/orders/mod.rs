//! Orders: the order state machine, the append-only order log, and the order queries.
//!
//! The store holds each order (table `orders`, with its payment and transaction
//! history embedded), every state change in `order_log` under `(order, n)` with time
//! and actor, and each buyer's orders in `user_orders`. Checkout creates orders; this
//! capability moves them on.
//!
//! Invariants:
//! - status moves only along [`next_status`]: pending → paid → shipped → delivered,
//!   cancel from pending or paid, refund once paid; anything else is
//!   [`OrderError::InvalidTransition`] and changes nothing;
//! - every change bumps `version` and appends exactly one log entry in the same
//!   transaction; entries are never rewritten;
//! - a cancel returns the stock in the same transaction (`on_hand += q`, `sold -= q`)
//!   and refunds what was received; refunds never exceed what was received;
//! - one transition at a time per order (an in-memory key lock), because a refund
//!   talks to the provider before the commit.

mod api;
mod query;
mod record;
mod transition;

use std::collections::BTreeSet;
use std::fmt;

use parking_lot::RwLock;
use redb::ReadableTable;

pub use query::{ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX, OrderEventPage, OrderPage};
pub(crate) use record::{
    LogRecord, OrderBody, OrderRecord, PaymentRecord, decode_order, encode_body, encode_with_id,
};

use crate::Result;
use crate::cart::KeyedLocks;
use crate::model::OrderStatus;
use crate::store::{Store, StoreError, tables};

/// Longest wait for another transition of the same order.
pub const ORDER_LOCK_WAIT_MS_MAX: u64 = 30_000;
/// Most transactions in one payment's history (each partial refund adds one), which
/// also bounds an order's log.
pub const PAYMENT_TRANSACTIONS_MAX: usize = 64;

/// What an admin or a customer asks of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderAction {
    /// Record that an offline payment (bank transfer, cash) arrived.
    MarkPaid,
    /// Cancel before shipping.
    Cancel,
    /// Hand to the carrier.
    Ship,
    /// Record the delivery.
    Deliver,
    /// Give money back (in full or in part).
    Refund,
}

impl OrderAction {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::MarkPaid => "mark_paid",
            OrderAction::Cancel => "cancel",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::Refund => "refund",
        }
    }
}

impl fmt::Display for OrderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status `action` leads to from `from`, if the state machine allows it. A refund
/// leads to `refunded`; a partial refund keeps the status (decided by the amount).
pub fn next_status(from: OrderStatus, action: OrderAction) -> Option<OrderStatus> {
    use OrderAction as A;
    use OrderStatus as S;
    match (from, action) {
        (S::Pending, A::MarkPaid) => Some(S::Paid),
        (S::Pending | S::Paid, A::Cancel) => Some(S::Cancelled),
        (S::Paid, A::Ship) => Some(S::Shipped),
        (S::Shipped, A::Deliver) => Some(S::Delivered),
        (S::Paid | S::Shipped | S::Delivered, A::Refund) => Some(S::Refunded),
        _ => None,
    }
}

/// An order rule refused the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// No order has this id, or it is someone else's (HTTP 404, `order_not_found`).
    #[error("no order `{id}`")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The state machine does not allow it (HTTP 409, `invalid_transition`).
    #[error("cannot {action} an order that is {from}")]
    InvalidTransition {
        /// The order's status.
        from: OrderStatus,
        /// What was asked.
        action: OrderAction,
    },
    /// A refund beyond what was received and not yet refunded (HTTP 409,
    /// `invalid_transition`).
    #[error("cannot refund {requested}: only {refundable} is refundable")]
    RefundExceedsPaid {
        /// Minor units asked for.
        requested: u64,
        /// Minor units that can still be refunded.
        refundable: u64,
    },
    /// Only an admin may do this (HTTP 403, `forbidden`).
    #[error("only an admin may {action} an order")]
    Forbidden {
        /// What was asked.
        action: OrderAction,
    },
    /// The payment has [`PAYMENT_TRANSACTIONS_MAX`] transactions; refund the rest in
    /// one go (HTTP 409, `payment_history_full`).
    #[error("the payment already has {max} transactions")]
    HistoryFull {
        /// The limit.
        max: usize,
    },
    /// Another change of this order took too long (HTTP 409, `order_busy`).
    #[error("another change of this order is in progress")]
    Busy,
}

impl OrderError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::NotFound { .. } => "order_not_found",
            OrderError::InvalidTransition { .. } | OrderError::RefundExceedsPaid { .. } => {
                "invalid_transition"
            }
            OrderError::Forbidden { .. } => "forbidden",
            OrderError::HistoryFull { .. } => "payment_history_full",
            OrderError::Busy => "order_busy",
        }
    }
}

/// Order ids by status, for the admin listing filtered by status.
#[derive(Debug, Default)]
pub(crate) struct StatusIndex {
    by_status: [BTreeSet<u64>; 6],
}

impl StatusIndex {
    pub(crate) fn insert(&mut self, status: OrderStatus, order: u64) {
        self.by_status[status.index()].insert(order);
    }

    pub(crate) fn moved(&mut self, from: OrderStatus, to: OrderStatus, order: u64) {
        self.by_status[from.index()].remove(&order);
        self.by_status[to.index()].insert(order);
    }

    /// Up to `limit` ids with `status` below `before`, newest first.
    pub(crate) fn page(&self, status: OrderStatus, before: u64, limit: usize) -> Vec<u64> {
        self.by_status[status.index()]
            .range(..before)
            .rev()
            .take(limit)
            .copied()
            .collect()
    }
}

/// The orders capability's in-memory state.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    pub(crate) locks: KeyedLocks,
    pub(crate) index: RwLock<StatusIndex>,
}

impl Orders {
    /// Builds the status index from the head of every stored order.
    pub(crate) fn load(store: &Store) -> Result<Orders> {
        let txn = store.read()?;
        let table = txn.open_table(tables::ORDERS).map_err(StoreError::from)?;
        let mut index = StatusIndex::default();
        for entry in table.iter().map_err(StoreError::from)? {
            let (_, value) = entry.map_err(StoreError::from)?;
            let head = record::decode_head(value.value())?;
            index.insert(head.status, head.id.raw());
        }
        Ok(Orders {
            locks: KeyedLocks::default(),
            index: RwLock::new(index),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (status, action) pair: exactly these are allowed.
    #[test]
    fn the_state_machine_table() {
        use OrderAction as A;
        use OrderStatus as S;
        let allowed = [
            (S::Pending, A::MarkPaid, S::Paid),
            (S::Pending, A::Cancel, S::Cancelled),
            (S::Paid, A::Cancel, S::Cancelled),
            (S::Paid, A::Ship, S::Shipped),
            (S::Shipped, A::Deliver, S::Delivered),
            (S::Paid, A::Refund, S::Refunded),
            (S::Shipped, A::Refund, S::Refunded),
            (S::Delivered, A::Refund, S::Refunded),
        ];
        for from in S::ALL {
            for action in [A::MarkPaid, A::Cancel, A::Ship, A::Deliver, A::Refund] {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(next_status(from, action), expected, "{from} {action}");
            }
        }
    }
}
