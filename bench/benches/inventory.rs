//! Live stock holds through the engine's public API (`Engine::reserve` and
//! `Engine::release`): each operation takes a hold on a Zipf-skewed product (so a few
//! products and their lock stripes are hot), which also files it in the expiry index,
//! then releases it. Measured on one thread and on two threads racing over the same
//! products; the figure is reserve+release pairs per second.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emporium::{CategoryRef, Engine, Money, NewProduct, ProductId, Reservation, Timestamp};
use emporium_bench::Zipf;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PRODUCTS: u64 = 10_000;
/// Pre-drawn products per thread, cycled: drawing is not part of the measure.
const DRAWS: usize = 1 << 16;

fn engine_with_stock() -> (Engine, Vec<ProductId>) {
    let engine = Engine::open_in_memory().expect("open");
    let products = (0..PRODUCTS).map(|n| NewProduct {
        sku: format!("INV-{n:05}"),
        name: format!("Stock item {n}"),
        description: String::new(),
        brand: None,
        category: CategoryRef::Path("Bench".into()),
        price: Money::new(1_000, emporium::Currency::USD),
        attributes: Default::default(),
        images: Vec::new(),
        stock: 1_000_000_000,
        status: emporium::ProductStatus::Active,
    });
    let report = engine.import_products(products.collect()).expect("import");
    assert_eq!(report.imported as u64, PRODUCTS);
    let ids = (1..=PRODUCTS).map(ProductId::from_raw).collect();
    (engine, ids)
}

fn draws(ids: &[ProductId], seed: u64) -> Vec<ProductId> {
    let zipf = Zipf::new(ids.len(), 1.0);
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..DRAWS)
        .map(|_| ids[zipf.rank(rng.random::<f64>())])
        .collect()
}

/// `pairs` reserve+release pairs by `holder` over `draws`.
fn run(engine: &Engine, holder: u64, draws: &[ProductId], pairs: u64, expires: Timestamp) {
    let reservation = Reservation::new(holder);
    for n in 0..pairs as usize {
        let product = draws[n % draws.len()];
        engine
            .reserve(reservation, &[(product, 1)], expires)
            .expect("stock is ample");
        engine.release(reservation, &[product]);
    }
}

fn holds(c: &mut Criterion) {
    let (engine, ids) = engine_with_stock();
    let expires = Timestamp::from_millis(Timestamp::now().as_millis() + 3_600_000);
    let mut group = c.benchmark_group("holds");
    group.throughput(Throughput::Elements(1));
    let mine = draws(&ids, 1);
    group.bench_function("reserve_release/1_thread", |b| {
        b.iter(|| run(&engine, 1, &mine, 1, expires))
    });
    let theirs = [draws(&ids, 2), draws(&ids, 3)];
    group.bench_function("reserve_release/2_threads", |b| {
        b.iter_custom(|iterations| {
            // Each iteration is one pair; the two threads share them.
            let half = iterations.div_ceil(2);
            let barrier = Barrier::new(3);
            let started = std::thread::scope(|scope| {
                for (holder, draws) in theirs.iter().enumerate() {
                    let (engine, barrier) = (&engine, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        run(engine, 10 + holder as u64, draws, half, expires);
                    });
                }
                barrier.wait();
                Instant::now()
            });
            let total = started.elapsed();
            // Scale to exactly `iterations` pairs (half was rounded up).
            Duration::from_secs_f64(total.as_secs_f64() * iterations as f64 / (2 * half) as f64)
        })
    });
    group.finish();
    for product in &ids[..10] {
        let level = engine.live_stock(*product).expect("level");
        assert_eq!(level.reserved, 0, "every hold was released");
    }
}

criterion_group!(benches, holds);
criterion_main!(benches);
