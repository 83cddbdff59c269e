//! Every failure path of the checkout saga leaves the cart open with its holds (same
//! quantities, same expiry) and no money kept: declines, insufficient funds, a provider
//! that keeps failing (503, and the circuit opens), a voucher used up at commit, stock
//! gone after a hold lapsed. Also: holds lapse and are re-reserved; carts survive a
//! restart while their holds do not.

mod common;

use std::time::Duration;

use common::*;
use emporium::{
    BreakerState, CartError, CartStatus, DeclineCode, Error, Event, InventoryError, NewVoucher,
    PER_MILLION, PaymentError, PaymentProvider, TEST_CARD_DECLINED, TEST_CARD_INSUFFICIENT_FUNDS,
    Timestamp, VoucherError, VoucherKind,
};

/// The cart is open, unchanged, and every line is still held until the same time.
fn assert_untouched(engine: &emporium::Engine, before: &emporium::Cart) {
    let after = engine.cart(before.id, None).expect("cart");
    assert_eq!(
        (after.status, after.version),
        (CartStatus::Open, before.version)
    );
    for (was, is) in before.items.iter().zip(&after.items) {
        assert!(is.held, "{} still held", is.sku);
        assert_eq!(
            is.reserved_until, was.reserved_until,
            "{} keeps its expiry",
            is.sku
        );
        assert_eq!(is.quantity, was.quantity);
    }
}

fn payment_failed_events(engine: &emporium::Engine) -> usize {
    // The event is written in the background; give it a moment.
    for _ in 0..100 {
        let count = engine
            .events_after(0, 10_000)
            .expect("events")
            .iter()
            .filter(|record| matches!(record.event, Event::PaymentFailed(_)))
            .count();
        if count > 0 {
            return count;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    0
}

#[test]
fn declines_leave_the_cart_open_with_its_holds() {
    let (engine, provider) = memory_engine();
    let a = product(&engine, "A", 1_000, 5);
    let cart = cart_with(&engine, &[("A", 2)]);
    for (number, code) in [
        (TEST_CARD_DECLINED, DeclineCode::CardDeclined),
        (TEST_CARD_INSUFFICIENT_FUNDS, DeclineCode::InsufficientFunds),
    ] {
        let failed = engine.checkout(cart.id, None, card(number), None);
        assert!(
            matches!(&failed, Err(Error::Payment(PaymentError::Declined { code: c })) if *c == code),
            "{failed:?}"
        );
        assert_untouched(&engine, &cart);
    }
    assert_eq!(provider.calls(), 2, "a decline is never retried");
    assert_eq!(engine.stock(a.id).reserved, 2);
    assert!(
        provider
            .payments_since(Timestamp::EPOCH, 10)
            .expect("list")
            .is_empty(),
        "nothing held by the provider"
    );
    assert!(payment_failed_events(&engine) >= 1);
    engine
        .checkout(cart.id, None, good_card(), None)
        .expect("the shopper tries again");
}

#[test]
fn a_failing_provider_is_retried_then_the_circuit_opens() {
    let (engine, provider) = memory_engine();
    product(&engine, "A", 1_000, 50);
    let cart = cart_with(&engine, &[("A", 1)]);
    provider.set_transient_failures_per_million(PER_MILLION);
    let failed = engine.checkout(cart.id, None, good_card(), None);
    assert!(
        matches!(
            failed,
            Err(Error::Payment(PaymentError::Unavailable { .. }))
        ),
        "{failed:?}"
    );
    assert_eq!(provider.calls(), 3, "three attempts");
    assert_untouched(&engine, &cart);
    let _ = engine.checkout(cart.id, None, good_card(), None);
    assert_eq!(
        engine.commerce_stats().payment_circuit,
        BreakerState::Open,
        "5 consecutive failures"
    );
    let calls = provider.calls();
    provider.set_transient_failures_per_million(0);
    let refused = engine.checkout(cart.id, None, good_card(), None);
    assert!(matches!(
        refused,
        Err(Error::Payment(PaymentError::Unavailable { .. }))
    ));
    assert_eq!(provider.calls(), calls, "refused at once while open");
    assert_untouched(&engine, &cart);
}

#[test]
fn a_voucher_used_up_at_commit_refunds_the_capture_and_keeps_the_holds() {
    let (engine, provider) = memory_engine();
    product(&engine, "A", 1_000, 50);
    let limited = NewVoucher {
        code: "ONCE".into(),
        kind: VoucherKind::Fixed,
        value: 100,
        min_subtotal: None,
        starts_at: None,
        ends_at: None,
        max_uses: Some(1),
        max_uses_per_user: None,
    };
    engine.create_voucher(limited).expect("voucher");
    let first = cart_with(&engine, &[("A", 1)]);
    let second = cart_with(&engine, &[("A", 2)]);
    let first = engine
        .apply_voucher(first.id, None, None, "ONCE")
        .expect("apply");
    let second = engine
        .apply_voucher(second.id, None, None, "once")
        .expect("apply");
    engine
        .checkout(first.id, None, good_card(), None)
        .expect("first use");
    let failed = engine.checkout(second.id, None, good_card(), None);
    assert!(
        matches!(
            failed,
            Err(Error::Cart(CartError::Voucher(
                VoucherError::LimitReached { .. }
            )))
        ),
        "{failed:?}"
    );
    assert_untouched(&engine, &second);
    let payments = provider.payments_since(Timestamp::EPOCH, 10).expect("list");
    assert_eq!(payments.len(), 2);
    let refunded: Vec<_> = payments.iter().filter(|p| p.outstanding() == 0).collect();
    assert_eq!(refunded.len(), 1, "the second capture was refunded");
    assert_eq!(refunded[0].refunded, 1_900);
    assert_eq!(engine.vouchers().expect("list")[0].uses, 1);
}

#[test]
fn lapsed_holds_are_re_reserved_or_refused_with_the_sku() {
    let (engine, provider) = memory_engine();
    let a = product(&engine, "A", 1_000, 3);
    let cart = cart_with(&engine, &[("A", 2)]);
    let later = Timestamp::now().plus_millis(emporium::HOLD_TTL_MS_DEFAULT + 1_000);
    assert_eq!(engine.sweep_holds(later), 1);
    let lapsed = engine.cart(cart.id, None).expect("cart");
    assert!(!lapsed.items[0].held && lapsed.items[0].reserved_until.is_none());
    assert_eq!(engine.stock(a.id).reserved, 0);
    let rival = cart_with(&engine, &[("A", 2)]);
    let refused = engine.checkout(cart.id, None, good_card(), None);
    match refused {
        Err(Error::Inventory(InventoryError::Insufficient {
            sku,
            requested,
            available,
            ..
        })) => {
            assert_eq!((sku.as_str(), requested, available), ("A", 2, 1));
        }
        other => panic!("expected insufficient stock, got {other:?}"),
    }
    assert_eq!(provider.calls(), 0, "nothing charged");
    engine
        .remove_cart_item(rival.id, None, None, "A")
        .expect("rival gives up");
    let order = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("re-reserved")
        .order;
    assert_eq!(order.items[0].quantity, 2);
    assert_eq!(engine.stock(a.id).on_hand, 1);
}

#[test]
fn carts_survive_a_restart_and_their_holds_do_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = std::sync::Arc::new(emporium::TestProvider::default());
    let (cart, a) = {
        let engine = file_engine(dir.path(), &provider);
        let a = product(&engine, "A", 1_000, 3);
        (cart_with(&engine, &[("A", 3)]), a.id)
    };
    let engine = file_engine(dir.path(), &provider);
    let reopened = engine.cart(cart.id, None).expect("cart survived");
    assert_eq!(reopened.version, cart.version);
    assert!(!reopened.items[0].held, "holds are memory-only");
    assert_eq!(engine.stock(a).reserved, 0);
    let order = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("checkout re-reserves")
        .order;
    assert_eq!(order.items[0].quantity, 3);
    assert_eq!(engine.stock(a).on_hand, 0);
}
