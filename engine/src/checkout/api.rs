//! The checkout part of the engine's public API: the saga's driver, and the generic
//! idempotency store for other POSTs.

use sha2::{Digest, Sha256};

use super::idempotency::{
    self, IdempotencyGuard, IdempotencyKey, IdempotencyStart, StoredResponse,
};
use super::reconcile::attempt_reference;
use super::saga::{PinnedHolds, Validated};
use super::{CheckoutError, CheckoutOutcome, CheckoutRequest, IDEMPOTENCY_RETENTION_MS_MIN};
use crate::model::{Actor, CartId, Order, Timestamp, UserId};
use crate::orders::OrderRecord;
use crate::{Engine, Error, Result};

/// Leaves the in-flight set of payment attempts when the checkout ends, however.
struct Attempt<'a> {
    engine: &'a Engine,
    reference: String,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.engine.inner.checkout.attempts.leave(&self.reference);
    }
}

impl Engine {
    /// Checks cart `cart` out: validate → extend holds → price → pay → commit, with
    /// compensation on failure (see [`crate::CheckoutError`] and the module docs of
    /// `checkout`). `caller` is the signed-in user (an owned cart is only theirs).
    ///
    /// With `idempotency`, a repeat with the same key and body returns the first order
    /// (`replayed: true`); another body is [`CheckoutError::IdempotencyConflict`]; a
    /// repeat while the first runs is [`CheckoutError::IdempotencyInFlight`]. The key
    /// is scoped to the cart: the same key on another cart is a conflict.
    ///
    /// Errors: 404 cart not found; 412 version mismatch; 409 cart closed; 422 empty cart
    /// or invalid address / card (naming the field); 409 insufficient stock (naming the
    /// SKU); 402 declined; 503 provider unavailable; voucher errors. After any failure
    /// the cart is open with its holds and no money is kept.
    ///
    /// ```
    /// use emporium::model::PaymentMethod;
    /// use emporium::{AddressInput, CheckoutRequest, Engine, NewAddress, OrderStatus, PaymentInput};
    /// # use emporium::{CategoryRef, Currency, Money, NewProduct};
    /// # fn main() -> emporium::Result<()> {
    /// let engine = Engine::open_in_memory()?;
    /// # engine.create_product(NewProduct {
    /// #     sku: "HP-100".into(), name: "Headphones".into(), description: String::new(),
    /// #     brand: None, category: CategoryRef::Path("Audio".into()),
    /// #     price: Money::new(19_900, Currency::USD), attributes: Default::default(),
    /// #     images: Vec::new(), stock: 5, status: Default::default(),
    /// # })?;
    /// let cart = engine.create_cart(None)?;
    /// let cart = engine.add_cart_item(cart.id, None, Some(cart.version), "HP-100", 2)?;
    /// let request = CheckoutRequest {
    ///     payment: PaymentInput { method: PaymentMethod::Card, card_number: Some(emporium::TEST_CARD_SUCCESS.into()) },
    ///     shipping_address: AddressInput::Inline(NewAddress {
    ///         name: "Ada".into(), line1: "1 Main St".into(), city: "Springfield".into(),
    ///         postal_code: "12345".into(), country: "US".into(), ..Default::default()
    ///     }),
    ///     expected_version: Some(cart.version),
    /// };
    /// let order = engine.checkout(cart.id, None, request, None)?.order;
    /// assert_eq!(order.status, OrderStatus::Paid);
    /// assert_eq!(engine.stock_by_sku("HP-100")?.map(|level| level.on_hand), Some(3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkout(
        &self,
        cart: CartId,
        caller: Option<UserId>,
        request: CheckoutRequest,
        idempotency: Option<IdempotencyKey>,
    ) -> Result<CheckoutOutcome> {
        let guard = match idempotency {
            None => None,
            Some(key) => {
                let scoped = IdempotencyKey {
                    request_hash: scoped_hash(cart, &key.request_hash),
                    key: key.key,
                };
                match idempotency::begin(
                    &self.inner.store,
                    &self.inner.checkout.keys,
                    "checkout",
                    &scoped,
                )? {
                    IdempotencyStart::Replay(StoredResponse::Order(order)) => {
                        let order = self.order(order, Actor::System)?;
                        return Ok(CheckoutOutcome {
                            order,
                            replayed: true,
                        });
                    }
                    IdempotencyStart::Replay(StoredResponse::Http { .. }) => {
                        return Err(CheckoutError::IdempotencyConflict.into());
                    }
                    IdempotencyStart::Proceed(guard) => Some(guard),
                }
            }
        };
        let _cart = self.inner.carts.lock(cart)?;
        let validated = self.validate_checkout(cart, caller, &request)?; // step 1
        self.record_checkout_started(cart, validated.cart.user_id);
        let pinned = self.pin_holds(&validated.cart)?; // step 2 (W1 from here)
        let order =
            self.price_pay_commit(validated, request.expected_version, &pinned, guard.as_ref())?;
        Ok(CheckoutOutcome {
            order,
            replayed: false,
        })
    }

    /// Steps 3–5, and step 6 for whatever they did.
    fn price_pay_commit(
        &self,
        validated: Validated,
        expected_version: Option<u64>,
        pinned: &PinnedHolds,
        key: Option<&IdempotencyGuard>,
    ) -> Result<Order> {
        // Step 3.
        let totals = match self.price(&validated) {
            Ok(totals) => totals,
            Err(error) => {
                self.unpin_holds(pinned);
                return Err(error);
            }
        };
        // Step 4. The attempt stays in flight until this function returns, so that
        // reconciliation leaves its payment alone.
        let reference = attempt_reference(validated.cart.id);
        self.inner.checkout.attempts.enter(&reference);
        let _attempt = Attempt {
            engine: self,
            reference: reference.clone(),
        };
        let payment = match self.pay(&validated, totals.total, &reference) {
            Ok(payment) => payment,
            Err(error) => {
                self.unpin_holds(pinned);
                if let Error::Payment(failure) = &error {
                    self.record_payment_failure(&validated, totals.total, failure);
                }
                return Err(error);
            }
        };
        // W2 from here until the commit: the money is taken, no order exists yet.
        if self.inner.checkout.faults.fail_after_capture {
            // As a crash would: no commit, no compensation (reconciliation's job).
            return Err(CheckoutError::Interrupted.into());
        }
        // Step 5.
        let (prepared, body) =
            self.prepare_commit(validated, expected_version, totals, payment.clone(), key);
        match self.commit_checkout(prepared) {
            // W3 from here: the order is durable; the key (if any) replays it.
            Ok(id) => Ok(OrderRecord { id, body }.view()),
            Err(error) => {
                // Step 6.
                self.return_payment(&payment, &reference);
                self.unpin_holds(pinned);
                Err(error)
            }
        }
    }

    /// Starts a request under an idempotency key (for POSTs other than checkout,
    /// which commits its key with its order): replays the stored response for the
    /// same key and hash, refuses another hash or a key in flight, or hands back a
    /// guard to [`IdempotencyGuard::finish`] with the response.
    pub fn idempotency_begin(&self, key: &IdempotencyKey) -> Result<IdempotencyStart> {
        idempotency::begin(&self.inner.store, &self.inner.checkout.keys, "http", key)
    }

    /// Drops idempotency records older than `max_age_ms` (never less than 24 hours),
    /// in bounded steps; returns how many it dropped.
    pub fn sweep_idempotency_keys(&self, max_age_ms: u64) -> Result<usize> {
        let age = max_age_ms.max(IDEMPOTENCY_RETENTION_MS_MIN);
        let cutoff = Timestamp::from_millis(Timestamp::now().as_millis().saturating_sub(age));
        let mut cursor = None;
        let mut dropped = 0;
        loop {
            let (count, next) = idempotency::sweep(&self.inner.store, cutoff, cursor)?;
            dropped += count;
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(dropped),
            }
        }
    }
}

/// Counters of the commerce capabilities, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommerceStats {
    /// Holds returned to stock by the sweeper since open.
    pub holds_lapsed_total: u64,
    /// Units held by carts and checkouts right now.
    pub reserved_units: u64,
    /// The payment circuit breaker's state.
    pub payment_circuit: crate::payments::BreakerState,
}

impl Engine {
    /// Counters for metrics: lapsed holds, units held, the payment circuit.
    pub fn commerce_stats(&self) -> CommerceStats {
        CommerceStats {
            holds_lapsed_total: self
                .inner
                .hold_sweeper
                .lapsed_total
                .load(std::sync::atomic::Ordering::Relaxed),
            reserved_units: self.inner.inventory.reserved_total(),
            payment_circuit: self.inner.payments.breaker_state(),
        }
    }
}

/// The hash stored with a checkout key: the body's hash bound to the cart.
fn scoped_hash(cart: CartId, request_hash: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(cart.raw().to_be_bytes());
    hasher.update(request_hash);
    hasher.finalize().into()
}
