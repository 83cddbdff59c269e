//! Domain events end to end: activity and commerce events reach the log with gapless
//! sequence numbers, the analytics read model counts them exactly (late data included),
//! survives a clean restart and a SIGKILL with the same numbers, and a rebuild from
//! sequence 0 gives byte-identical state.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use emporium::analytics::WindowKind;
use emporium::model::{ClientEvent, Visitor};
use emporium::{Engine, Event, EventRecord, Timestamp};

const WAIT: Duration = Duration::from_secs(30);

fn visitor(session: &str) -> Visitor {
    Visitor::new(None, Some(session)).expect("valid session")
}

fn page_view(session: &str, at: Timestamp) -> ClientEvent {
    ClientEvent {
        kind: "page_view".into(),
        visitor: visitor(session),
        product_id: None,
        properties: vec![("path".into(), "/".into())],
        at,
    }
}

/// Flushes activity and waits until every read model has applied the whole log.
fn settle(engine: &Engine) -> u64 {
    let seq = engine.flush_activity();
    assert!(engine.wait_read_models(seq, WAIT), "read models caught up");
    seq
}

fn all_events(engine: &Engine) -> Vec<EventRecord> {
    let mut events = Vec::new();
    loop {
        let after = events.last().map_or(0, |event: &EventRecord| event.seq);
        let page = engine.events_after(after, 1_000).expect("events");
        if page.is_empty() {
            return events;
        }
        events.extend(page);
    }
}

/// The start of the one-minute window ten minutes ago: far enough back that a record
/// at "now" makes it final, recent enough to be accepted from a client.
fn minute_ten_minutes_ago() -> Timestamp {
    let ms = Timestamp::now().as_millis() - 10 * 60_000;
    Timestamp::from_millis(ms - ms % 60_000)
}

#[test]
fn activity_and_commerce_events_are_logged_and_counted_exactly() {
    let (engine, _provider) = memory_engine();
    let shoes = product(&engine, "EV-SHOES", 5_000, 10);
    let socks = product(&engine, "EV-SOCKS", 700, 10);
    let t = minute_ten_minutes_ago();

    // In the minute at `t`, out of order: 3 page views and 3 product views in two
    // sessions.
    for (session, offset) in [("s-1", 30_000), ("s-1", 1_000), ("s-2", 20_000)] {
        let at = t.plus_millis(offset);
        assert!(
            engine
                .record_client_event(page_view(session, at))
                .expect("ok")
        );
    }
    for (id, session, offset) in [
        (shoes.id, "s-1", 40_000),
        (shoes.id, "s-2", 5_000),
        (socks.id, "s-2", 59_999),
    ] {
        let at = Some(t.plus_millis(offset));
        assert!(
            engine
                .record_product_view(id, visitor(session), at)
                .expect("ok")
        );
    }
    assert!(engine.record_search("Running  SHOES", 4, 120, visitor("s-1")));
    assert!(engine.record_search("zzzz", 0, 80, visitor("s-2")));
    settle(&engine);

    // Now commerce: an add to cart, a removal, a checkout. Their events are timed by
    // their commit, so the watermark passes the minute at `t` and makes it final.
    let cart = cart_with(&engine, &[("EV-SHOES", 2), ("EV-SOCKS", 1)]);
    let cart = engine
        .remove_cart_item(cart.id, None, None, "EV-SOCKS")
        .expect("remove");
    let order = engine
        .checkout(cart.id, None, good_card(), None)
        .expect("checkout")
        .order;
    settle(&engine);

    // A late view for the minute at `t`: that window is final, so the one-minute
    // windows drop it; the five-minute and sliding windows may still take it.
    let late = Some(t.plus_millis(10_000));
    assert!(
        engine
            .record_product_view(socks.id, visitor("s-3"), late)
            .expect("ok")
    );
    let seq = settle(&engine);

    // The log: gapless, and holding each kind of event once per action.
    let events = all_events(&engine);
    assert_eq!(events.len() as u64, seq);
    for (n, event) in events.iter().enumerate() {
        assert_eq!(event.seq, n as u64 + 1, "no gaps");
    }
    let count = |matches: fn(&Event) -> bool| events.iter().filter(|e| matches(&e.event)).count();
    assert_eq!(count(|e| matches!(e, Event::ProductViewed(_))), 4);
    assert_eq!(count(|e| matches!(e, Event::Client(_))), 3);
    assert_eq!(count(|e| matches!(e, Event::SearchPerformed(_))), 2);
    assert_eq!(count(|e| matches!(e, Event::CartItemAdded(_))), 2);
    assert_eq!(count(|e| matches!(e, Event::CartItemRemoved(_))), 1);
    assert_eq!(count(|e| matches!(e, Event::CheckoutStarted(_))), 1);
    assert_eq!(count(|e| matches!(e, Event::OrderPlaced(_))), 1);

    engine.analytics(|analytics| {
        let minute = analytics
            .report(WindowKind::Minute, Some(t.plus_millis(1).as_millis()))
            .expect("the minute at t");
        let totals = &minute.totals;
        assert!(
            totals.window.is_final,
            "the commit-time events made it final"
        );
        assert_eq!(totals.window.start, t);
        assert_eq!(totals.page_views, 3);
        assert_eq!(totals.views, 3, "the late view was dropped");
        assert_eq!(totals.unique_sessions, 2);
        let minute_stats = analytics
            .stats()
            .windows
            .into_iter()
            .find(|(kind, _)| *kind == WindowKind::Minute)
            .expect("minute stats")
            .1;
        assert_eq!(minute_stats.dropped, 1, "the late view, once");

        // Everything in the last hours, summed over the one-minute windows (the late
        // view is not in them).
        let now = Timestamp::now().as_millis();
        let windows = analytics.windows(WindowKind::Minute, now - 3_600_000, now + 60_000);
        let sum = |field: fn(&emporium::analytics::WindowTotals) -> u64| {
            windows.iter().map(field).sum::<u64>()
        };
        assert_eq!(sum(|w| w.views), 3);
        assert_eq!(sum(|w| w.page_views), 3);
        assert_eq!(sum(|w| w.searches), 2);
        assert_eq!(sum(|w| w.zero_result_searches), 1);
        assert_eq!(sum(|w| w.add_to_carts), 2);
        assert_eq!(sum(|w| w.removes_from_cart), 1);
        assert_eq!(sum(|w| w.checkouts), 1);
        assert_eq!(sum(|w| w.orders), 1);
        let revenue: u64 = windows
            .iter()
            .flat_map(|w| &w.currencies)
            .map(|c| c.revenue.amount)
            .sum();
        assert_eq!(revenue, order.totals.total.amount);
    });
}

#[test]
fn client_events_are_checked() {
    let (engine, _provider) = memory_engine();
    let now = Timestamp::now();
    let bad_type = ClientEvent {
        kind: "Page View".into(),
        ..page_view("s", now)
    };
    assert!(engine.record_client_event(bad_type).is_err());
    let too_old = page_view(
        "s",
        Timestamp::from_millis(now.as_millis() - 25 * 3_600_000),
    );
    assert!(engine.record_client_event(too_old).is_err());
    let future = page_view("s", now.plus_millis(10 * 60_000));
    assert!(engine.record_client_event(future).is_err());
    let unknown_product = ClientEvent {
        kind: "product_view".into(),
        product_id: Some(emporium::ProductId::from_raw(999_999)),
        ..page_view("s", now)
    };
    assert!(engine.record_client_event(unknown_product).is_err());
    let nameless_view = ClientEvent {
        kind: "product_view".into(),
        ..page_view("s", now)
    };
    assert!(engine.record_client_event(nameless_view).is_err());
    assert!(Visitor::new(None, Some("")).is_err());
    assert!(Visitor::new(None, Some(&"x".repeat(65))).is_err());
    let seq = settle(&engine);
    let logged = all_events(&engine);
    assert_eq!(logged.len() as u64, seq);
    assert!(
        !logged.iter().any(|e| matches!(e.event, Event::Client(_))),
        "nothing refused was logged"
    );
}

/// Generates traffic: views in sessions, searches, carts and checkouts.
fn traffic(engine: &Engine, rounds: usize) {
    let ids: Vec<_> = (0..4)
        .map(|n| {
            engine
                .product_by_sku(&format!("TR-{n}"))
                .expect("read")
                .map(|p| p.id)
                .unwrap_or_else(|| {
                    product(engine, &format!("TR-{n}"), 1_000 + n * 100, 1_000_000).id
                })
        })
        .collect();
    for round in 0..rounds {
        let session = format!("sess-{round}");
        for id in &ids[..1 + round % 4] {
            engine
                .record_product_view(*id, visitor(&session), None)
                .expect("view");
        }
        engine.record_search(
            &format!("query {}", round % 7),
            (round % 3) as u64,
            50,
            visitor(&session),
        );
        if round % 3 == 0 {
            let sku = format!("TR-{}", round % 4);
            let cart = cart_with(engine, &[(&sku, 1 + (round % 2) as u64)]);
            engine
                .checkout(cart.id, None, good_card(), None)
                .expect("checkout");
        }
    }
}

fn state(engine: &Engine) -> Vec<u8> {
    engine.analytics(|analytics| analytics.snapshot_state())
}

/// Rebuilds the analytics model from sequence 0 and returns its state.
fn rebuilt_state(engine: &Engine) -> Vec<u8> {
    settle(engine);
    assert_eq!(engine.rebuild_read_model("analytics", WAIT), Some(true));
    state(engine)
}

#[test]
fn analytics_survive_a_restart_and_a_rebuild_gives_the_same_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let before = {
        let engine = file_engine(dir.path(), &provider);
        traffic(&engine, 30);
        settle(&engine);
        let live = state(&engine);
        assert_eq!(
            rebuilt_state(&engine),
            live,
            "a rebuild from 0 agrees with the live model"
        );
        live
    };
    let engine = file_engine(dir.path(), &provider);
    settle(&engine);
    assert_eq!(state(&engine), before, "the same windows after a restart");
    traffic(&engine, 10);
    settle(&engine);
    let live = state(&engine);
    assert_eq!(rebuilt_state(&engine), live);
}

const CHILD_DIR: &str = "EMPORIUM_EVENTS_CHILD_DIR";

/// The child's body: generate traffic forever, printing each settled sequence number.
#[test]
fn events_child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(Path::new(&dir), &provider);
    loop {
        traffic(&engine, 5);
        let seq = settle(&engine);
        println!("settled {seq}");
    }
}

#[test]
fn analytics_after_sigkill_equal_a_replay_of_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    for round in 0..3 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "events_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let mut settled = BTreeSet::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if let Some(seq) = line.strip_prefix("settled ") {
                settled.insert(seq.parse::<u64>().expect("seq"));
                // Past a checkpoint interval on some rounds, before it on others.
                if settled.len() >= 2 + round * 3 {
                    break;
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");

        let provider = Arc::new(emporium::TestProvider::default());
        let engine = file_engine(dir.path(), &provider);
        let seq = settle(&engine);
        assert!(
            seq >= settled.last().copied().unwrap_or(0),
            "settled events survive"
        );
        let events = all_events(&engine);
        assert_eq!(events.len() as u64, seq);
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(n, e)| e.seq == n as u64 + 1),
            "no gaps"
        );
        let restored = state(&engine);
        assert_eq!(
            rebuilt_state(&engine),
            restored,
            "round {round}: checkpoint + tail = replay"
        );
    }
}

fn reasons(engine: &Engine, sku: &str) -> Vec<(String, emporium::events::RecommendationReason)> {
    let id = engine
        .product_by_sku(sku)
        .expect("read")
        .expect("product")
        .id;
    engine
        .recommendations(id, 10)
        .expect("recommendations")
        .into_iter()
        .map(|(product, reason)| (product.sku.clone(), reason))
        .collect()
}

#[test]
fn recommendations_come_from_orders_then_sessions_then_category_popularity() {
    use emporium::events::RecommendationReason::*;
    let (engine, _provider) = memory_engine();
    for sku in ["R-A", "R-B", "R-C", "R-D", "R-E"] {
        product(&engine, sku, 1_000, 100);
    }
    let mut other = new_product("R-OTHER", usd(1_000), 100);
    other.category = emporium::CategoryRef::Path("Elsewhere".into());
    engine.create_product(other).expect("other category");
    // A with C twice, A with B once.
    for lines in [
        &[("R-A", 1), ("R-C", 1)][..],
        &[("R-A", 1), ("R-C", 2)],
        &[("R-A", 1), ("R-B", 1)],
    ] {
        let cart = cart_with(&engine, lines);
        engine
            .checkout(cart.id, None, good_card(), None)
            .expect("checkout");
    }
    // A and D viewed in one session; E viewed alone, often (popular).
    let ids = |sku: &str| {
        engine
            .product_by_sku(sku)
            .expect("read")
            .expect("product")
            .id
    };
    for id in [ids("R-A"), ids("R-D")] {
        engine
            .record_product_view(id, visitor("rec-1"), None)
            .expect("view");
    }
    for n in 0..20 {
        engine
            .record_product_view(ids("R-E"), visitor(&format!("solo-{n}")), None)
            .expect("view");
    }
    settle(&engine);
    let for_a = reasons(&engine, "R-A");
    assert_eq!(
        for_a[..3],
        [
            ("R-C".to_string(), BoughtTogether),
            ("R-B".to_string(), BoughtTogether),
            ("R-D".to_string(), AlsoViewed),
        ]
    );
    assert_eq!(
        for_a[3],
        ("R-E".to_string(), PopularInCategory),
        "most popular next"
    );
    assert!(
        for_a
            .iter()
            .all(|(sku, _)| sku != "R-A" && sku != "R-OTHER")
    );
    assert_eq!(
        for_a.len(),
        4,
        "every other product of the category, once each"
    );

    // An archived product is never recommended; the list is the same after a rebuild.
    engine.archive_product(ids("R-C")).expect("archive");
    let after_archive = reasons(&engine, "R-A");
    assert!(after_archive.iter().all(|(sku, _)| sku != "R-C"));
    assert_eq!(
        engine.rebuild_read_model("recommendations", WAIT),
        Some(true)
    );
    assert_eq!(reasons(&engine, "R-A"), after_archive);
    assert!(
        engine
            .recommendations(emporium::ProductId::from_raw(999_999), 5)
            .is_err()
    );
}

fn completions(engine: &Engine, prefix: &str) -> Vec<(String, u64)> {
    engine
        .autocomplete(prefix, 10)
        .into_iter()
        .map(|suggestion| (suggestion.text, suggestion.score))
        .collect()
}

#[test]
fn views_and_purchases_raise_autocomplete_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let expected = {
        let engine = file_engine(dir.path(), &provider);
        for (sku, name) in [("AC-1", "Trail Blazer"), ("AC-2", "Trail Runner")] {
            let mut new = new_product(sku, usd(1_000), 50);
            new.name = name.into();
            engine.create_product(new).expect("create");
        }
        let before = completions(&engine, "trail");
        assert_eq!(before[0].0, "Trail Blazer", "ties go by text");
        let runner = engine
            .product_by_sku("AC-2")
            .expect("read")
            .expect("product")
            .id;
        for session in ["p-1", "p-2", "p-3"] {
            engine
                .record_product_view(runner, visitor(session), None)
                .expect("view");
        }
        let cart = cart_with(&engine, &[("AC-2", 2)]);
        engine
            .checkout(cart.id, None, good_card(), None)
            .expect("checkout");
        settle(&engine);
        let after = completions(&engine, "trail");
        // 1 product + 3 views + 2 units × 5.
        assert_eq!(after[0], ("Trail Runner".to_string(), 1 + 3 + 10));
        assert_eq!(after[1], ("Trail Blazer".to_string(), 1));
        assert_eq!(
            engine.rebuild_read_model("search_popularity", WAIT),
            Some(true)
        );
        assert_eq!(
            completions(&engine, "trail"),
            after,
            "a rebuild gives the same"
        );
        after
    };
    let engine = file_engine(dir.path(), &provider);
    settle(&engine);
    assert_eq!(
        completions(&engine, "trail"),
        expected,
        "the same after a restart"
    );
}

#[test]
fn low_stock_alerts_open_on_a_sale_close_on_a_restock_and_rebuild_the_same() {
    let (engine, _provider) = memory_engine();
    product(&engine, "LS-1", 1_000, 8);
    product(&engine, "LS-2", 1_000, 100);
    let cart = cart_with(&engine, &[("LS-1", 4), ("LS-2", 1)]);
    engine
        .checkout(cart.id, None, good_card(), None)
        .expect("checkout");
    settle(&engine);
    let alerts = engine.low_stock_alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let (alert, level) = &alerts[0];
    assert_eq!(
        (alert.on_hand, alert.threshold, level.on_hand),
        (4, emporium::LOW_STOCK_THRESHOLD_DEFAULT, 4)
    );
    assert_eq!(engine.rebuild_read_model("alerts", WAIT), Some(true));
    assert_eq!(engine.low_stock_alerts(), alerts, "rebuilt from the log");
    engine
        .adjust_stock("LS-1", 20, "restock", emporium::Actor::System)
        .expect("restock");
    settle(&engine);
    assert!(engine.low_stock_alerts().is_empty(), "a restock closes it");
}
