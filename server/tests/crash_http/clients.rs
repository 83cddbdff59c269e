//! The shop the harness sets up over HTTP, and the client threads that shop in it:
//! carts, lines and checkouts, each outcome logged as the client saw it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::common::Reply;
use super::process::{checkout_body, exchange, expect, is_error, text};
use super::{
    ADMIN_EMAIL, ADMIN_PASSWORD, CART_LINES_MAX, LINE_UNITS_MAX, Rng, SHOPPER_PASSWORD, SKUS, USERS,
};

/// What the first start created: the admin's session, the shoppers' sessions, the
/// products (by id, as the engine names them).
pub(crate) struct Shop {
    pub(crate) admin: String,
    pub(crate) shoppers: Vec<String>,
    pub(crate) product_ids: Vec<String>,
}

impl Shop {
    /// The token that owns `shopper`'s orders (the admin sees anonymous ones).
    pub(crate) fn token(&self, shopper: Option<usize>) -> Option<&str> {
        shopper.map(|index| self.shoppers[index].as_str())
    }

    /// A token that may read `shopper`'s orders.
    pub(crate) fn viewer(&self, shopper: Option<usize>) -> &str {
        self.token(shopper).unwrap_or(&self.admin)
    }

    /// The index in [`SKUS`] of the product `product_id`.
    pub(crate) fn sku_of(&self, product_id: &str) -> Option<usize> {
        self.product_ids.iter().position(|id| id == product_id)
    }
}

/// Over HTTP on the first start: the admin signs in and creates the products, the
/// shoppers register.
pub(crate) fn set_up_shop(address: SocketAddr) -> Shop {
    let login = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let path = "/v1/auth/login";
    let session = expect(
        exchange(address, "POST", path, None, None, Some(&login)),
        200,
        path,
    );
    assert_eq!(session["user"]["role"], "admin");
    let admin = text(&session["token"]);
    let product_ids = SKUS
        .iter()
        .map(|sku| {
            let body = json!({
                "sku": sku.sku,
                "name": format!("Crash {}", sku.sku),
                "description": "Sold under fire.",
                "category": "Test/Crash",
                "price": {"amount": sku.price, "currency": "USD"},
                "stock": sku.initial,
            });
            let path = "/v1/products";
            let reply = exchange(address, "POST", path, Some(&admin), None, Some(&body));
            text(&expect(reply, 201, path)["id"])
        })
        .collect();
    let shoppers = (0..USERS)
        .map(|n| {
            let body = json!({
                "email": format!("shopper{n}@crash.example"),
                "password": SHOPPER_PASSWORD,
                "name": format!("Shopper {n}"),
            });
            let path = "/v1/auth/register";
            let reply = exchange(address, "POST", path, None, None, Some(&body));
            text(&expect(reply, 201, path)["token"])
        })
        .collect();
    Shop {
        admin,
        shoppers,
        product_ids,
    }
}

// ---------------------------------------------------------------------------------
// Client threads.

/// A checkout sent once (and replayed under its key when its reply was lost).
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub(crate) cart: String,
    pub(crate) key: String,
    pub(crate) shopper: Option<usize>,
}

impl Attempt {
    /// Sends the checkout, with the same key, token and body every time.
    pub(crate) fn send(&self, address: SocketAddr, shop: &Shop) -> Option<Reply> {
        let path = format!("/v1/carts/{}/checkout", self.cart);
        let body = checkout_body();
        exchange(
            address,
            "POST",
            &path,
            shop.token(self.shopper),
            Some(&self.key),
            Some(&body),
        )
    }
}

/// What the clients of one round saw.
#[derive(Debug, Default)]
pub(crate) struct RoundLog {
    /// Checkouts answered 201, with the reply's body.
    pub(crate) acked: Vec<(Attempt, Value)>,
    /// Checkouts without a complete reply.
    pub(crate) lost: Vec<Attempt>,
    /// Lines refused with 409 `insufficient_stock`.
    pub(crate) refused_lines: u64,
    /// Replies no live server should give, or losses while it was up.
    pub(crate) failures: Vec<String>,
}

/// Where the clients of a burst wait until every one holds a full cart, and where the
/// round learns how far the burst's checkouts got.
#[derive(Default)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    /// Clients at the gate, or gone without coming to it.
    arrived: usize,
    open: bool,
    /// Clients through with the burst (their checkout answered, lost or not made), or
    /// gone without coming to the gate.
    finished: usize,
    /// Burst checkouts answered 201.
    acknowledged: usize,
}

impl Gate {
    /// Counts in a client that left without coming to the gate.
    pub(crate) fn leave(&self) {
        let mut state = self.state.lock().expect("gate");
        state.arrived += 1;
        state.finished += 1;
        self.changed.notify_all();
    }

    pub(crate) fn arrive_and_wait(&self) {
        let mut state = self.state.lock().expect("gate");
        state.arrived += 1;
        self.changed.notify_all();
        while !state.open {
            state = self.changed.wait(state).expect("gate");
        }
    }

    pub(crate) fn open(&self) {
        self.state.lock().expect("gate").open = true;
        self.changed.notify_all();
    }

    /// Counts a client through with the burst, its checkout `acknowledged` or not.
    fn finish(&self, acknowledged: bool) {
        let mut state = self.state.lock().expect("gate");
        state.finished += 1;
        state.acknowledged += usize::from(acknowledged);
        self.changed.notify_all();
    }

    /// Waits until `done(state)`, for at most `timeout`.
    fn wait_until(&self, timeout: Duration, done: impl Fn(&GateState) -> bool) -> bool {
        let state = self.state.lock().expect("gate");
        let (state, waited) = self
            .changed
            .wait_timeout_while(state, timeout, |state| !done(state))
            .expect("gate");
        drop(state);
        !waited.timed_out()
    }

    pub(crate) fn wait_for_all(&self, count: usize, timeout: Duration) {
        let all = self.wait_until(timeout, |state| state.arrived >= count);
        assert!(all, "not every client reached the burst in {timeout:?}");
    }

    /// Waits until `count` burst checkouts were acknowledged, or every client is
    /// through with the burst (when fewer had a checkout to make).
    pub(crate) fn wait_for_acknowledged(&self, count: usize, timeout: Duration) {
        let reached = self.wait_until(timeout, |state| {
            state.acknowledged >= count || state.finished >= state.arrived
        });
        assert!(reached, "the burst stalled: no reply for {timeout:?}");
    }
}

/// Shared by the client threads of one round.
pub(crate) struct Clients {
    pub(crate) address: SocketAddr,
    pub(crate) shop: Arc<Shop>,
    pub(crate) round: usize,
    pub(crate) seed: u64,
    pub(crate) log: Mutex<RoundLog>,
    /// Set once the kill is decided: a loss before it is a failure.
    pub(crate) killed: AtomicBool,
    /// Set after the kill: clients stop starting carts.
    pub(crate) stop: AtomicBool,
    /// Set to end steady shopping with one cart per client released at once.
    pub(crate) burst: AtomicBool,
    pub(crate) gate: Gate,
}

/// What filling a cart came to.
pub(crate) enum Cart {
    Ready(Attempt),
    /// No line could be held (the shallow SKU sold out).
    Empty,
    /// The server is gone, or answered what it should not have.
    Stop,
}

impl Clients {
    /// Notes a request without a reply (a failure unless the kill was decided);
    /// the client stops.
    pub(crate) fn record_loss(&self, what: &str) -> Cart {
        if !self.killed.load(Ordering::SeqCst) {
            let message = format!("{what}: no reply while the server was up");
            self.log.lock().expect("log").failures.push(message);
        }
        Cart::Stop
    }

    /// Notes a reply no live server should give; the client stops.
    pub(crate) fn fail(&self, what: &str, reply: &Reply) -> Cart {
        let body = String::from_utf8_lossy(&reply.body);
        let message = format!("{what}: {} {body}", reply.status);
        self.log.lock().expect("log").failures.push(message);
        Cart::Stop
    }

    /// Creates a cart and adds 1–3 random lines to it.
    pub(crate) fn fill_cart(&self, shopper: Option<usize>, key: String, rng: &mut Rng) -> Cart {
        let token = self.shop.token(shopper);
        let cart = match exchange(self.address, "POST", "/v1/carts", token, None, None) {
            Some(reply) if reply.status == 201 => text(&reply.json()["id"]),
            Some(reply) => return self.fail("create cart", &reply),
            None => return self.record_loss("create cart"),
        };
        let path = format!("/v1/carts/{cart}/items");
        let mut held = 0;
        for _ in 0..1 + rng.below(CART_LINES_MAX) {
            let sku = SKUS[rng.below(SKUS.len() as u64) as usize].sku;
            let line = json!({"sku": sku, "quantity": 1 + rng.below(LINE_UNITS_MAX)});
            match exchange(self.address, "POST", &path, token, None, Some(&line)) {
                Some(reply) if reply.status == 200 => held += 1,
                Some(reply) if is_error(&reply, 409, "insufficient_stock") => {
                    self.log.lock().expect("log").refused_lines += 1;
                }
                Some(reply) => return self.fail("add a line", &reply),
                None => return self.record_loss("add a line"),
            }
        }
        if held == 0 {
            return Cart::Empty;
        }
        Cart::Ready(Attempt { cart, key, shopper })
    }

    /// Checks `attempt` out; whether it was acknowledged (if not, the client stops).
    pub(crate) fn check_out(&self, attempt: Attempt) -> bool {
        match attempt.send(self.address, &self.shop) {
            Some(reply) if reply.status == 201 => {
                self.log
                    .lock()
                    .expect("log")
                    .acked
                    .push((attempt, reply.json()));
                true
            }
            Some(reply) => {
                self.fail("checkout", &reply);
                false
            }
            None => {
                self.record_loss("checkout");
                self.log.lock().expect("log").lost.push(attempt);
                false
            }
        }
    }

    /// One client: carts and checkouts until the kill; in a burst round, one last
    /// cart held at the gate until every client has one.
    pub(crate) fn run(&self, client: usize) {
        let mut rng =
            Rng((self.seed ^ (client as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        let shopper = Some(client % (USERS + 1)).filter(|&index| index < USERS);
        let mut at_gate = false;
        for turn in 0.. {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let burst = self.burst.load(Ordering::SeqCst);
            let key = format!("crash-r{}-c{client}-t{turn}", self.round);
            let attempt = match self.fill_cart(shopper, key, &mut rng) {
                Cart::Ready(attempt) => Some(attempt),
                Cart::Empty => None,
                Cart::Stop => break,
            };
            if burst {
                at_gate = true;
                self.gate.arrive_and_wait();
            }
            let (checked_out, acknowledged) = match attempt {
                Some(attempt) => (true, self.check_out(attempt)),
                None => (false, false),
            };
            if burst {
                self.gate.finish(acknowledged);
                break;
            }
            if checked_out && !acknowledged {
                break;
            }
        }
        if !at_gate {
            self.gate.leave();
        }
    }
}
