//! The schedule, the workers, and each shopper's cart.
//!
//! Open loop: slot `k` of a run is due at `start + k / rate`. A worker (one per
//! connection) claims the next slot when it is free, sleeps until the slot is due, and
//! performs one operation. When the server is slow every worker is busy, slots fall
//! behind, and the delay shows in the latency, which is measured from the due time;
//! the load offered never drops because the server struggles, as it would with a closed
//! loop. With `rate` 0 the run is a closed loop instead (each worker sends as soon as
//! its last operation finished): a throughput ceiling, whose latencies are service
//! times.
//!
//! Each worker is one shopper with a bearer token (registered before the run) and at
//! most one open cart. Adding to a cart creates the cart when there is none, or when it
//! has [`RunConfig::cart_lines_max`] lines (the full cart is abandoned; its holds lapse
//! after the server's hold TTL). A checkout first fills the cart up to
//! [`RunConfig::checkout_lines`] lines, then pays with the succeeding test card and an
//! `Idempotency-Key`. A 409 `insufficient_stock` is a sell-out, not an error; with admin
//! credentials the driver then restocks the SKU (`POST /v1/inventory/{sku}/adjust`) and
//! tries the addition once more.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::Method;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::catalog::Catalog;
use super::client::{Call, Connection, Reply, Target};
use super::mix::{Mix, Operation, RequestKind};
use super::report::{Outcome, Recorder};
use super::{LoadError, percent_encode};

/// The succeeding test card (API.md).
pub const TEST_CARD: &str = "4242424242424242";
/// Results per page on category pages and searches, as a storefront shows them.
const PAGE_RESULTS: u32 = 20;
/// Suggestions asked for per keystroke.
const SUGGESTIONS: u32 = 10;
/// Registered shoppers share this password (8–128 characters).
const SHOPPER_PASSWORD: &str = "load-driver shopper passphrase";

/// How one run (one rate) is driven.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Operations per second; 0 runs a closed loop.
    pub rate: f64,
    /// The measured part of the run.
    pub duration: Duration,
    /// Run at the same rate, unrecorded, before the measured part.
    pub warmup: Duration,
    /// Connections, one worker each.
    pub connections: usize,
    /// The operations and their weights.
    pub mix: Mix,
    /// Lines a cart has before checkout (added as needed).
    pub checkout_lines: usize,
    /// Lines at which an addition starts a new cart.
    pub cart_lines_max: usize,
    /// Units added per restock.
    pub restock_units: u64,
    /// Seed of the workers' random choices.
    pub seed: u64,
    /// Deadline of one request.
    pub timeout: Duration,
}

/// What every worker of every run shares: the server, the catalog, the accounts.
#[derive(Debug)]
pub struct Shop {
    /// The server.
    pub target: Target,
    /// Products and categories learned from the server.
    pub catalog: Catalog,
    /// One bearer token per registered shopper.
    pub shoppers: Vec<String>,
    /// An admin's token, for restocking; `None` leaves sell-outs as they are.
    pub admin_token: Option<String>,
    /// Distinguishes this driver's idempotency keys and accounts from other runs'.
    pub run_id: String,
    /// SKUs being restocked right now, so that workers do not all restock one SKU.
    restocking: Mutex<HashSet<String>>,
    /// Checkouts sent so far, over every run: numbers the idempotency keys.
    checkouts: AtomicU64,
}

impl Shop {
    /// A shop ready to drive.
    pub fn new(
        target: Target,
        catalog: Catalog,
        shoppers: Vec<String>,
        admin_token: Option<String>,
        run_id: String,
    ) -> Shop {
        Shop {
            target,
            catalog,
            shoppers,
            admin_token,
            run_id,
            restocking: Mutex::new(HashSet::new()),
            checkouts: AtomicU64::new(0),
        }
    }
}

/// Counters read by the progress line while a run goes on.
#[derive(Debug, Default)]
pub struct Progress {
    /// Requests answered (or failed), warm-up included.
    pub requests: AtomicU64,
    /// Of which errors.
    pub errors: AtomicU64,
    /// Of which sell-outs.
    pub sold_out: AtomicU64,
    /// Operations started.
    pub operations: AtomicU64,
    /// The largest delay between a slot's due time and its start since last read, µs.
    pub lag_us_max: AtomicU64,
    /// Set to end the run early (Ctrl-C): no further slot is claimed.
    pub stop: AtomicBool,
}

/// What a run measured.
#[derive(Debug)]
pub struct RunResult {
    /// Every request of the measured part.
    pub recorder: Recorder,
    /// From the end of the warm-up until the last worker finished.
    pub elapsed: Duration,
    /// Operations due in the measured part (open loop), or started (closed loop).
    pub due: u64,
    /// Operations started in the measured part.
    pub started: u64,
    /// Sockets opened (more than the connections means some were re-opened).
    pub sockets_opened: u64,
    /// The run was stopped early.
    pub stopped: bool,
}

/// Registers `count` shoppers (`load-RUN-N@example.com`) and returns their tokens.
pub async fn register_shoppers(
    connection: &mut Connection,
    count: usize,
    run_id: &str,
) -> Result<Vec<String>, LoadError> {
    let mut tokens = Vec::with_capacity(count);
    for n in 0..count {
        let body = json!({
            "email": format!("load-{run_id}-{n}@example.com"),
            "password": SHOPPER_PASSWORD,
            "name": format!("Shopper {n}"),
        })
        .to_string();
        let reply = connection
            .send(Call::post("/v1/auth/register", None, body.as_bytes()))
            .await?;
        if reply.status != 201 {
            return Err(reply.unexpected("POST /v1/auth/register"));
        }
        tokens.push(token(&reply, "POST /v1/auth/register")?);
    }
    Ok(tokens)
}

/// Signs in as an admin; the token restocks sold-out SKUs.
pub async fn sign_in(
    connection: &mut Connection,
    email: &str,
    password: &str,
) -> Result<String, LoadError> {
    let body = json!({"email": email, "password": password}).to_string();
    let reply = connection
        .send(Call::post("/v1/auth/login", None, body.as_bytes()))
        .await?;
    if reply.status != 200 {
        return Err(reply.unexpected("POST /v1/auth/login"));
    }
    let user = reply.json("POST /v1/auth/login")?;
    if user.pointer("/user/role").and_then(|role| role.as_str()) != Some("admin") {
        return Err(LoadError::Reply(format!(
            "{email} is not an admin: it cannot restock"
        )));
    }
    token(&reply, "POST /v1/auth/login")
}

fn token(reply: &Reply, what: &str) -> Result<String, LoadError> {
    reply
        .json(what)?
        .get("token")
        .and_then(|token| token.as_str())
        .map(str::to_string)
        .ok_or_else(|| LoadError::Reply(format!("{what}: no `token` in the reply")))
}

/// When slots are due, and which is next.
#[derive(Debug)]
struct Schedule {
    start: Instant,
    measured_from: Instant,
    end: Instant,
    /// `None`: closed loop.
    rate: Option<f64>,
    next: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    due: Instant,
    measured: bool,
}

impl Schedule {
    fn claim(&self, stop: &AtomicBool) -> Option<Slot> {
        if stop.load(Relaxed) {
            return None;
        }
        let due = match self.rate {
            Some(rate) => {
                let k = self.next.fetch_add(1, Relaxed);
                self.start + Duration::from_secs_f64(k as f64 / rate)
            }
            None => Instant::now(),
        };
        (due < self.end).then_some(Slot {
            due,
            measured: due >= self.measured_from,
        })
    }
}

/// Runs `config` against `shop` and returns what was measured.
pub async fn run(shop: Arc<Shop>, config: Arc<RunConfig>, progress: Arc<Progress>) -> RunResult {
    let start = Instant::now();
    let measured_from = start + config.warmup;
    let schedule = Arc::new(Schedule {
        start,
        measured_from,
        end: measured_from + config.duration,
        rate: (config.rate > 0.0).then_some(config.rate),
        next: AtomicU64::new(0),
    });
    let workers: Vec<_> = (0..config.connections.max(1))
        .map(|index| {
            let worker = Worker::new(index, &shop, &config, &progress);
            let schedule = Arc::clone(&schedule);
            tokio::spawn(worker.run(schedule))
        })
        .collect();
    let mut recorder = Recorder::default();
    let (mut started, mut sockets_opened) = (0, 0);
    for worker in workers {
        // A worker that panicked has lost its records; the others still count.
        if let Ok(done) = worker.await {
            recorder.merge(&done.recorder);
            started += done.measured_operations;
            sockets_opened += done.connection.opened;
        }
    }
    let elapsed = Instant::now().saturating_duration_since(measured_from);
    let due = match schedule.rate {
        Some(rate) => (config.duration.as_secs_f64() * rate).round() as u64,
        None => started,
    };
    RunResult {
        recorder,
        elapsed,
        due,
        started,
        sockets_opened,
        stopped: progress.stop.load(Relaxed),
    }
}

/// A shopper's open cart.
#[derive(Debug)]
struct Cart {
    id: String,
    skus: Vec<String>,
}

/// One connection and the shopper behind it.
struct Worker {
    shop: Arc<Shop>,
    config: Arc<RunConfig>,
    progress: Arc<Progress>,
    connection: Connection,
    rng: SmallRng,
    recorder: Recorder,
    token: String,
    cart: Option<Cart>,
    measured_operations: u64,
}

/// Where a request's latency is counted from.
#[derive(Debug, Clone, Copy)]
enum Since {
    /// The slot's due time: the first request of an operation.
    Due(Instant),
    /// Its own send: a request that follows another within one operation.
    Send,
}

impl Worker {
    fn new(
        index: usize,
        shop: &Arc<Shop>,
        config: &Arc<RunConfig>,
        progress: &Arc<Progress>,
    ) -> Worker {
        // Spreads the workers' seeds apart (the golden-ratio increment of splitmix64).
        let seed = config.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let token = shop
            .shoppers
            .get(index % shop.shoppers.len().max(1))
            .cloned()
            .unwrap_or_default();
        Worker {
            shop: Arc::clone(shop),
            config: Arc::clone(config),
            progress: Arc::clone(progress),
            connection: Connection::new(shop.target.clone(), config.timeout),
            rng: SmallRng::seed_from_u64(seed),
            recorder: Recorder::default(),
            token,
            cart: None,
            measured_operations: 0,
        }
    }

    async fn run(mut self, schedule: Arc<Schedule>) -> Worker {
        while let Some(slot) = schedule.claim(&self.progress.stop) {
            tokio::time::sleep_until(slot.due.into()).await;
            let lag_us = Instant::now()
                .saturating_duration_since(slot.due)
                .as_micros();
            self.progress
                .lag_us_max
                .fetch_max(u64::try_from(lag_us).unwrap_or(u64::MAX), Relaxed);
            self.progress.operations.fetch_add(1, Relaxed);
            self.measured_operations += u64::from(slot.measured);
            let operation = self.config.mix.draw(&mut self.rng);
            self.perform(operation, slot).await;
        }
        self
    }

    async fn perform(&mut self, operation: Operation, slot: Slot) {
        let due = Since::Due(slot.due);
        match operation {
            Operation::Browse => {
                let path = match self.shop.catalog.category(&mut self.rng) {
                    Some(category) => {
                        let sort =
                            ["", "&sort=price_asc", "&sort=newest"][self.rng.random_range(0..3)];
                        format!("/v1/products?category={category}&limit={PAGE_RESULTS}{sort}")
                    }
                    None => format!("/v1/products?limit={PAGE_RESULTS}"),
                };
                self.get(RequestKind::Browse, &path, due, slot.measured)
                    .await;
            }
            Operation::Product => {
                let id = &self.shop.catalog.product(&mut self.rng).id;
                let path = format!("/v1/products/{id}");
                self.get(RequestKind::Product, &path, due, slot.measured)
                    .await;
            }
            Operation::Search => {
                let q = percent_encode(&self.shop.catalog.query(&mut self.rng));
                let path = format!("/v1/search?q={q}&limit={PAGE_RESULTS}");
                self.get(RequestKind::Search, &path, due, slot.measured)
                    .await;
            }
            Operation::Autocomplete => {
                let q = percent_encode(&self.shop.catalog.prefix(&mut self.rng));
                let path = format!("/v1/autocomplete?q={q}&limit={SUGGESTIONS}");
                self.get(RequestKind::Autocomplete, &path, due, slot.measured)
                    .await;
            }
            Operation::AddToCart => {
                let full = self
                    .cart
                    .as_ref()
                    .is_some_and(|cart| cart.skus.len() >= self.config.cart_lines_max);
                let mut since = due;
                if self.cart.is_none() || full {
                    self.create_cart(since, slot.measured).await;
                    since = Since::Send;
                }
                if self.cart.is_some() {
                    self.add_item(since, slot.measured).await;
                }
            }
            Operation::Checkout => self.checkout(due, slot.measured).await,
        }
    }

    async fn get(&mut self, kind: RequestKind, path: &str, since: Since, measured: bool) {
        self.send(kind, Call::get(path), since, measured).await;
    }

    /// Sends `call`, records it under `kind`, and returns the reply with its outcome.
    async fn send(
        &mut self,
        kind: RequestKind,
        call: Call<'_>,
        since: Since,
        measured: bool,
    ) -> Option<(Reply, Outcome)> {
        let sent = Instant::now();
        let result = self.connection.send(call).await;
        let done = Instant::now();
        let outcome = match &result {
            Ok(reply) if (200..300).contains(&reply.status) => Outcome::Ok,
            Ok(reply)
                if reply.status == 409
                    && reply.error_type().as_deref() == Some("insufficient_stock") =>
            {
                Outcome::SoldOut
            }
            Ok(reply) => Outcome::Error(match reply.error_code() {
                Some(code) => format!("{} {code}", reply.status),
                None => reply.status.to_string(),
            }),
            Err(LoadError::Timeout(_)) => Outcome::Error("timeout".into()),
            Err(LoadError::Connect { .. }) => Outcome::Error("connect".into()),
            Err(_) => Outcome::Error("connection lost".into()),
        };
        self.progress.requests.fetch_add(1, Relaxed);
        match outcome {
            Outcome::Ok => {}
            Outcome::SoldOut => {
                self.progress.sold_out.fetch_add(1, Relaxed);
            }
            Outcome::Error(_) => {
                self.progress.errors.fetch_add(1, Relaxed);
            }
        }
        if measured {
            let from = match since {
                Since::Due(due) => due,
                Since::Send => sent,
            };
            self.recorder.record(
                kind,
                done.saturating_duration_since(from),
                done.saturating_duration_since(sent),
                outcome.clone(),
            );
        }
        result.ok().map(|reply| (reply, outcome))
    }

    /// Opens a new cart (the old one, if any, is abandoned).
    async fn create_cart(&mut self, since: Since, measured: bool) {
        self.cart = None;
        let token = self.token.clone();
        let call = Call::post("/v1/carts", Some(&token), b"{}");
        if let Some((reply, Outcome::Ok)) = self
            .send(RequestKind::CartCreate, call, since, measured)
            .await
            && let Ok(cart) = reply.json("POST /v1/carts")
            && let Some(id) = cart.get("id").and_then(|id| id.as_str())
        {
            self.cart = Some(Cart {
                id: id.to_string(),
                skus: Vec::new(),
            });
        }
    }

    /// Adds one unit of a popular in-stock product; after a sell-out, restocks it (with
    /// admin credentials) and tries once more. Returns the outcome of the last try.
    async fn add_item(&mut self, since: Since, measured: bool) -> Option<Outcome> {
        let sku = self.shop.catalog.cart_product(&mut self.rng).sku.clone();
        let cart_id = self.cart.as_ref()?.id.clone();
        let path = format!("/v1/carts/{cart_id}/items");
        let body = json!({"sku": sku, "quantity": 1}).to_string();
        let token = self.token.clone();
        let mut since = since;
        for attempt in 0..2 {
            let call = Call::post(&path, Some(&token), body.as_bytes());
            let outcome = self
                .send(RequestKind::CartAdd, call, since, measured)
                .await
                .map(|(_, outcome)| outcome);
            match &outcome {
                Some(Outcome::Ok) => {
                    if let Some(cart) = &mut self.cart
                        && !cart.skus.contains(&sku)
                    {
                        cart.skus.push(sku);
                    }
                    return outcome;
                }
                Some(Outcome::SoldOut) if attempt == 0 && self.restock(&sku, measured).await => {
                    since = Since::Send;
                }
                _ => return outcome,
            }
        }
        None
    }

    /// Restocks `sku` unless another worker is doing it or there is no admin; true when
    /// this worker restocked it.
    async fn restock(&mut self, sku: &str, measured: bool) -> bool {
        let Some(admin) = self.shop.admin_token.clone() else {
            return false;
        };
        {
            let mut restocking = self
                .shop
                .restocking
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !restocking.insert(sku.to_string()) {
                return false;
            }
        }
        let path = format!("/v1/inventory/{}/adjust", percent_encode(sku));
        let body = json!({"delta": self.config.restock_units, "reason": "load driver restock"})
            .to_string();
        let call = Call::post(&path, Some(&admin), body.as_bytes());
        let restocked = matches!(
            self.send(RequestKind::Restock, call, Since::Send, measured)
                .await,
            Some((_, Outcome::Ok))
        );
        self.shop
            .restocking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(sku);
        restocked
    }

    /// Fills the cart up to the lines a checkout needs, then checks out. The cart is
    /// closed by a success and abandoned after a failure, so a broken cart is never
    /// retried.
    async fn checkout(&mut self, due: Since, measured: bool) {
        let mut since = due;
        // Each addition may sell out; give up on the operation after this many tries.
        let mut additions_left = self.config.checkout_lines * 2;
        while self
            .cart
            .as_ref()
            .is_none_or(|cart| cart.skus.len() < self.config.checkout_lines)
        {
            if self.cart.is_none() {
                self.create_cart(since, measured).await;
                since = Since::Send;
                if self.cart.is_none() {
                    return;
                }
            }
            if additions_left == 0 {
                return;
            }
            additions_left -= 1;
            match self.add_item(since, measured).await {
                Some(Outcome::Ok | Outcome::SoldOut) => since = Since::Send,
                _ => return,
            }
        }
        let Some(cart) = self.cart.take() else {
            return;
        };
        // Unique over the driver's whole life: a key reused with another cart would be
        // a 409 idempotency_conflict, not a checkout.
        let sequence = self.shop.checkouts.fetch_add(1, Relaxed);
        let key = format!("{}-{sequence}", self.shop.run_id);
        let body = json!({
            "payment": {"method": "card", "card_number": TEST_CARD},
            "shipping_address": {
                "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
                "postal_code": "SW1Y 4JH", "country": "GB",
            },
        })
        .to_string();
        let path = format!("/v1/carts/{}/checkout", cart.id);
        let token = self.token.clone();
        let call = Call {
            method: &Method::POST,
            path: &path,
            token: Some(&token),
            body: Some(body.as_bytes()),
            idempotency_key: Some(&key),
        };
        self.send(RequestKind::Checkout, call, since, measured)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(rate: Option<f64>, warmup_ms: u64, duration_ms: u64) -> Schedule {
        let start = Instant::now();
        let measured_from = start + Duration::from_millis(warmup_ms);
        Schedule {
            start,
            measured_from,
            end: measured_from + Duration::from_millis(duration_ms),
            rate,
            next: AtomicU64::new(0),
        }
    }

    #[test]
    fn open_loop_slots_are_evenly_spaced_and_bounded() {
        let schedule = schedule(Some(100.0), 1_000, 2_000);
        let stop = AtomicBool::new(false);
        let mut slots = Vec::new();
        while let Some(slot) = schedule.claim(&stop) {
            slots.push(slot);
        }
        // 3 s at 100/s.
        assert_eq!(slots.len(), 300);
        assert_eq!(slots.iter().filter(|slot| slot.measured).count(), 200);
        let gap = slots[1].due - slots[0].due;
        assert_eq!(gap, Duration::from_millis(10));
        assert!(slots.windows(2).all(|pair| pair[1].due > pair[0].due));
    }

    #[test]
    fn a_stopped_schedule_gives_no_slot() {
        let schedule = schedule(Some(10.0), 0, 10_000);
        let stop = AtomicBool::new(false);
        assert!(schedule.claim(&stop).is_some());
        stop.store(true, Relaxed);
        assert!(schedule.claim(&stop).is_none());
        let closed = self::schedule(None, 0, 10_000);
        assert!(closed.claim(&AtomicBool::new(true)).is_none());
        assert!(
            closed
                .claim(&AtomicBool::new(false))
                .is_some_and(|slot| slot.measured)
        );
    }
}
