//! Inventory through the engine: stock by SKU, admin adjustments with a reason into
//! the stock ledger (refused below zero, above 10^12, or into units held by carts),
//! low-stock events, the hold-expiry sweeper thread, and the consistency check on
//! open.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use emporium::{Actor, Error, Event, InventoryError, StockLevel, StoreLocation, UserId};

const ADMIN: Actor = Actor::Admin(UserId::from_raw(9));

#[test]
fn adjustments_are_recorded_in_the_ledger() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 100, 10);
    assert_eq!(
        engine.stock_by_sku("A").expect("stock"),
        Some(StockLevel {
            on_hand: 10,
            reserved: 0,
            available: 10
        })
    );
    assert_eq!(engine.stock_by_sku("NOPE").expect("stock"), None);
    let level = engine
        .adjust_stock("A", 5, "restock from supplier", ADMIN)
        .expect("add");
    assert_eq!(level.on_hand, 15);
    let level = engine
        .adjust_stock("A", -3, "damaged in transit", ADMIN)
        .expect("remove");
    assert_eq!((level.on_hand, level.available), (12, 12));
    let ledger = engine.stock_ledger("A", 10, None).expect("ledger");
    let entries: Vec<_> = ledger
        .entries
        .iter()
        .map(|e| (e.seq, e.delta, e.on_hand_after, e.reason.as_str(), e.actor))
        .collect();
    assert_eq!(
        entries,
        [
            (1, 5, 15, "restock from supplier", ADMIN),
            (2, -3, 12, "damaged in transit", ADMIN)
        ]
    );
    let page = engine.stock_ledger("A", 1, None).expect("page");
    let next = engine
        .stock_ledger("A", 1, page.next_cursor.as_deref())
        .expect("next");
    assert_eq!(next.entries[0].seq, 2);

    let field = |r: emporium::Result<StockLevel>| match r {
        Err(Error::Invalid(e)) => e.field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(field(engine.adjust_stock("A", 1, "", ADMIN)), "reason");
    assert_eq!(
        field(engine.adjust_stock("A", 1, &"r".repeat(201), ADMIN)),
        "reason"
    );
    assert_eq!(field(engine.adjust_stock("A", 0, "zero", ADMIN)), "delta");
    let below = engine.adjust_stock("A", -13, "too many", ADMIN);
    assert!(
        matches!(
            below,
            Err(Error::Inventory(
                InventoryError::AdjustmentOutOfRange { .. }
            ))
        ),
        "{below:?}"
    );
    let above = engine.adjust_stock("A", 1_000_000_000_000, "too many", ADMIN);
    assert!(
        matches!(
            above,
            Err(Error::Inventory(
                InventoryError::AdjustmentOutOfRange { .. }
            ))
        ),
        "{above:?}"
    );
    assert!(matches!(
        engine.adjust_stock("NOPE", 1, "x", ADMIN),
        Err(Error::Inventory(InventoryError::SkuNotFound { .. }))
    ));
    assert_eq!(
        engine.stock_by_sku("A").expect("stock").map(|l| l.on_hand),
        Some(12),
        "refusals changed nothing"
    );
}

#[test]
fn units_held_by_carts_cannot_be_adjusted_away() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 100, 10);
    let cart = cart_with(&engine, &[("A", 8)]);
    let refused = engine.adjust_stock("A", -3, "shrinkage", ADMIN);
    assert!(
        matches!(refused, Err(Error::Inventory(InventoryError::Insufficient { ref sku, .. })) if sku == "A"),
        "{refused:?}"
    );
    engine
        .adjust_stock("A", -2, "shrinkage", ADMIN)
        .expect("the free units");
    let order = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("held units still sell")
        .order;
    assert_eq!(order.items[0].quantity, 8);
    assert_eq!(
        engine.stock_by_sku("A").expect("stock").map(|l| l.on_hand),
        Some(0)
    );
}

#[test]
fn concurrent_adjustments_and_reservations_never_oversell() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 100, 200);
    let threads: Vec<_> = (0..16)
        .map(|n| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    if n % 2 == 0 {
                        let _ = engine.adjust_stock("A", -3, "count", ADMIN);
                    } else {
                        let cart = engine.create_cart(None).expect("cart");
                        let _ = engine.add_cart_item(cart.id, None, None, "A", 2);
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().expect("thread"));
    let level = engine.stock_by_sku("A").expect("stock").expect("known");
    assert_eq!(level.on_hand, level.available + level.reserved);
    let removed: i64 = engine
        .stock_ledger("A", 100, None)
        .expect("ledger")
        .entries
        .iter()
        .map(|e| e.delta)
        .sum();
    assert_eq!(level.on_hand as i64, 200 + removed);
}

#[test]
fn sales_and_adjustments_emit_low_stock_once_when_crossing() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 100, 10);
    engine.set_low_stock_threshold("A", 4).expect("threshold");
    let cart = cart_with(&engine, &[("A", 5)]);
    engine
        .checkout(cart.id, None, cod(), None)
        .expect("checkout");
    engine
        .adjust_stock("A", -1, "broken", ADMIN)
        .expect("adjust");
    let low: Vec<_> = engine
        .events_after(0, 1_000)
        .expect("events")
        .into_iter()
        .filter_map(|r| match r.event {
            Event::LowStock(low) => Some((low.on_hand, low.threshold)),
            _ => None,
        })
        .collect();
    assert_eq!(
        low,
        [(4, 4)],
        "10→5 stays above the threshold, 5→4 crosses it"
    );
}

#[test]
fn the_sweeper_thread_returns_lapsed_holds() {
    let provider = Arc::new(emporium::TestProvider::default());
    let mut config = config(StoreLocation::Memory, provider);
    config.hold_ttl_ms = 100;
    config.hold_sweep_interval_ms = 20;
    let engine = emporium::Engine::open_with(config).expect("open");
    product(&engine, "A", 100, 10);
    let cart = cart_with(&engine, &[("A", 4)]);
    assert_eq!(
        engine.stock_by_sku("A").expect("s").map(|l| l.reserved),
        Some(4)
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while engine.stock_by_sku("A").expect("s").map(|l| l.reserved) != Some(0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the sweeper never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!engine.cart(cart.id, None).expect("cart").items[0].held);
    assert!(engine.commerce_stats().holds_lapsed_total >= 1);
}

#[test]
fn stock_is_consistent_after_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    {
        let engine = file_engine(dir.path(), &provider);
        product(&engine, "A", 100, 10);
        product(&engine, "B", 100, 10);
        let cart = cart_with(&engine, &[("A", 3), ("B", 1)]);
        engine
            .checkout(cart.id, None, good_card(), None)
            .expect("checkout");
        engine
            .adjust_stock("B", 7, "restock", ADMIN)
            .expect("adjust");
        cart_with(&engine, &[("A", 2)]);
    }
    let engine = file_engine(dir.path(), &provider);
    assert_eq!(
        engine.stock_by_sku("A").expect("s"),
        Some(StockLevel {
            on_hand: 7,
            reserved: 0,
            available: 7
        })
    );
    assert_eq!(
        engine.stock_by_sku("B").expect("s"),
        Some(StockLevel {
            on_hand: 16,
            reserved: 0,
            available: 16
        })
    );
}

#[test]
fn reservations_hold_stock_apart_from_carts_and_lapse() {
    use emporium::{Reservation, Timestamp};
    let (engine, _) = memory_engine();
    let hot = product(&engine, "RSV-HOT", 500, 10);
    let other = product(&engine, "RSV-OTHER", 700, 3);
    let later = Timestamp::from_millis(Timestamp::now().as_millis() + 60_000);
    let first = Reservation::new(1);
    engine
        .reserve(first, &[(hot.id, 4), (hot.id, 2), (other.id, 1)], later)
        .expect("reserve");
    assert_eq!(
        engine.reservation_hold(first, hot.id).map(|h| h.quantity),
        Some(6)
    );
    let level = engine.live_stock(hot.id).expect("level");
    assert_eq!((level.on_hand, level.reserved, level.available), (10, 6, 4));
    // All or nothing: the second line cannot be met, so the first is not taken either.
    let second = Reservation::new(2);
    let refused = engine.reserve(second, &[(other.id, 2), (hot.id, 5)], later);
    assert!(
        matches!(
            refused,
            Err(Error::Inventory(InventoryError::Insufficient {
                requested: 5,
                available: 4,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(engine.live_stock(other.id).map(|l| l.reserved), Some(1));
    // A cart sees only what reservations left.
    let cart = engine.create_cart(None).expect("cart");
    assert!(
        engine
            .add_cart_item(cart.id, None, None, "RSV-HOT", 5)
            .is_err()
    );
    engine
        .add_cart_item(cart.id, None, None, "RSV-HOT", 4)
        .expect("the rest");
    // Setting a quantity replaces it; releasing returns it.
    engine
        .reserve(first, &[(hot.id, 1)], later)
        .expect("shrink");
    assert_eq!(engine.live_stock(hot.id).map(|l| l.reserved), Some(5));
    engine.release(first, &[hot.id, other.id]);
    assert_eq!(engine.reservation_hold(first, hot.id), None);
    assert_eq!(engine.live_stock(other.id).map(|l| l.reserved), Some(0));
    // Lapsed holds go back at their expiry.
    let soon = Timestamp::from_millis(1_000);
    engine
        .reserve(second, &[(other.id, 3)], soon)
        .expect("reserve");
    assert_eq!(engine.live_stock(other.id).map(|l| l.available), Some(0));
    assert_eq!(engine.sweep_holds(Timestamp::from_millis(1_001)), 1);
    assert_eq!(engine.live_stock(other.id).map(|l| l.available), Some(3));
}

#[test]
fn racing_reservations_never_take_more_than_the_stock() {
    use emporium::{Reservation, Timestamp};
    let (engine, _) = memory_engine();
    let hot = product(&engine, "RSV-RACE", 100, 50);
    let later = Timestamp::from_millis(Timestamp::now().as_millis() + 60_000);
    let granted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for thread in 0..64u64 {
            let (engine, granted) = (&engine, &granted);
            scope.spawn(move || {
                for n in 0..20u64 {
                    let reservation = Reservation::new(thread * 1_000 + n);
                    if engine.reserve(reservation, &[(hot.id, 1)], later).is_ok() {
                        granted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(granted.into_inner(), 50);
    let level = engine.live_stock(hot.id).expect("level");
    assert_eq!(
        (level.on_hand, level.reserved, level.available),
        (50, 50, 0)
    );
}
