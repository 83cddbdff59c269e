//! Notifications end to end: templates render exactly, preferences are checked at
//! delivery, transactional messages go before marketing, the webhook signs its bodies,
//! retries and opens its circuit against a failing server on 127.0.0.1, and the
//! message states survive a clean restart, a SIGKILL and a rebuild from sequence 0
//! without anything durably recorded being sent twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use emporium::model::NotificationId;
use emporium::notifications::{
    Channel, DeliveryStatus, ID_HEADER, MemorySink, NOTIFICATIONS_FILE_NAME, Notification,
    NotificationsConfig, Outgoing, SIGNATURE_HEADER, SinkConfig, Templates, Topic, WebhookConfig,
    signature,
};
use emporium::{
    Actor, BreakerState, Config, Engine, Event, NewReview, NewUser, Order, PasswordParams,
    PreferencesPatch, StoreLocation, TEST_CARD_DECLINED, TestProvider, UserId, UserPatch,
};
use parking_lot::Mutex;

const WAIT: Duration = Duration::from_secs(30);

fn engine_config(location: StoreLocation, sink: SinkConfig, paused: bool) -> Config {
    let mut config = config(location, Arc::new(TestProvider::default()));
    config.users.password_params = PasswordParams::INSECURE_FAST_FOR_TESTS;
    config.notifications = NotificationsConfig {
        sink,
        paused,
        ..NotificationsConfig::default()
    };
    config
}

fn memory_engine_with(sink: &Arc<MemorySink>, paused: bool) -> Engine {
    let sink = SinkConfig::Custom(Arc::clone(sink) as Arc<dyn emporium::notifications::Sink>);
    Engine::open_with(engine_config(StoreLocation::Memory, sink, paused)).expect("open")
}

fn register(engine: &Engine, email: &str, name: &str) -> UserId {
    engine
        .register(NewUser {
            email: email.into(),
            password: "correct horse battery".into(),
            name: name.into(),
        })
        .expect("register")
        .user
        .id
}

fn set_preferences(engine: &Engine, user: UserId, patch: PreferencesPatch) {
    engine
        .update_me(
            user,
            UserPatch {
                name: None,
                preferences: Some(patch),
            },
        )
        .expect("preferences");
}

fn buy(engine: &Engine, user: UserId, sku: &str, quantity: u64) -> Order {
    let cart = engine.create_cart(Some(user)).expect("cart");
    engine
        .add_cart_item(cart.id, Some(user), None, sku, quantity)
        .expect("add");
    engine
        .checkout(cart.id, Some(user), good_card(), None)
        .expect("checkout")
        .order
}

fn review(engine: &Engine, user: UserId, product: emporium::ProductId, rating: u64) {
    engine
        .post_review(
            product,
            user,
            NewReview {
                rating,
                title: "Fine".into(),
                body: String::new(),
            },
        )
        .expect("review");
}

fn idle(engine: &Engine) {
    assert!(engine.wait_notifications_idle(WAIT), "delivery went idle");
}

/// Every notification of `user`, newest first, through the paged listing.
fn list(engine: &Engine, user: UserId) -> Vec<Notification> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = engine
            .notifications(user, 3, cursor.as_deref())
            .expect("page");
        all.extend(page.notifications);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Every account in the log.
fn users(engine: &Engine) -> Vec<UserId> {
    let mut users = Vec::new();
    let mut after = 0;
    loop {
        let events = engine.events_after(after, 1_000).expect("events");
        let Some(last) = events.last() else {
            return users;
        };
        after = last.seq;
        users.extend(events.iter().filter_map(|record| match record.event {
            Event::UserRegistered { user_id } => Some(user_id),
            _ => None,
        }));
    }
}

/// Every notification of every account, by id.
fn everything(engine: &Engine) -> BTreeMap<NotificationId, Notification> {
    users(engine)
        .into_iter()
        .flat_map(|user| list(engine, user))
        .map(|notification| (notification.id, notification))
        .collect()
}

fn find(all: &[Notification], topic: Topic, channel: Channel) -> &Notification {
    all.iter()
        .find(|n| n.topic == topic && n.channel == channel)
        .unwrap_or_else(|| panic!("no {topic} by {channel:?}"))
}

#[test]
fn templates_render_exactly_and_the_listing_shows_the_status() {
    let sink = Arc::new(MemorySink::new());
    let engine = memory_engine_with(&sink, false);
    product(&engine, "NT-MUG", 1_999, 10);
    let ada = register(&engine, "ada@example.test", "Ada");
    let order = buy(&engine, ada, "NT-MUG", 2);
    idle(&engine);

    let sent = sink.messages();
    let welcome = sent
        .iter()
        .find(|m| m.topic == Topic::Welcome && m.channel == Channel::Email)
        .expect("welcome email");
    assert_eq!(welcome.subject, "Welcome, Ada");
    assert_eq!(
        welcome.body,
        "Hi Ada, your account is ready. Happy shopping!"
    );
    assert_eq!(welcome.to.as_deref(), Some("ada@example.test"));
    let placed = sent
        .iter()
        .find(|m| m.topic == Topic::OrderPlaced && m.channel == Channel::Email)
        .expect("order email");
    assert_eq!(placed.subject, format!("Order {} confirmed", order.id));
    assert_eq!(
        placed.body,
        format!(
            "Hi Ada, thank you for your order {}: 2 item(s), 39.98 USD in total. Status: paid.",
            order.id
        )
    );
    let push = sent
        .iter()
        .find(|m| m.topic == Topic::OrderPlaced && m.channel == Channel::Push)
        .expect("order push");
    assert_eq!(
        (push.subject.as_str(), push.to.as_deref()),
        ("Order confirmed", None)
    );
    assert_eq!(push.body, format!("{}: 39.98 USD", order.id));
    assert!(
        !sent.iter().any(|m| m.channel == Channel::Sms),
        "SMS is off by default"
    );

    // The listing: newest first, paged, rendered the same, with each status.
    let all = list(&engine, ada);
    let ids: Vec<u64> = all.iter().map(|n| n.id.raw()).collect();
    assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "newest first");
    assert_eq!(all.len(), 5, "welcome ×2, order ×3");
    let listed = find(&all, Topic::OrderPlaced, Channel::Email);
    assert_eq!(
        (listed.subject.clone(), listed.body.clone()),
        (placed.subject.clone(), placed.body.clone())
    );
    assert_eq!((listed.status, listed.attempts), (DeliveryStatus::Sent, 1));
    assert!(listed.updated_at >= listed.created_at);
    let sms = find(&all, Topic::OrderPlaced, Channel::Sms);
    assert_eq!(sms.status, DeliveryStatus::Skipped);
    assert_eq!(
        sms.last_error.as_deref(),
        Some("sms is off in the account's preferences")
    );
    assert_eq!(
        sms.body,
        format!("Order {} confirmed: 39.98 USD.", order.id)
    );
    assert!(engine.notifications(ada, 0, None).is_err(), "limit 0");
    assert!(engine.notifications(ada, 101, None).is_err(), "limit 101");
    assert!(
        engine.notifications(ada, 10, Some("ord_x")).is_err(),
        "a foreign cursor"
    );
    let stats = engine.notification_stats();
    assert_eq!(
        (stats.kept, stats.sent, stats.skipped, stats.queued),
        (5, 4, 1, 0)
    );
    assert_eq!(stats.sink, "memory");
}

#[test]
fn configured_templates_format_money_from_minor_units() {
    let sink = Arc::new(MemorySink::new());
    let mut templates = Templates::empty();
    templates
        .set(
            Topic::OrderPlaced,
            Channel::Email,
            "{{name}}",
            "{{total}}|{{items}}|{{status}}|{{order_id}}",
        )
        .expect("valid");
    templates
        .set(
            Topic::PaymentFailed,
            Channel::Email,
            "",
            "{{amount}} {{reason}} {{cart_id}}",
        )
        .expect("valid");
    let mut config = engine_config(
        StoreLocation::Memory,
        SinkConfig::Custom(Arc::clone(&sink) as Arc<dyn emporium::notifications::Sink>),
        false,
    );
    config.notifications.templates = templates;
    let engine = Engine::open_with(config).expect("open");
    product(&engine, "NT-CENT", 5, 10);
    let bob = register(&engine, "bob@example.test", "Bob {{total}}");
    let order = buy(&engine, bob, "NT-CENT", 3);
    let cart = engine.create_cart(Some(bob)).expect("cart");
    engine
        .add_cart_item(cart.id, Some(bob), None, "NT-CENT", 1)
        .expect("add");
    assert!(
        engine
            .checkout(cart.id, Some(bob), card(TEST_CARD_DECLINED), None)
            .is_err()
    );
    // The failure's event is written in the background.
    wait_for("the payment failure", || {
        engine
            .events_after(0, 1_000)
            .expect("events")
            .iter()
            .any(|record| matches!(record.event, Event::PaymentFailed(_)))
    });
    idle(&engine);
    let sent = sink.messages();
    assert_eq!(
        sent.len(),
        2,
        "only the configured templates send: {sent:?}"
    );
    // A name that looks like a placeholder is a value, not a template.
    assert_eq!(sent[0].subject, "Bob {{total}}");
    assert_eq!(sent[0].body, format!("0.15 USD|3|paid|{}", order.id));
    assert_eq!(sent[1].body, format!("0.05 USD card_declined {}", cart.id));
}

#[test]
fn preferences_are_checked_at_delivery() {
    let sink = Arc::new(MemorySink::new());
    let engine = memory_engine_with(&sink, true);
    let mug = product(&engine, "NT-PREF", 1_000, 10);
    let cy = register(&engine, "cy@example.test", "Cy");
    // Made while email is on; delivered after it was switched off.
    buy(&engine, cy, "NT-PREF", 1);
    review(&engine, cy, mug.id, 5);
    set_preferences(
        &engine,
        cy,
        PreferencesPatch {
            email: Some(false),
            sms: Some(true),
            ..PreferencesPatch::default()
        },
    );
    engine.resume_notifications();
    idle(&engine);
    let all = list(&engine, cy);
    for notification in &all {
        let expected = match notification.channel {
            Channel::Email => DeliveryStatus::Skipped,
            Channel::Sms | Channel::Push => DeliveryStatus::Sent,
        };
        assert_eq!(notification.status, expected, "{notification:?}");
    }
    let thanks = find(&all, Topic::ReviewThanks, Channel::Email);
    assert_eq!(thanks.status, DeliveryStatus::Skipped);
    assert!(find(&all, Topic::OrderPlaced, Channel::Sms).status == DeliveryStatus::Sent);
    assert!(sink.messages().iter().all(|m| m.channel != Channel::Email));

    // Marketing needs the opt-in as well as the channel.
    set_preferences(
        &engine,
        cy,
        PreferencesPatch {
            email: Some(true),
            ..PreferencesPatch::default()
        },
    );
    let cap = product(&engine, "NT-PREF-2", 1_000, 10);
    review(&engine, cy, cap.id, 4);
    idle(&engine);
    let thanks = find(&list(&engine, cy), Topic::ReviewThanks, Channel::Email).clone();
    assert_eq!(thanks.status, DeliveryStatus::Skipped);
    assert_eq!(
        thanks.last_error.as_deref(),
        Some("marketing is off in the account's preferences")
    );
    set_preferences(
        &engine,
        cy,
        PreferencesPatch {
            marketing: Some(true),
            ..PreferencesPatch::default()
        },
    );
    let hat = product(&engine, "NT-PREF-3", 1_000, 10);
    review(&engine, cy, hat.id, 3);
    idle(&engine);
    let thanks = find(&list(&engine, cy), Topic::ReviewThanks, Channel::Email).clone();
    assert_eq!(thanks.status, DeliveryStatus::Sent);
    assert!(
        thanks.body.ends_with("3/5. Come back for more!"),
        "{}",
        thanks.body
    );
}

#[test]
fn transactional_messages_go_before_marketing() {
    let sink = Arc::new(MemorySink::new());
    let engine = memory_engine_with(&sink, true);
    let mug = product(&engine, "NT-PRIO", 1_000, 10);
    let dee = register(&engine, "dee@example.test", "Dee");
    set_preferences(
        &engine,
        dee,
        PreferencesPatch {
            marketing: Some(true),
            ..PreferencesPatch::default()
        },
    );
    // Marketing first in the log, then an order and its shipping.
    review(&engine, dee, mug.id, 5);
    let order = buy(&engine, dee, "NT-PRIO", 1);
    engine
        .ship_order(order.id, Actor::Admin(UserId::from_raw(1)))
        .expect("ship");
    // Every message is made and queued before delivery starts.
    assert!(engine.wait_read_models(engine.flush_activity(), WAIT));
    engine.resume_notifications();
    idle(&engine);
    let sent = sink.messages();
    let ranks: Vec<u8> = sent
        .iter()
        .map(|m| u8::from(m.topic == Topic::ReviewThanks))
        .collect();
    assert_eq!(
        sent.len(),
        7,
        "welcome ×2, placed ×2, shipped ×2, thanks ×1: {sent:?}"
    );
    assert_eq!(
        ranks,
        [0, 0, 0, 0, 0, 0, 1],
        "the marketing message goes last"
    );
    let seqs: Vec<u64> = sent[..6].iter().map(|m| m.event_seq).collect();
    assert!(
        seqs.windows(2).all(|pair| pair[0] <= pair[1]),
        "oldest first within a priority"
    );
}

// ---- the webhook, against a scripted server on 127.0.0.1 ----

#[derive(Debug)]
struct Received {
    at: Instant,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A local HTTP server answering request `n` (from 0) with `status(n)`.
struct Hook {
    address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hook {
    fn start(status: impl Fn(usize) -> u16 + Send + 'static) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let address = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopping) = (Arc::clone(&received), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        serve(stream, &log, &status);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Hook {
            address,
            received,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/notify", self.address)
    }

    fn count(&self) -> usize {
        self.received.lock().len()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("hook thread");
        }
    }
}

/// Reads one request, records it, then answers: the sender sees the answer only once
/// the request is counted.
fn serve(
    mut stream: TcpStream,
    log: &Mutex<Vec<Received>>,
    status: &impl Fn(usize) -> u16,
) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8(bytes[..head_end].to_vec()).ok()?;
    let headers: BTreeMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while bytes.len() < head_end + length {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
    }
    let status = {
        let mut log = log.lock();
        let status = status(log.len());
        log.push(Received {
            at: Instant::now(),
            headers,
            body: bytes[head_end..head_end + length].to_vec(),
        });
        status
    };
    let reply =
        format!("HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(reply.as_bytes()).ok()
}

const SECRET: &[u8] = b"webhook test secret";

fn webhook_engine(hook: &Hook, tune: impl FnOnce(&mut WebhookConfig)) -> Engine {
    let mut webhook = WebhookConfig::new(hook.url(), SECRET);
    webhook.backoff_base_ms = 1;
    webhook.backoff_max_ms = 4;
    webhook.timeout_ms = 5_000;
    tune(&mut webhook);
    let mut templates = Templates::empty();
    templates
        .set(
            Topic::Welcome,
            Channel::Email,
            "Welcome, {{name}}",
            "Hi {{name}}",
        )
        .expect("valid");
    let mut config = engine_config(StoreLocation::Memory, SinkConfig::Webhook(webhook), false);
    config.notifications.templates = templates;
    Engine::open_with(config).expect("open")
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_webhook_signs_its_bodies_and_retries_until_accepted() {
    let hook = Hook::start(|n| if n < 2 { 503 } else { 204 });
    let engine = webhook_engine(&hook, |_| {});
    let eve = register(&engine, "eve@example.test", "Eve");
    idle(&engine);
    let received = hook.received.lock();
    assert_eq!(received.len(), 3, "two 503s, then accepted");
    let id = list(&engine, eve)[0].id;
    for request in received.iter() {
        assert_eq!(request.body, received[0].body, "the same body on every try");
        assert_eq!(
            request.headers.get(&SIGNATURE_HEADER.to_ascii_lowercase()),
            Some(&signature(SECRET, &request.body)),
            "the signature verifies"
        );
        assert_ne!(
            request.headers.get(&SIGNATURE_HEADER.to_ascii_lowercase()),
            Some(&signature(b"another secret", &request.body))
        );
        assert_eq!(
            request.headers.get(&ID_HEADER.to_ascii_lowercase()),
            Some(&id.to_string())
        );
    }
    let body: Outgoing = serde_json::from_slice(&received[0].body).expect("JSON body");
    assert_eq!((body.id, body.user_id), (id, eve));
    assert_eq!(
        (body.subject.as_str(), body.body.as_str()),
        ("Welcome, Eve", "Hi Eve")
    );
    drop(received);
    let listed = &list(&engine, eve)[0];
    assert_eq!((listed.status, listed.attempts), (DeliveryStatus::Sent, 3));
    assert_eq!(
        engine.notification_stats().breaker,
        Some(BreakerState::Closed)
    );
}

#[test]
fn a_refusal_fails_at_once_and_a_dead_server_fails_after_its_attempts() {
    let hook = Hook::start(|_| 400);
    let engine = webhook_engine(&hook, |webhook| webhook.attempts = 3);
    let fay = register(&engine, "fay@example.test", "Fay");
    idle(&engine);
    let listed = &list(&engine, fay)[0];
    assert_eq!(
        (listed.status, listed.attempts),
        (DeliveryStatus::Failed, 1)
    );
    assert_eq!(listed.last_error.as_deref(), Some("HTTP 400"));
    assert_eq!(hook.count(), 1, "a refusal is not retried");

    // Nothing listens on a port that was just freed: every try fails to connect.
    let free = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let mut webhook = WebhookConfig::new(format!("http://{free}/x"), SECRET);
    webhook.attempts = 3;
    webhook.backoff_base_ms = 1;
    webhook.backoff_max_ms = 2;
    // Both welcome messages use up their tries before the circuit would open.
    webhook.breaker_failures_max = 20;
    let config = engine_config(StoreLocation::Memory, SinkConfig::Webhook(webhook), false);
    let engine = Engine::open_with(config).expect("open");
    let gus = register(&engine, "gus@example.test", "Gus");
    idle(&engine);
    let welcome = list(&engine, gus);
    assert!(!welcome.is_empty());
    for notification in welcome {
        assert_eq!(
            (notification.status, notification.attempts),
            (DeliveryStatus::Failed, 3)
        );
        assert!(
            notification
                .last_error
                .is_some_and(|e| e.contains("connect"))
        );
    }
}

#[test]
fn the_breaker_opens_against_a_failing_server_and_a_probe_closes_it() {
    // Three failures, then healthy.
    let hook = Hook::start(|n| if n < 3 { 500 } else { 200 });
    let cooldown = Duration::from_millis(600);
    let engine = webhook_engine(&hook, |webhook| {
        webhook.attempts = 2;
        webhook.breaker_failures_max = 3;
        webhook.breaker_cooldown_ms = cooldown.as_millis() as u64;
    });
    engine.pause_notifications();
    let ids: Vec<UserId> = ["h1", "h2", "h3"]
        .iter()
        .map(|name| register(&engine, &format!("{name}@example.test"), name))
        .collect();
    engine.resume_notifications();
    // Message 1 fails twice (failed for good); message 2 fails once and the circuit
    // opens: it and message 3 wait, untried.
    wait_for("the first outcome", || {
        list(&engine, ids[0])[0].status != DeliveryStatus::Queued
    });
    let first = &list(&engine, ids[0])[0];
    assert_eq!((first.status, first.attempts), (DeliveryStatus::Failed, 2));
    assert_eq!(first.last_error.as_deref(), Some("HTTP 500"));
    idle(&engine);
    let received = hook.received.lock();
    assert_eq!(
        received.len(),
        5,
        "3 failures, the probe, and the last message"
    );
    let gap = received[3].at.duration_since(received[2].at);
    assert!(
        gap >= cooldown,
        "nothing was tried while the circuit was open ({gap:?})"
    );
    drop(received);
    let second = &list(&engine, ids[1])[0];
    assert_eq!((second.status, second.attempts), (DeliveryStatus::Sent, 2));
    let third = &list(&engine, ids[2])[0];
    assert_eq!((third.status, third.attempts), (DeliveryStatus::Sent, 1));
    let stats = engine.notification_stats();
    assert_eq!(stats.breaker, Some(BreakerState::Closed));
    assert!(stats.deferrals_since_open >= 1);
    assert_eq!((stats.sent, stats.failed, stats.queued), (2, 1, 0));
}

#[test]
fn an_open_breaker_keeps_messages_queued() {
    let hook = Hook::start(|_| 503);
    let engine = webhook_engine(&hook, |webhook| {
        webhook.attempts = 5;
        webhook.breaker_failures_max = 2;
        webhook.breaker_cooldown_ms = 60_000;
    });
    let ids: Vec<UserId> = ["i1", "i2"]
        .iter()
        .map(|name| register(&engine, &format!("{name}@example.test"), name))
        .collect();
    wait_for("the circuit to open", || {
        engine.notification_stats().breaker == Some(BreakerState::Open)
    });
    assert!(!engine.wait_notifications_idle(Duration::from_millis(300)));
    assert_eq!(hook.count(), 2, "no tries while open");
    for user in ids {
        let listed = &list(&engine, user)[0];
        assert_eq!(
            (listed.status, listed.attempts),
            (DeliveryStatus::Queued, 0)
        );
    }
    let stats = engine.notification_stats();
    assert_eq!((stats.queued + stats.in_flight, stats.failed), (2, 0));
}

#[test]
fn webhook_settings_are_checked_by_name() {
    let check = |tune: fn(&mut WebhookConfig), field: &str| {
        let mut webhook = WebhookConfig::new("http://127.0.0.1:9/x", SECRET);
        tune(&mut webhook);
        let config = engine_config(StoreLocation::Memory, SinkConfig::Webhook(webhook), false);
        match Engine::open_with(config) {
            Err(emporium::Error::Invalid(error)) => assert_eq!(error.field, field),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        }
    };
    check(
        |w| w.url = "https://example.com/".into(),
        "notifications.webhook.url",
    );
    check(
        |w| w.secret = Arc::from(&b""[..]),
        "notifications.webhook.secret",
    );
    check(|w| w.attempts = 0, "notifications.webhook.attempts");
    check(|w| w.timeout_ms = 0, "notifications.webhook.timeout_ms");
    let mut config = engine_config(StoreLocation::Memory, SinkConfig::Default, false);
    config.notifications.messages_kept_max = 0;
    assert!(
        matches!(Engine::open_with(config), Err(emporium::Error::Invalid(e)) if e.field == "notifications.messages_kept_max")
    );
}

// ---- durability: restart, rebuild, SIGKILL ----

/// Traffic that notifies: accounts, orders and their moves, a failed payment, reviews.
fn traffic(engine: &Engine, tag: &str, rounds: usize) {
    let sku = "NT-TRAFFIC";
    let product_id = match engine.product_by_sku(sku).expect("read") {
        Some(product) => product.id,
        None => product(engine, sku, 1_250, 1_000_000).id,
    };
    let admin = Actor::Admin(UserId::from_raw(1));
    for round in 0..rounds {
        let user = register(
            engine,
            &format!("{tag}-{round}@example.test"),
            &format!("Shopper {round}"),
        );
        if round % 2 == 0 {
            set_preferences(
                engine,
                user,
                PreferencesPatch {
                    sms: Some(true),
                    marketing: Some(true),
                    ..PreferencesPatch::default()
                },
            );
        }
        let order = buy(engine, user, sku, 1 + (round % 3) as u64);
        match round % 4 {
            0 => {
                engine.ship_order(order.id, admin).expect("ship");
                engine.deliver_order(order.id, admin).expect("deliver");
            }
            1 => {
                engine
                    .cancel_order(order.id, Actor::Customer(user))
                    .expect("cancel");
            }
            2 => {
                let part = emporium::Money::new(100, order.total.currency);
                engine
                    .refund_order(order.id, admin, Some(part))
                    .expect("refund");
            }
            _ => {
                let cart = engine.create_cart(Some(user)).expect("cart");
                engine
                    .add_cart_item(cart.id, Some(user), None, sku, 1)
                    .expect("add");
                assert!(
                    engine
                        .checkout(cart.id, Some(user), card(TEST_CARD_DECLINED), None)
                        .is_err()
                );
            }
        }
        review(engine, user, product_id, 1 + (round % 5) as u64);
    }
}

fn file_config(dir: &Path, paused: bool, sink: SinkConfig) -> Config {
    engine_config(StoreLocation::Directory(dir.to_path_buf()), sink, paused)
}

/// The ids in the file sink, one per line, in order.
fn file_ids(dir: &Path) -> Vec<NotificationId> {
    let Ok(text) = std::fs::read_to_string(dir.join(NOTIFICATIONS_FILE_NAME)) else {
        return Vec::new();
    };
    text.lines()
        // A line cut short by a kill is not a message the sink took.
        .filter_map(|line| serde_json::from_str::<Outgoing>(line).ok())
        .map(|message| message.id)
        .collect()
}

#[test]
fn a_clean_restart_and_a_rebuild_keep_every_state_and_send_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = {
        let engine =
            Engine::open_with(file_config(dir.path(), false, SinkConfig::Default)).expect("open");
        traffic(&engine, "clean", 8);
        idle(&engine);
        let live = everything(&engine);
        assert!(live.len() > 40, "{} messages", live.len());
        assert!(live.values().all(|n| n.status != DeliveryStatus::Queued));
        let statuses: BTreeSet<DeliveryStatus> = live.values().map(|n| n.status).collect();
        assert_eq!(
            statuses,
            BTreeSet::from([DeliveryStatus::Sent, DeliveryStatus::Skipped])
        );
        assert_eq!(engine.rebuild_read_model("notifications", WAIT), Some(true));
        idle(&engine);
        assert_eq!(
            everything(&engine),
            live,
            "a rebuild from 0 makes the same messages"
        );
        live
    };
    let sent: Vec<NotificationId> = file_ids(dir.path());
    let unique: BTreeSet<NotificationId> = sent.iter().copied().collect();
    assert_eq!(
        unique.len(),
        sent.len(),
        "nothing sent twice, the rebuild included"
    );
    let expected: BTreeSet<NotificationId> = before
        .values()
        .filter(|n| n.status == DeliveryStatus::Sent)
        .map(|n| n.id)
        .collect();
    assert_eq!(unique, expected, "the file holds exactly the messages sent");

    let engine =
        Engine::open_with(file_config(dir.path(), false, SinkConfig::Default)).expect("reopen");
    idle(&engine);
    assert_eq!(
        everything(&engine),
        before,
        "the same states after a restart"
    );
    assert_eq!(
        file_ids(dir.path()).len(),
        sent.len(),
        "and nothing sent again"
    );
    traffic(&engine, "again", 2);
    idle(&engine);
    let live = everything(&engine);
    assert_eq!(engine.rebuild_read_model("notifications", WAIT), Some(true));
    idle(&engine);
    assert_eq!(everything(&engine), live);
}

#[test]
fn the_bounds_evict_the_oldest_messages_the_same_way_live_and_rebuilt() {
    let sink = Arc::new(MemorySink::new());
    let mut config = engine_config(
        StoreLocation::Memory,
        SinkConfig::Custom(Arc::clone(&sink) as Arc<dyn emporium::notifications::Sink>),
        false,
    );
    config.notifications.messages_per_user_max = 4;
    config.notifications.messages_kept_max = 10;
    let engine = Engine::open_with(config).expect("open");
    traffic(&engine, "bounds", 4);
    idle(&engine);
    let live = everything(&engine);
    assert_eq!(live.len(), 10, "the kept bound");
    let by_user = users(&engine)
        .into_iter()
        .map(|user| list(&engine, user).len())
        .collect::<Vec<_>>();
    assert!(by_user.iter().all(|n| *n <= 4), "{by_user:?}");
    let newest_sent = sink.messages().iter().map(|m| m.id).max();
    assert!(
        live.keys().max().copied() >= newest_sent,
        "nothing newer was dropped"
    );
    let sent_before = sink.messages().len();
    assert_eq!(engine.rebuild_read_model("notifications", WAIT), Some(true));
    idle(&engine);
    assert_eq!(everything(&engine), live, "eviction replays the same");
    assert_eq!(
        sink.messages().len(),
        sent_before,
        "evicted messages are not sent again"
    );
}

const CHILD_DIR: &str = "EMPORIUM_NOTIFICATIONS_CHILD_DIR";

/// One line per settled round: every message's id, status and attempts.
fn digest(engine: &Engine) -> Vec<(String, String, u32)> {
    everything(engine)
        .values()
        .map(|n| (n.id.to_string(), n.status.as_str().to_string(), n.attempts))
        .collect()
}

/// The child's body: traffic forever with the default file sink, printing the states
/// after each settled round.
#[test]
fn notifications_child_entry() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let engine =
        Engine::open_with(file_config(Path::new(&dir), false, SinkConfig::Default)).expect("open");
    for round in 0.. {
        traffic(&engine, &format!("child-{}-{round}", std::process::id()), 2);
        idle(&engine);
        let line = serde_json::to_string(&digest(&engine)).expect("json");
        println!("settled {line}");
    }
}

#[test]
fn states_after_sigkill_equal_those_before_and_nothing_recorded_is_sent_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    // What this test's own engines sent (into memory) after each kill.
    let mut sent_after_kills: BTreeSet<NotificationId> = BTreeSet::new();
    for round in 0..3 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "notifications_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let mut snapshot: Vec<(String, String, u32)> = Vec::new();
        let mut settled = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if let Some(json) = line.strip_prefix("settled ") {
                snapshot = serde_json::from_str(json).expect("digest");
                settled += 1;
                if settled > round {
                    break;
                }
            }
        }
        // Mid-round: some messages made, some sent, some recorded.
        std::thread::sleep(Duration::from_millis(30 * round as u64));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let in_file: Vec<NotificationId> = file_ids(dir.path());
        let unique: BTreeSet<NotificationId> = in_file.iter().copied().collect();
        assert_eq!(
            unique.len(),
            in_file.len(),
            "round {round}: the file has no duplicate"
        );

        // Reopen with delivery held, sending into memory, to see the durable states.
        let resent = Arc::new(MemorySink::new());
        let sink =
            SinkConfig::Custom(Arc::clone(&resent) as Arc<dyn emporium::notifications::Sink>);
        let engine = Engine::open_with(file_config(dir.path(), true, sink)).expect("reopen");
        let seq = engine.flush_activity();
        assert!(engine.wait_read_models(seq, WAIT));
        let restored = everything(&engine);
        for (id, status, attempts) in &snapshot {
            let id = NotificationId::parse(id).expect("id");
            let now = restored
                .get(&id)
                .expect("every settled message is still there");
            assert_eq!(
                (now.status.as_str(), now.attempts),
                (status.as_str(), *attempts),
                "round {round}: {id} kept its state"
            );
        }
        let recorded: BTreeSet<NotificationId> = restored
            .values()
            .filter(|n| n.status != DeliveryStatus::Queued)
            .map(|n| n.id)
            .collect();
        for notification in restored
            .values()
            .filter(|n| n.status == DeliveryStatus::Sent)
        {
            assert!(
                unique.contains(&notification.id) || sent_after_kills.contains(&notification.id),
                "round {round}: {} is recorded as sent, so it is in the file",
                notification.id
            );
        }
        assert_eq!(engine.rebuild_read_model("notifications", WAIT), Some(true));
        assert!(engine.wait_read_models(engine.flush_activity(), WAIT));
        assert_eq!(
            everything(&engine),
            restored,
            "round {round}: checkpoint + tail = replay"
        );

        engine.resume_notifications();
        idle(&engine);
        for message in resent.messages() {
            assert!(
                !recorded.contains(&message.id),
                "round {round}: {} had a durable outcome and was sent again",
                message.id
            );
        }
        sent_after_kills.extend(resent.messages().iter().map(|message| message.id));
        let settled_now = everything(&engine);
        assert!(
            settled_now
                .values()
                .all(|n| n.status != DeliveryStatus::Queued)
        );
    }
}
