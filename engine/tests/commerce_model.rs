//! Model-based test of inventory, carts, checkout and orders: random sequences of
//! add / set / remove / checkout / cancel / ship / refund / adjust / expire run
//! against the engine and against a plain in-memory model, and after every step the
//! two must agree: the same outcome (including which error), the same stock
//! (`on_hand`, `reserved`, and `on_hand = available + reserved`), the same cart lines
//! and holds, exact totals, and order statuses only ever moved as the state machine
//! allows. Nothing is ever sold beyond what was on hand.

mod common;

use common::*;
use emporium::{
    Actor, CartError, CartId, Engine, Error, InventoryError, OrderError, OrderId, OrderStatus,
    PaymentError, Timestamp, UserId,
};
use proptest::prelude::*;

const SKUS: usize = 3;
const CARTS: usize = 3;
const ADMIN: Actor = Actor::Admin(UserId::from_raw(1));

fn sku(index: usize) -> String {
    format!("M-{index}")
}

fn price(index: usize) -> u64 {
    100 * (index as u64 + 1) + 7
}

#[derive(Clone, Copy, Debug)]
enum Pay {
    Card,
    Declined,
    Cod,
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize, u64),
    Set(usize, usize, u64),
    Remove(usize, usize),
    Checkout(usize, Pay),
    Cancel(usize),
    Ship(usize),
    Refund(usize),
    Adjust(usize, i64),
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    let pay = prop_oneof![Just(Pay::Card), Just(Pay::Declined), Just(Pay::Cod)];
    prop_oneof![
        4 => (0..CARTS, 0..SKUS, 1..5u64).prop_map(|(c, s, q)| Op::Add(c, s, q)),
        2 => (0..CARTS, 0..SKUS, 1..5u64).prop_map(|(c, s, q)| Op::Set(c, s, q)),
        1 => (0..CARTS, 0..SKUS).prop_map(|(c, s)| Op::Remove(c, s)),
        3 => (0..CARTS, pay).prop_map(|(c, p)| Op::Checkout(c, p)),
        1 => (0..8usize).prop_map(Op::Cancel),
        1 => (0..8usize).prop_map(Op::Ship),
        1 => (0..8usize).prop_map(Op::Refund),
        2 => (0..SKUS, -4..5i64).prop_map(|(s, d)| Op::Adjust(s, d)),
        1 => Just(Op::Expire),
    ]
}

/// The outcome classes the model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Insufficient,
    Closed,
    NoLine,
    Empty,
    Declined,
    Invalid,
    OutOfRange,
    Skipped,
}

fn classify<T>(result: &emporium::Result<T>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(Error::Inventory(InventoryError::Insufficient { .. })) => Outcome::Insufficient,
        Err(Error::Inventory(InventoryError::AdjustmentOutOfRange { .. })) => Outcome::OutOfRange,
        Err(Error::Cart(CartError::Closed { .. })) => Outcome::Closed,
        Err(Error::Cart(CartError::LineNotFound { .. })) => Outcome::NoLine,
        Err(Error::Cart(CartError::Empty)) => Outcome::Empty,
        Err(Error::Payment(PaymentError::Declined { .. })) => Outcome::Declined,
        Err(Error::Order(
            OrderError::InvalidTransition { .. } | OrderError::RefundExceedsPaid { .. },
        )) => Outcome::Invalid,
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

#[derive(Clone, Debug, Default)]
struct ModelCart {
    /// (sku, quantity, hold live) in insertion order.
    lines: Vec<(usize, u64, bool)>,
    closed: bool,
}

#[derive(Clone, Debug)]
struct ModelOrder {
    id: OrderId,
    status: OrderStatus,
    lines: Vec<(usize, u64)>,
}

#[derive(Debug)]
struct Model {
    on_hand: [u64; SKUS],
    carts: Vec<ModelCart>,
    orders: Vec<ModelOrder>,
}

impl Model {
    fn reserved(&self, sku: usize) -> u64 {
        let live = self
            .carts
            .iter()
            .filter(|c| !c.closed)
            .flat_map(|c| &c.lines);
        live.filter(|&&(s, _, held)| s == sku && held)
            .map(|&(_, q, _)| q)
            .sum()
    }

    fn available(&self, sku: usize) -> u64 {
        self.on_hand[sku] - self.reserved(sku)
    }

    /// Whether `cart` may hold `quantity` of `sku` (its own live hold counts).
    fn can_hold(&self, cart: usize, sku: usize, quantity: u64) -> bool {
        let own = self.carts[cart]
            .lines
            .iter()
            .find(|l| l.0 == sku && l.2)
            .map_or(0, |l| l.1);
        quantity <= self.available(sku) + own
    }

    fn line(&mut self, cart: usize, sku: usize) -> Option<&mut (usize, u64, bool)> {
        self.carts[cart].lines.iter_mut().find(|l| l.0 == sku)
    }

    fn add(&mut self, cart: usize, sku: usize, quantity: u64) -> Outcome {
        if self.carts[cart].closed {
            return Outcome::Closed;
        }
        let new = self.carts[cart]
            .lines
            .iter()
            .find(|l| l.0 == sku)
            .map_or(0, |l| l.1)
            + quantity;
        if !self.can_hold(cart, sku, new) {
            return Outcome::Insufficient;
        }
        match self.line(cart, sku) {
            Some(line) => *line = (sku, new, true),
            None => self.carts[cart].lines.push((sku, new, true)),
        }
        Outcome::Ok
    }

    fn set(&mut self, cart: usize, sku: usize, quantity: u64) -> Outcome {
        if self.carts[cart].closed {
            return Outcome::Closed;
        }
        let Some(&(_, current, live)) = self.carts[cart].lines.iter().find(|l| l.0 == sku) else {
            return Outcome::NoLine;
        };
        if quantity >= current {
            if !self.can_hold(cart, sku, quantity) {
                return Outcome::Insufficient;
            }
            *self.line(cart, sku).expect("line") = (sku, quantity, true);
        } else {
            // Written first; the shrunk hold is re-taken only if it can be.
            let held = live || quantity <= self.available(sku);
            *self.line(cart, sku).expect("line") = (sku, quantity, held);
        }
        Outcome::Ok
    }

    fn remove(&mut self, cart: usize, sku: usize) -> Outcome {
        if self.carts[cart].closed {
            return Outcome::Closed;
        }
        let before = self.carts[cart].lines.len();
        self.carts[cart].lines.retain(|l| l.0 != sku);
        if self.carts[cart].lines.len() == before {
            Outcome::NoLine
        } else {
            Outcome::Ok
        }
    }

    fn checkout(&mut self, cart: usize, pay: Pay, id: Option<OrderId>) -> Outcome {
        let model = &self.carts[cart];
        if model.closed {
            return Outcome::Closed;
        }
        if model.lines.is_empty() {
            return Outcome::Empty;
        }
        if !model
            .lines
            .iter()
            .all(|&(sku, q, _)| self.can_hold(cart, sku, q))
        {
            return Outcome::Insufficient;
        }
        // Every line is held again (lapsed ones re-reserved), whatever happens next.
        self.carts[cart]
            .lines
            .iter_mut()
            .for_each(|line| line.2 = true);
        if let Pay::Declined = pay {
            return Outcome::Declined;
        }
        let lines: Vec<(usize, u64)> = self.carts[cart]
            .lines
            .iter()
            .map(|&(s, q, _)| (s, q))
            .collect();
        for &(sku, q) in &lines {
            self.on_hand[sku] -= q;
        }
        self.carts[cart].closed = true;
        let status = if let Pay::Cod = pay {
            OrderStatus::Pending
        } else {
            OrderStatus::Paid
        };
        self.orders.push(ModelOrder {
            id: id.expect("an order"),
            status,
            lines,
        });
        Outcome::Ok
    }

    fn transition(&mut self, order: usize, action: emporium::OrderAction) -> Outcome {
        let Some(model) = self.orders.get_mut(order) else {
            return Outcome::Skipped;
        };
        let Some(to) = emporium::next_status(model.status, action) else {
            return Outcome::Invalid;
        };
        model.status = to;
        if to == OrderStatus::Cancelled {
            for &(sku, q) in &model.lines.clone() {
                self.on_hand[sku] += q;
            }
        }
        Outcome::Ok
    }

    fn adjust(&mut self, sku: usize, delta: i64) -> Outcome {
        if delta == 0 {
            return Outcome::Skipped;
        }
        let units = delta.unsigned_abs();
        if delta > 0 {
            self.on_hand[sku] += units;
        } else if units > self.on_hand[sku] {
            return Outcome::OutOfRange;
        } else if units > self.available(sku) {
            return Outcome::Insufficient;
        } else {
            self.on_hand[sku] -= units;
        }
        Outcome::Ok
    }
}

struct Harness {
    engine: Engine,
    carts: Vec<CartId>,
    model: Model,
}

impl Harness {
    fn new(stock: [u64; SKUS]) -> Harness {
        let (engine, _) = memory_engine();
        for (index, &on_hand) in stock.iter().enumerate() {
            product(&engine, &sku(index), price(index), on_hand);
        }
        let carts = (0..CARTS)
            .map(|_| engine.create_cart(None).expect("cart").id)
            .collect();
        let model = Model {
            on_hand: stock,
            carts: vec![ModelCart::default(); CARTS],
            orders: Vec::new(),
        };
        Harness {
            engine,
            carts,
            model,
        }
    }

    fn step(&mut self, op: &Op) -> (Outcome, Outcome) {
        let (engine, model) = (&self.engine, &mut self.model);
        let order = |m: &Model, n: usize| m.orders.get(n).map(|o| o.id);
        match *op {
            Op::Add(c, s, q) => (
                classify(&engine.add_cart_item(self.carts[c], None, None, &sku(s), q)),
                model.add(c, s, q),
            ),
            Op::Set(c, s, q) => (
                classify(&engine.set_cart_item_quantity(self.carts[c], None, None, &sku(s), q)),
                model.set(c, s, q),
            ),
            Op::Remove(c, s) => (
                classify(&engine.remove_cart_item(self.carts[c], None, None, &sku(s))),
                model.remove(c, s),
            ),
            Op::Checkout(c, pay) => {
                let request = match pay {
                    Pay::Card => good_card(),
                    Pay::Declined => card(emporium::TEST_CARD_DECLINED),
                    Pay::Cod => cod(),
                };
                let result = engine.checkout(self.carts[c], None, request, None);
                let id = result.as_ref().ok().map(|o| o.order.id);
                let outcome = classify(&result);
                if model.carts[c].closed || outcome == Outcome::Ok {
                    // A fresh cart takes a closed one's place, so the run keeps shopping.
                    self.carts[c] = engine.create_cart(None).expect("cart").id;
                }
                let expected = model.checkout(c, pay, id);
                if model.carts[c].closed {
                    model.carts[c] = ModelCart::default();
                }
                (outcome, expected)
            }
            Op::Cancel(n) => match order(model, n) {
                Some(id) => (
                    classify(&engine.cancel_order(id, ADMIN)),
                    model.transition(n, emporium::OrderAction::Cancel),
                ),
                None => (Outcome::Skipped, Outcome::Skipped),
            },
            Op::Ship(n) => match order(model, n) {
                Some(id) => (
                    classify(&engine.ship_order(id, ADMIN)),
                    model.transition(n, emporium::OrderAction::Ship),
                ),
                None => (Outcome::Skipped, Outcome::Skipped),
            },
            Op::Refund(n) => match order(model, n) {
                Some(id) => (
                    classify(&engine.refund_order(id, ADMIN, None)),
                    model.transition(n, emporium::OrderAction::Refund),
                ),
                None => (Outcome::Skipped, Outcome::Skipped),
            },
            Op::Adjust(s, d) if d == 0 => (Outcome::Skipped, model.adjust(s, d)),
            Op::Adjust(s, d) => (
                classify(&engine.adjust_stock(&sku(s), d, "model", ADMIN)),
                model.adjust(s, d),
            ),
            Op::Expire => {
                engine.sweep_holds(
                    Timestamp::now().plus_millis(emporium::HOLD_TTL_MS_DEFAULT + 60_000),
                );
                model
                    .carts
                    .iter_mut()
                    .flat_map(|c| c.lines.iter_mut())
                    .for_each(|l| l.2 = false);
                (Outcome::Ok, Outcome::Ok)
            }
        }
    }

    fn check(&self) {
        for s in 0..SKUS {
            let level = self
                .engine
                .stock_by_sku(&sku(s))
                .expect("stock")
                .expect("known");
            assert_eq!(
                level.on_hand,
                self.model.on_hand[s],
                "on hand of {}",
                sku(s)
            );
            assert_eq!(
                level.reserved,
                self.model.reserved(s),
                "reserved of {}",
                sku(s)
            );
            assert_eq!(level.on_hand, level.available + level.reserved);
        }
        for (c, &id) in self.carts.iter().enumerate() {
            let cart = self.engine.cart(id, None).expect("cart");
            let lines: Vec<_> = cart
                .items
                .iter()
                .map(|i| (i.sku.clone(), i.quantity, i.held))
                .collect();
            let expected: Vec<_> = self.model.carts[c]
                .lines
                .iter()
                .map(|&(s, q, h)| (sku(s), q, h))
                .collect();
            assert_eq!(lines, expected, "cart {c}");
            let total: u64 = self.model.carts[c]
                .lines
                .iter()
                .map(|&(s, q, _)| price(s) * q)
                .sum();
            assert_eq!(cart.totals.total.amount, total, "cart {c} total");
        }
        for order in &self.model.orders {
            let stored = self.engine.order(order.id, ADMIN).expect("order");
            assert_eq!(stored.status, order.status);
            let total: u64 = order.lines.iter().map(|&(s, q)| price(s) * q).sum();
            assert_eq!(stored.total.amount, total);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_behaves_like_the_model(stock in prop::array::uniform3(0..12u64), ops in prop::collection::vec(op(), 1..60)) {
        let mut harness = Harness::new(stock);
        for (n, op) in ops.iter().enumerate() {
            let (actual, expected) = harness.step(op);
            prop_assert_eq!(actual, expected, "step {} {:?}", n, op);
            harness.check();
        }
    }
}
