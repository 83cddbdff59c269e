//! Contention on hot SKUs: 64 threads run full checkouts (cart, items, card payment,
//! commit) against four SKUs with known stock until they sell out. Exactly the stock
//! is sold (no oversell, no lost unit), everyone else is told "insufficient stock",
//! and stock stays consistent in memory and on disk.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use emporium::{Actor, Error, InventoryError, ProductId};

const THREADS: usize = 64;
const SKUS: [&str; 4] = ["HOT-A", "HOT-B", "HOT-C", "HOT-D"];
const STOCK: u64 = 400;

fn shopper(
    engine: emporium::Engine,
    seed: u64,
    ids: Vec<ProductId>,
) -> (Vec<emporium::OrderId>, usize) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let (mut orders, mut refused) = (Vec::new(), 0);
    for _ in 0..1_000 {
        if ids.iter().all(|&id| engine.stock(id).available == 0) {
            break;
        }
        let cart = engine.create_cart(None).expect("cart");
        let lines = 1 + next(2);
        let mut failed = false;
        for _ in 0..lines {
            let sku = SKUS[next(SKUS.len() as u64) as usize];
            match engine.add_cart_item(cart.id, None, None, sku, 1 + next(3)) {
                Ok(_) => {}
                Err(Error::Inventory(InventoryError::Insufficient { .. })) => failed = true,
                Err(other) => panic!("unexpected: {other:?}"),
            }
        }
        let current = engine.cart(cart.id, None).expect("cart");
        if failed || current.items.is_empty() {
            refused += 1;
            for item in current.items {
                engine
                    .remove_cart_item(cart.id, None, None, &item.sku)
                    .expect("release");
            }
            continue;
        }
        match engine.checkout(cart.id, None, good_card(), None) {
            Ok(outcome) => orders.push(outcome.order.id),
            Err(Error::Inventory(InventoryError::Insufficient { .. })) => refused += 1,
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    (orders, refused)
}

#[test]
fn exactly_the_stock_is_sold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(dir.path(), &provider);
    let ids: Vec<ProductId> = SKUS
        .iter()
        .map(|sku| product(&engine, sku, 100, STOCK).id)
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|n| {
            let (engine, ids) = (engine.clone(), ids.clone());
            std::thread::spawn(move || shopper(engine, n as u64 + 1, ids))
        })
        .collect();
    let mut orders = Vec::new();
    let mut refused = 0;
    for thread in threads {
        let (mine, no) = thread.join().expect("shopper");
        orders.extend(mine);
        refused += no;
    }
    assert!(refused > 0, "demand exceeded stock");
    let mut sold: HashMap<ProductId, u64> = HashMap::new();
    for &id in &orders {
        for line in engine.order(id, Actor::System).expect("order").items {
            *sold.entry(line.product_id).or_default() += line.quantity;
        }
    }
    for &id in &ids {
        let level = engine.stock(id);
        assert_eq!(
            (level.on_hand, level.reserved, level.available),
            (0, 0, 0),
            "sold out, nothing held"
        );
        assert_eq!(
            sold.get(&id).copied().unwrap_or(0),
            STOCK,
            "exactly the stock was sold"
        );
    }
    drop(engine);
    let engine = file_engine(dir.path(), &provider);
    for &id in &ids {
        assert_eq!(engine.stock(id).on_hand, 0, "durable");
    }
    let all = engine.orders(None, 100, None).expect("orders");
    assert!(!all.orders.is_empty());
}
