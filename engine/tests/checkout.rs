//! The checkout saga's successful paths through the public API: card and wallet
//! orders are paid, offline ones pending; stock, holds, the cart, the order log and
//! the events all move together; validation names the field; totals are exact.

mod common;

use common::*;
use emporium::PaymentProvider;
use emporium::model::{OrderEventKind, OrderStatus, PaymentMethod, PaymentStatus, TransactionKind};
use emporium::{
    Actor, CartError, CartStatus, Error, Event, NewAddress, NewVoucher, PricingConfig,
    StoreLocation, VoucherKind,
};

#[test]
fn a_card_checkout_sells_the_stock_and_closes_the_cart() {
    let (engine, provider) = memory_engine();
    let kettle = product(&engine, "KET-1", 2_500, 10);
    let mug = product(&engine, "MUG-1", 800, 3);
    let cart = cart_with(&engine, &[("KET-1", 2), ("MUG-1", 3), ("KET-1", 1)]);
    assert_eq!(
        cart.items.len(),
        2,
        "a SKU already in the cart adds to its line"
    );
    assert_eq!(cart.items[0].quantity, 3);
    assert!(
        cart.items
            .iter()
            .all(|item| item.held && item.reserved_until.is_some())
    );
    assert_eq!(cart.totals.total, usd(3 * 2_500 + 3 * 800));
    assert_eq!(engine.stock(mug.id).available, 0, "held");

    let outcome = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("checkout");
    assert!(!outcome.replayed);
    let order = outcome.order;
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.total, usd(9_900));
    assert_eq!(order.payment.status, PaymentStatus::Captured);
    let kinds: Vec<_> = order.payment.transactions.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [TransactionKind::Authorize, TransactionKind::Capture]
    );
    assert_eq!(
        order.items.iter().map(|l| l.line_total.amount).sum::<u64>(),
        9_900
    );

    let level = engine.stock(kettle.id);
    assert_eq!((level.on_hand, level.reserved, level.available), (7, 0, 7));
    assert_eq!(engine.stock(mug.id).on_hand, 0);
    let closed = engine.cart(cart.id, None).expect("cart");
    assert_eq!(closed.status, CartStatus::CheckedOut);
    assert_eq!(closed.order_id, Some(order.id));
    assert_eq!(closed.version, cart.version + 1);

    let again = engine.checkout(cart.id, None, good_card(), None);
    assert!(
        matches!(again, Err(Error::Cart(CartError::Closed { .. }))),
        "{again:?}"
    );
    let added = engine.add_cart_item(cart.id, None, None, "KET-1", 1);
    assert!(matches!(added, Err(Error::Cart(CartError::Closed { .. }))));

    let stored = engine.order(order.id, Actor::System).expect("order");
    assert_eq!(stored, order);
    let events = engine
        .order_events(order.id, Actor::System, 10, None)
        .expect("events");
    let log: Vec<_> = events
        .events
        .iter()
        .map(|e| (e.kind, e.from_status, e.to_status))
        .collect();
    assert_eq!(
        log,
        [
            (OrderEventKind::Created, None, OrderStatus::Pending),
            (
                OrderEventKind::Paid,
                Some(OrderStatus::Pending),
                OrderStatus::Paid
            )
        ]
    );
    let payments = provider
        .payments_since(emporium::Timestamp::EPOCH, 10)
        .expect("list");
    assert_eq!(payments.len(), 1);
    assert_eq!(
        (payments[0].captured, payments[0].outstanding()),
        (9_900, 9_900)
    );
}

#[test]
fn offline_methods_make_pending_orders_without_provider_calls() {
    let (engine, provider) = memory_engine();
    product(&engine, "A", 100, 5);
    for method in [PaymentMethod::Cod, PaymentMethod::BankTransfer] {
        let cart = cart_with(&engine, &[("A", 1)]);
        let order = engine
            .checkout(cart.id, None, pay_with(method, None), None)
            .expect("checkout")
            .order;
        assert_eq!(
            (order.status, order.payment.status),
            (OrderStatus::Pending, PaymentStatus::Pending)
        );
        assert!(order.payment.transactions.is_empty());
    }
    assert_eq!(provider.calls(), 0);
    let wallet = cart_with(&engine, &[("A", 1)]);
    let order = engine
        .checkout(wallet.id, None, pay_with(PaymentMethod::Wallet, None), None)
        .expect("wallet")
        .order;
    assert_eq!(order.status, OrderStatus::Paid);
}

#[test]
fn validation_names_the_field_and_changes_nothing() {
    let (engine, provider) = memory_engine();
    product(&engine, "A", 100, 5);
    let cart = cart_with(&engine, &[("A", 2)]);
    let field = |result: emporium::Result<emporium::CheckoutOutcome>| match result {
        Err(Error::Invalid(invalid)) => invalid.field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        field(engine.checkout(cart.id, None, card("4242424242424241"), None)),
        "payment.card_number"
    );
    assert_eq!(
        field(engine.checkout(cart.id, None, pay_with(PaymentMethod::Card, None), None)),
        "payment.card_number"
    );
    let mut request = good_card();
    request.shipping_address = emporium::AddressInput::Inline(NewAddress {
        city: String::new(),
        ..inline()
    });
    assert_eq!(
        field(engine.checkout(cart.id, None, request, None)),
        "shipping_address.city"
    );
    let mut request = good_card();
    request.expected_version = Some(cart.version + 5);
    let mismatch = engine.checkout(cart.id, None, request, None);
    assert!(matches!(
        mismatch,
        Err(Error::Cart(CartError::VersionMismatch { .. }))
    ));
    let empty = engine.create_cart(None).expect("cart");
    assert!(matches!(
        engine.checkout(empty.id, None, good_card(), None),
        Err(Error::Cart(CartError::Empty))
    ));
    assert_eq!(provider.calls(), 0);
    let after = engine.cart(cart.id, None).expect("cart");
    assert_eq!(
        (after.version, after.status),
        (cart.version, CartStatus::Open)
    );
    assert!(after.items[0].held);
}

fn inline() -> NewAddress {
    match address() {
        emporium::AddressInput::Inline(address) => address,
        emporium::AddressInput::Saved(_) => unreachable!(),
    }
}

#[test]
fn vouchers_shipping_and_tax_add_up_exactly() {
    let provider = std::sync::Arc::new(emporium::TestProvider::default());
    let mut config = config(StoreLocation::Memory, provider);
    config.pricing = PricingConfig {
        shipping_amount: 499,
        tax_basis_points: 2_000,
    };
    let engine = emporium::Engine::open_with(config).expect("open");
    product(&engine, "A", 333, 50);
    engine
        .create_voucher(NewVoucher {
            code: "Save10".into(),
            kind: VoucherKind::Percent,
            value: 10,
            min_subtotal: Some(1_000),
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_user: None,
        })
        .expect("voucher");
    let cart = cart_with(&engine, &[("A", 3)]);
    let below = engine.apply_voucher(cart.id, None, None, "SAVE10");
    assert!(matches!(
        below,
        Err(Error::Cart(CartError::Voucher(
            emporium::VoucherError::MinSubtotal { .. }
        )))
    ));
    let cart = engine
        .add_cart_item(cart.id, None, None, "A", 1)
        .expect("add");
    let cart = engine
        .apply_voucher(cart.id, None, Some(cart.version), "save10")
        .expect("any case");
    assert_eq!(cart.voucher.as_deref(), Some("Save10"));
    // 4 × 333 = 1332; 10% = 133 (floor); tax 20% of 1199 = 239 (floor); + 499 shipping.
    let totals = cart.totals;
    assert_eq!(
        (
            totals.subtotal,
            totals.discount,
            totals.tax,
            totals.shipping
        ),
        (usd(1_332), usd(133), usd(239), usd(499))
    );
    assert_eq!(totals.total, usd(1_332 - 133 + 239 + 499));
    let order = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("checkout")
        .order;
    assert_eq!(order.totals, totals);
    assert_eq!(order.payment.amount, totals.total);
    assert_eq!(engine.vouchers().expect("list")[0].uses, 1);
}

#[test]
fn a_saved_address_of_the_owner_ships_the_order_and_events_are_written() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 100, 5);
    let user = engine
        .register(emporium::NewUser {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
            name: "Ada".into(),
        })
        .map(|auth| auth.user.id);
    let user = user.expect("register");
    let address = engine.create_address(user, inline()).expect("address");
    let cart = engine.create_cart(Some(user)).expect("cart");
    assert!(
        matches!(
            engine.cart(cart.id, None),
            Err(Error::Cart(CartError::NotFound { .. }))
        ),
        "owned carts are private"
    );
    engine
        .add_cart_item(cart.id, Some(user), None, "A", 2)
        .expect("add");
    let mut request = cod();
    request.shipping_address = emporium::AddressInput::Saved(address.id);
    let order = engine
        .checkout(cart.id, Some(user), request, None)
        .expect("checkout")
        .order;
    assert_eq!(order.shipping_address.city, "London");
    assert_eq!(order.user_id, Some(user));
    let mine = engine.orders_of_user(user, 10, None).expect("mine");
    assert_eq!(
        mine.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        [order.id]
    );
    let placed = engine_events(&engine)
        .into_iter()
        .any(|e| matches!(e, Event::OrderPlaced(p) if p.order_id == order.id));
    assert!(placed, "one OrderPlaced event");
}

fn engine_events(engine: &emporium::Engine) -> Vec<Event> {
    engine
        .events_after(0, 10_000)
        .expect("events")
        .into_iter()
        .map(|record| record.event)
        .collect()
}
