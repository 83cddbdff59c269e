//! The checkout saga: a cart becomes an order, with its stock, payment and voucher use,
//! all or nothing.
//!
//! Steps (named in `saga.rs` and `commit.rs`):
//! 1. **validate** the cart (open, not empty, version), the address and the payment input;
//! 2. **extend holds**: hold every line again (re-reserving lapsed ones, or failing with
//!    409 `insufficient_stock`) and pin the holds so no sweep takes them mid-checkout;
//! 3. **price**: subtotal, voucher discount, shipping, tax, total (checked arithmetic);
//! 4. **pay**: authorize and capture (card, wallet); nothing for cod and bank transfer;
//! 5. **commit** one committer job that re-checks the cart (still open, same version),
//!    the voucher's limits and the idempotency key inside the transaction, then writes
//!    the order (payment and transaction history embedded), its log entries, the stock
//!    sale, the voucher use, the closed cart, the idempotency record, the buyer's order
//!    index and one `OrderPlaced` event; after the commit, the holds become the sale;
//! 6. **compensate** on any failure after step 2: void or refund the payment, restore
//!    the holds' previous expiry (the cart stays open with its holds), record the failed
//!    payment, return the typed error.
//!
//! Crash windows (a crash is a process death; memory is gone, the store is not):
//! - **W1** after the holds are extended, before payment: holds are memory-only, so
//!   they are simply gone after a restart; nothing was charged, nothing committed.
//! - **W2** after capture, before the commit: money was taken without an order. Every
//!   payment is made under a reference naming the cart and the attempt; on open the
//!   engine asks the provider for recent payments ([`crate::Engine::reconcile_payments`])
//!   and refunds (or voids) each one whose checkout has no committed order. The same
//!   sweep catches a compensation whose refund failed.
//! - **W3** after the commit, before the reply: the order is durable; a retry with the
//!   same idempotency key gets it back (`replayed`), and the cart is closed, so a retry
//!   without a key is a 409 `cart_closed`, never a second order.
//!
//! Throughput: everything but the job runs on the caller's thread (validation, pricing,
//! payment, and the encoding of every record), and the job does a handful of point
//! reads and inserts of pre-encoded bytes, so group commit packs thousands of checkouts
//! into one fsync.

mod api;
mod commit;
mod idempotency;
mod reconcile;
mod saga;

use std::sync::Arc;

pub use api::CommerceStats;
pub use idempotency::{
    IDEMPOTENCY_KEY_CHARS_MAX, IDEMPOTENCY_RETENTION_MS_MIN, IDEMPOTENCY_SWEEP_MAX,
    IDEMPOTENT_BODY_BYTES_MAX, IdempotencyGuard, IdempotencyKey, IdempotencyStart, StoredResponse,
    request_hash,
};
pub use reconcile::{RECONCILE_PAYMENTS_MAX, RECONCILE_WINDOW_MS, ReconcileReport};

use crate::model::{AddressId, Order, PaymentMethod};
use crate::users::NewAddress;
use idempotency::InFlight;

/// Where the order goes: an address given inline, or one of the buyer's saved ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressInput {
    /// `{name, line1, line2?, city, region?, postal_code, country}`; errors name
    /// `shipping_address.<field>`.
    Inline(NewAddress),
    /// A saved address (`adr_…`) of the cart's owner.
    Saved(AddressId),
}

/// How the shopper pays.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentInput {
    /// Card, wallet, bank transfer or cash on delivery.
    pub method: PaymentMethod,
    /// Required for cards: 12–19 digits, Luhn-valid.
    pub card_number: Option<String>,
}

impl std::fmt::Debug for PaymentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never log a card number.
        f.debug_struct("PaymentInput")
            .field("method", &self.method)
            .field("card_number", &self.card_number.as_ref().map(|_| "…"))
            .finish()
    }
}

/// The body of `POST /v1/carts/{id}/checkout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// How to pay.
    pub payment: PaymentInput,
    /// Where to ship.
    pub shipping_address: AddressInput,
    /// `If-Match`: the cart version the shopper saw.
    pub expected_version: Option<u64>,
}

/// A successful checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutOutcome {
    /// The order.
    pub order: Order,
    /// True when this is the first response of an earlier request with the same
    /// idempotency key (`Idempotent-Replayed: true`).
    pub replayed: bool,
}

/// Faults to inject, for crash tests only. The default injects nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// After capturing the payment, stop as a crash would: no commit, no compensation
    /// (crash window W2). The checkout returns [`CheckoutError::Interrupted`].
    pub fail_after_capture: bool,
}

/// A checkout rule refused the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckoutError {
    /// The idempotency key was used with another request body (HTTP 409,
    /// `idempotency_conflict`).
    #[error("this idempotency key was used with a different request")]
    IdempotencyConflict,
    /// The first request with this idempotency key is still running (HTTP 409,
    /// `idempotency_in_flight`).
    #[error("a request with this idempotency key is still in progress")]
    IdempotencyInFlight,
    /// An injected fault stopped the checkout as a crash would (tests only; HTTP 500).
    #[error("checkout interrupted by an injected fault")]
    Interrupted,
}

impl CheckoutError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            CheckoutError::IdempotencyConflict => "idempotency_conflict",
            CheckoutError::IdempotencyInFlight => "idempotency_in_flight",
            CheckoutError::Interrupted => "internal",
        }
    }
}

/// The checkout capability's in-memory state.
#[derive(Debug, Default)]
pub(crate) struct Checkouts {
    /// Idempotency keys whose first request is running.
    pub(crate) keys: Arc<InFlight>,
    /// Payment references of checkouts between authorization and their end, which
    /// reconciliation must leave alone.
    pub(crate) attempts: InFlight,
    pub(crate) faults: Faults,
}

impl Checkouts {
    pub(crate) fn new(faults: Faults) -> Checkouts {
        Checkouts {
            faults,
            ..Checkouts::default()
        }
    }
}
