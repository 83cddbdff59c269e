//! In-process checkout throughput on a durable file store (ignored by default; run in
//! release):
//!
//! ```text
//! EMPORIUM_TP_CALLERS=256 cargo test --release -p emporium --test throughput -- --ignored --nocapture
//! ```
//!
//! Setup (products, carts with their items) is not measured. The measured phase runs
//! `CALLERS` threads, each checking out its own carts one after another with the test
//! card; it reports durable checkouts per second and the committer's batching.
//! `EMPORIUM_TP_BATCH=1` disables group commit for comparison; `EMPORIUM_TP_SKUS`
//! sets how many products the carts spread over (fewer = hotter); `EMPORIUM_TP_MEMORY=1`
//! uses the in-memory store (no fsync: the CPU cost alone).

mod common;

use std::sync::{Arc, Barrier};
use std::time::Instant;

use common::*;
use emporium::{CartId, StoreLocation};

/// mimalloc rather than the system allocator: a checkout or a request allocates and
/// frees many small buffers across threads, where glibc's malloc spent a quarter of the
/// CPU in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn durable_checkouts_per_second() {
    let callers = env("EMPORIUM_TP_CALLERS", 256);
    let per_caller = env("EMPORIUM_TP_CHECKOUTS", 200);
    let skus = env("EMPORIUM_TP_SKUS", 1_000);
    let batch = env("EMPORIUM_TP_BATCH", emporium::store::BATCH_COMMANDS_MAX);
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let location = match std::env::var("EMPORIUM_TP_MEMORY") {
        Ok(_) => StoreLocation::Memory,
        Err(_) => StoreLocation::Directory(dir.path().into()),
    };
    let mut config = config(location, provider);
    config.batch_commands_max = batch;
    let engine = emporium::Engine::open_with(config).expect("open");
    let products: Vec<_> = (0..skus)
        .map(|n| new_product(&format!("TP-{n}"), usd(1_000 + n as u64), 1_000_000_000))
        .collect();
    let report = engine.import_products(products).expect("import");
    assert_eq!(report.imported, skus);

    let setup = Instant::now();
    let carts = fill_carts(&engine, callers, per_caller, skus);
    eprintln!(
        "setup: {} carts in {:?}",
        callers * per_caller,
        setup.elapsed()
    );

    let before = snapshot(&engine);
    let (committer_cpu_before, all_cpu_before) = cpu_ms();
    let barrier = Arc::new(Barrier::new(callers + 1));
    let started = std::thread::scope(|scope| {
        for mine in &carts {
            let (engine, barrier) = (&engine, Arc::clone(&barrier));
            scope.spawn(move || {
                barrier.wait();
                for &cart in mine {
                    engine
                        .checkout(cart, None, good_card(), None)
                        .expect("checkout");
                }
            });
        }
        barrier.wait();
        Instant::now()
    });
    let elapsed = started.elapsed();
    let after = snapshot(&engine);
    let (committer_cpu_after, all_cpu_after) = cpu_ms();
    let checkouts = callers * per_caller;
    let batches = after.0 - before.0;
    eprintln!(
        "{checkouts} checkouts by {callers} callers in {elapsed:?}: {:.0} durable checkouts/s; \
         {batches} commits ({:.1} checkouts per fsync, {:.0} µs per commit)",
        checkouts as f64 / elapsed.as_secs_f64(),
        (after.1 - before.1) as f64 / batches.max(1) as f64,
        (after.2 - before.2) as f64 / batches.max(1) as f64,
    );
    let committer_ms = committer_cpu_after - committer_cpu_before;
    let all_ms = all_cpu_after - all_cpu_before;
    eprintln!(
        "CPU: committer {committer_ms} ms ({:.1} µs per checkout), whole process {all_ms} ms ({:.1} µs per checkout)",
        committer_ms as f64 * 1_000.0 / checkouts as f64,
        all_ms as f64 * 1_000.0 / checkouts as f64,
    );
}

/// (batches, jobs, µs in commit) so far.
fn snapshot(engine: &emporium::Engine) -> (u64, u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    let stats = engine.committer_stats();
    (
        stats.batches.load(Relaxed),
        stats.commands.load(Relaxed),
        stats.commit_us_total.load(Relaxed),
    )
}

/// CPU time (user + system, ms) of the committer thread and of the whole process, from
/// /proc (Linux); zeros elsewhere.
fn cpu_ms() -> (u64, u64) {
    let ticks_ms = 10; // USER_HZ is 100 on Linux.
    let parse = |stat: &str| -> u64 {
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let field = |n: usize| {
            fields
                .get(n)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        (field(11) + field(12)) * ticks_ms
    };
    let mut committer = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.trim() == "emporium-commit" {
                committer +=
                    parse(&std::fs::read_to_string(task.path().join("stat")).unwrap_or_default());
            }
        }
    }
    let all = parse(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default());
    (committer, all)
}

/// `callers` lists of `per_caller` carts, each holding one unit of one of `skus`.
fn fill_carts(
    engine: &emporium::Engine,
    callers: usize,
    per_caller: usize,
    skus: usize,
) -> Vec<Vec<CartId>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..callers)
            .map(|caller| {
                scope.spawn(move || {
                    (0..per_caller)
                        .map(|n| {
                            let cart = engine.create_cart(None).expect("cart");
                            let sku = format!("TP-{}", (caller * per_caller + n) % skus);
                            engine
                                .add_cart_item(cart.id, None, None, &sku, 1)
                                .expect("add");
                            cart.id
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("setup"))
            .collect()
    })
}
