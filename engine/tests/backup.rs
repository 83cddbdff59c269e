//! Online backup under load: shoppers keep checking out on a file store while a backup
//! is taken. The backup must hold every order acknowledged before it began, and
//! otherwise only orders acknowledged later; and be a consistent snapshot: stock adds up
//! (on hand + sold = initial, per product), the event log has no gap up to the
//! manifest's last sequence and its `OrderPlaced` events are exactly the copy's orders,
//! every table of the store is in the copy, and a store restored from it serves
//! searches (its index rebuilt on open).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use emporium::store::{MANIFEST_FILE_NAME, STORE_FILE_NAME};
use emporium::{Actor, Engine, Error, Event, InventoryError, OrderId, ProductId, StoreError};
use parking_lot::Mutex;
use redb::{ReadableDatabase, TableHandle};

const SHOPPERS: usize = 4;
const SKUS: [&str; 3] = ["BK-A", "BK-B", "BK-C"];
const STOCK: u64 = 100_000;
/// Orders placed before the backup starts, so the snapshot holds plenty of them.
const ORDERS_BEFORE_BACKUP: usize = 60;

/// Checks out one unit of a rotating SKU until `stop`; every acknowledged order id is
/// recorded the moment its checkout returns.
fn shopper(engine: Engine, seed: usize, stop: Arc<AtomicBool>, acked: Arc<Mutex<Vec<OrderId>>>) {
    let mut turn = seed;
    while !stop.load(Ordering::Relaxed) {
        turn += 1;
        let cart = cart_with(&engine, &[(SKUS[turn % SKUS.len()], 1 + (turn % 2) as u64)]);
        match engine.checkout(cart.id, None, good_card(), None) {
            Ok(outcome) => acked.lock().push(outcome.order.id),
            Err(Error::Inventory(InventoryError::Insufficient { .. })) => break,
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
}

fn table_names(path: &std::path::Path) -> BTreeSet<String> {
    let db = redb::ReadOnlyDatabase::open(path).expect("open");
    let txn = db.begin_read().expect("read");
    txn.list_tables()
        .expect("list")
        .map(|handle| handle.name().to_string())
        .collect()
}

#[test]
fn a_backup_under_load_is_a_consistent_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let live_dir = dir.path().join("live");
    let backup_dir = dir.path().join("backup");
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(&live_dir, &provider);
    let ids: Vec<ProductId> = SKUS
        .iter()
        .map(|sku| product(&engine, sku, 250, STOCK).id)
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..SHOPPERS)
        .map(|n| {
            let (engine, stop, acked) = (engine.clone(), Arc::clone(&stop), Arc::clone(&acked));
            std::thread::spawn(move || shopper(engine, n, stop, acked))
        })
        .collect();
    while acked.lock().len() < ORDERS_BEFORE_BACKUP {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before: Vec<OrderId> = acked.lock().clone();
    let report = engine.backup(&backup_dir).expect("backup");
    let during = acked.lock().len();
    // Keep the load going after the snapshot, so the live store moves past it.
    while acked.lock().len() < during + 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    threads
        .into_iter()
        .for_each(|thread| thread.join().expect("shopper"));
    let acknowledged: HashSet<OrderId> = acked.lock().iter().copied().collect();
    let live_last_seq = engine
        .events_after(report.manifest.last_event_seq, 1)
        .expect("events")
        .first()
        .map(|record| record.seq);
    assert!(
        live_last_seq.is_some(),
        "the live store moved on after the snapshot"
    );
    assert!(backup_dir.join(MANIFEST_FILE_NAME).exists());
    drop(engine);
    let live_tables = table_names(&live_dir.join(STORE_FILE_NAME));

    // Every table of the live store is in the copy.
    assert_eq!(
        live_tables,
        table_names(&backup_dir.join(STORE_FILE_NAME)),
        "tables of the store and of its backup"
    );
    let restored_dir = dir.path().join("restored");
    let manifest = emporium::store::restore(&backup_dir, &restored_dir).expect("restore");
    assert_eq!(manifest, report.manifest);
    let restored = file_engine(&restored_dir, &provider);

    // Every order acknowledged before the backup began is in it.
    for &id in &before {
        restored
            .order(id, Actor::System)
            .unwrap_or_else(|error| panic!("order {id} acknowledged before the backup: {error}"));
    }
    assert!(manifest.orders >= before.len() as u64);

    // Stock adds up against the orders the snapshot holds.
    let mut sold: HashMap<ProductId, u64> = HashMap::new();
    let mut orders = 0u64;
    let mut stored = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = restored
            .orders(None, 100, cursor.as_deref())
            .expect("orders");
        for order in &page.orders {
            orders += 1;
            stored.insert(order.id);
            for line in &order.items {
                *sold.entry(line.product_id).or_default() += line.quantity;
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(orders, manifest.orders);
    // An in-process checkout that commits always returns its order, so the copy holds
    // nothing that was not acknowledged, before the backup or during it.
    let unacknowledged: Vec<_> = stored.difference(&acknowledged).collect();
    assert!(
        unacknowledged.is_empty(),
        "orders in the backup that no shopper was told of: {unacknowledged:?}"
    );
    for &id in &ids {
        let level = restored.stock(id);
        let sold = sold.get(&id).copied().unwrap_or(0);
        assert_eq!(level.on_hand + sold, STOCK, "on hand + sold for {id}");
        assert_eq!(level.reserved, 0, "holds are memory-only");
    }

    // The event log runs 1..=last_event_seq without a gap, and no further.
    let mut seqs = Vec::new();
    let mut placed = HashSet::new();
    let mut after = 0;
    loop {
        let records = restored.events_after(after, 1_000).expect("events");
        let Some(last) = records.last() else { break };
        after = last.seq;
        seqs.extend(records.iter().map(|record| record.seq));
        for record in &records {
            if let Event::OrderPlaced(sale) = &record.event {
                assert!(
                    placed.insert(sale.order_id),
                    "{} placed twice",
                    sale.order_id
                );
            }
        }
    }
    let expected: Vec<u64> = (1..=manifest.last_event_seq).collect();
    assert_eq!(seqs, expected, "events of the restored store");
    assert_eq!(placed, stored, "OrderPlaced events and the copy's orders");

    // The index was not in the backup: it is rebuilt, and finds the products.
    assert!(restored.wait_until_ready(Duration::from_secs(20)));
    let hits = restored
        .search(&emporium::search::SearchRequest {
            q: "Product BK-B".into(),
            limit: 10,
            ..Default::default()
        })
        .expect("search");
    assert!(hits.total >= 1, "the restored store is searchable");
    assert!(hits.hits.iter().any(|hit| hit.product_id == ids[1]));
}

#[test]
fn restore_refuses_a_data_dir_in_use_and_backup_a_used_destination() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(&dir.path().join("live"), &provider);
    product(&engine, "ONE", 100, 3);
    let backup = dir.path().join("backup");
    engine.backup(&backup).expect("backup");
    assert!(matches!(
        engine.backup(&backup),
        Err(Error::Store(StoreError::Backup(
            emporium::BackupError::DestinationNotEmpty { .. }
        )))
    ));
    assert!(matches!(
        emporium::store::restore(&backup, &dir.path().join("live")),
        Err(StoreError::Backup(
            emporium::BackupError::DestinationNotEmpty { .. }
        ))
    ));
    let manifest: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(backup.join(MANIFEST_FILE_NAME)).expect("read"))
            .expect("json");
    for field in [
        "format_version",
        "last_event_seq",
        "products",
        "orders",
        "created_at",
        "engine_version",
    ] {
        assert!(manifest.contains_key(field), "{field} in {manifest:?}");
    }
    assert_eq!(manifest["products"], 1);
}
