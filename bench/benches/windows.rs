//! Streaming analytics: records ingested per second into every window (1 min, 5 min
//! and 1 h tumbling, 10 min every 5 min sliding) with every aggregate on, and the
//! latency of the dashboard summary and ranking queries.
//!
//! The stream is generated up front (seed 42): 1,000,000 records over 20 minutes of
//! event time, products Zipf-skewed (s = 1) over 100,000 ids; 80 % views, 10 %
//! add-to-cart, 4 % checkouts, 3 % orders (1–3 lines, one in ten in EUR), 3 % searches
//! over 2,000 queries (one in ten finds nothing); 5,000 concurrent sessions of about 20
//! records each, seven in ten signed in; 3 % of records delayed by up to 20 s, past the
//! 5 s out-of-orderness bound, so late updates happen. Each measured pass feeds the
//! whole stream to one long-lived `Analytics`, shifted 20 minutes later than the last
//! pass, so windows open, fire and become final as in steady operation. The ingest is
//! timed twice: by the wall clock, and by the time the thread spent on a CPU
//! (`_on_cpu`), which leaves out the time a shared machine made it wait.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emporium::analytics::{
    Analytics, AnalyticsConfig, PurchaseLine, RankBy, Record, RecordKind, SessionKey, WindowKind,
};
use emporium::{Currency, Money, OrderId, ProductId, UserId};
use emporium_bench::Zipf;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RECORDS: usize = 1_000_000;
const PRODUCTS: usize = 100_000;
const QUERIES: usize = 2_000;
const SESSIONS_CONCURRENT: usize = 5_000;
const SPAN_MS: u64 = 20 * 60_000;
/// An hour boundary well after the epoch.
const START_MS: u64 = 1_767_225_600_000;

struct Visitor {
    session: SessionKey,
    user: Option<UserId>,
    records_left: u32,
}

fn visitor(rng: &mut StdRng, serial: &mut u64) -> Visitor {
    *serial += 1;
    Visitor {
        session: SessionKey::from_client(&format!("sess-{serial}")),
        user: (rng.random_range(0..10) < 7)
            .then(|| UserId::from_raw(rng.random_range(1..1_000_000))),
        records_left: rng.random_range(5..36),
    }
}

fn stream() -> Vec<Record> {
    let mut rng = StdRng::seed_from_u64(42);
    let products = Zipf::new(PRODUCTS, 1.0);
    let queries = Zipf::new(QUERIES, 1.0);
    let query_text: Vec<String> = (0..QUERIES).map(|i| format!("query {i}")).collect();
    let euro = Currency::parse("EUR").expect("known currency");
    // Popular ranks scattered over the id space, as a catalog's best sellers are.
    let product = |rank: usize| ProductId::from_raw(1 + (rank as u64 * 7_919) % PRODUCTS as u64);
    let mut serial = 0;
    let mut visitors: Vec<Visitor> = (0..SESSIONS_CONCURRENT)
        .map(|_| visitor(&mut rng, &mut serial))
        .collect();
    (0..RECORDS)
        .map(|i| {
            let mut at_ms = START_MS + i as u64 * SPAN_MS / RECORDS as u64;
            if rng.random_range(0..100) < 3 {
                at_ms -= rng.random_range(0..20_000);
            }
            let who = rng.random_range(0..SESSIONS_CONCURRENT);
            let (session, user) = (visitors[who].session, visitors[who].user);
            visitors[who].records_left -= 1;
            if visitors[who].records_left == 0 {
                visitors[who] = visitor(&mut rng, &mut serial);
            }
            let kind = match rng.random_range(0..100) {
                0..80 => RecordKind::ProductView {
                    product: product(products.rank(rng.random())),
                },
                80..90 => RecordKind::AddToCart {
                    product: product(products.rank(rng.random())),
                    quantity: rng.random_range(1..4),
                },
                90..94 => RecordKind::CheckoutStarted,
                94..97 => {
                    let currency = if rng.random_range(0..10) == 0 {
                        euro
                    } else {
                        Currency::USD
                    };
                    let lines: Vec<PurchaseLine> = (0..rng.random_range(1..4))
                        .map(|_| {
                            let quantity = rng.random_range(1..3);
                            PurchaseLine {
                                product: product(products.rank(rng.random())),
                                quantity,
                                amount: Money::new(
                                    rng.random_range(500..20_000) * quantity,
                                    currency,
                                ),
                            }
                        })
                        .collect();
                    let total = lines.iter().map(|line| line.amount.amount).sum();
                    RecordKind::OrderPlaced {
                        order: OrderId::from_raw(i as u64),
                        total: Money::new(total, currency),
                        lines,
                        paid: true,
                    }
                }
                _ => RecordKind::Search {
                    query: query_text[queries.rank(rng.random())].clone(),
                    results: if rng.random_range(0..10) == 0 {
                        0
                    } else {
                        rng.random_range(1..500)
                    },
                    took_us: rng.random_range(80..20_000),
                },
            };
            Record {
                at_ms,
                user,
                session: Some(session),
                kind,
            }
        })
        .collect()
}

/// Nanoseconds this thread has spent running on a CPU (Linux schedstat), if known.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn shift(stream: &mut [Record], by_ms: u64) {
    for record in stream {
        record.at_ms += by_ms;
    }
}

/// Feeds `stream` once, checking every record was counted somewhere.
fn feed(analytics: &mut Analytics, stream: &[Record]) {
    let mut updated = 0u64;
    for record in stream {
        updated += u64::from(analytics.ingest(record).windows_updated);
    }
    assert!(
        updated >= stream.len() as u64 * 4,
        "every record reaches its windows"
    );
}

fn ingest(c: &mut Criterion) {
    let mut records = stream();
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid config");
    // One warm pass: products interned and window arrays grown, as after a few minutes
    // of serving.
    feed(&mut analytics, &records);
    let mut group = c.benchmark_group("windows");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.sample_size(10);
    group.bench_function("ingest_all_windows", |b| {
        b.iter_custom(|passes| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..passes {
                shift(&mut records, SPAN_MS);
                let started = Instant::now();
                feed(&mut analytics, black_box(&records));
                elapsed += started.elapsed();
            }
            elapsed
        })
    });
    // The same work timed by the time this thread spent on a CPU, which is what "per
    // core" means when the machine is shared and the thread waits for its turn.
    if thread_cpu_ns().is_some() {
        group.bench_function("ingest_all_windows_on_cpu", |b| {
            b.iter_custom(|passes| {
                let mut on_cpu_ns = 0;
                for _ in 0..passes {
                    shift(&mut records, SPAN_MS);
                    let before = thread_cpu_ns().unwrap_or(0);
                    feed(&mut analytics, black_box(&records));
                    on_cpu_ns += thread_cpu_ns().unwrap_or(0).saturating_sub(before);
                }
                Duration::from_nanos(on_cpu_ns)
            })
        });
    }
    group.finish();
    let stats = analytics.stats();
    let minute = stats.windows[0].1;
    assert!(
        minute.finalized > 0 && minute.late_updates > 0,
        "windows moved on: {minute:?}"
    );
}

fn queries(c: &mut Criterion) {
    let records = stream();
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid config");
    feed(&mut analytics, &records);
    let mut group = c.benchmark_group("analytics_query");
    group.bench_function("summary_1h", |b| {
        b.iter(|| {
            let summary = analytics
                .summary(black_box(WindowKind::Hour))
                .expect("open hour");
            assert!(summary.events > 0);
        })
    });
    group.bench_function("recent_windows_1m", |b| {
        b.iter(|| {
            let windows = analytics.recent_windows(black_box(WindowKind::Minute));
            assert!(windows.len() >= 20);
        })
    });
    group.bench_function("top_products_5m_views", |b| {
        b.iter(|| {
            let top = analytics
                .top_products(black_box(WindowKind::FiveMinutes), RankBy::Views, 20, None)
                .expect("open window");
            assert_eq!(top.data.len(), 20);
        })
    });
    group.finish();
}

criterion_group!(benches, ingest, queries);
criterion_main!(benches);
