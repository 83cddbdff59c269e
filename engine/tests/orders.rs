//! The order state machine through the engine: every (status, action) pair either
//! moves as `next_status` says (with one log entry, a version bump and the right money
//! movement) or is refused with `invalid_transition` and changes nothing. A cancel
//! returns the stock durably (checked across a reopen); refunds never exceed what was
//! paid; customers see and cancel only their own orders; listings page newest first.

mod common;

use std::sync::Arc;

use common::*;
use emporium::{
    Actor, Engine, Error, Order, OrderAction, OrderError, OrderId, OrderStatus, PaymentStatus,
    UserId, next_status,
};

const ADMIN: Actor = Actor::Admin(UserId::from_raw(1_000));

/// An order in `status`, bought with a card unless it must be pending.
fn order_in(engine: &Engine, status: OrderStatus) -> Order {
    let cart = cart_with(engine, &[("A", 2)]);
    let request = if status == OrderStatus::Pending {
        cod()
    } else {
        good_card()
    };
    let order = engine
        .checkout(cart.id, None, request, None)
        .expect("checkout")
        .order;
    let id = order.id;
    let moved = match status {
        OrderStatus::Pending | OrderStatus::Paid => Ok(order),
        OrderStatus::Shipped => engine.ship_order(id, ADMIN),
        OrderStatus::Delivered => engine
            .ship_order(id, ADMIN)
            .and_then(|_| engine.deliver_order(id, ADMIN)),
        OrderStatus::Cancelled => engine.cancel_order(id, ADMIN),
        OrderStatus::Refunded => engine.refund_order(id, ADMIN, None),
    };
    let order = moved.expect("set up");
    assert_eq!(order.status, status);
    order
}

fn act(engine: &Engine, id: OrderId, action: OrderAction) -> emporium::Result<Order> {
    match action {
        OrderAction::MarkPaid => engine.mark_order_paid(id, ADMIN),
        OrderAction::Cancel => engine.cancel_order(id, ADMIN),
        OrderAction::Ship => engine.ship_order(id, ADMIN),
        OrderAction::Deliver => engine.deliver_order(id, ADMIN),
        OrderAction::Refund => engine.refund_order(id, ADMIN, None),
    }
}

#[test]
fn every_status_and_action_pair() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 1_000, 1_000);
    let actions = [
        OrderAction::MarkPaid,
        OrderAction::Cancel,
        OrderAction::Ship,
        OrderAction::Deliver,
        OrderAction::Refund,
    ];
    for from in OrderStatus::ALL {
        for action in actions {
            let before = order_in(&engine, from);
            let events_before = engine
                .order_events(before.id, ADMIN, 100, None)
                .expect("log")
                .events
                .len();
            let result = act(&engine, before.id, action);
            let stored = engine.order(before.id, ADMIN).expect("order");
            let events_after = engine
                .order_events(before.id, ADMIN, 100, None)
                .expect("log")
                .events;
            match next_status(from, action) {
                Some(to) => {
                    let after = result.unwrap_or_else(|e| panic!("{from} {action}: {e}"));
                    assert_eq!((after.status, stored.status), (to, to), "{from} {action}");
                    assert_eq!(stored.version, before.version + 1);
                    assert_eq!(events_after.len(), events_before + 1, "one log entry");
                    let last = events_after.last().expect("entry");
                    assert_eq!(
                        (last.from_status, last.to_status, last.actor),
                        (Some(from), to, ADMIN)
                    );
                }
                None => {
                    match result {
                        Err(Error::Order(OrderError::InvalidTransition { from: f, action: a })) => {
                            assert_eq!((f, a), (from, action))
                        }
                        other => {
                            panic!("{from} {action}: expected invalid_transition, got {other:?}")
                        }
                    }
                    assert_eq!(stored, before, "{from} {action}: nothing changed");
                    assert_eq!(events_after.len(), events_before);
                }
            }
        }
    }
}

#[test]
fn cancel_restores_stock_durably_and_refunds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let (a, order) = {
        let engine = file_engine(dir.path(), &provider);
        let a = product(&engine, "A", 1_000, 10);
        let cart = cart_with(&engine, &[("A", 4)]);
        let order = engine
            .checkout(cart.id, None, good_card(), None)
            .expect("checkout")
            .order;
        assert_eq!(engine.stock(a.id).on_hand, 6);
        let cancelled = engine.cancel_order(order.id, ADMIN).expect("cancel");
        assert_eq!(cancelled.payment.status, PaymentStatus::Refunded);
        assert_eq!(cancelled.payment.refunded, usd(4_000));
        assert_eq!(engine.stock(a.id).on_hand, 10);
        (a, order)
    };
    let engine = file_engine(dir.path(), &provider);
    assert_eq!(engine.stock(a.id).on_hand, 10, "the return is durable");
    let stored = engine.order(order.id, ADMIN).expect("order");
    assert_eq!(stored.status, OrderStatus::Cancelled);
    let cancelled = engine
        .orders(Some(OrderStatus::Cancelled), 10, None)
        .expect("by status");
    assert_eq!(
        cancelled.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        [order.id],
        "the status index is rebuilt on open"
    );
    let p = emporium::PaymentProvider::payments_since(
        provider.as_ref(),
        emporium::Timestamp::EPOCH,
        10,
    )
    .expect("list");
    assert_eq!(p[0].outstanding(), 0, "the provider gave the money back");
}

#[test]
fn partial_refunds_add_up_and_never_exceed_the_payment() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 1_000, 10);
    let order = order_in(&engine, OrderStatus::Paid);
    let partial = engine
        .refund_order(order.id, ADMIN, Some(usd(500)))
        .expect("partial");
    assert_eq!(
        (partial.status, partial.payment.status),
        (OrderStatus::Paid, PaymentStatus::PartiallyRefunded)
    );
    let beyond = engine.refund_order(order.id, ADMIN, Some(usd(1_501)));
    assert!(
        matches!(
            beyond,
            Err(Error::Order(OrderError::RefundExceedsPaid {
                requested: 1_501,
                refundable: 1_500
            }))
        ),
        "{beyond:?}"
    );
    let shipped = engine
        .ship_order(order.id, ADMIN)
        .expect("a partial refund keeps the status");
    assert_eq!(shipped.status, OrderStatus::Shipped);
    let rest = engine
        .refund_order(order.id, ADMIN, Some(usd(1_500)))
        .expect("the rest");
    assert_eq!(
        (rest.status, rest.payment.status, rest.payment.refunded),
        (OrderStatus::Refunded, PaymentStatus::Refunded, usd(2_000))
    );
    let wrong = engine.refund_order(
        order_in(&engine, OrderStatus::Paid).id,
        ADMIN,
        Some(emporium::Money::new(
            1,
            emporium::Currency::parse("EUR").expect("eur"),
        )),
    );
    assert!(matches!(wrong, Err(Error::Invalid(e)) if e.field == "amount.currency"));
    let marked = engine
        .mark_order_paid(order_in(&engine, OrderStatus::Pending).id, ADMIN)
        .expect("bank transfer arrived");
    let refunded = engine
        .refund_order(marked.id, ADMIN, None)
        .expect("manual refund");
    assert_eq!(refunded.payment.refunded, usd(2_000));
}

#[test]
fn customers_see_and_cancel_only_their_own_orders() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 1_000, 10);
    let (ada, bob) = (UserId::from_raw(77), UserId::from_raw(78));
    let cart = engine.create_cart(Some(ada)).expect("cart");
    engine
        .add_cart_item(cart.id, Some(ada), None, "A", 1)
        .expect("add");
    let order = engine
        .checkout(cart.id, Some(ada), good_card(), None)
        .expect("checkout")
        .order;
    let not_found =
        |r: emporium::Result<Order>| matches!(r, Err(Error::Order(OrderError::NotFound { .. })));
    assert!(not_found(engine.order(order.id, Actor::Customer(bob))));
    assert!(not_found(
        engine.cancel_order(order.id, Actor::Customer(bob))
    ));
    assert!(matches!(
        engine.ship_order(order.id, Actor::Customer(ada)),
        Err(Error::Order(OrderError::Forbidden { .. }))
    ));
    let cancelled = engine
        .cancel_order(order.id, Actor::Customer(ada))
        .expect("own order");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let log = engine
        .order_events(order.id, Actor::Customer(ada), 10, None)
        .expect("log")
        .events;
    assert_eq!(log.last().map(|e| e.actor), Some(Actor::Customer(ada)));
}

#[test]
fn listings_page_newest_first_and_filter_by_status() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 1_000, 100);
    let user = UserId::from_raw(5);
    let mut mine = Vec::new();
    for n in 0..7 {
        let cart = engine.create_cart(Some(user)).expect("cart");
        engine
            .add_cart_item(cart.id, Some(user), None, "A", 1)
            .expect("add");
        let request = if n % 2 == 0 { cod() } else { good_card() };
        mine.push(
            engine
                .checkout(cart.id, Some(user), request, None)
                .expect("checkout")
                .order
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .orders_of_user(user, 3, cursor.as_deref())
            .expect("page");
        seen.extend(page.orders.iter().map(|o| o.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    mine.reverse();
    assert_eq!(seen, mine, "newest first, no gaps or repeats");
    let pending = engine
        .orders(Some(OrderStatus::Pending), 100, None)
        .expect("pending");
    assert_eq!(pending.orders.len(), 4);
    assert!(
        pending
            .orders
            .iter()
            .all(|o| o.status == OrderStatus::Pending)
    );
    engine
        .mark_order_paid(pending.orders[0].id, ADMIN)
        .expect("paid");
    assert_eq!(
        engine
            .orders(Some(OrderStatus::Pending), 100, None)
            .expect("pending")
            .orders
            .len(),
        3
    );
    assert_eq!(
        engine
            .orders(Some(OrderStatus::Paid), 100, None)
            .expect("paid")
            .orders
            .len(),
        4
    );
    assert!(engine.orders(None, 100, Some("garbage")).is_err());
    assert!(engine.orders(None, 0, None).is_err());
}
