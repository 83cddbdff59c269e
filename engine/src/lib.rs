//! Emporium: a commerce engine in one process.
//!
//! Catalog, search, inventory, carts, checkout, orders and their events live in one
//! embedded engine over one redb store. Every hot path is a function call and a lock,
//! not a network hop; durability comes from one writer thread that group-commits every
//! concurrent write into one fsync (acknowledged means on disk).
//!
//! ```
//! use emporium::{Engine, NewProduct, CategoryRef, Money, Currency, ProductQuery};
//!
//! # fn main() -> emporium::Result<()> {
//! let engine = Engine::open_in_memory()?;
//! let product = engine.create_product(NewProduct {
//!     sku: "HP-100".into(),
//!     name: "Studio Headphones Pro".into(),
//!     description: "Closed-back monitoring headphones.".into(),
//!     brand: Some("Acme Audio".into()),
//!     category: CategoryRef::Path("Electronics/Audio".into()),
//!     price: Money::new(19_900, Currency::USD),
//!     attributes: Default::default(),
//!     images: Vec::new(),
//!     stock: 25,
//!     status: Default::default(),
//! })?;
//! assert_eq!(engine.product(product.id)?.map(|p| p.sku.clone()), Some("HP-100".into()));
//! let page = engine.list_products(&ProductQuery { limit: 10, ..Default::default() })?;
//! assert_eq!(page.products.len(), 1);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod analytics;
mod breaker;
mod cart;
mod catalog;
mod checkout;
mod engine;
mod error;
pub mod events;
pub mod fuzzing;
mod inventory;
pub mod model;
pub mod notifications;
mod orders;
mod payments;
mod reviews;
pub mod search;
pub mod store;
mod users;

pub use cart::{
    BASIS_POINTS_MAX, CART_LINES_MAX, CART_LOCK_WAIT_MS_MAX, Cart, CartError, CartItem, CartStatus,
    HOLD_TTL_MS_DEFAULT, NewVoucher, PricingConfig, QUANTITY_MAX, VOUCHER_AMOUNT_MAX,
    VOUCHER_CODE_CHARS_MAX, VOUCHERS_MAX, Voucher, VoucherError, VoucherKind, VoucherUsage,
};
pub use catalog::{
    CatalogError, CategoryView, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, ProductPage, ProductQuery,
    ProductSort,
};
pub use checkout::{
    AddressInput, CheckoutError, CheckoutOutcome, CheckoutRequest, CommerceStats, Faults,
    IDEMPOTENCY_KEY_CHARS_MAX, IDEMPOTENCY_RETENTION_MS_MIN, IDEMPOTENCY_SWEEP_MAX,
    IDEMPOTENT_BODY_BYTES_MAX, IdempotencyGuard, IdempotencyKey, IdempotencyStart, PaymentInput,
    RECONCILE_PAYMENTS_MAX, RECONCILE_WINDOW_MS, ReconcileReport, StoredResponse, request_hash,
};
pub use engine::{Config, Engine, ImportRejection, ImportReport};
pub use error::{Error, Result};
pub use inventory::{
    ADJUSTMENT_LOCK_WAIT_MS_MAX, ADJUSTMENT_REASON_CHARS_MAX, HOLD_LINES_MAX,
    HOLD_SWEEP_INTERVAL_MS_DEFAULT, HOLD_SWEEP_STEP_MAX, HOLD_SWEEP_STEPS_MAX, Hold,
    InventoryError, LEDGER_PAGE_LIMIT_MAX, LOW_STOCK_THRESHOLD_DEFAULT, LedgerPage, Reservation,
    STRIPES, StockLevel,
};
pub use model::{
    Actor, CartId, LowStock, Order, OrderChanged, OrderEvent, OrderEventData, OrderEventKind,
    OrderId, OrderLine, OrderPlaced, OrderStatus, Payment, PaymentFailed, PaymentId, PaymentMethod,
    PaymentStatus, PaymentTransaction, PlacedLine, ShippingAddress, StockAdjustment, Totals,
    TransactionKind, TransactionOutcome, UserId, VoucherId,
};
pub use model::{
    Category, CategoryId, CategoryRef, Currency, Event, EventRecord, Money, NewProduct, Product,
    ProductId, ProductPatch, ProductStatus, Timestamp, ValidationError,
};
pub use orders::{
    ORDER_LOCK_WAIT_MS_MAX, ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX, OrderAction,
    OrderError, OrderEventPage, OrderPage, PAYMENT_TRANSACTIONS_MAX, next_status,
};
pub use payments::{
    Authorization, AuthorizeRequest, BreakerState, CARD_DIGITS_MAX, CARD_DIGITS_MIN, DeclineCode,
    PAYMENT_ATTEMPTS_MAX, PER_MILLION, PaymentError, PaymentProvider, PaymentsConfig,
    ProviderError, ProviderPayment, Settlement, TEST_CARD_DECLINED, TEST_CARD_INSUFFICIENT_FUNDS,
    TEST_CARD_SUCCESS, TEST_PROVIDER_PAYMENTS_MAX, TestProvider, TestProviderConfig,
    validate_card_number,
};
pub use reviews::{
    NewReview, RATING_MAX, RATING_MIN, REVIEW_BODY_CHARS_MAX, REVIEW_PAGE_LIMIT_DEFAULT,
    REVIEW_PAGE_LIMIT_MAX, REVIEW_TITLE_CHARS_MAX, RatingSummary, Review, ReviewError, ReviewPage,
    VERIFY_ORDERS_SCANNED_MAX,
};
pub use store::{BackupError, BackupManifest, BackupReport};
pub use store::{StoreError, StoreLocation};
pub use users::{
    ADDRESS_CITY_CHARS_MAX, ADDRESS_LINE_CHARS_MAX, ADDRESS_NAME_CHARS_MAX,
    ADDRESS_POSTAL_CODE_CHARS_MAX, ADDRESS_REGION_CHARS_MAX, ADDRESSES_PER_USER_MAX, Address,
    AddressPatch, Authenticated, COUNTRY_CODES, EMAIL_CHARS_MAX, EMAIL_CHARS_MIN, LOCALE_CHARS_MAX,
    LOCALE_CHARS_MIN, NewAddress, NewUser, PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN, PasswordParams,
    Preferences, PreferencesPatch, Principal, Role, SESSION_LIFETIME_MS_DEFAULT, SESSION_PURGE_MAX,
    SESSIONS_PER_USER_MAX, TOKEN_CHARS, TOKEN_PREFIX, Token, USER_NAME_CHARS_MAX, User, UserError,
    UserPatch, UsersConfig, normalize_email,
};

/// The README's embedded-use example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
