//! Crash consistency under real process death: a child process (this test binary,
//! re-executed) runs concurrent checkouts against a file store and prints each
//! acknowledged order id; the parent SIGKILLs it at a random moment, reopens the store,
//! and checks that every acknowledged order is there, that stock adds up
//! (`on_hand + sold = initial` per product, with `sold` summed over the stored
//! orders), that nothing is negative and nothing is held after reopen.
//!
//! The short form runs a few rounds (about 20 s); `EMPORIUM_CRASH_ROUNDS=200 cargo test
//! -p emporium --test crash -- --nocapture` runs a long one.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use emporium::{Actor, Engine, Error, InventoryError, OrderId};

const CHILD_DIR: &str = "EMPORIUM_CRASH_CHILD_DIR";
const SKUS: [&str; 6] = ["K-0", "K-1", "K-2", "K-3", "K-4", "K-5"];
/// Initial stock per SKU: deep ones keep the children busy, the shallow one sells out
/// early so that "insufficient stock" is exercised under the kills too.
const INITIAL: [u64; 6] = [1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 400];
const CHILD_THREADS: usize = 24;

/// The child's body: when the parent set [`CHILD_DIR`], check out forever.
#[test]
fn child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(Path::new(&dir), &provider);
    let stdout = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|n| {
            let (engine, stdout) = (engine.clone(), Arc::clone(&stdout));
            std::thread::spawn(move || shop_forever(&engine, n as u64 + 1, &stdout))
        })
        .collect();
    threads.into_iter().for_each(|t| {
        let _ = t.join();
    });
}

fn shop_forever(engine: &Engine, seed: u64, stdout: &std::sync::Mutex<std::io::Stdout>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    loop {
        let cart = engine.create_cart(None).expect("cart");
        let mut held = true;
        for _ in 0..1 + next(2) {
            let sku = SKUS[next(SKUS.len() as u64) as usize];
            match engine.add_cart_item(cart.id, None, None, sku, 1 + next(3)) {
                Ok(_) => {}
                Err(Error::Inventory(InventoryError::Insufficient { .. })) => held = false,
                Err(other) => panic!("{other}"),
            }
        }
        if !held {
            continue;
        }
        let request = if next(4) == 0 { cod() } else { good_card() };
        if let Ok(outcome) = engine.checkout(cart.id, None, request, None) {
            let mut out = stdout.lock().expect("stdout");
            // Printed only once durable: this line is the acknowledgement.
            let _ = writeln!(out, "ORDER {}", outcome.order.id);
            let _ = out.flush();
        }
    }
}

fn setup(dir: &Path) {
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(dir, &provider);
    for (sku, initial) in SKUS.into_iter().zip(INITIAL) {
        product(&engine, sku, 250, initial);
    }
}

/// Runs one child, kills it after `run`, and returns the orders it acknowledged.
fn run_child(dir: &Path, run: Duration) -> Vec<OrderId> {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| line.strip_prefix("ORDER ").and_then(OrderId::parse))
            .collect::<Vec<_>>()
    });
    std::thread::sleep(run);
    // Child::kill is SIGKILL on Unix: no destructor, no flush, no clean close.
    child.kill().expect("kill");
    child.wait().expect("reap");
    reader.join().expect("reader")
}

fn check(dir: &Path, acknowledged: &HashSet<OrderId>) -> usize {
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(dir, &provider);
    let mut sold: HashMap<String, u64> = HashMap::new();
    let mut stored = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine.orders(None, 100, cursor.as_deref()).expect("orders");
        for order in &page.orders {
            stored.insert(order.id);
            for line in &order.items {
                *sold.entry(line.sku.clone()).or_default() += line.quantity;
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let missing: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged orders lost: {missing:?}");
    for id in acknowledged.iter().take(20) {
        engine.order(*id, Actor::System).expect("readable");
    }
    for (sku, initial) in SKUS.into_iter().zip(INITIAL) {
        let level = engine.stock_by_sku(sku).expect("stock").expect("known");
        let sold = sold.get(sku).copied().unwrap_or(0);
        assert_eq!(
            level.on_hand + sold,
            initial,
            "{sku}: on hand {} + sold {sold}",
            level.on_hand
        );
        assert_eq!(
            (level.reserved, level.available),
            (0, level.on_hand),
            "{sku}: nothing held after reopen"
        );
    }
    stored.len()
}

#[test]
fn acknowledged_orders_survive_sigkill() {
    let rounds: usize = std::env::var("EMPORIUM_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path());
    let mut acknowledged = HashSet::new();
    let started = Instant::now();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run = Duration::from_millis(300 + seed % 1_200);
        let orders = run_child(dir.path(), run);
        acknowledged.extend(orders.iter().copied());
        let stored = check(dir.path(), &acknowledged);
        eprintln!(
            "round {round}: killed after {run:?}, {} acknowledged this round, {stored} stored in total",
            orders.len()
        );
    }
    assert!(!acknowledged.is_empty(), "the children made progress");
    eprintln!("{rounds} rounds in {:?}", started.elapsed());
}
