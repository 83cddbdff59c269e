//! Search and autocomplete on a generated catalog (`EMPORIUM_BENCH_PRODUCTS`, default
//! 100,000): a 3-word query with and without filters (facets always computed), an
//! empty query with filters, and autocomplete on name prefixes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use emporium::Engine;
use emporium::search::SearchRequest;
use emporium_bench::catalog;

fn loaded() -> (Engine, Vec<String>) {
    let count = std::env::var("EMPORIUM_BENCH_PRODUCTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let engine = Engine::open_in_memory().expect("open");
    let products = catalog(count);
    let names = products
        .iter()
        .step_by(97)
        .map(|p| p.name.clone())
        .collect();
    engine.import_products(products).expect("import");
    assert!(engine.wait_until_ready(Duration::from_secs(600)));
    (engine, names)
}

fn queries(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            name.split_whitespace()
                .filter(|w| w.chars().all(char::is_alphanumeric))
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| !q.is_empty())
        .collect()
}

fn search(c: &mut Criterion) {
    let (engine, names) = loaded();
    let queries = queries(&names);
    let department = engine
        .categories()
        .into_iter()
        .find(|c| !c.path.contains('/'))
        .map(|c| c.id);
    let mut group = c.benchmark_group("search");
    let mut i = 0;
    group.bench_function("three_words_facets", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let request = SearchRequest {
                q: queries[i].clone(),
                limit: 20,
                ..Default::default()
            };
            let results = engine.search(black_box(&request)).expect("search");
            assert!(results.total > 0, "{}", queries[i]);
        })
    });
    group.bench_function("three_words_filters_facets", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let request = SearchRequest {
                q: queries[i].clone(),
                category: department,
                min_price: Some(1_000),
                max_price: Some(50_000),
                in_stock: true,
                limit: 20,
                ..Default::default()
            };
            black_box(engine.search(&request).expect("search"));
        })
    });
    group.bench_function("empty_query_category_in_stock", |b| {
        b.iter(|| {
            let request = SearchRequest {
                category: department,
                in_stock: true,
                limit: 20,
                ..Default::default()
            };
            let results = engine.search(black_box(&request)).expect("search");
            assert!(results.total > 0);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("autocomplete");
    let prefixes: Vec<String> = names.iter().map(|n| n.chars().take(6).collect()).collect();
    group.bench_function("six_letter_prefix", |b| {
        b.iter(|| {
            i = (i + 1) % prefixes.len();
            let suggestions = engine.autocomplete(black_box(&prefixes[i]), 10);
            assert!(!suggestions.is_empty());
        })
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
