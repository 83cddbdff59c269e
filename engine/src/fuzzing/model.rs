//! The model-based target: a bounded sequence of catalog, inventory, cart, checkout and
//! order operations on a fresh in-memory engine and on a plain model of the same shop,
//! compared after every step. The model is deliberately naive (vectors and sums), so a
//! disagreement points at the engine or at a rule the model does not state.

use arbitrary::{Arbitrary, Unstructured};
use parking_lot::Mutex;

use super::{ADMIN, card, cod, new_product, open_engine};
use crate::{
    CartError, CartId, Currency, Engine, Error, InventoryError, Money, OrderAction, OrderError,
    OrderId, OrderStatus, PaymentError, ProductId, ProductPatch, ProductStatus, TEST_CARD_DECLINED,
    TEST_CARD_SUCCESS, Timestamp,
};

/// SKUs in a model run (`M-0`…); few, so operations collide on the same stock.
pub const MODEL_SKUS: usize = 3;
/// Carts in a model run; a checked-out cart is replaced by a fresh one.
pub const MODEL_CARTS: usize = 3;
/// Most operations of one run, which bounds its time whatever the input.
pub const MODEL_OPS_MAX: usize = 48;

/// How a checkout pays.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pay {
    /// The test card that succeeds: the order is paid.
    Card,
    /// The test card that is declined: nothing is committed.
    Declined,
    /// Cash on delivery: the order waits, pending.
    Cod,
}

/// One operation of a model run. Indices are taken modulo the number of SKUs, carts or
/// orders, so every decoded value names something.
#[derive(Arbitrary, Clone, Debug)]
pub enum CommerceOp {
    /// Adds `quantity` (0 is refused) of a SKU to a cart.
    Add {
        /// Which cart.
        cart: u8,
        /// Which SKU.
        sku: u8,
        /// Units, modulo 7.
        quantity: u8,
    },
    /// Sets the quantity of a cart's line.
    Set {
        /// Which cart.
        cart: u8,
        /// Which SKU.
        sku: u8,
        /// Units, modulo 7.
        quantity: u8,
    },
    /// Removes a cart's line.
    Remove {
        /// Which cart.
        cart: u8,
        /// Which SKU.
        sku: u8,
    },
    /// Checks a cart out.
    Checkout {
        /// Which cart.
        cart: u8,
        /// How it pays.
        pay: Pay,
    },
    /// Moves an order along its state machine.
    Order {
        /// Which order, in the order they were placed.
        order: u8,
        /// What to do.
        action: Action,
    },
    /// Refunds part of an order (`Some`, in minor units modulo 2,000) or the rest.
    Refund {
        /// Which order.
        order: u8,
        /// How much.
        amount: Option<u16>,
    },
    /// Adjusts on-hand stock.
    Adjust {
        /// Which SKU.
        sku: u8,
        /// By how many units, modulo ±8.
        delta: i8,
    },
    /// Changes a product's price (1 to 1,000 minor units).
    Reprice {
        /// Which SKU.
        sku: u8,
        /// The new price, modulo 1,000, plus one.
        price: u16,
    },
    /// Archives or reactivates a product.
    SetActive {
        /// Which SKU.
        sku: u8,
        /// Active or archived.
        active: bool,
    },
    /// Lets every hold lapse (the sweep runs as if the hold time had passed).
    Expire,
}

/// The order actions of [`CommerceOp::Order`].
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Action {
    /// Records payment of a pending order.
    MarkPaid,
    /// Cancels (refunding what was paid, returning the stock).
    Cancel,
    /// Ships.
    Ship,
    /// Delivers.
    Deliver,
}

impl Action {
    fn order_action(self) -> OrderAction {
        match self {
            Action::MarkPaid => OrderAction::MarkPaid,
            Action::Cancel => OrderAction::Cancel,
            Action::Ship => OrderAction::Ship,
            Action::Deliver => OrderAction::Deliver,
        }
    }
}

/// A model run: starting stock of each SKU (modulo 16) and the operations.
#[derive(Arbitrary, Clone, Debug)]
pub struct CommerceRun {
    /// Units on hand of each SKU at the start.
    pub stock: [u8; MODEL_SKUS],
    /// The operations, of which the first [`MODEL_OPS_MAX`] run.
    pub ops: Vec<CommerceOp>,
}

/// Decodes a [`CommerceRun`] from `bytes` and runs it.
pub fn commerce_model(bytes: &[u8]) {
    if let Ok(run) = CommerceRun::arbitrary_take_rest(Unstructured::new(bytes)) {
        run_commerce(&run);
    }
}

/// Runs `run` against a fresh engine and the model, comparing every outcome and, after
/// every step, stock, carts, orders and prices; panics at the first difference.
pub fn run_commerce(run: &CommerceRun) {
    let stock = run.stock.map(|units| u64::from(units % 16));
    let mut harness = Harness::new(stock);
    harness.check();
    for (step, op) in run.ops.iter().take(MODEL_OPS_MAX).enumerate() {
        let (actual, expected) = harness.step(op);
        assert_eq!(actual, expected, "step {step}: {op:?}");
        harness.check();
    }
}

/// Model runs that share one engine before it is replaced by a fresh one. Opening and
/// closing an engine costs far more than a run, and a run touches only its own SKUs and
/// carts, so sharing changes no outcome; replacing bounds the memory a long fuzzing
/// session accumulates.
const RUNS_PER_ENGINE: u64 = 256;

/// The engine for the next run, and the run's number (which names its SKUs).
fn shared_engine() -> (Engine, u64) {
    static SHARED: Mutex<Option<(Engine, u64)>> = Mutex::new(None);
    let mut shared = SHARED.lock();
    let (engine, runs) = match shared.take() {
        Some((engine, runs)) if runs % RUNS_PER_ENGINE != 0 => (engine, runs),
        Some((_, runs)) => (open_engine(), runs),
        None => (open_engine(), 0),
    };
    *shared = Some((engine.clone(), runs + 1));
    (engine, runs)
}

/// A catalog write as `Engine::update_product` makes it, without waiting for the
/// search index to catch up: the model does not search, and a tantivy commit per write
/// would take most of each run's time.
fn write_product(engine: &Engine, id: ProductId, patch: ProductPatch) -> crate::Result<()> {
    let inner = &engine.inner;
    inner
        .catalog
        .update_product(&inner.store, id, patch, None)
        .map(drop)
}

/// The outcome classes the model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Insufficient,
    Closed,
    NoLine,
    NoSku,
    Unavailable,
    Empty,
    Declined,
    InvalidTransition,
    RefundTooLarge,
    OutOfRange,
    /// A validation error on this field.
    Refused(&'static str),
    Skipped,
}

fn classify<T>(result: &crate::Result<T>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(Error::Inventory(InventoryError::Insufficient { .. })) => Outcome::Insufficient,
        Err(Error::Inventory(InventoryError::AdjustmentOutOfRange { .. })) => Outcome::OutOfRange,
        Err(Error::Cart(CartError::Closed { .. })) => Outcome::Closed,
        Err(Error::Cart(CartError::LineNotFound { .. })) => Outcome::NoLine,
        Err(Error::Cart(CartError::SkuNotFound { .. })) => Outcome::NoSku,
        Err(Error::Cart(CartError::ProductUnavailable { .. })) => Outcome::Unavailable,
        Err(Error::Cart(CartError::Empty)) => Outcome::Empty,
        Err(Error::Payment(PaymentError::Declined { .. })) => Outcome::Declined,
        Err(Error::Order(OrderError::InvalidTransition { .. })) => Outcome::InvalidTransition,
        Err(Error::Order(OrderError::RefundExceedsPaid { .. })) => Outcome::RefundTooLarge,
        Err(Error::Invalid(error)) => match error.field.as_str() {
            "quantity" => Outcome::Refused("quantity"),
            "amount.amount" => Outcome::Refused("amount.amount"),
            other => panic!("unexpected refusal of `{other}`: {error:?}"),
        },
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

/// A cart line in the model: SKU index, quantity, unit price, whether its hold is live.
#[derive(Clone, Copy, Debug)]
struct ModelLine {
    sku: usize,
    quantity: u64,
    unit_price: u64,
    held: bool,
}

#[derive(Clone, Debug, Default)]
struct ModelCart {
    lines: Vec<ModelLine>,
}

#[derive(Clone, Debug)]
struct ModelOrder {
    id: OrderId,
    status: OrderStatus,
    lines: Vec<(usize, u64)>,
    total: u64,
    /// Money received (captured) so far.
    received: u64,
    refunded: u64,
}

#[derive(Debug)]
struct Model {
    on_hand: [u64; MODEL_SKUS],
    price: [u64; MODEL_SKUS],
    active: [bool; MODEL_SKUS],
    carts: Vec<ModelCart>,
    orders: Vec<ModelOrder>,
}

impl Model {
    fn reserved(&self, sku: usize) -> u64 {
        let lines = self.carts.iter().flat_map(|c| &c.lines);
        lines
            .filter(|l| l.sku == sku && l.held)
            .map(|l| l.quantity)
            .sum()
    }

    fn available(&self, sku: usize) -> u64 {
        self.on_hand[sku] - self.reserved(sku)
    }

    /// Whether `cart` may hold `quantity` of `sku` (its own live hold counts).
    fn can_hold(&self, cart: usize, sku: usize, quantity: u64) -> bool {
        let own = self
            .line(cart, sku)
            .filter(|l| l.held)
            .map_or(0, |l| l.quantity);
        quantity <= self.available(sku) + own
    }

    fn line(&self, cart: usize, sku: usize) -> Option<&ModelLine> {
        self.carts[cart].lines.iter().find(|l| l.sku == sku)
    }

    fn line_mut(&mut self, cart: usize, sku: usize) -> Option<&mut ModelLine> {
        self.carts[cart].lines.iter_mut().find(|l| l.sku == sku)
    }

    fn add(&mut self, cart: usize, sku: usize, quantity: u64) -> Outcome {
        if quantity == 0 {
            return Outcome::Refused("quantity");
        }
        if !self.active[sku] {
            return Outcome::NoSku;
        }
        let new = self.line(cart, sku).map_or(0, |l| l.quantity) + quantity;
        if !self.can_hold(cart, sku, new) {
            return Outcome::Insufficient;
        }
        let line = ModelLine {
            sku,
            quantity: new,
            unit_price: self.price[sku],
            held: true,
        };
        match self.line_mut(cart, sku) {
            Some(slot) => *slot = line,
            None => self.carts[cart].lines.push(line),
        }
        Outcome::Ok
    }

    fn set(&mut self, cart: usize, sku: usize, quantity: u64) -> Outcome {
        if quantity == 0 {
            return Outcome::Refused("quantity");
        }
        let Some(&current) = self.line(cart, sku) else {
            return Outcome::NoLine;
        };
        if !self.active[sku] {
            return Outcome::NoSku;
        }
        let held = if quantity >= current.quantity {
            if !self.can_hold(cart, sku, quantity) {
                return Outcome::Insufficient;
            }
            true
        } else {
            // A smaller line is written first; a lapsed hold is re-taken only if it can be.
            current.held || quantity <= self.available(sku)
        };
        let price = self.price[sku];
        *self.line_mut(cart, sku).expect("the line exists") = ModelLine {
            sku,
            quantity,
            unit_price: price,
            held,
        };
        Outcome::Ok
    }

    fn remove(&mut self, cart: usize, sku: usize) -> Outcome {
        let before = self.carts[cart].lines.len();
        self.carts[cart].lines.retain(|l| l.sku != sku);
        if self.carts[cart].lines.len() == before {
            Outcome::NoLine
        } else {
            Outcome::Ok
        }
    }

    /// Checks cart `cart` out; on success the order (with the engine's `id`) is
    /// recorded and the cart is replaced by an empty one.
    fn checkout(&mut self, cart: usize, pay: Pay, id: Option<OrderId>) -> Outcome {
        let lines = self.carts[cart].lines.clone();
        if lines.is_empty() {
            return Outcome::Empty;
        }
        if lines.iter().any(|l| !self.active[l.sku]) {
            return Outcome::Unavailable;
        }
        if !lines.iter().all(|l| self.can_hold(cart, l.sku, l.quantity)) {
            return Outcome::Insufficient;
        }
        // Every line is held again (lapsed ones re-reserved), whatever happens next.
        self.carts[cart]
            .lines
            .iter_mut()
            .for_each(|l| l.held = true);
        if pay == Pay::Declined {
            return Outcome::Declined;
        }
        for line in &lines {
            self.on_hand[line.sku] -= line.quantity;
        }
        let total = lines.iter().map(|l| l.unit_price * l.quantity).sum();
        let paid = pay == Pay::Card;
        self.orders.push(ModelOrder {
            id: id.expect("a successful checkout has an order"),
            status: if paid {
                OrderStatus::Paid
            } else {
                OrderStatus::Pending
            },
            lines: lines.iter().map(|l| (l.sku, l.quantity)).collect(),
            total,
            received: if paid { total } else { 0 },
            refunded: 0,
        });
        self.carts[cart] = ModelCart::default();
        Outcome::Ok
    }

    fn transition(&mut self, order: usize, action: OrderAction) -> Outcome {
        let model = &mut self.orders[order];
        let Some(to) = crate::next_status(model.status, action) else {
            return Outcome::InvalidTransition;
        };
        match action {
            OrderAction::MarkPaid => model.received = model.total,
            OrderAction::Cancel => {
                model.refunded = model.received;
                for &(sku, quantity) in &model.lines {
                    self.on_hand[sku] += quantity;
                }
            }
            _ => {}
        }
        self.orders[order].status = to;
        Outcome::Ok
    }

    fn refund(&mut self, order: usize, amount: Option<u64>) -> Outcome {
        let model = &mut self.orders[order];
        let Some(to) = crate::next_status(model.status, OrderAction::Refund) else {
            return Outcome::InvalidTransition;
        };
        let refundable = model.received - model.refunded;
        let amount = amount.unwrap_or(refundable);
        if amount == 0 && refundable > 0 {
            return Outcome::Refused("amount.amount");
        }
        if amount > refundable || refundable == 0 {
            return Outcome::RefundTooLarge;
        }
        model.refunded += amount;
        if model.refunded == model.received {
            model.status = to;
        }
        Outcome::Ok
    }

    fn adjust(&mut self, sku: usize, delta: i64) -> Outcome {
        let units = delta.unsigned_abs();
        if delta >= 0 {
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
    /// This run's SKUs, by model index.
    skus: Vec<String>,
    products: Vec<ProductId>,
    carts: Vec<CartId>,
    model: Model,
}

impl Harness {
    fn new(stock: [u64; MODEL_SKUS]) -> Harness {
        let (engine, run) = shared_engine();
        let price = std::array::from_fn(|index| 100 * (index as u64 + 1) + 7);
        let skus: Vec<String> = (0..MODEL_SKUS)
            .map(|index| format!("M{run}-{index}"))
            .collect();
        let products = (0..MODEL_SKUS)
            .map(|index| {
                let new = new_product(&skus[index], price[index], stock[index]);
                let inner = &engine.inner;
                let written = inner.catalog.create_product(&inner.store, new);
                written.expect("model product").into_value().id
            })
            .collect();
        let carts = (0..MODEL_CARTS)
            .map(|_| engine.create_cart(None).expect("cart").id)
            .collect();
        let model = Model {
            on_hand: stock,
            price,
            active: [true; MODEL_SKUS],
            carts: vec![ModelCart::default(); MODEL_CARTS],
            orders: Vec::new(),
        };
        Harness {
            engine,
            skus,
            products,
            carts,
            model,
        }
    }

    fn step(&mut self, op: &CommerceOp) -> (Outcome, Outcome) {
        let (engine, model, skus) = (&self.engine, &mut self.model, &self.skus);
        let cart = |c: u8| usize::from(c) % MODEL_CARTS;
        let sku = |s: u8| usize::from(s) % MODEL_SKUS;
        let order =
            |m: &Model, n: u8| (!m.orders.is_empty()).then(|| usize::from(n) % m.orders.len());
        match *op {
            CommerceOp::Add {
                cart: c,
                sku: s,
                quantity,
            } => {
                let (c, s, q) = (cart(c), sku(s), u64::from(quantity % 7));
                let result = engine.add_cart_item(self.carts[c], None, None, &skus[s], q);
                (classify(&result), model.add(c, s, q))
            }
            CommerceOp::Set {
                cart: c,
                sku: s,
                quantity,
            } => {
                let (c, s, q) = (cart(c), sku(s), u64::from(quantity % 7));
                let result = engine.set_cart_item_quantity(self.carts[c], None, None, &skus[s], q);
                (classify(&result), model.set(c, s, q))
            }
            CommerceOp::Remove { cart: c, sku: s } => {
                let (c, s) = (cart(c), sku(s));
                let result = engine.remove_cart_item(self.carts[c], None, None, &skus[s]);
                (classify(&result), model.remove(c, s))
            }
            CommerceOp::Checkout { cart: c, pay } => {
                let c = cart(c);
                let request = match pay {
                    Pay::Card => card(TEST_CARD_SUCCESS),
                    Pay::Declined => card(TEST_CARD_DECLINED),
                    Pay::Cod => cod(),
                };
                let result = engine.checkout(self.carts[c], None, request, None);
                let id = result.as_ref().ok().map(|outcome| outcome.order.id);
                let outcome = classify(&result);
                if outcome == Outcome::Ok {
                    // A fresh cart takes the closed one's place, so the run keeps shopping.
                    self.carts[c] = engine.create_cart(None).expect("cart").id;
                }
                (outcome, model.checkout(c, pay, id))
            }
            CommerceOp::Order { order: n, action } => match order(model, n) {
                Some(n) => {
                    let id = model.orders[n].id;
                    let action = action.order_action();
                    let result = match action {
                        OrderAction::MarkPaid => engine.mark_order_paid(id, ADMIN),
                        OrderAction::Cancel => engine.cancel_order(id, ADMIN),
                        OrderAction::Ship => engine.ship_order(id, ADMIN),
                        _ => engine.deliver_order(id, ADMIN),
                    };
                    (classify(&result), model.transition(n, action))
                }
                None => (Outcome::Skipped, Outcome::Skipped),
            },
            CommerceOp::Refund { order: n, amount } => match order(model, n) {
                Some(n) => {
                    let amount = amount.map(|a| u64::from(a % 2_000));
                    let money = amount.map(|a| Money::new(a, Currency::USD));
                    let result = engine.refund_order(model.orders[n].id, ADMIN, money);
                    (classify(&result), model.refund(n, amount))
                }
                None => (Outcome::Skipped, Outcome::Skipped),
            },
            CommerceOp::Adjust { sku: s, delta } => {
                let (s, delta) = (sku(s), i64::from(delta % 8));
                if delta == 0 {
                    return (Outcome::Skipped, Outcome::Skipped);
                }
                let result = engine.adjust_stock(&skus[s], delta, "model", ADMIN);
                (classify(&result), model.adjust(s, delta))
            }
            CommerceOp::Reprice { sku: s, price } => {
                let (s, price) = (sku(s), u64::from(price % 1_000) + 1);
                let patch = ProductPatch {
                    price: Some(Money::new(price, Currency::USD)),
                    ..ProductPatch::default()
                };
                let result = write_product(engine, self.products[s], patch);
                model.price[s] = price;
                (classify(&result), Outcome::Ok)
            }
            CommerceOp::SetActive { sku: s, active } => {
                let s = sku(s);
                let status = if active {
                    ProductStatus::Active
                } else {
                    ProductStatus::Archived
                };
                let patch = ProductPatch {
                    status: Some(status),
                    ..ProductPatch::default()
                };
                let result = write_product(engine, self.products[s], patch);
                model.active[s] = active;
                (classify(&result), Outcome::Ok)
            }
            CommerceOp::Expire => {
                let later = Timestamp::now().plus_millis(crate::HOLD_TTL_MS_DEFAULT + 60_000);
                engine.sweep_holds(later);
                let lines = model.carts.iter_mut().flat_map(|c| c.lines.iter_mut());
                lines.for_each(|l| l.held = false);
                (Outcome::Ok, Outcome::Ok)
            }
        }
    }

    /// Compares everything the model knows with the engine.
    fn check(&self) {
        let model = &self.model;
        for s in 0..MODEL_SKUS {
            let sku = &self.skus[s];
            let level = self
                .engine
                .stock_by_sku(sku)
                .expect("stock")
                .expect("known");
            assert_eq!(level.on_hand, model.on_hand[s], "on hand of {sku}");
            assert_eq!(level.reserved, model.reserved(s), "reserved of {sku}");
            assert_eq!(level.on_hand, level.available + level.reserved, "{sku}");
            let product = self
                .engine
                .product(self.products[s])
                .expect("read")
                .expect("kept");
            assert_eq!(product.price.amount, model.price[s], "price of {sku}");
            let active = product.status == ProductStatus::Active;
            assert_eq!(active, model.active[s], "status of {sku}");
        }
        for (c, &id) in self.carts.iter().enumerate() {
            let cart = self.engine.cart(id, None).expect("cart");
            let lines: Vec<_> = cart
                .items
                .iter()
                .map(|i| (i.sku.clone(), i.quantity, i.unit_price.amount, i.held))
                .collect();
            let expected: Vec<_> = model.carts[c]
                .lines
                .iter()
                .map(|l| (self.skus[l.sku].clone(), l.quantity, l.unit_price, l.held))
                .collect();
            assert_eq!(lines, expected, "lines of cart {c}");
            let total: u64 = model.carts[c]
                .lines
                .iter()
                .map(|l| l.unit_price * l.quantity)
                .sum();
            assert_eq!(cart.totals.total.amount, total, "total of cart {c}");
        }
        for order in &model.orders {
            let stored = self.engine.order(order.id, ADMIN).expect("order");
            assert_eq!(stored.status, order.status, "status of {}", order.id);
            assert_eq!(stored.total.amount, order.total, "total of {}", order.id);
            assert_eq!(
                stored.payment.refunded.amount, order.refunded,
                "refunded of {}",
                order.id
            );
        }
    }
}
