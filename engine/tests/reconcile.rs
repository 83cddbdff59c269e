//! Crash window W2 of checkout: the payment was captured but the process died before
//! the order committed. Simulated with the `fail_after_capture` fault (the checkout
//! stops without committing or compensating, as a crash would) and a reopen with the
//! same provider: on open the engine refunds the capture that has no order, leaves
//! committed orders alone, and the shopper's cart is open to try again.

mod common;

use std::sync::Arc;

use common::*;
use emporium::{CheckoutError, Error, Faults, PaymentProvider, StoreLocation, Timestamp};

#[test]
fn a_capture_without_an_order_is_refunded_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let (cart, committed) = {
        let engine = file_engine(dir.path(), &provider);
        product(&engine, "A", 1_500, 10);
        let paid = cart_with(&engine, &[("A", 1)]);
        let committed = engine
            .checkout(paid.id, None, good_card(), None)
            .expect("a normal order")
            .order;
        drop(engine);
        let mut crashing = config(
            StoreLocation::Directory(dir.path().into()),
            Arc::clone(&provider),
        );
        crashing.faults = Faults {
            fail_after_capture: true,
        };
        let engine = emporium::Engine::open_with(crashing).expect("open");
        let cart = cart_with(&engine, &[("A", 2)]);
        let crashed = engine.checkout(cart.id, None, good_card(), None);
        assert!(
            matches!(crashed, Err(Error::Checkout(CheckoutError::Interrupted))),
            "{crashed:?}"
        );
        (cart, committed)
    };
    // (authorized, still held) per provider payment, in a stable order.
    let outstanding = |provider: &emporium::TestProvider| -> Vec<(u64, u64)> {
        let mut all: Vec<_> = provider
            .payments_since(Timestamp::EPOCH, 10)
            .expect("list")
            .iter()
            .map(|p| (p.authorization.amount.amount, p.outstanding()))
            .collect();
        all.sort_unstable();
        all
    };
    assert_eq!(
        outstanding(&provider),
        [(1_500, 1_500), (3_000, 3_000)],
        "money taken without an order"
    );

    let engine = file_engine(dir.path(), &provider);
    assert_eq!(
        outstanding(&provider),
        [(1_500, 1_500), (3_000, 0)],
        "refunded on open; the real order kept"
    );
    let report = engine.reconcile_payments().expect("again");
    assert_eq!(
        (report.refunded, report.voided, report.failed),
        (0, 0, 0),
        "nothing left to do"
    );
    assert_eq!(
        engine
            .order(committed.id, emporium::Actor::System)
            .expect("order")
            .payment
            .refunded,
        usd(0)
    );
    let open = engine.cart(cart.id, None).expect("cart");
    assert_eq!(open.status, emporium::CartStatus::Open);
    assert!(!open.items[0].held, "holds did not survive the crash");
    let retried = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("the shopper retries")
        .order;
    assert_eq!(retried.total, usd(3_000));
    assert_eq!(
        engine.reconcile_payments().expect("periodic").refunded,
        0,
        "committed orders are left alone"
    );
    assert_eq!(
        outstanding(&provider),
        [(1_500, 1_500), (3_000, 0), (3_000, 3_000)]
    );
}
