use serde::{Deserialize, Serialize};

use super::{Category, Product, Timestamp};

/// A domain event: a fact about a committed change, written in the same transaction as
/// the change itself (the outbox).
///
/// The stored encoding names variants by position, so variants are only ever appended,
/// never reordered or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Events are built once per write and go straight to storage, so the size of the
// largest variant (a whole product) costs nothing worth a box on every product event.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// A category was created.
    CategoryCreated(Category),
    /// A product was created.
    ProductCreated(Product),
    /// A product changed (any field, status included).
    ProductUpdated {
        /// The state before the change.
        before: Product,
        /// The state after it.
        after: Product,
    },
    /// An account was created (by registration or the admin bootstrap).
    UserRegistered {
        /// The new account.
        user_id: super::UserId,
    },
    /// An account signed in (a session was opened).
    UserLoggedIn {
        /// The account.
        user_id: super::UserId,
    },
    /// A checkout committed an order (its stock, payment and voucher use with it).
    OrderPlaced(super::OrderPlaced),
    /// An order moved on (paid, shipped, delivered, cancelled, refunded).
    OrderChanged(super::OrderChanged),
    /// A checkout's payment failed; the cart stays open.
    PaymentFailed(super::PaymentFailed),
    /// An admin adjusted a product's stock.
    StockAdjusted(super::StockAdjustment),
    /// A product's stock fell to or below its low-stock threshold.
    LowStock(super::LowStock),
    /// A customer reviewed a product.
    ReviewPosted {
        /// The new review.
        review_id: super::ReviewId,
        /// The product reviewed.
        product_id: super::ProductId,
        /// Its author.
        user_id: super::UserId,
        /// 1 to 5.
        rating: u8,
        /// Whether the author had a paid, shipped or delivered order of the product.
        verified_purchase: bool,
    },
    // New variants go last: records are stored by variant index.
    /// A product page was viewed (reported by the client).
    ProductViewed(super::ProductViewed),
    /// A search was run.
    SearchPerformed(super::SearchPerformed),
    /// Units were added to a cart (committed with the cart).
    CartItemAdded(super::CartActivity),
    /// Units were taken out of a cart (committed with the cart).
    CartItemRemoved(super::CartActivity),
    /// A cart's hold lapsed.
    HoldExpired(super::HoldExpired),
    /// A checkout began.
    CheckoutStarted(super::CheckoutStarted),
    /// Something a client reported (page view, click).
    Client(super::ClientEvent),
}

/// An event with its place in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Global sequence number: starts at 1, no gaps.
    pub seq: u64,
    /// Commit time.
    pub at: Timestamp,
    /// What happened.
    pub event: Event,
}
