//! Search only, on an existing catalog directory (built by `catalog-scale`): the same
//! three request shapes and query sequence as `catalog-scale` (seed 11), with
//! percentiles per shape, a breakdown by total matches, and the slowest requests.
//!
//! `cargo run --release -p emporium-bench --bin search-scale -- [PRODUCTS] DIR [ROUNDS] [QUERY]`
//!
//! With QUERY, runs only that text (all three shapes) ROUNDS times: handy under `perf`.
//! With REPEAT=n in the environment, each request runs n times in a row and the fastest
//! is recorded (beside the first): on a machine with stolen CPU time, the fastest run is
//! the steadier measure of the work a search does.

use std::time::{Duration, Instant};

use emporium::search::SearchRequest;
use emporium::{CategoryId, Config, Engine, StoreLocation};
use emporium_bench::catalog;
use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// mimalloc rather than the system allocator: a checkout or a request allocates and
/// frees many small buffers across threads, where glibc's malloc spent a quarter of the
/// CPU in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEARCHES: usize = 2_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir: std::path::PathBuf = args.next().expect("DIR of an existing catalog").into();
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let only = args.next();
    assert!(
        dir.join(emporium::store::STORE_FILE_NAME).exists(),
        "no catalog in {}",
        dir.display()
    );
    let names: Vec<String> = if only.is_some() {
        Vec::new()
    } else {
        catalog(count).into_iter().map(|p| p.name).collect()
    };
    let started = Instant::now();
    let engine = Engine::open_with(Config::new(StoreLocation::Directory(dir))).expect("open");
    assert!(
        engine.wait_until_ready(Duration::from_secs(3_600)),
        "search caught up"
    );
    println!("opened in {:.1} s", started.elapsed().as_secs_f64());
    let category = engine
        .categories()
        .into_iter()
        .find(|c| !c.path.contains('/'))
        .map(|c| c.id);

    let repeat: usize = std::env::var("REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut shapes = [
        Shape::new("3 words, facets"),
        Shape::new("3 words + category, price, in stock"),
        Shape::new("empty q + category + in stock"),
    ];
    let mut fastest = [
        Shape::new("3 words, facets (fastest)"),
        Shape::new("3 words + category, price, in stock (fastest)"),
        Shape::new("empty q + category + in stock (fastest)"),
    ];
    // SHAPES: which request shapes run (a subset of "012"), for profiling one at a time.
    let run_shapes = std::env::var("SHAPES").unwrap_or_else(|_| "012".into());
    for round in 0..rounds {
        let mut rng = SmallRng::seed_from_u64(11);
        for _ in 0..if only.is_some() { 100 } else { SEARCHES } {
            let q = only
                .clone()
                .unwrap_or_else(|| three_words(&mut rng, &names));
            for (index, request) in requests(&q, category).into_iter().enumerate() {
                if !run_shapes.contains(char::from(b'0' + index as u8)) {
                    continue;
                }
                let mut best = Duration::MAX;
                for time in 0..repeat {
                    let started = Instant::now();
                    let results = engine.search(&request).expect("search");
                    let took = started.elapsed();
                    best = best.min(took);
                    if round + 1 == rounds && time == 0 {
                        shapes[index].record(&q, took, results.total);
                    }
                    if round + 1 == rounds && time + 1 == repeat && repeat > 1 {
                        fastest[index].record(&q, best, results.total);
                    }
                }
            }
        }
    }
    for shape in shapes
        .iter()
        .chain(&fastest)
        .filter(|shape| !shape.all.is_empty())
    {
        shape.print();
    }
}

fn requests(q: &str, category: Option<CategoryId>) -> [SearchRequest; 3] {
    [
        SearchRequest {
            q: q.to_owned(),
            limit: 20,
            ..Default::default()
        },
        SearchRequest {
            q: q.to_owned(),
            category,
            min_price: Some(1_000),
            max_price: Some(50_000),
            in_stock: true,
            limit: 20,
            ..Default::default()
        },
        SearchRequest {
            category,
            in_stock: true,
            limit: 20,
            ..Default::default()
        },
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

struct Shape {
    name: &'static str,
    all: Histogram<u64>,
    /// (took, total, q)
    samples: Vec<(Duration, u64, String)>,
}

impl Shape {
    fn new(name: &'static str) -> Shape {
        Shape {
            name,
            all: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("bounds"),
            samples: Vec::new(),
        }
    }

    fn record(&mut self, q: &str, took: Duration, total: u64) {
        self.all.record(took.as_nanos() as u64).expect("record");
        self.samples.push((took, total, q.to_owned()));
    }

    fn print(&self) {
        let us = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
        println!(
            "\n## {}: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} ops)",
            self.name,
            us(&self.all, 0.5),
            us(&self.all, 0.9),
            us(&self.all, 0.99),
            self.all.max() as f64 / 1_000.0,
            self.all.len()
        );
        let bands = [0u64, 1_000, 10_000, 100_000, u64::MAX];
        for band in bands.windows(2) {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
            self.samples
                .iter()
                .filter(|s| s.1 >= band[0] && s.1 < band[1])
                .for_each(|s| h.record(s.0.as_nanos() as u64).expect("record"));
            if !h.is_empty() {
                println!(
                    "  total in [{}, {}): p50 {:.0} µs, p99 {:.0} µs ({} ops)",
                    band[0],
                    band[1],
                    us(&h, 0.5),
                    us(&h, 0.99),
                    h.len()
                );
            }
        }
        let mut slow: Vec<&(Duration, u64, String)> = self.samples.iter().collect();
        slow.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        for (took, total, q) in slow.into_iter().take(8) {
            println!(
                "  slow: {:>7} µs total {total:>7} q {q:?}",
                took.as_micros()
            );
        }
    }
}
