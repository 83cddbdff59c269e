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
