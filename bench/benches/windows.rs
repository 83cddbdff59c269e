//! Streaming analytics: events ingested per second into every window (1 min, 5 min
//! and 1 h tumbling, 10 min every 5 min sliding) with every aggregate on, through the
//! engine's own path, and the latency of the dashboard summary and ranking queries.
//!
//! The input is what the event log hands the analytics subscriber: `EventRecord`s, in
//! batches of `OUTBOX_BATCH_EVENTS_MAX`, each batch given to
//! `Analytics::ingest_events`, the call `AnalyticsModel::apply` makes under its write
//! lock (the uncontended lock, taken once per batch, is left out). As in the engine,
//! where the outbox reader thread decodes batches into a queue of
//! `SUBSCRIBER_QUEUE_BATCHES` for the subscriber thread, a second thread materializes
//! each batch (a clone of the generated stream's) into a queue that deep, and only the
//! subscriber's `ingest_events` calls are timed.
//!
//! The stream is generated up front (seed 42): 1,000,000 events over 20 minutes of
//! event time, products Zipf-skewed (s = 1) over 100,000 ids; 80 % product views,
//! 10 % add-to-cart, 4 % checkouts, 3 % orders (1–3 lines, one in ten in EUR, paid at
//! checkout), 3 % searches over 2,000 queries (as typed, so the windows normalize
//! them; one in ten finds nothing); 5,000 concurrent visitor sessions of about 20
//! events each, keyed by UUIDs as the storefront makes them, seven in ten signed in;
//! 3 % of events delayed by up to 20 s, past the 5 s out-of-orderness bound, so late
//! updates happen. Each measured pass feeds the whole stream to one long-lived
//! `Analytics`, shifted 20 minutes later than the last pass, so windows open, fire and
//! become final as in steady operation. The ingest is timed twice: by the wall clock,
//! and by the time the thread spent on a CPU (`_on_cpu`), which leaves out the time a
//! shared machine made it wait.

use std::hint::black_box;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emporium::analytics::{Analytics, AnalyticsConfig, RankBy, WindowKind};
use emporium::events::{OUTBOX_BATCH_EVENTS_MAX, SUBSCRIBER_QUEUE_BATCHES};
use emporium::model::{
    CartActivity, CheckoutStarted, Event, EventRecord, OrderPlaced, PlacedLine, ProductViewed,
    SearchPerformed, Timestamp, Totals, Visitor,
};
use emporium::{
    CartId, Currency, Money, OrderId, OrderStatus, PaymentMethod, PaymentStatus, ProductId, UserId,
};
use emporium_bench::Zipf;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const EVENTS: usize = 1_000_000;
const PRODUCTS: usize = 100_000;
const QUERIES: usize = 2_000;
const SESSIONS_CONCURRENT: usize = 5_000;
const SPAN_MS: u64 = 20 * 60_000;
/// An hour boundary well after the epoch.
const START_MS: u64 = 1_767_225_600_000;

struct Shopper {
    visitor: Visitor,
    events_left: u32,
}

/// A session id as `crypto.randomUUID()` makes it.
fn uuid(rng: &mut StdRng) -> String {
    let bits: u128 = rng.random();
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn shopper(rng: &mut StdRng) -> Shopper {
    let user =
        (rng.random_range(0..10) < 7).then(|| UserId::from_raw(rng.random_range(1..1_000_000)));
    Shopper {
        visitor: Visitor {
            user_id: user,
            session_id: Some(uuid(rng)),
        },
        events_left: rng.random_range(5..36),
    }
}

fn order(rng: &mut StdRng, products: &Zipf, serial: u64, who: &Visitor) -> Event {
    let currency = if rng.random_range(0..10) == 0 {
        Currency::parse("EUR").expect("known currency")
    } else {
        Currency::USD
    };
    let lines: Vec<PlacedLine> = (0..rng.random_range(1..4))
        .map(|_| PlacedLine {
            product_id: product(products.rank(rng.random())),
            quantity: rng.random_range(1..3),
            unit_price: Money::new(rng.random_range(500..20_000), currency),
        })
        .collect();
    let total = lines
        .iter()
        .map(|line| line.unit_price.amount * line.quantity)
        .sum();
    let total = Money::new(total, currency);
    Event::OrderPlaced(OrderPlaced {
        order_id: OrderId::from_raw(serial),
        user_id: who.user_id,
        cart_id: CartId::from_raw(serial),
        status: OrderStatus::Paid,
        payment_method: PaymentMethod::Card,
        payment_status: PaymentStatus::Captured,
        totals: Totals {
            total,
            ..Totals::zero(Money::new(0, currency))
        },
        voucher: None,
        lines,
    })
}

/// Popular ranks scattered over the id space, as a catalog's best sellers are.
fn product(rank: usize) -> ProductId {
    ProductId::from_raw(1 + (rank as u64 * 7_919) % PRODUCTS as u64)
}

fn stream() -> Vec<EventRecord> {
    let mut rng = StdRng::seed_from_u64(42);
    let products = Zipf::new(PRODUCTS, 1.0);
    let queries = Zipf::new(QUERIES, 1.0);
    let query_text: Vec<String> = (0..QUERIES).map(|i| format!("Query {i}")).collect();
    let mut shoppers: Vec<Shopper> = (0..SESSIONS_CONCURRENT)
        .map(|_| shopper(&mut rng))
        .collect();
    (0..EVENTS)
        .map(|i| {
            let mut at_ms = START_MS + i as u64 * SPAN_MS / EVENTS as u64;
            if rng.random_range(0..100) < 3 {
                at_ms -= rng.random_range(0..20_000);
            }
            let at = Timestamp::from_millis(at_ms);
            let who = rng.random_range(0..SESSIONS_CONCURRENT);
            let visitor = shoppers[who].visitor.clone();
            shoppers[who].events_left -= 1;
            if shoppers[who].events_left == 0 {
                shoppers[who] = shopper(&mut rng);
            }
            let cart_id = CartId::from_raw(who as u64 + 1);
            let event = match rng.random_range(0..100) {
                0..80 => Event::ProductViewed(ProductViewed {
                    product_id: product(products.rank(rng.random())),
                    visitor,
                    at,
                }),
                80..90 => Event::CartItemAdded(CartActivity {
                    cart_id,
                    user_id: visitor.user_id,
                    product_id: product(products.rank(rng.random())),
                    quantity: rng.random_range(1..4),
                }),
                90..94 => Event::CheckoutStarted(CheckoutStarted {
                    cart_id,
                    user_id: visitor.user_id,
                }),
                94..97 => order(&mut rng, &products, i as u64 + 1, &visitor),
                _ => Event::SearchPerformed(SearchPerformed {
                    query: query_text[queries.rank(rng.random())].clone(),
                    results: if rng.random_range(0..10) == 0 {
                        0
                    } else {
                        rng.random_range(1..500)
                    },
                    took_us: rng.random_range(80..20_000),
                    visitor,
                }),
            };
            EventRecord {
                seq: i as u64 + 1,
                at,
                event,
            }
        })
        .collect()
}

/// Nanoseconds this thread has spent running on a CPU (Linux schedstat), if known.
/// The kernel updates the figure on scheduler ticks, so it is read around whole
/// passes, never around single batches.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Moves every event `by_ms` later: the commit time, and the client's time where the
/// windows count by it.
fn shift(stream: &mut [EventRecord], by_ms: u64) {
    let later = |at: Timestamp| Timestamp::from_millis(at.as_millis() + by_ms);
    for record in stream {
        record.at = later(record.at);
        if let Event::ProductViewed(viewed) = &mut record.event {
            viewed.at = later(viewed.at);
        }
    }
}

/// The event log's side: a thread that materializes the generated stream in batches,
/// pass after pass, each pass 20 minutes later than the one before, into a queue as
/// deep as a subscriber's. Applied batches come back to it to be dropped (or reused),
/// as the engine drops a batch once every subscriber is done with it, off the
/// subscriber's thread. It stops when the queue's receiver is dropped.
struct Outbox {
    batches: Receiver<Vec<EventRecord>>,
    applied: SyncSender<Vec<EventRecord>>,
}

impl Outbox {
    fn start(mut stream: Vec<EventRecord>) -> Outbox {
        let (sender, batches) = sync_channel(SUBSCRIBER_QUEUE_BATCHES);
        let (applied, returned) = sync_channel::<Vec<EventRecord>>(SUBSCRIBER_QUEUE_BATCHES);
        std::thread::spawn(move || {
            loop {
                shift(&mut stream, SPAN_MS);
                for source in stream.chunks(OUTBOX_BATCH_EVENTS_MAX) {
                    let mut batch = returned.try_recv().unwrap_or_default();
                    batch.clear();
                    batch.extend_from_slice(source);
                    if sender.send(batch).is_err() {
                        return;
                    }
                }
            }
        });
        Outbox { batches, applied }
    }
}

/// The subscriber's side: one long-lived `Analytics` fed the queued batches.
struct Subscriber {
    analytics: Analytics,
    outbox: Outbox,
}

impl Subscriber {
    fn new() -> Subscriber {
        let mut subscriber = Subscriber {
            analytics: Analytics::new(AnalyticsConfig::default()).expect("valid config"),
            outbox: Outbox::start(stream()),
        };
        // One warm pass: products interned and lane rows grown, as after a few minutes
        // of serving.
        subscriber.pass(|| 0);
        subscriber
    }

    /// Applies one pass of the stream and returns the time `clock` counted while
    /// batches were applied (with `clock` on the wall: the time inside
    /// `ingest_events`). Checks that every event was counted.
    fn pass(&mut self, clock: impl Fn() -> u64) -> u64 {
        let (mut elapsed, mut updated, mut records) = (0, 0, 0);
        for _ in 0..EVENTS.div_ceil(OUTBOX_BATCH_EVENTS_MAX) {
            let batch = self.outbox.batches.recv().expect("the outbox thread runs");
            let started = clock();
            let outcome = self.analytics.ingest_events(black_box(&batch));
            elapsed += clock().saturating_sub(started);
            updated += outcome.windows_updated;
            records += outcome.records;
            // The outbox thread may be gone only when the bench is over.
            let _ = self.outbox.applied.try_send(batch);
        }
        assert_eq!(records, EVENTS as u64, "every event is analytics input");
        assert!(updated >= records * 4, "every event reaches its windows");
        elapsed
    }

    /// [`Subscriber::pass`] timed by the time this thread spent on a CPU: the whole
    /// pass, whose only work besides `ingest_events` is taking batches off the
    /// queue and handing them back.
    fn pass_on_cpu(&mut self) -> u64 {
        let before = thread_cpu_ns().unwrap_or(0);
        self.pass(|| 0);
        thread_cpu_ns().unwrap_or(0).saturating_sub(before)
    }
}

fn ingest(c: &mut Criterion) {
    let mut subscriber = Subscriber::new();
    let mut group = c.benchmark_group("windows");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    let origin = Instant::now();
    let wall_ns = || origin.elapsed().as_nanos() as u64;
    group.bench_function("ingest_all_windows", |b| {
        b.iter_custom(|passes| {
            let elapsed: u64 = (0..passes).map(|_| subscriber.pass(wall_ns)).sum();
            Duration::from_nanos(elapsed)
        })
    });
    // The same work timed by the time this thread spent on a CPU, which is what "per
    // core" means when the machine is shared and the thread waits for its turn.
    if thread_cpu_ns().is_some() {
        group.bench_function("ingest_all_windows_on_cpu", |b| {
            b.iter_custom(|passes| {
                let elapsed: u64 = (0..passes).map(|_| subscriber.pass_on_cpu()).sum();
                Duration::from_nanos(elapsed)
            })
        });
    }
    group.finish();
    let stats = subscriber.analytics.stats();
    let minute = stats.windows[0].1;
    assert!(
        minute.finalized > 0 && minute.late_updates > 0,
        "windows moved on: {minute:?}"
    );
}

/// Feeds `stream` once in the subscriber's batches.
fn feed(analytics: &mut Analytics, stream: &[EventRecord]) {
    for batch in stream.chunks(OUTBOX_BATCH_EVENTS_MAX) {
        analytics.ingest_events(batch);
    }
}

fn queries(c: &mut Criterion) {
    let events = stream();
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid config");
    feed(&mut analytics, &events);
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
