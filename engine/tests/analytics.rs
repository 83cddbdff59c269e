//! The analytics windows against hand-computed answers.
//!
//! A short hand-written stream, with records out of order, late within the allowed
//! lateness and too late, is checked window by window against values worked out by
//! hand from the definitions in the `analytics` module docs (Flink's event-time
//! semantics). Then: unique counts on 100,000 users stay within the HyperLogLog's
//! stated error, and a checkpoint restored halfway through a long generated stream
//! ends in exactly the state of one uninterrupted run.

use emporium::analytics::{
    Analytics, AnalyticsConfig, AnomalyKind, FunnelStepKind, HLL_STANDARD_ERROR_PPM, PurchaseLine,
    RankBy, Record, RecordKind, SessionKey, WindowKind, WindowTotals,
};
use emporium::{Currency, Money, OrderId, ProductId, UserId};

/// An hour boundary, so every window kind is aligned to it.
const BASE: u64 = 1_699_999_200_000;
const _: () = assert!(BASE % 3_600_000 == 0);

fn usd(amount: u64) -> Money {
    Money::new(amount, Currency::USD)
}

fn eur(amount: u64) -> Money {
    Money::new(amount, Currency::parse("EUR").expect("known"))
}

fn product(raw: u64) -> ProductId {
    ProductId::from_raw(raw)
}

/// A record `seconds` after [`BASE`] by user `who` in session `who`.
fn at(seconds: u64, who: u64, kind: RecordKind) -> Record {
    Record {
        at_ms: BASE + seconds * 1_000,
        user: Some(UserId::from_raw(who)),
        session: Some(SessionKey::from_raw(who)),
        kind,
    }
}

fn view(seconds: u64, who: u64, raw: u64) -> Record {
    at(
        seconds,
        who,
        RecordKind::ProductView {
            product: product(raw),
        },
    )
}

fn search(seconds: u64, who: u64, query: &str, results: u64, took_us: u64) -> Record {
    at(
        seconds,
        who,
        RecordKind::Search {
            query: query.into(),
            results,
            took_us,
        },
    )
}

fn order(seconds: u64, who: u64, id: u64, total: Money, lines: &[(u64, u64, Money)]) -> Record {
    let lines = lines
        .iter()
        .map(|&(raw, quantity, amount)| PurchaseLine {
            product: product(raw),
            quantity,
            amount,
        })
        .collect();
    at(
        seconds,
        who,
        RecordKind::OrderPlaced {
            order: OrderId::from_raw(id),
            total,
            lines,
            paid: true,
        },
    )
}

fn failed(seconds: u64, who: u64, amount: Money) -> Record {
    at(seconds, who, RecordKind::PaymentFailed { amount })
}

fn config() -> AnalyticsConfig {
    AnalyticsConfig {
        out_of_orderness_ms: 10_000,
        allowed_lateness_ms: 30_000,
        session_events_max: 5,
        payment_failures_max: 1,
        ..AnalyticsConfig::default()
    }
}

/// Sixteen records over two minutes; the comments give the watermark after each.
fn phase_one() -> Vec<Record> {
    vec![
        view(0, 1, 1),
        view(10, 2, 2),
        view(20, 1, 1),
        at(
            30,
            1,
            RecordKind::AddToCart {
                product: product(1),
                quantity: 2,
            },
        ),
        search(40, 2, "shoes", 5, 100),
        at(50, 1, RecordKind::CheckoutStarted),
        order(55, 1, 1, usd(3_000), &[(1, 2, usd(3_000))]), // wm 45 s
        view(65, 3, 3),                                     // wm 55 s
        search(72, 3, "hat", 0, 300),                       // wm 62 s: [0, 60 s) fires (59.999 s)
        view(58, 2, 2),             // late, within lateness: updates [0, 60 s)
        failed(100, 3, usd(2_000)), // wm 90 s: [0, 60 s) final (89.999 s)
        view(50, 2, 1),             // too late for [0, 60 s); counted by the rest
        failed(110, 3, usd(1_500)), // second failure: over the maximum of one
        order(115, 2, 2, eur(1_000), &[(2, 1, eur(1_000))]),
        order(
            118,
            3,
            3,
            usd(5_000),
            &[(1, 1, usd(1_500)), (3, 1, usd(3_500))],
        ),
        view(125, 1, 3), // wm 115 s; session 1's sixth record
    ]
}

fn window_start(totals: &WindowTotals) -> u64 {
    (totals.window.start.as_millis() - BASE) / 1_000
}

fn funnel_counts(totals: &WindowTotals) -> Vec<(FunnelStepKind, u64, Option<f64>)> {
    totals
        .funnel
        .steps
        .iter()
        .map(|step| (step.step, step.count, step.conversion))
        .collect()
}

#[test]
fn hand_computed_windows() {
    let mut analytics = Analytics::new(config()).expect("valid config");
    let outcomes: Vec<_> = phase_one().iter().map(|r| analytics.ingest(r)).collect();
    // Record 12 (50 s, after the watermark reached 90 s) is dropped by the 1 min
    // window only; every other record lands in 1 + 1 + 1 + 2 windows.
    assert_eq!(outcomes[11].windows_dropped, 1);
    assert_eq!(outcomes[11].windows_updated, 4);
    assert!(
        outcomes
            .iter()
            .enumerate()
            .all(|(i, o)| i == 11 || o.windows_updated == 5)
    );

    let minutes = analytics.windows(WindowKind::Minute, BASE, BASE + 3_600_000);
    assert_eq!(
        minutes.iter().map(window_start).collect::<Vec<_>>(),
        [0, 60, 120]
    );
    let (first, second, third) = (&minutes[0], &minutes[1], &minutes[2]);

    // [0, 60 s): records 1–7 and the late record 10; final.
    assert!(first.window.fired && first.window.is_final);
    assert_eq!((first.events, first.late_events), (8, 1));
    assert_eq!(
        (first.views, first.add_to_carts, first.checkouts),
        (4, 1, 1)
    );
    assert_eq!(
        (first.orders, first.searches, first.zero_result_searches),
        (1, 1, 0)
    );
    assert_eq!(first.payment_failures, 0);
    assert_eq!((first.unique_users, first.unique_sessions), (2, 2));
    assert_eq!(first.currencies.len(), 1);
    let dollars = &first.currencies[0];
    assert_eq!((dollars.orders, dollars.revenue), (1, usd(3_000)));
    assert_eq!(dollars.average_order_value, usd(3_000));
    assert_eq!((dollars.paid_orders, dollars.paid), (1, usd(3_000)));
    // 3,000 lies in the 16-wide buckets of [2048, 4096): [2992, 3007].
    let value = dollars.order_value;
    assert_eq!(
        (value.count, value.min, value.p50, value.max),
        (1, 2_992, 3_007, 3_007)
    );
    assert_eq!(
        (first.search_latency_us.count, first.search_latency_us.p50),
        (1, 100)
    );
    assert_eq!(
        funnel_counts(first),
        [
            (FunnelStepKind::View, 4, None),
            (FunnelStepKind::AddToCart, 1, Some(0.25)),
            (FunnelStepKind::Checkout, 1, Some(1.0)),
            (FunnelStepKind::Purchase, 1, Some(1.0)),
        ]
    );
    assert_eq!(first.funnel.steps[3].overall_conversion, Some(0.25));

    // [60 s, 120 s): open, records 8, 9, 11, 13, 14, 15.
    assert!(!second.window.fired && !second.window.is_final);
    assert_eq!((second.events, second.late_events, second.views), (6, 0, 1));
    assert_eq!((second.orders, second.payment_failures), (2, 2));
    assert_eq!((second.searches, second.zero_result_searches), (1, 1));
    assert_eq!((second.unique_users, second.unique_sessions), (2, 2));
    let currencies: Vec<_> = second
        .currencies
        .iter()
        .map(|c| {
            (
                c.currency.code(),
                c.orders,
                c.revenue.amount,
                c.payment_failures,
                c.failed.amount,
            )
        })
        .collect();
    assert_eq!(
        currencies,
        [("USD", 1, 5_000, 2, 3_500), ("EUR", 1, 1_000, 0, 0)]
    );
    assert_eq!(
        funnel_counts(second),
        [
            (FunnelStepKind::View, 1, None),
            (FunnelStepKind::AddToCart, 0, Some(0.0)),
            (FunnelStepKind::Checkout, 0, None),
            (FunnelStepKind::Purchase, 2, None),
        ]
    );
    assert_eq!((third.events, third.views, third.unique_users), (1, 1, 1));

    // The first minute's rankings were kept when it became final.
    let report = analytics
        .report(WindowKind::Minute, Some(BASE + 30_000))
        .expect("final window kept");
    let by_views: Vec<_> = report
        .top_by_views
        .iter()
        .map(|p| {
            (
                p.product_id.raw(),
                p.views,
                p.orders,
                p.purchases,
                p.revenue.clone(),
                p.conversion,
            )
        })
        .collect();
    assert_eq!(
        by_views,
        [
            (1, 2, 1, 2, vec![usd(3_000)], Some(0.5)),
            (2, 2, 0, 0, vec![], Some(0.0)),
        ]
    );
    assert_eq!(report.top_queries.len(), 1);
    assert_eq!(report.top_queries[0].query, "shoes");
    assert!(report.zero_result_queries.is_empty());

    // The second minute, ranked while open.
    let report = analytics
        .report(WindowKind::Minute, Some(BASE + 90_000))
        .expect("open window");
    assert!(!report.totals.window.fired);
    let units: Vec<_> = report
        .top_by_purchases
        .iter()
        .map(|p| (p.product_id.raw(), p.purchases, p.orders))
        .collect();
    assert_eq!(
        units,
        [(1, 1, 1), (2, 1, 1), (3, 1, 1)],
        "ties go to the lower id"
    );
    let revenue: Vec<_> = report
        .top_by_revenue
        .iter()
        .map(|r| {
            let products: Vec<_> = r.products.iter().map(|p| p.product_id.raw()).collect();
            (r.currency.code(), products)
        })
        .collect();
    assert_eq!(revenue, [("USD", vec![3, 1]), ("EUR", vec![2])]);
    assert_eq!(report.zero_result_queries[0].query, "hat");

    check_five_minutes_hour_and_sliding(&analytics);
    check_anomalies_and_stats(&analytics);
    phase_two(&mut analytics);
}

/// Every record is in the first five minutes, the first hour and both sliding windows
/// that cover [0, 300 s), and none of those has fired: their totals agree.
fn check_five_minutes_hour_and_sliding(analytics: &Analytics) {
    let five = analytics.windows(WindowKind::FiveMinutes, BASE, BASE + 1);
    let hour = analytics.windows(WindowKind::Hour, BASE, BASE + 1);
    let sliding = analytics.windows(WindowKind::TenMinutesEveryFive, BASE, BASE + 1);
    assert_eq!((five.len(), hour.len(), sliding.len()), (1, 1, 2));
    assert_eq!(sliding[0].window.start.as_millis(), BASE - 300_000);
    assert_eq!(sliding[1].window.start.as_millis(), BASE);
    for totals in [&five[0], &hour[0], &sliding[0], &sliding[1]] {
        let kind = totals.window.kind;
        assert!(!totals.window.fired, "{kind:?}");
        assert_eq!(
            (totals.events, totals.late_events, totals.views),
            (16, 0, 7)
        );
        assert_eq!(
            (totals.add_to_carts, totals.checkouts, totals.orders),
            (1, 1, 3)
        );
        assert_eq!((totals.searches, totals.zero_result_searches), (2, 1));
        assert_eq!((totals.unique_users, totals.unique_sessions), (3, 3));
        let money: Vec<_> = totals
            .currencies
            .iter()
            .map(|c| {
                (
                    c.currency.code(),
                    c.orders,
                    c.revenue.amount,
                    c.average_order_value.amount,
                )
            })
            .collect();
        assert_eq!(money, [("USD", 2, 8_000, 4_000), ("EUR", 1, 1_000, 1_000)]);
        assert_eq!(
            funnel_counts(totals),
            [
                (FunnelStepKind::View, 7, None),
                (FunnelStepKind::AddToCart, 1, Some(1.0 / 7.0)),
                (FunnelStepKind::Checkout, 1, Some(1.0)),
                (FunnelStepKind::Purchase, 3, Some(3.0)),
            ]
        );
    }
    let report = analytics
        .report(WindowKind::FiveMinutes, None)
        .expect("open window");
    let views: Vec<_> = report
        .top_by_views
        .iter()
        .map(|p| {
            (
                p.product_id.raw(),
                p.views,
                p.add_to_carts,
                p.orders,
                p.purchases,
            )
        })
        .collect();
    assert_eq!(views, [(1, 3, 1, 2, 3), (2, 2, 0, 1, 1), (3, 2, 0, 1, 1)]);
    assert_eq!(report.top_by_views[0].revenue, [usd(4_500)]);
    assert_eq!(report.top_by_views[0].conversion, Some(2.0 / 3.0));
    assert_eq!(report.top_by_views[1].revenue, [eur(1_000)]);
    let queries: Vec<_> = report
        .top_queries
        .iter()
        .map(|q| (q.query.as_str(), q.searches, q.zero_results))
        .collect();
    assert_eq!(queries, [("hat", 1, 1), ("shoes", 1, 0)]);
    let top = analytics
        .top_products(WindowKind::FiveMinutes, RankBy::Revenue, 10, None)
        .expect("open window");
    assert_eq!(
        top.currency,
        Some(Currency::USD),
        "the currency with most orders"
    );
    let ranked: Vec<_> = top.data.iter().map(|p| p.product_id.raw()).collect();
    assert_eq!(ranked, [1, 3]);
    let search = analytics.search(WindowKind::Hour, 10).expect("open window");
    assert_eq!((search.searches, search.zero_result_searches), (2, 1));
    // 300 lies in the 2-wide buckets of [256, 512): [300, 301].
    assert_eq!((search.latency_us.min, search.latency_us.max), (100, 301));
    let funnel = analytics.funnel(WindowKind::Hour).expect("open window");
    assert_eq!(funnel.funnel.steps[3].count, 3);
}

fn check_anomalies_and_stats(analytics: &Analytics) {
    // Newest first: session 1's sixth record, then the second failed payment, which
    // passed the maximum of one in all five windows that contain 110 s.
    let anomalies = analytics.anomalies(100);
    let seen: Vec<_> = anomalies
        .iter()
        .map(|a| {
            (
                a.kind,
                a.window.map(|w| (w.kind, w.start.as_millis())),
                a.count,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (AnomalyKind::SessionEventBurst, None, 6),
            (
                AnomalyKind::PaymentFailureBurst,
                Some((WindowKind::TenMinutesEveryFive, BASE - 300_000)),
                2
            ),
            (
                AnomalyKind::PaymentFailureBurst,
                Some((WindowKind::TenMinutesEveryFive, BASE)),
                2
            ),
            (
                AnomalyKind::PaymentFailureBurst,
                Some((WindowKind::Hour, BASE)),
                2
            ),
            (
                AnomalyKind::PaymentFailureBurst,
                Some((WindowKind::FiveMinutes, BASE)),
                2
            ),
            (
                AnomalyKind::PaymentFailureBurst,
                Some((WindowKind::Minute, BASE + 60_000)),
                2
            ),
        ]
    );
    assert_eq!(anomalies[0].user_id, Some(UserId::from_raw(1)));
    assert_eq!(anomalies[0].duration_ms, 125_000);

    let stats = analytics.stats();
    assert_eq!(stats.watermark.map(|w| w.as_millis()), Some(BASE + 115_000));
    let minute = stats.windows[0].1;
    assert_eq!(
        (
            minute.accepted,
            minute.late_updates,
            minute.dropped,
            minute.fired,
            minute.finalized
        ),
        (15, 1, 1, 1, 1)
    );
    let sliding = stats.windows[3].1;
    assert_eq!(
        (sliding.accepted, sliding.dropped, sliding.fired),
        (32, 0, 0)
    );
}

/// A record that is too late for some window sizes and not for others.
fn phase_two(analytics: &mut Analytics) {
    // wm 335 s: [-300 s, 300 s), [0, 300 s) and [240 s, 300 s) are final
    // (299.999 s + 30 s <= 335 s); [0, 600 s) and [0, 1 h) are still open.
    let outcome = analytics.ingest(&view(345, 2, 2));
    assert_eq!((outcome.windows_updated, outcome.windows_dropped), (5, 0));
    let outcome = analytics.ingest(&view(280, 1, 1));
    assert_eq!((outcome.windows_updated, outcome.windows_dropped), (2, 3));

    let five = analytics.windows(WindowKind::FiveMinutes, BASE, BASE + 1);
    assert!(five[0].window.is_final);
    assert_eq!(
        (five[0].events, five[0].views),
        (16, 7),
        "the dropped record is not in it"
    );
    let sliding = analytics.windows(WindowKind::TenMinutesEveryFive, BASE - 300_000, BASE + 1);
    assert!(sliding[0].window.is_final && !sliding[1].window.fired);
    assert_eq!((sliding[0].events, sliding[1].events), (16, 18));
    let hour = analytics.summary(WindowKind::Hour).expect("open hour");
    assert_eq!((hour.events, hour.views), (18, 9));
    let stats = analytics.stats();
    let dropped: Vec<u64> = stats.windows.iter().map(|(_, s)| s.dropped).collect();
    assert_eq!(dropped, [2, 1, 0, 1]);

    // With the input stopped, moving the watermark on makes everything final.
    analytics.advance_watermark(BASE + 10 * 3_600_000);
    for kind in WindowKind::ALL {
        let windows = analytics.windows(kind, BASE - 3_600_000, BASE + 3_600_000);
        assert!(windows.iter().all(|w| w.window.is_final), "{kind:?}");
    }
    let hour = analytics
        .summary(WindowKind::Hour)
        .expect("last final hour");
    assert!(hour.window.is_final);
    assert_eq!(hour.events, 18);
    let top = analytics
        .top_products(WindowKind::Hour, RankBy::Views, 2, None)
        .expect("kept ranking");
    let views: Vec<_> = top
        .data
        .iter()
        .map(|p| (p.product_id.raw(), p.views))
        .collect();
    assert_eq!(views, [(1, 4), (2, 3)]);
}

#[test]
fn unique_users_within_the_stated_error() {
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid config");
    let distinct = 100_000u64;
    for user in 0..distinct {
        // Every user twice, all inside one minute; duplicates must not count.
        for repeat in 0..2 {
            let mut record = view(user % 50, user + 1, 1 + user % 7);
            record.at_ms += repeat;
            analytics.ingest(&record);
        }
    }
    let totals = analytics.summary(WindowKind::Minute).expect("one window");
    assert_eq!(totals.events, 2 * distinct);
    let bound = 3.0 * HLL_STANDARD_ERROR_PPM as f64 / 1e6;
    for estimate in [totals.unique_users, totals.unique_sessions] {
        let error = (estimate as f64 - distinct as f64).abs() / distinct as f64;
        assert!(
            error < bound,
            "estimate {estimate}: error {error} over {bound}"
        );
    }
}

/// A generated stream: three hours of shopping with skewed products, sessions,
/// searches, orders in two currencies, failed payments and a few percent of records
/// delayed by up to two minutes (some past the allowed lateness).
fn generated_stream(count: usize) -> Vec<Record> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let span_ms = 3 * 3_600_000;
    (0..count)
        .map(|i| {
            let mut at_ms = BASE + (i as u64 * span_ms) / count as u64;
            if next(100) < 4 {
                at_ms -= next(120_000);
            }
            let who = 1 + next(2_000);
            let raw = 1 + next(50).pow(2);
            let kind = match next(100) {
                0..=79 => RecordKind::ProductView {
                    product: product(raw),
                },
                80..=89 => RecordKind::AddToCart {
                    product: product(raw),
                    quantity: 1 + next(3),
                },
                90..=93 => RecordKind::CheckoutStarted,
                94..=96 => {
                    let amount = if next(4) == 0 {
                        eur(500 + next(20_000))
                    } else {
                        usd(500 + next(20_000))
                    };
                    RecordKind::OrderPlaced {
                        order: OrderId::from_raw(i as u64),
                        total: amount,
                        lines: vec![PurchaseLine {
                            product: product(raw),
                            quantity: 1,
                            amount,
                        }],
                        paid: next(2) == 0,
                    }
                }
                97 => RecordKind::PaymentFailed { amount: usd(1_000) },
                _ => RecordKind::Search {
                    query: format!("query {}", next(40)),
                    results: next(3),
                    took_us: 50 + next(5_000),
                },
            };
            Record {
                at_ms,
                user: (who % 3 != 0).then(|| UserId::from_raw(who)),
                session: Some(SessionKey::from_raw(who)),
                kind,
            }
        })
        .collect()
}

#[test]
fn checkpoint_restore_continue_equals_one_run() {
    let stream = generated_stream(60_000);
    let config = AnalyticsConfig {
        session_events_max: 40,
        ..config()
    };
    let mut whole = Analytics::new(config.clone()).expect("valid config");
    for record in &stream {
        whole.ingest(record);
    }
    for cut in [1, 17_777, 30_000, 59_999] {
        let mut first = Analytics::new(config.clone()).expect("valid config");
        for record in &stream[..cut] {
            first.ingest(record);
        }
        let checkpoint = first.snapshot_state();
        let mut resumed = Analytics::restore_state(&checkpoint).expect("restores");
        assert_eq!(
            resumed.snapshot_state(),
            checkpoint,
            "restore is exact at {cut}"
        );
        for record in &stream[cut..] {
            resumed.ingest(record);
        }
        assert_eq!(
            resumed.snapshot_state(),
            whole.snapshot_state(),
            "cut at {cut}"
        );
        for kind in WindowKind::ALL {
            assert_eq!(resumed.summary(kind), whole.summary(kind));
            assert_eq!(resumed.report(kind, None), whole.report(kind, None));
        }
    }
    // The stream exercised what the checkpoint must carry.
    let stats = whole.stats();
    assert!(
        stats
            .windows
            .iter()
            .all(|(_, s)| s.finalized > 0 && s.late_updates > 0)
    );
    assert!(stats.windows[0].1.dropped > 0);
    assert!(!whole.anomalies(10).is_empty());
    assert_eq!(
        Analytics::restore_state(&whole.snapshot_state()[..100]).map(|_| ()),
        Err(emporium::analytics::AnalyticsError::CorruptState {
            reason: "Hit the end of buffer, expected more data".into()
        })
    );
}
