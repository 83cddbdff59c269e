//! Catalog hot paths: product get on a cache hit and a miss, the SKU bloom check, and
//! bulk import. The catalog is generated (seed 42); its size is
//! `EMPORIUM_BENCH_PRODUCTS` (default 100,000). The 1,000,000-product figures come
//! from the `catalog-scale` binary (bench/README.md).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use emporium::{Config, Engine, ProductId, StoreLocation};
use emporium_bench::catalog;

fn products() -> u64 {
    std::env::var("EMPORIUM_BENCH_PRODUCTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

fn loaded(cache_products_max: usize) -> (Engine, u64) {
    let count = products();
    let config = Config {
        cache_products_max,
        ..Config::new(StoreLocation::Memory)
    };
    let engine = Engine::open_with(config).expect("open");
    let report = engine.import_products(catalog(count)).expect("import");
    assert_eq!(report.imported as u64, count);
    (engine, count)
}

fn product_get(c: &mut Criterion) {
    let (engine, count) = loaded(100_000);
    let mut group = c.benchmark_group("product_get");
    let hot = ProductId::from_raw(count / 2);
    engine.product(hot).expect("warm");
    group.bench_function("cache_hit", |b| {
        b.iter(|| {
            let product = engine.product(black_box(hot)).expect("get");
            assert!(product.is_some());
        })
    });
    drop(engine);
    // A cache of one product: every read of a spread of ids goes to the store.
    let (engine, count) = loaded(1);
    let mut next = 0u64;
    group.bench_function("cache_miss", |b| {
        b.iter(|| {
            next = (next + 7_919) % count;
            let product = engine
                .product(black_box(ProductId::from_raw(next + 1)))
                .expect("get");
            assert!(product.is_some());
        })
    });
    group.finish();
}

fn bloom(c: &mut Criterion) {
    let (engine, _) = loaded(100_000);
    let mut group = c.benchmark_group("bloom");
    group.bench_function("known_sku", |b| {
        b.iter(|| assert!(engine.sku_may_exist(black_box("BOO-SLF-00000000"))))
    });
    let mut i = 0u64;
    group.bench_function("unknown_sku", |b| {
        b.iter(|| {
            i += 1;
            black_box(engine.sku_may_exist(&format!("NOPE-{i}")))
        })
    });
    group.finish();
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    let batch = catalog(10_000);
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("10k_products_in_memory", |b| {
        b.iter_batched(
            || (Engine::open_in_memory().expect("open"), batch.clone()),
            |(engine, products)| {
                let report = engine.import_products(products).expect("import");
                assert_eq!(report.imported, 10_000);
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, product_get, bloom, import);
criterion_main!(benches);
