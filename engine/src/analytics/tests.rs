use super::*;
use crate::model::ProductId;

fn search(at_ms: u64, query: &str) -> Record {
    Record::new(
        at_ms,
        RecordKind::Search {
            query: query.into(),
            results: 1,
            took_us: 10,
        },
    )
}

#[test]
fn config_errors_name_the_field() {
    let config = AnalyticsConfig {
        allowed_lateness_ms: ALLOWED_LATENESS_MS_MAX + 1,
        ..AnalyticsConfig::default()
    };
    assert_eq!(
        Analytics::new(config).map(|_| ()),
        Err(AnalyticsError::InvalidConfig {
            field: "allowed_lateness_ms"
        })
    );
    let config = AnalyticsConfig {
        queries_max: 0,
        ..AnalyticsConfig::default()
    };
    assert_eq!(
        config.validate(),
        Err(AnalyticsError::InvalidConfig {
            field: "queries_max"
        })
    );
}

#[test]
fn records_past_the_time_limit_are_refused() {
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid");
    let view = |at_ms| {
        Record::new(
            at_ms,
            RecordKind::ProductView {
                product: ProductId::from_raw(1),
            },
        )
    };
    let outcome = analytics.ingest(&view(EVENT_TIME_MS_MAX + 1));
    assert!(outcome.rejected);
    assert_eq!(analytics.stats().rejected, 1);
    assert_eq!(analytics.stats().max_event_time, None, "nothing moved");
    let outcome = analytics.ingest(&view(EVENT_TIME_MS_MAX));
    assert_eq!((outcome.windows_updated, outcome.rejected), (5, false));
    assert!(analytics.summary(WindowKind::Hour).is_some());
}

#[test]
fn checkpoints_refuse_garbage() {
    assert!(matches!(
        Analytics::restore_state(&[]),
        Err(AnalyticsError::CorruptState { .. })
    ));
    assert_eq!(
        Analytics::restore_state(&[STATE_FORMAT_VERSION + 1]).map(|_| ()),
        Err(AnalyticsError::UnsupportedFormat {
            found: STATE_FORMAT_VERSION + 1
        })
    );
    let bytes = Analytics::new(AnalyticsConfig::default())
        .expect("valid")
        .snapshot_state();
    assert!(Analytics::restore_state(&bytes).is_ok());
    assert!(matches!(
        Analytics::restore_state(&bytes[..bytes.len() - 1]),
        Err(AnalyticsError::CorruptState { .. })
    ));
    // A configuration out of its bounds is caught by validation.
    let mut analytics = Analytics::new(AnalyticsConfig::default()).expect("valid");
    analytics.config.products_max = 0;
    assert_eq!(
        Analytics::restore_state(&analytics.snapshot_state()).map(|_| ()),
        Err(AnalyticsError::InvalidConfig {
            field: "products_max"
        })
    );
}

#[test]
fn query_table_is_compacted_to_live_windows() {
    let config = AnalyticsConfig {
        out_of_orderness_ms: 0,
        allowed_lateness_ms: 0,
        queries_max: 8,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config).expect("valid");
    let hour = 3_600_000;
    // Six distinct queries in the first hour, then time moves two hours on, making
    // every window of the first hour final; compaction keeps only queries that live
    // windows still count.
    for (i, query) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        analytics.ingest(&search(i as u64 * 1_000, query));
    }
    assert_eq!(analytics.queries.len(), 6);
    analytics.ingest(&search(2 * hour, "g"));
    assert_eq!(analytics.queries.len(), 1, "only `g` is still counted");
    assert_eq!(analytics.queries.query(0), "g");
    for query in ["g", "h", "g"] {
        analytics.ingest(&search(2 * hour + 1, query));
    }
    let report = analytics.search(WindowKind::Hour, 10).expect("open hour");
    let counts: Vec<_> = report
        .top_queries
        .iter()
        .map(|q| (q.query.as_str(), q.searches))
        .collect();
    assert_eq!(counts, [("g", 3), ("h", 1)]);
    let first_hour = analytics
        .report(WindowKind::Hour, Some(0))
        .expect("kept in history");
    assert_eq!(
        first_hour.top_queries.len(),
        6,
        "final reports keep their text"
    );
}

#[test]
fn history_is_bounded() {
    let config = AnalyticsConfig {
        out_of_orderness_ms: 0,
        allowed_lateness_ms: 0,
        history_ms: 10 * 60_000,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config).expect("valid");
    for minute in 0..30 {
        analytics.ingest(&search(minute * 60_000, "x"));
    }
    let minutes = analytics.windows(WindowKind::Minute, 0, 3_600_000);
    // Ten final minutes plus the open one.
    assert_eq!(minutes.len(), 11);
    assert_eq!(minutes[0].window.start.as_millis(), 19 * 60_000);
    assert_eq!(analytics.recent_windows(WindowKind::Minute).len(), 11);
    assert_eq!(analytics.stats().windows[0].1.finalized, 29);
}

/// The batched path (`ingest_events`, what the subscriber calls) and the one-record
/// path (`ingest`) must leave identical state and answer every query identically,
/// across configurations that stress lateness, session cuts and bounded tables, with
/// checkpoints restored mid-stream.
mod batch_equivalence {
    use super::*;
    use crate::model::{
        Actor, CartActivity, CartId, CheckoutStarted, ClientEvent, Currency, Event, EventRecord,
        HoldExpired, Money, OrderChanged, OrderEvent, OrderEventData, OrderEventKind, OrderId,
        OrderPlaced, OrderStatus, PaymentFailed, PaymentMethod, PaymentStatus, PlacedLine,
        ProductViewed, SearchPerformed, Timestamp, Totals, UserId, Visitor,
    };
    use std::hash::{DefaultHasher, Hash, Hasher};

    struct Gen(u64);
    impl Gen {
        fn next(&mut self, bound: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % bound
        }
    }

    fn event_stream(seed: u64, count: usize, span_ms: u64) -> Vec<EventRecord> {
        let mut g = Gen(seed);
        let base = 1_699_999_200_000u64;
        let currencies = [
            Currency::USD,
            Currency::parse("EUR").expect("known"),
            Currency::parse("GBP").expect("known"),
        ];
        let queries = [
            "Shoes",
            "  red   SHOES ",
            "café crème",
            "hat",
            "",
            "a\u{b}b",
            "lamp\tshade",
            "Straße",
            "ÉCOLE",
            "x",
        ];
        (0..count)
            .map(|i| {
                let mut at_ms = base + (i as u64 * span_ms) / count as u64;
                if g.next(100) < 4 {
                    at_ms = at_ms.saturating_sub(g.next(150_000));
                }
                if g.next(5_000) == 0 {
                    at_ms = crate::analytics::EVENT_TIME_MS_MAX + 1 + g.next(10);
                }
                let commit_at = Timestamp::from_millis(at_ms + g.next(3) * 1_000);
                let who = 1 + g.next(300);
                let user = (who % 3 != 0).then(|| UserId::from_raw(who));
                let session = match g.next(10) {
                    0 => None,
                    1..=5 => Some(format!("sess-{who}")),
                    _ => Some(format!("{:08x}-4b1c-9d2e-{:012x}", who * 7_919, who)),
                };
                let visitor = Visitor {
                    user_id: user,
                    session_id: session,
                };
                let raw = if g.next(50) == 0 {
                    (1 << 40) + g.next(5)
                } else {
                    1 + g.next(60).pow(2)
                };
                let product = ProductId::from_raw(raw);
                let currency = currencies[g.next(10).min(2) as usize % 3];
                let event = match g.next(120) {
                    0..=69 => Event::ProductViewed(ProductViewed {
                        product_id: product,
                        visitor,
                        at: Timestamp::from_millis(at_ms),
                    }),
                    70..=74 => Event::Client(ClientEvent {
                        kind: "page_view".into(),
                        visitor,
                        product_id: None,
                        properties: Vec::new(),
                        at: Timestamp::from_millis(at_ms),
                    }),
                    75..=84 => Event::CartItemAdded(CartActivity {
                        cart_id: CartId::from_raw(who),
                        user_id: user,
                        product_id: product,
                        quantity: 1 + g.next(3),
                    }),
                    85..=86 => Event::CartItemRemoved(CartActivity {
                        cart_id: CartId::from_raw(who),
                        user_id: user,
                        product_id: product,
                        quantity: 1,
                    }),
                    87..=90 => Event::CheckoutStarted(CheckoutStarted {
                        cart_id: CartId::from_raw(who),
                        user_id: user,
                    }),
                    91..=95 => {
                        let lines: Vec<PlacedLine> = (0..g.next(4))
                            .map(|_| PlacedLine {
                                product_id: ProductId::from_raw(1 + g.next(60).pow(2)),
                                quantity: if g.next(200) == 0 {
                                    u64::MAX / 2
                                } else {
                                    1 + g.next(3)
                                },
                                unit_price: Money::new(g.next(20_000), currency),
                            })
                            .collect();
                        let total = Money::new(500 + g.next(50_000), currency);
                        Event::OrderPlaced(OrderPlaced {
                            order_id: OrderId::from_raw(i as u64 + 1),
                            user_id: user,
                            cart_id: CartId::from_raw(who),
                            status: OrderStatus::Paid,
                            payment_method: PaymentMethod::Card,
                            payment_status: if g.next(2) == 0 {
                                PaymentStatus::Captured
                            } else {
                                PaymentStatus::Authorized
                            },
                            totals: Totals {
                                total,
                                ..Totals::zero(Money::new(0, currency))
                            },
                            voucher: None,
                            lines,
                        })
                    }
                    96..=101 => {
                        let kind = [
                            OrderEventKind::Paid,
                            OrderEventKind::Cancelled,
                            OrderEventKind::Refunded,
                            OrderEventKind::PartiallyRefunded,
                            OrderEventKind::Shipped,
                            OrderEventKind::Created,
                        ][g.next(6) as usize];
                        let amount = (g.next(5) != 0).then(|| Money::new(g.next(9_000), currency));
                        Event::OrderChanged(OrderChanged {
                            user_id: user,
                            entry: OrderEvent {
                                seq: i as u64,
                                order_id: OrderId::from_raw(1 + g.next(1_000)),
                                kind,
                                from_status: None,
                                to_status: OrderStatus::Paid,
                                actor: Actor::System,
                                at: commit_at,
                                data: OrderEventData {
                                    amount,
                                    payment_status: None,
                                },
                            },
                        })
                    }
                    102..=106 => Event::PaymentFailed(PaymentFailed {
                        cart_id: CartId::from_raw(who),
                        user_id: user,
                        method: PaymentMethod::Card,
                        amount: Money::new(g.next(10_000), currency),
                        code: "declined".into(),
                    }),
                    107..=112 => Event::SearchPerformed(SearchPerformed {
                        query: if g.next(20) == 0 {
                            format!("Q{}  {}", g.next(400), "long ".repeat(g.next(60) as usize))
                        } else {
                            format!("{} {}", queries[g.next(10) as usize], g.next(40))
                        },
                        results: g.next(3),
                        took_us: g.next(90_000_000),
                        visitor,
                    }),
                    113 => Event::UserRegistered {
                        user_id: UserId::from_raw(who),
                    },
                    114..=115 => Event::UserLoggedIn {
                        user_id: UserId::from_raw(who),
                    },
                    _ => Event::HoldExpired(HoldExpired {
                        product_id: product,
                        quantity: 1,
                    }),
                };
                EventRecord {
                    seq: i as u64 + 1,
                    at: commit_at,
                    event,
                }
            })
            .collect()
    }

    fn configs() -> Vec<AnalyticsConfig> {
        vec![
            AnalyticsConfig::default(),
            AnalyticsConfig {
                out_of_orderness_ms: 10_000,
                allowed_lateness_ms: 30_000,
                session_events_max: 40,
                session_duration_ms_max: 600_000,
                session_gap_ms: 300_000,
                payment_failures_max: 3,
                history_ms: 3_600_000,
                products_max: 40,
                queries_max: 24,
                sessions_max: 150,
            },
            AnalyticsConfig {
                out_of_orderness_ms: 0,
                allowed_lateness_ms: 0,
                session_events_max: 5,
                payment_failures_max: 0,
                queries_max: 200,
                ..AnalyticsConfig::default()
            },
            AnalyticsConfig {
                out_of_orderness_ms: 3_600_000,
                allowed_lateness_ms: 3_600_000,
                ..AnalyticsConfig::default()
            },
        ]
    }

    fn digest(analytics: &Analytics) -> u64 {
        let mut hasher = DefaultHasher::new();
        analytics.snapshot_state().hash(&mut hasher);
        for kind in WindowKind::ALL {
            format!(
                "{:?}{:?}{:?}{:?}{:?}",
                analytics.summary(kind),
                analytics.report(kind, None),
                analytics.search(kind, 7),
                analytics.funnel(kind),
                analytics.recent_windows(kind)
            )
            .hash(&mut hasher);
        }
        format!("{:?}{:?}", analytics.anomalies(50), analytics.stats()).hash(&mut hasher);
        hasher.finish()
    }

    /// Digests after each batch boundary, per configuration.
    fn run(feed: &dyn Fn(&mut Analytics, &[EventRecord])) -> Vec<u64> {
        let mut digests = Vec::new();
        for (n, config) in configs().into_iter().enumerate() {
            let stream = event_stream(0x9e37_79b9_7f4a_7c15 + n as u64, 40_000, 4 * 3_600_000);
            let mut analytics = Analytics::new(config).expect("valid");
            let mut g = Gen(77 + n as u64);
            let mut at = 0;
            let mut round = 0;
            while at < stream.len() {
                let size = [1, 3, 1024, 700, 17, 5_000][g.next(6) as usize];
                let end = (at + size).min(stream.len());
                feed(&mut analytics, &stream[at..end]);
                at = end;
                round += 1;
                if round % 7 == 0 {
                    digests.push(digest(&analytics));
                }
                if round % 11 == 0 {
                    let bytes = analytics.snapshot_state();
                    analytics = Analytics::restore_state(&bytes).expect("restores");
                }
            }
            digests.push(digest(&analytics));
            analytics.advance_watermark(EVENT_TIME_MS_MAX);
            digests.push(digest(&analytics));
        }
        digests
    }

    #[test]
    fn batches_agree_with_single_records() {
        let batched = run(&|analytics, events| {
            analytics.ingest_events(events);
        });
        let single = run(&|analytics, events| {
            for event in events {
                if let Some(record) = Record::from_event(event) {
                    analytics.ingest(&record);
                }
            }
        });
        assert!(
            batched.len() > 20,
            "the runs compared {} states",
            batched.len()
        );
        for (at, (a, b)) in batched.iter().zip(&single).enumerate() {
            assert_eq!(a, b, "state {at} differs between batched and single ingest");
        }
        assert_eq!(batched.len(), single.len());
    }
}
