//! The orders part of the engine's public API. `actor` says who asks: a customer sees
//! and cancels only their own orders (another's is "not found"); admin actions by a
//! customer are [`super::OrderError::Forbidden`].

use super::OrderAction;
use crate::model::{Actor, Money, Order, OrderId};
use crate::{Engine, Result};

impl Engine {
    /// Order `id` as `viewer` may see it.
    pub fn order(&self, id: OrderId, viewer: Actor) -> Result<Order> {
        Ok(self.read_order(id, viewer)?.1.view())
    }

    /// Cancels an order before it ships (owner or admin): its stock goes back on hand
    /// and whatever was received is refunded, in one commit.
    pub fn cancel_order(&self, id: OrderId, actor: Actor) -> Result<Order> {
        self.transition_order(id, actor, OrderAction::Cancel, None)
    }

    /// Records that a pending order's offline payment arrived (admin).
    pub fn mark_order_paid(&self, id: OrderId, actor: Actor) -> Result<Order> {
        self.transition_order(id, actor, OrderAction::MarkPaid, None)
    }

    /// Ships a paid order (admin).
    pub fn ship_order(&self, id: OrderId, actor: Actor) -> Result<Order> {
        self.transition_order(id, actor, OrderAction::Ship, None)
    }

    /// Records the delivery of a shipped order (admin).
    pub fn deliver_order(&self, id: OrderId, actor: Actor) -> Result<Order> {
        self.transition_order(id, actor, OrderAction::Deliver, None)
    }

    /// Refunds `amount` (everything still refundable when `None`) of a paid, shipped or
    /// delivered order (admin). A partial refund keeps the status; the refund that
    /// brings the refundable amount to zero makes it `refunded`. More than is
    /// refundable is [`super::OrderError::RefundExceedsPaid`] (409).
    pub fn refund_order(&self, id: OrderId, actor: Actor, amount: Option<Money>) -> Result<Order> {
        self.transition_order(id, actor, OrderAction::Refund, amount)
    }
}
