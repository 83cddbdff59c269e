//! The store read with the engine library while the server is down: the orders, the
//! stock and the whole event log, checked against each other and against what the
//! clients were told.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use emporium::{Engine, Event, LOW_STOCK_THRESHOLD_DEFAULT, Order, OrderPlaced};

use super::clients::Shop;
use super::{SHALLOW, SKUS, USERS};

/// What the store held while the server was down.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Every stored order's id, with its cart's id.
    pub(crate) orders: HashMap<String, String>,
    /// The reverse: cart id → order id.
    pub(crate) by_cart: HashMap<String, String>,
    /// Per SKU (in [`SKUS`] order).
    pub(crate) on_hand: Vec<u64>,
    pub(crate) sold: Vec<u64>,
    pub(crate) last_seq: u64,
}

/// Opens `dir` with the engine and checks it: every order of `acked` is stored, stock
/// adds up (`restocked` units were added to the shallow SKU), nothing is held, the
/// event log is gapless and agrees with the orders and the stock.
pub(crate) fn check_store<'a>(
    dir: &Path,
    shop: &Shop,
    acked: impl IntoIterator<Item = &'a String>,
    restocked: u64,
) -> Snapshot {
    let engine = Engine::open(dir).unwrap_or_else(|error| panic!("open {dir:?}: {error}"));
    let orders = stored_orders(&engine);
    let missing: Vec<&String> = acked
        .into_iter()
        .filter(|id| !orders.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged orders lost, among them {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    let replayed = replay_events(&engine, shop, &orders, restocked);
    let mut sold = vec![0; SKUS.len()];
    for order in orders.values() {
        for line in &order.items {
            sold[sku_index(shop, &line.product_id.to_string())] += line.quantity;
        }
    }
    let mut on_hand = Vec::with_capacity(SKUS.len());
    for (index, sku) in SKUS.iter().enumerate() {
        let level = engine
            .stock_by_sku(sku.sku)
            .expect("stock")
            .expect("a known SKU");
        let initial = sku.initial + if index == SHALLOW { restocked } else { 0 };
        let name = sku.sku;
        assert_eq!(
            level.on_hand + sold[index],
            initial,
            "{name}: on hand {} + sold {}",
            level.on_hand,
            sold[index]
        );
        assert_eq!(level.reserved, 0, "{name}: nothing held after a restart");
        assert_eq!(level.available, level.on_hand, "{name}: available");
        assert_eq!(
            level.on_hand, replayed.on_hand[index],
            "{name}: stock replayed from the events"
        );
        on_hand.push(level.on_hand);
    }
    let ids = orders
        .iter()
        .map(|(id, order)| (id.clone(), order.cart_id.to_string()));
    let orders: HashMap<String, String> = ids.collect();
    let by_cart = orders
        .iter()
        .map(|(order, cart)| (cart.clone(), order.clone()))
        .collect();
    Snapshot {
        orders,
        by_cart,
        on_hand,
        sold,
        last_seq: replayed.last_seq,
    }
}

pub(crate) fn sku_index(shop: &Shop, product_id: &str) -> usize {
    shop.sku_of(product_id)
        .unwrap_or_else(|| panic!("{product_id} is none of the harness's products"))
}

/// Every stored order, by id, through the engine's order pages.
pub(crate) fn stored_orders(engine: &Engine) -> HashMap<String, Order> {
    let mut orders = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .orders(None, emporium::ORDER_PAGE_LIMIT_MAX, cursor.as_deref())
            .expect("an order page");
        for order in page.orders {
            let id = order.id.to_string();
            assert!(orders.insert(id, order).is_none(), "an order listed twice");
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return orders,
        }
    }
}

/// The stock and the orders as the event log tells them.
pub(crate) struct Replayed {
    pub(crate) last_seq: u64,
    pub(crate) on_hand: Vec<u64>,
}

/// Reads the whole log: sequence numbers `1..=n` without a gap; every `OrderPlaced` is
/// a stored order, line for line, and every stored order has one; stock follows from
/// the initial stock, the sales and the restocks, and a low-stock alert comes exactly
/// when a sale takes a SKU across its threshold.
pub(crate) fn replay_events(
    engine: &Engine,
    shop: &Shop,
    orders: &HashMap<String, Order>,
    restocked: u64,
) -> Replayed {
    let mut on_hand: Vec<u64> = SKUS.iter().map(|sku| sku.initial).collect();
    let mut placed = HashSet::new();
    let mut alerts = Vec::new();
    let (mut products, mut users, mut restocks) = (0, 0, 0);
    let mut seq = 0;
    loop {
        let records = engine
            .events_after(seq, emporium::store::EVENT_READ_MAX)
            .expect("events");
        if records.is_empty() {
            break;
        }
        for record in records {
            assert_eq!(record.seq, seq + 1, "event sequence numbers have no gap");
            seq = record.seq;
            match record.event {
                Event::ProductCreated(product) => {
                    sku_index(shop, &product.id.to_string());
                    products += 1;
                }
                Event::UserRegistered { .. } => users += 1,
                Event::OrderPlaced(sale) => {
                    let id = sale.order_id.to_string();
                    let order = orders
                        .get(&id)
                        .unwrap_or_else(|| panic!("event {seq}: {id} is not stored"));
                    apply_sale(&sale, order, shop, &mut on_hand, &mut alerts);
                    assert!(
                        placed.insert(id),
                        "event {seq}: {} placed twice",
                        sale.order_id
                    );
                }
                Event::StockAdjusted(adjustment) => {
                    let index = sku_index(shop, &adjustment.product_id.to_string());
                    on_hand[index] = on_hand[index]
                        .checked_add_signed(adjustment.delta)
                        .expect("an adjustment within range");
                    assert_eq!(adjustment.on_hand_after, on_hand[index], "event {seq}");
                    restocks += adjustment.delta;
                }
                // A restock only adds, so no alert follows one: each comes before the
                // sale (of the same commit) that caused it.
                Event::LowStock(alert) => {
                    alerts.push((
                        sku_index(shop, &alert.product_id.to_string()),
                        alert.on_hand,
                    ));
                }
                Event::OrderChanged(_) | Event::PaymentFailed(_) => {
                    panic!(
                        "event {seq}: the harness moves no order and pays only with the good card"
                    )
                }
                _ => {}
            }
        }
    }
    assert!(
        alerts.is_empty(),
        "low-stock alerts without their sale: {alerts:?}"
    );
    assert_eq!(
        placed.len(),
        orders.len(),
        "one OrderPlaced per stored order"
    );
    assert_eq!(products, SKUS.len(), "ProductCreated events");
    assert_eq!(
        users,
        USERS + 1,
        "UserRegistered events (the shoppers and the admin)"
    );
    assert_eq!(
        u64::try_from(restocks).ok(),
        Some(restocked),
        "StockAdjusted events"
    );
    Replayed {
        last_seq: seq,
        on_hand,
    }
}

/// Checks an `OrderPlaced` event against its stored order, then takes its units off
/// `on_hand`, matching every crossing of the low-stock threshold with its alert.
pub(crate) fn apply_sale(
    sale: &OrderPlaced,
    order: &Order,
    shop: &Shop,
    on_hand: &mut [u64],
    alerts: &mut Vec<(usize, u64)>,
) {
    let id = &sale.order_id;
    assert_eq!(sale.cart_id, order.cart_id, "{id}: cart");
    assert_eq!(sale.user_id, order.user_id, "{id}: buyer");
    assert_eq!(sale.status, order.status, "{id}: status");
    assert_eq!(sale.totals, order.totals, "{id}: totals");
    let event_lines: Vec<_> = sale
        .lines
        .iter()
        .map(|line| (line.product_id, line.quantity, line.unit_price))
        .collect();
    let stored_lines: Vec<_> = order
        .items
        .iter()
        .map(|line| (line.product_id, line.quantity, line.unit_price))
        .collect();
    assert_eq!(event_lines, stored_lines, "{id}: lines");
    let mut units: BTreeMap<usize, u64> = BTreeMap::new();
    for line in &sale.lines {
        *units
            .entry(sku_index(shop, &line.product_id.to_string()))
            .or_default() += line.quantity;
    }
    for (index, quantity) in units {
        let before = on_hand[index];
        let after = before.checked_sub(quantity).unwrap_or_else(|| {
            panic!(
                "{id}: sold {quantity} of {} with {before} on hand",
                SKUS[index].sku
            )
        });
        on_hand[index] = after;
        let crossed = before > LOW_STOCK_THRESHOLD_DEFAULT && after <= LOW_STOCK_THRESHOLD_DEFAULT;
        let alert = alerts.iter().position(|&alert| alert == (index, after));
        match (crossed, alert) {
            (true, Some(position)) => {
                alerts.remove(position);
            }
            (false, None) => {}
            _ => panic!(
                "{id}: {} from {before} to {after}, alerts {alerts:?}",
                SKUS[index].sku
            ),
        }
    }
    assert!(
        alerts.is_empty(),
        "{id}: alerts of no line of it: {alerts:?}"
    );
}
