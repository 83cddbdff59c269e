//! Durable checkouts in process, through the engine's public API, at rising numbers of
//! concurrent callers, on a file store with full durability (one fsync per commit).
//!
//! `cargo run --release -p emporium-bench --bin checkout-load -- [CALLERS...]`
//!
//! For each level (default 1, 8, 64, 256 and 1,024 callers) a fresh store gets 1,000
//! products and one cart per checkout (one unit of a product each; setup is not
//! measured). Then every caller thread checks out its carts one after another with the
//! succeeding test card. Reported per level: durable checkouts per second, latency
//! percentiles of one checkout (hdrhistogram), commits (fsyncs) per second, the mean
//! batch, and CPU per checkout (whole process, and the committer thread). A last row
//! runs 64 callers with one commit per checkout (`batch_commands_max = 1`), the
//! comparison for the group commit. `CHECKOUTS` sets the checkouts per level (default
//! 60,000, fewer for small levels).

use std::sync::Barrier;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use emporium::model::PaymentMethod;
use emporium::{
    AddressInput, CartId, CategoryRef, CheckoutRequest, Config, Currency, Engine, Money,
    NewAddress, NewProduct, PaymentInput, ProductStatus, StoreLocation, TEST_CARD_SUCCESS,
};
use emporium_bench::{cpu_ms, cpu_ms_by_thread};
use hdrhistogram::Histogram;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PRODUCTS: usize = 1_000;
/// The committer thread's name as the kernel keeps it (cut to 15 bytes).
const COMMITTER_THREAD: &str = "emporium-commit";

struct Level {
    callers: usize,
    checkouts: usize,
    batch_max: usize,
}

fn main() {
    let total: usize = std::env::var("CHECKOUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60_000);
    let mut callers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    if callers.is_empty() {
        callers = vec![1, 8, 64, 256, 1_024];
    }
    let mut levels: Vec<Level> = callers
        .iter()
        .map(|&callers| Level {
            callers,
            // A lone caller waits one fsync per checkout: keep its run short.
            checkouts: total.min(callers * 2_000),
            batch_max: emporium::store::BATCH_COMMANDS_MAX,
        })
        .collect();
    levels.push(Level {
        callers: 64,
        checkouts: total.min(5_000),
        batch_max: 1,
    });
    println!(
        "| callers | commits | durable checkouts/s | p50 | p99 | p99.9 | fsyncs/s | mean batch | CPU per checkout (process / committer) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for level in &levels {
        println!("{}", run(level));
    }
}

fn run(level: &Level) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::new(StoreLocation::Directory(dir.path().into()));
    config.batch_commands_max = level.batch_max;
    // Holds must outlive the setup of a large level.
    config.hold_sweep_interval_ms = 0;
    let engine = Engine::open_with(config).expect("open");
    let products: Vec<NewProduct> = (0..PRODUCTS).map(product).collect();
    let report = engine.import_products(products).expect("import");
    assert_eq!(report.imported, PRODUCTS);
    let per_caller = level.checkouts.div_ceil(level.callers);
    let carts = fill_carts(&engine, level.callers, per_caller);
    // On stderr, so that a profiler can attach for the measured part only.
    eprintln!(
        "{} callers: {} carts ready, checking out",
        level.callers,
        level.callers * per_caller
    );

    let before = stats(&engine);
    let threads_before = cpu_ms_by_thread();
    let cpu_before = cpu_ms(COMMITTER_THREAD);
    let barrier = Barrier::new(level.callers + 1);
    let (started, histograms) = std::thread::scope(|scope| {
        let handles: Vec<_> = carts
            .iter()
            .map(|mine| {
                let (engine, barrier) = (&engine, &barrier);
                scope.spawn(move || {
                    let mut latencies = histogram();
                    let request = checkout_request();
                    barrier.wait();
                    for &cart in mine {
                        let started = Instant::now();
                        engine
                            .checkout(cart, None, request.clone(), None)
                            .expect("checkout");
                        let _ = latencies.record(started.elapsed().as_micros() as u64);
                    }
                    latencies
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let histograms: Vec<Histogram<u64>> = handles
            .into_iter()
            .map(|handle| handle.join().expect("caller"))
            .collect();
        (started, histograms)
    });
    let elapsed = started.elapsed();
    let after = stats(&engine);
    let cpu_after = cpu_ms(COMMITTER_THREAD);
    let threads_after = cpu_ms_by_thread();
    let mut latencies = histogram();
    for histogram in &histograms {
        latencies.add(histogram).expect("same bounds");
    }
    let checkouts = latencies.len();
    let commits = after.0 - before.0;
    let seconds = elapsed.as_secs_f64();
    let per_checkout_us =
        |ms: u64| format!("{:.1} µs", ms as f64 * 1_000.0 / checkouts.max(1) as f64);
    // Where the CPU went, on stderr: the engine's threads by name, and the callers
    // (ended by now) as what is left of the process's total.
    let mut engine_threads = 0;
    let mut shares: Vec<String> = Vec::new();
    for (name, after) in &threads_after {
        let spent = after.saturating_sub(threads_before.get(name).copied().unwrap_or(0));
        engine_threads += spent;
        if spent > 0 {
            shares.push(format!(
                "{name} {:.1}",
                spent as f64 * 1e3 / checkouts.max(1) as f64
            ));
        }
    }
    let callers_ms = (cpu_after.1 - cpu_before.1).saturating_sub(engine_threads);
    shares.push(format!(
        "callers {:.1}",
        callers_ms as f64 * 1e3 / checkouts.max(1) as f64
    ));
    eprintln!(
        "{} callers: CPU µs per checkout: {}",
        level.callers,
        shares.join(", ")
    );
    let ms = |q: f64| format!("{:.2} ms", latencies.value_at_quantile(q) as f64 / 1_000.0);
    format!(
        "| {} | {} | {:.0} | {} | {} | {} | {:.0} | {:.1} | {} / {} |",
        level.callers,
        if level.batch_max == 1 {
            "one per checkout"
        } else {
            "group"
        },
        checkouts as f64 / seconds,
        ms(0.5),
        ms(0.99),
        ms(0.999),
        commits as f64 / seconds,
        (after.1 - before.1) as f64 / commits.max(1) as f64,
        per_checkout_us(cpu_after.1 - cpu_before.1),
        per_checkout_us(cpu_after.0 - cpu_before.0),
    )
}

fn product(n: usize) -> NewProduct {
    NewProduct {
        sku: format!("LOAD-{n:04}"),
        name: format!("Load item {n}"),
        description: String::new(),
        brand: None,
        category: CategoryRef::Path("Load".into()),
        price: Money::new(1_000 + n as u64, Currency::USD),
        attributes: Default::default(),
        images: Vec::new(),
        stock: 1_000_000_000,
        status: ProductStatus::Active,
    }
}

fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        payment: PaymentInput {
            method: PaymentMethod::Card,
            card_number: Some(TEST_CARD_SUCCESS.into()),
        },
        shipping_address: AddressInput::Inline(NewAddress {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            region: None,
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
            is_default: false,
        }),
        expected_version: None,
    }
}

/// `callers` lists of `per_caller` carts, each holding one unit of one product.
fn fill_carts(engine: &Engine, callers: usize, per_caller: usize) -> Vec<Vec<CartId>> {
    // Many threads, so that cart writes share commits; at most 256 of them.
    let fillers = callers.min(256);
    let mut carts: Vec<Vec<CartId>> = vec![Vec::new(); callers];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..fillers)
            .map(|filler| {
                scope.spawn(move || {
                    let mut made = Vec::new();
                    for caller in (filler..callers).step_by(fillers) {
                        for n in 0..per_caller {
                            let cart = engine.create_cart(None).expect("cart");
                            let sku = format!("LOAD-{:04}", (caller * per_caller + n) % PRODUCTS);
                            engine
                                .add_cart_item(cart.id, None, None, &sku, 1)
                                .expect("add");
                            made.push((caller, cart.id));
                        }
                    }
                    made
                })
            })
            .collect();
        for handle in handles {
            for (caller, cart) in handle.join().expect("setup") {
                carts[caller].push(cart);
            }
        }
    });
    carts
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, Duration::from_secs(60).as_micros() as u64, 3)
        .expect("histogram bounds")
}

/// (commits, checkouts) committed so far.
fn stats(engine: &Engine) -> (u64, u64) {
    let stats = engine.committer_stats();
    (stats.batches.load(Relaxed), stats.commands.load(Relaxed))
}
