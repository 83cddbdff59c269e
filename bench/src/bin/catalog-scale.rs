//! The catalog at scale: imports a generated catalog (default 1,000,000 products) into a
//! durable store, then measures what the foundation promises on it: import time and
//! resident memory, product get on a cache hit and a miss, search with and without
//! filters (facets always on), autocomplete, the SKU bloom check, and the size on disk.
//! Prints a Markdown table for bench/RESULTS.md.
//!
//! `cargo run --release -p emporium-bench --bin catalog-scale -- [PRODUCTS] [DIR]`

use std::time::{Duration, Instant};

use emporium::search::SearchRequest;
use emporium::{Config, Engine, ProductId, StoreLocation};
use emporium_bench::{catalog, disk_bytes, resident_bytes};
use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// mimalloc rather than the system allocator: a checkout or a request allocates and
/// frees many small buffers across threads, where glibc's malloc spent a quarter of the
/// CPU in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const GETS: usize = 200_000;
const SEARCHES: usize = 2_000;
const SUGGESTIONS: usize = 20_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let keep_dir = args.next();
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir = keep_dir.map_or_else(|| temp.path().to_path_buf(), Into::into);
    println!("catalog-scale: {count} products in {}", dir.display());

    // A directory that already holds the catalog is measured as it is (no import), so
    // a re-run can measure on a quieter machine without paying for the import again.
    let reuse = dir.join(emporium::store::STORE_FILE_NAME).exists();
    let started = Instant::now();
    let products = catalog(count);
    let generated = started.elapsed();
    let names: Vec<String> = products.iter().map(|p| p.name.clone()).collect();
    let skus: Vec<String> = products.iter().map(|p| p.sku.clone()).collect();
    let products = if reuse {
        drop(products);
        Vec::new()
    } else {
        products
    };
    let rss_before = resident_bytes().unwrap_or(0);

    let started = Instant::now();
    let engine =
        Engine::open_with(Config::new(StoreLocation::Directory(dir.clone()))).expect("open");
    let opened = started.elapsed();
    let mut rows = vec![row(
        "generate (not part of import)",
        format!("{:.1} s", generated.as_secs_f64()),
    )];
    if reuse {
        assert!(
            engine.wait_until_ready(Duration::from_secs(3_600)),
            "search caught up"
        );
        rows.push(row(
            "open an existing store (load read models, trie)",
            format!("{:.1} s", opened.as_secs_f64()),
        ));
    } else {
        let started = Instant::now();
        let report = engine.import_products(products).expect("import");
        let committed = started.elapsed();
        assert!(
            engine.wait_until_ready(Duration::from_secs(3_600)),
            "search caught up"
        );
        let searchable = started.elapsed();
        assert_eq!(
            report.imported as u64,
            count,
            "{:?}",
            report.rejected.first()
        );
        let per_s = |d: Duration| count as f64 / d.as_secs_f64();
        rows.push(row(
            "import, durable commit",
            format!(
                "{:.1} s ({:.0} products/s)",
                committed.as_secs_f64(),
                per_s(committed)
            ),
        ));
        rows.push(row(
            "import, until searchable",
            format!(
                "{:.1} s ({:.0} products/s)",
                searchable.as_secs_f64(),
                per_s(searchable)
            ),
        ));
    }
    let rss_after = resident_bytes().unwrap_or(0);
    rows.push(row(
        "resident memory",
        format!(
            "{} MiB (process; {} MiB before opening, most of it the generated input)",
            rss_after >> 20,
            rss_before >> 20
        ),
    ));
    rows.extend(measure_gets(&engine, count));
    rows.extend(measure_search(&engine, &names));
    rows.extend(measure_autocomplete(&engine, &names));
    rows.extend(measure_bloom(&engine, &skus));
    drop(engine);
    rows.push(row(
        "on-disk size",
        format!("{} MiB (store + search index)", disk_bytes(&dir) >> 20),
    ));

    println!("\n| measure ({count} products) | result |\n|---|---|");
    rows.iter().for_each(|line| println!("{line}"));
}

fn row(name: &str, value: String) -> String {
    format!("| {name} | {value} |")
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

fn quantiles(name: &str, histogram: &Histogram<u64>) -> String {
    let us = |q: f64| histogram.value_at_quantile(q) as f64 / 1_000.0;
    row(
        name,
        format!(
            "p50 {:.2} µs, p99 {:.2} µs, p99.9 {:.2} µs ({} ops)",
            us(0.5),
            us(0.99),
            us(0.999),
            histogram.len()
        ),
    )
}

fn measure_gets(engine: &Engine, count: u64) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(7);
    // Ids are handed out from 1 in import order.
    let hot: Vec<ProductId> = (0..1_000)
        .map(|_| ProductId::from_raw(rng.random_range(1..=count)))
        .collect();
    hot.iter()
        .for_each(|id| assert!(engine.product(*id).expect("get").is_some()));
    // The mean of a tight loop, free of the timer's own cost, beside the per-call
    // percentiles (which include two clock reads each).
    let started = Instant::now();
    for i in 0..GETS {
        assert!(engine.product(hot[i % hot.len()]).expect("get").is_some());
    }
    let hit_mean_ns = started.elapsed().as_nanos() as f64 / GETS as f64;
    let mut hits = histogram();
    for i in 0..GETS {
        let id = hot[i % hot.len()];
        let started = Instant::now();
        let product = engine.product(id).expect("get");
        hits.record(started.elapsed().as_nanos() as u64)
            .expect("record");
        assert!(product.is_some());
    }
    let (hits_before, misses_before) = engine.cache_counters();
    let mut misses = histogram();
    let hot_raw: std::collections::HashSet<u64> = hot.iter().map(|id| id.raw()).collect();
    let stride = (count as usize / GETS).max(1);
    // Ids never read before are not in the cache: every one of these is a first read.
    for raw in (1..=count)
        .step_by(stride)
        .filter(|raw| !hot_raw.contains(raw))
        .take(GETS)
    {
        let started = Instant::now();
        let product = engine.product(ProductId::from_raw(raw)).expect("get");
        misses
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
        assert!(product.is_some());
    }
    let (hits_after, misses_after) = engine.cache_counters();
    vec![
        quantiles("product get, cache hit", &hits),
        row(
            "product get, cache hit, mean of a tight loop",
            format!("{hit_mean_ns:.0} ns"),
        ),
        quantiles(
            &format!(
                "product get, cache miss ({} of {} were misses)",
                misses_after - misses_before,
                (hits_after - hits_before) + (misses_after - misses_before)
            ),
            &misses,
        ),
    ]
}

fn three_words(rng: &mut SmallRng, names: &[String]) -> String {
    let name = &names[rng.random_range(0..names.len())];
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| w.chars().all(char::is_alphanumeric))
        .collect();
    words.iter().take(3).copied().collect::<Vec<_>>().join(" ")
}

fn measure_search(engine: &Engine, names: &[String]) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(11);
    let category = engine
        .categories()
        .into_iter()
        .find(|c| !c.path.contains('/'))
        .map(|c| c.id);
    let mut plain = histogram();
    let mut filtered = histogram();
    let mut empty_filtered = histogram();
    let mut totals = 0u64;
    for _ in 0..SEARCHES {
        let q = three_words(&mut rng, names);
        let request = SearchRequest {
            q: q.clone(),
            limit: 20,
            ..Default::default()
        };
        let started = Instant::now();
        let results = engine.search(&request).expect("search");
        plain
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
        totals += results.total;
        let request = SearchRequest {
            q,
            category,
            min_price: Some(1_000),
            max_price: Some(50_000),
            in_stock: true,
            limit: 20,
            ..Default::default()
        };
        let started = Instant::now();
        let results = engine.search(&request).expect("search");
        filtered
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
        totals += results.total;
        let request = SearchRequest {
            category,
            in_stock: true,
            limit: 20,
            ..Default::default()
        };
        let started = Instant::now();
        let results = engine.search(&request).expect("search");
        empty_filtered
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
        assert!(results.total > 0);
    }
    assert!(totals > 0, "queries found products");
    vec![
        quantiles("search, 3 words, facets", &plain),
        quantiles(
            "search, 3 words + category, price range, in stock, facets",
            &filtered,
        ),
        quantiles(
            "search, empty q + category + in stock, facets (lists a department)",
            &empty_filtered,
        ),
    ]
}

fn measure_autocomplete(engine: &Engine, names: &[String]) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(13);
    let mut suggest = histogram();
    for _ in 0..SUGGESTIONS {
        let name = &names[rng.random_range(0..names.len())];
        let cut = name
            .char_indices()
            .nth(rng.random_range(1..=name.chars().count().min(12)))
            .map_or(name.len(), |(i, _)| i);
        let prefix = &name[..cut];
        let started = Instant::now();
        let suggestions = engine.autocomplete(prefix, 10);
        suggest
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
        assert!(!suggestions.is_empty(), "`{prefix}` has suggestions");
    }
    vec![quantiles("autocomplete, 10 suggestions", &suggest)]
}

fn measure_bloom(engine: &Engine, skus: &[String]) -> Vec<String> {
    let mut known = histogram();
    let mut unknown = histogram();
    let mut false_positives = 0;
    let probes = 100_000;
    for i in 0..probes {
        let sku = &skus[i * 7 % skus.len()];
        let started = Instant::now();
        let hit = engine.sku_may_exist(sku);
        known
            .record(started.elapsed().as_nanos().max(1) as u64)
            .expect("record");
        assert!(hit);
        let missing = format!("NOPE-{i:09}");
        let started = Instant::now();
        let hit = engine.sku_may_exist(&missing);
        unknown
            .record(started.elapsed().as_nanos().max(1) as u64)
            .expect("record");
        false_positives += usize::from(hit);
    }
    vec![
        quantiles("bloom check, known SKU", &known),
        quantiles("bloom check, unknown SKU", &unknown),
        row(
            "bloom false-positive rate",
            format!(
                "{:.3}% ({false_positives} of {probes} unknown SKUs)",
                false_positives as f64 * 100.0 / probes as f64
            ),
        ),
    ]
}
