//! Crash recovery of the real server: `emporium serve` (the binary) takes concurrent
//! storefront checkouts over HTTP and is SIGKILLed at random moments, during steady
//! load or right inside a burst of checkouts released together (a commit batch full of
//! fsyncs in flight), now and then during its own start; it is restarted on the same
//! data directory every time, and every restart is checked:
//!
//! - every acknowledged order (a complete 201 to `POST /v1/carts/{id}/checkout`) is in
//!   the store and answers `GET /v1/orders/{id}` for its owner (the admin for an
//!   anonymous cart) exactly as the 201 did;
//! - stock adds up: per SKU `on_hand + sold = initial + restocked`, `sold` summed over
//!   the stored orders (read with `Engine::open` while the server is down, and through
//!   the admin's `GET /v1/orders?status=paid` pages), and after a restart nothing is
//!   held (`GET /v1/inventory/{sku}`: reserved 0);
//! - the event log runs `1..=n` without a gap, and the read models agree with it: the
//!   `OrderPlaced` events are exactly the stored orders, line for line; stock replayed
//!   from the events (sales, restocks, low-stock alerts at each crossing) is the stored
//!   stock;
//! - a checkout whose reply was lost is replayed with its `Idempotency-Key`: if the
//!   store holds its order, the replay returns that order (`Idempotent-Replayed: true`),
//!   so keys survive SIGKILL with their orders; if not, it runs afresh. Keys
//!   acknowledged in earlier rounds are replayed too.
//!
//! One round also backs up over HTTP (`POST /v1/admin/backup`) while the checkouts run,
//! and the backup, restored into a fresh directory, holds every order acknowledged
//! before the backup began, passes the same store checks, and holds nothing the live
//! store lacks.
//!
//! The short form (six kills, about 10 s) runs in `cargo test`; the long one (about 12
//! minutes on two busy cores: every round checks the whole store, so later rounds are
//! slower): `EMPORIUM_HTTP_CRASH_KILLS=300 cargo test --release -p emporium-server
//! --test crash_http -- --nocapture` (`EMPORIUM_HTTP_CRASH_SEED` repeats a run's
//! choices, though not its timing).

// A test crate's root looks for modules beside it, so the parts are named by path.
#[path = "crash_http/clients.rs"]
mod clients;
mod common;
#[path = "crash_http/process.rs"]
mod process;
#[path = "crash_http/recheck.rs"]
mod recheck;
#[path = "crash_http/store.rs"]
mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use clients::{Attempt, Clients, Gate, RoundLog, Shop, set_up_shop};
use process::{Server, exchange, expect, text};
use recheck::{
    back_up_under_load, check_backup, check_listing, check_server, replay_acknowledged, replay_lost,
};
use store::{Snapshot, check_store};

const ADMIN_EMAIL: &str = "crash-admin@shop.example";
const ADMIN_PASSWORD: &str = "crash harness admin passphrase";
const SHOPPER_PASSWORD: &str = "crash harness shopper";
/// Kills under load in the short form (`EMPORIUM_HTTP_CRASH_KILLS` sets it).
const KILLS_DEFAULT: usize = 6;
/// Registered shoppers; one client in `USERS + 1` shops anonymously.
const USERS: usize = 4;
/// Client threads, each one request at a time over its own connection.
const CLIENTS: usize = 20;
/// Client lines per cart at most, units per line at most.
const CART_LINES_MAX: u64 = 3;
const LINE_UNITS_MAX: u64 = 3;
/// Steady load before a kill: `STEADY_MS_MIN` plus up to `STEADY_MS_SPREAD`. Short,
/// because every round checks the whole store: the more orders a round adds, the
/// slower every later round.
const STEADY_MS_MIN: u64 = 100;
const STEADY_MS_SPREAD: u64 = 600;
/// Every this many rounds (from the third), the restart is killed again during its
/// start, then started once more.
const STARTUP_KILL_EVERY: usize = 4;
/// The admin's order listing is compared with the store every this many rounds (and in
/// the last): it pages through every order, so not every round.
const LISTING_EVERY: usize = 10;
/// The round that backs up under load, and every this many rounds after it.
const BACKUP_FIRST_ROUND: usize = 1;
const BACKUP_EVERY: usize = 50;
/// Earlier acknowledged keys replayed, and earlier orders fetched, after each restart.
const OLD_SAMPLE: usize = 8;
/// Units added to the shallow SKU at the start of each round, so that it sells out
/// again in every round and `insufficient_stock` keeps being exercised.
const RESTOCK_UNITS: u64 = 15;
const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// Longest a client waits for a reply: a live server answers in milliseconds, a
/// SIGKILLed one resets the connection at once.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);
const EXIT_TIMEOUT: Duration = Duration::from_secs(60);

/// A product the harness sells.
struct Sku {
    sku: &'static str,
    price: u64,
    initial: u64,
}

/// Deep SKUs keep the clients busy; the last is shallow and sells out in every round.
const SKUS: [Sku; 5] = [
    Sku {
        sku: "CRASH-A",
        price: 1_250,
        initial: 10_000_000,
    },
    Sku {
        sku: "CRASH-B",
        price: 399,
        initial: 10_000_000,
    },
    Sku {
        sku: "CRASH-C",
        price: 12_000,
        initial: 10_000_000,
    },
    Sku {
        sku: "CRASH-D",
        price: 75,
        initial: 10_000_000,
    },
    Sku {
        sku: "CRASH-SHALLOW",
        price: 2_000,
        initial: 20,
    },
];
const SHALLOW: usize = SKUS.len() - 1;

/// A xorshift generator: the run's choices follow from its printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// How a round's kill comes.
#[derive(Clone, Copy, Debug)]
enum Kill {
    /// After `after_ms` of steady shopping.
    Steady { after_ms: u64 },
    /// After `steady_ms` of steady shopping every client fills one more cart, all of
    /// them check out at once, and the kill lands once `acknowledged` of those
    /// checkouts were answered 201: inside the burst, however fast the machine.
    Burst { steady_ms: u64, acknowledged: usize },
}

impl Kill {
    fn choose(round: usize, rng: &mut Rng) -> Kill {
        let steady_ms = STEADY_MS_MIN + rng.below(STEADY_MS_SPREAD);
        if round % 2 == 1 {
            Kill::Steady {
                after_ms: steady_ms,
            }
        } else {
            Kill::Burst {
                steady_ms: steady_ms / 2,
                // At most half: some carts of a burst may be empty (the shallow SKU
                // sold out), and the kill should land inside the burst.
                acknowledged: rng.below(CLIENTS as u64 / 2) as usize,
            }
        }
    }
}

/// Runs the clients against `server` until the kill; `midway` runs on this thread
/// halfway through a steady round, while the clients shop.
fn run_round(
    server: Server,
    shop: &Arc<Shop>,
    round: usize,
    kill: Kill,
    seed: u64,
    midway: impl FnOnce(&Clients),
) -> RoundLog {
    let clients = Arc::new(Clients {
        address: server.address,
        shop: Arc::clone(shop),
        round,
        seed,
        log: Mutex::default(),
        killed: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        burst: AtomicBool::new(false),
        gate: Gate::default(),
    });
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let clients = Arc::clone(&clients);
            std::thread::spawn(move || clients.run(client))
        })
        .collect();
    match kill {
        Kill::Steady { after_ms } => {
            std::thread::sleep(Duration::from_millis(after_ms / 2));
            midway(&clients);
            std::thread::sleep(Duration::from_millis(after_ms - after_ms / 2));
        }
        Kill::Burst {
            steady_ms,
            acknowledged,
        } => {
            std::thread::sleep(Duration::from_millis(steady_ms));
            clients.burst.store(true, Ordering::SeqCst);
            clients.gate.wait_for_all(CLIENTS, READY_TIMEOUT);
            clients.gate.open();
            // With fewer checkouts than that (carts the shallow SKU left empty), the
            // kill comes right after the burst.
            clients
                .gate
                .wait_for_acknowledged(acknowledged, REPLY_TIMEOUT);
        }
    }
    clients.killed.store(true, Ordering::SeqCst);
    server.kill();
    clients.stop.store(true, Ordering::SeqCst);
    for thread in threads {
        thread.join().expect("a client thread");
    }
    let clients = Arc::into_inner(clients).expect("every client joined");
    clients.log.into_inner().expect("log")
}

/// What the harness knows across rounds.
#[derive(Default)]
struct Ledger {
    /// Every acknowledged order, with the checkout that placed it.
    acked: HashMap<String, Attempt>,
    /// The same ids in acknowledgement order (to sample from).
    order_ids: Vec<String>,
    /// Units added to the shallow SKU, every one acknowledged.
    restocked: u64,
    lost: u64,
    lost_committed: u64,
    lost_placed_on_replay: u64,
    lost_refused_on_replay: u64,
    refused_lines: u64,
    startup_kills: u64,
}

impl Ledger {
    /// The run in one line, for `--nocapture` and bench/RESULTS.md.
    fn summary(&self, kills: usize, elapsed: Duration, snapshot: &Snapshot) -> String {
        format!(
            "{kills} kills under load (+{} during start) in {:.0?}: {} orders acknowledged, \
             {} replies lost ({} committed, {} placed on replay, {} refused on replay), \
             {} lines refused for stock; {} orders stored, {} events, {} {} sold",
            self.startup_kills,
            elapsed,
            self.acked.len(),
            self.lost,
            self.lost_committed,
            self.lost_placed_on_replay,
            self.lost_refused_on_replay,
            self.refused_lines,
            snapshot.orders.len(),
            snapshot.last_seq,
            snapshot.sold[SHALLOW],
            SKUS[SHALLOW].sku,
        )
    }

    fn acknowledge(&mut self, order: String, attempt: Attempt) {
        let earlier = self.acked.insert(order.clone(), attempt);
        assert!(earlier.is_none(), "{order} acknowledged to two checkouts");
        self.order_ids.push(order);
    }
}

fn restock(address: SocketAddr, shop: &Shop, ledger: &mut Ledger) {
    let path = format!("/v1/inventory/{}/adjust", SKUS[SHALLOW].sku);
    let body = json!({"delta": RESTOCK_UNITS, "reason": "crash harness restock"});
    let level = expect(
        exchange(address, "POST", &path, Some(&shop.admin), None, Some(&body)),
        200,
        &path,
    );
    assert!(
        level["on_hand"]
            .as_u64()
            .is_some_and(|units| units >= RESTOCK_UNITS)
    );
    ledger.restocked += RESTOCK_UNITS;
}

/// Starts the server again on `dir`; in some rounds, kills that start 0–100 ms after
/// it opened the store, before it is ready, and starts once more.
fn restart(dir: &Path, round: usize, rng: &mut Rng, ledger: &mut Ledger) -> Server {
    if round % STARTUP_KILL_EVERY == 2 {
        let server = Server::start(dir, false);
        std::thread::sleep(Duration::from_millis(rng.below(100)));
        server.kill();
        ledger.startup_kills += 1;
    }
    let server = Server::start(dir, false);
    server.wait_until_ready();
    server
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

#[test]
fn acknowledged_checkouts_survive_sigkill_of_the_server() {
    let kills =
        env_number("EMPORIUM_HTTP_CRASH_KILLS").map_or(KILLS_DEFAULT, |kills| kills as usize);
    let seed = env_number("EMPORIUM_HTTP_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(1, |elapsed| elapsed.as_nanos() as u64)
    });
    eprintln!("EMPORIUM_HTTP_CRASH_SEED={seed}");
    let mut rng = Rng(seed | 1);
    let scratch = tempfile::tempdir().expect("temp dir");
    let data = scratch.path().join("data");
    let started = Instant::now();
    let mut server = Server::start(&data, true);
    server.wait_until_ready();
    let shop = Arc::new(set_up_shop(server.address));
    let mut ledger = Ledger::default();
    for round in 0..kills {
        restock(server.address, &shop, &mut ledger);
        let backup_round =
            round >= BACKUP_FIRST_ROUND && (round - BACKUP_FIRST_ROUND) % BACKUP_EVERY == 0;
        let kill = match Kill::choose(round, &mut rng) {
            Kill::Burst { steady_ms, .. } if backup_round => Kill::Steady {
                after_ms: steady_ms * 2,
            },
            kill => kill,
        };
        let mut taken = None;
        let log = run_round(server, &shop, round, kill, rng.below(u64::MAX), |clients| {
            if backup_round {
                taken = Some(back_up_under_load(clients, &ledger));
            }
        });
        assert!(
            log.failures.is_empty(),
            "round {round}: {:#?}",
            log.failures
        );
        for (attempt, order) in &log.acked {
            ledger.acknowledge(text(&order["id"]), attempt.clone());
        }
        ledger.refused_lines += log.refused_lines;
        let checking = Instant::now();
        let snapshot = check_store(&data, &shop, ledger.acked.keys(), ledger.restocked);
        let check_ms = checking.elapsed().as_millis();
        let restarting = Instant::now();
        server = restart(&data, round, &mut rng, &mut ledger);
        let restart_ms = restarting.elapsed().as_millis();
        check_server(server.address, &shop, &snapshot, &log, &ledger, &mut rng);
        if round % LISTING_EVERY == 0 || round + 1 == kills {
            check_listing(server.address, &shop, &snapshot);
        }
        if let Some(taken) = &taken {
            check_backup(&data, scratch.path(), taken, &shop, &snapshot);
        }
        replay_acknowledged(server.address, &shop, &ledger, &mut rng);
        replay_lost(server.address, &shop, &snapshot, &log.lost, &mut ledger);
        eprintln!(
            "round {round}: {kill:?}, {} acknowledged, {} replies lost; {} orders stored, \
             {} events; store checked in {check_ms} ms, restarted in {restart_ms} ms",
            log.acked.len(),
            log.lost.len(),
            snapshot.orders.len(),
            snapshot.last_seq
        );
    }
    // A clean stop, and the store once more (with the last round's replays in it).
    server.stop();
    let snapshot = check_store(&data, &shop, ledger.acked.keys(), ledger.restocked);
    eprintln!("{}", ledger.summary(kills, started.elapsed(), &snapshot));
    assert!(!ledger.acked.is_empty(), "the clients placed orders");
    assert!(ledger.refused_lines > 0, "the shallow SKU sold out");
}
