//! Carts: lines with versions, their stock holds, pricing and totals, and vouchers.
//!
//! The store holds each cart (table `carts`); carts survive a restart, their holds do
//! not (holds are memory-only, in [`crate::inventory`]), so after a restart a line shows
//! `held: false` until checkout re-reserves it.
//!
//! Invariants:
//! - every change bumps `version`; a change that names an `expected_version` that no
//!   longer matches is refused before anything else about it is looked at (412);
//! - at most [`CART_LINES_MAX`] lines, one per product, all in one currency;
//! - a line's hold is set to the line's quantity BEFORE the durable write that grows
//!   it (so a cart never shows a quantity it could not hold), and put back as it was if
//!   that write fails; a hold shrinks or is released only AFTER the durable write;
//! - one operation at a time per cart (an in-memory key lock): a cart's mutations and
//!   its checkout never interleave, so the holds of a cart change only under its lock
//!   (or by expiry, which a checkout prevents by pinning).

mod api;
mod locks;
mod pricing;
mod record;
mod voucher;

use std::sync::Arc;
use std::time::Duration;

use redb::ReadableTable;

pub(crate) use locks::{KeyGuard, KeyedLocks};
pub(crate) use pricing::totals;
pub use pricing::{BASIS_POINTS_MAX, PricingConfig};
pub use record::{Cart, CartItem, CartStatus};
pub(crate) use record::{CartLine, CartRecord, read_cart};
pub use voucher::{
    NewVoucher, VOUCHER_AMOUNT_MAX, VOUCHER_CODE_CHARS_MAX, VOUCHERS_MAX, Voucher, VoucherError,
    VoucherKind, VoucherUsage,
};
pub(crate) use voucher::{
    VoucherCache, check_use as check_voucher_use, uses_in as voucher_uses_in,
};

use crate::inventory::Inventory;
use crate::model::{CartId, Currency, Money, STOCK_MAX, Timestamp, Totals, UserId};
use crate::store::codec::encode;
use crate::store::{Store, decode_from};
use crate::{Error, Result};

/// Most lines in one cart.
pub const CART_LINES_MAX: usize = 100;
const _: () = assert!(CART_LINES_MAX <= crate::inventory::HOLD_LINES_MAX);
/// Largest quantity of one line (API.md: quantities go up to 10^12).
pub const QUANTITY_MAX: u64 = STOCK_MAX;
/// How long an added item stays held by default: 15 minutes.
pub const HOLD_TTL_MS_DEFAULT: u64 = 15 * 60 * 1000;
/// Longest wait for another operation on the same cart (a checkout in progress).
pub const CART_LOCK_WAIT_MS_MAX: u64 = 10_000;

/// A cart rule refused the operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CartError {
    /// No cart has this id, or it belongs to someone else (HTTP 404, `cart_not_found`).
    #[error("no cart `{id}`")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// `If-Match` named another version (HTTP 412, `version_mismatch`).
    #[error("cart is at version {current}, not {expected}")]
    VersionMismatch {
        /// The version the caller named.
        expected: u64,
        /// The version stored.
        current: u64,
    },
    /// The cart was checked out and can no longer change (HTTP 409, `cart_closed`).
    #[error("cart `{id}` is checked out")]
    Closed {
        /// The cart.
        id: String,
    },
    /// Another operation on this cart took too long to finish (HTTP 409, `cart_busy`).
    #[error("another operation on this cart is in progress")]
    Busy,
    /// No product has this SKU, or it is not for sale (HTTP 404, `sku_not_found`).
    #[error("no product with SKU `{sku}`")]
    SkuNotFound {
        /// The SKU.
        sku: String,
    },
    /// The cart has no line with this SKU (HTTP 404, `line_not_found`).
    #[error("the cart has no line with SKU `{sku}`")]
    LineNotFound {
        /// The SKU.
        sku: String,
    },
    /// The cart already has [`CART_LINES_MAX`] lines (HTTP 422, `too_many_lines`).
    #[error("a cart may have at most {max} lines")]
    TooManyLines {
        /// The limit.
        max: usize,
    },
    /// The product is priced in another currency than the cart (HTTP 422,
    /// `currency_mismatch`, param `sku`).
    #[error("SKU `{sku}` is priced in {currency}, the cart is in {cart_currency}")]
    CurrencyMismatch {
        /// The SKU added.
        sku: String,
        /// Its currency.
        currency: Currency,
        /// The cart's.
        cart_currency: Currency,
    },
    /// Checkout of a cart without lines (HTTP 422, `cart_empty`).
    #[error("the cart is empty")]
    Empty,
    /// A line's product is no longer for sale (HTTP 409, `product_unavailable`).
    #[error("SKU `{sku}` is no longer for sale")]
    ProductUnavailable {
        /// The SKU.
        sku: String,
    },
    /// The cart changed underneath the operation (HTTP 409, `cart_changed`): retry.
    #[error("the cart changed during the operation; retry")]
    Changed,
    /// A voucher rule refused the operation.
    #[error(transparent)]
    Voucher(#[from] VoucherError),
}

impl CartError {
    /// A stable machine word for the API error object's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            CartError::NotFound { .. } => "cart_not_found",
            CartError::VersionMismatch { .. } => "version_mismatch",
            CartError::Closed { .. } => "cart_closed",
            CartError::Busy => "cart_busy",
            CartError::SkuNotFound { .. } => "sku_not_found",
            CartError::LineNotFound { .. } => "line_not_found",
            CartError::TooManyLines { .. } => "too_many_lines",
            CartError::CurrencyMismatch { .. } => "currency_mismatch",
            CartError::Empty => "cart_empty",
            CartError::ProductUnavailable { .. } => "product_unavailable",
            CartError::Changed => "cart_changed",
            CartError::Voucher(error) => error.code(),
        }
    }
}

impl From<VoucherError> for Error {
    fn from(error: VoucherError) -> Self {
        Error::Cart(CartError::Voucher(error))
    }
}

/// The carts capability's in-memory state.
#[derive(Debug)]
pub(crate) struct Carts {
    pub(crate) locks: KeyedLocks,
    pub(crate) vouchers: Arc<VoucherCache>,
    pub(crate) hold_ttl_ms: u64,
    pub(crate) pricing: PricingConfig,
}

impl Carts {
    /// Loads the voucher cache.
    pub(crate) fn load(store: &Store, hold_ttl_ms: u64, pricing: PricingConfig) -> Result<Carts> {
        Ok(Carts {
            locks: KeyedLocks::default(),
            vouchers: Arc::new(VoucherCache::load(store)?),
            hold_ttl_ms,
            pricing,
        })
    }

    /// Takes cart `id` for one operation.
    pub(crate) fn lock(&self, id: CartId) -> Result<KeyGuard<'_>> {
        self.locks
            .lock(id.raw(), Duration::from_millis(CART_LOCK_WAIT_MS_MAX))
            .ok_or(Error::Cart(CartError::Busy))
    }

    /// The totals of `record` now: the voucher's discount counts only while it applies.
    pub(crate) fn totals_of(&self, record: &CartRecord, now: Timestamp) -> Totals {
        let currency = record.currency.unwrap_or(Currency::USD);
        let lines = || {
            record
                .lines
                .iter()
                .map(|line| (line.unit_price, line.quantity))
        };
        let plain = totals(lines(), currency, None, self.pricing);
        let voucher = record
            .voucher
            .as_deref()
            .and_then(|code| self.vouchers.get(code));
        let with_voucher = match (&plain, voucher) {
            (Ok(plain), Some(voucher))
                if voucher.check_applies(now, plain.subtotal.amount).is_ok() =>
            {
                totals(lines(), currency, Some(&voucher), self.pricing)
            }
            _ => plain,
        };
        // Every change is priced before it is written, so a stored cart always adds up.
        with_voucher.unwrap_or_else(|_| Totals::zero(Money::zero(currency)))
    }

    /// The API view of `record`, with each line's live hold.
    pub(crate) fn view(&self, inventory: &Inventory, record: &CartRecord, now: Timestamp) -> Cart {
        let items = record
            .lines
            .iter()
            .map(|line| {
                let hold = inventory
                    .hold(record.id.raw(), line.product_id.raw())
                    .filter(|hold| {
                        hold.quantity >= line.quantity && hold.expires_ms > now.as_millis()
                    });
                CartItem {
                    sku: line.sku.clone(),
                    product_id: line.product_id,
                    name: line.name.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    line_total: Money::new(
                        line.unit_price.amount.saturating_mul(line.quantity),
                        line.unit_price.currency,
                    ),
                    held: hold.is_some(),
                    reserved_until: hold.map(|hold| Timestamp::from_millis(hold.expires_ms)),
                }
            })
            .collect();
        Cart {
            id: record.id,
            user_id: record.user_id,
            version: record.version,
            status: record.status,
            items,
            voucher: record.voucher.clone(),
            totals: self.totals_of(record, now),
            created_at: record.created_at,
            updated_at: record.updated_at,
            order_id: record.order_id,
        }
    }
}

/// Reads cart `id` as `caller` may see it: another user's cart is "not found".
pub(crate) fn load(
    store: &Store,
    id: CartId,
    caller: Option<UserId>,
) -> Result<(Vec<u8>, CartRecord)> {
    let txn = store.read()?;
    match read_cart(&txn, id)? {
        Some((bytes, record)) if record.user_id.is_none() || record.user_id == caller => {
            Ok((bytes, record))
        }
        _ => Err(CartError::NotFound { id: id.to_string() }.into()),
    }
}

/// 412 unless `expected` is absent or the stored version.
pub(crate) fn check_version(record: &CartRecord, expected: Option<u64>) -> Result<()> {
    match expected {
        Some(expected) if expected != record.version => Err(CartError::VersionMismatch {
            expected,
            current: record.version,
        }
        .into()),
        _ => Ok(()),
    }
}

/// 409 unless the cart is open.
pub(crate) fn check_open(record: &CartRecord) -> Result<()> {
    match record.status {
        CartStatus::Open => Ok(()),
        CartStatus::CheckedOut => Err(CartError::Closed {
            id: record.id.to_string(),
        }
        .into()),
    }
}

/// Writes `after` in place of the cart whose stored bytes were `before`. Inside the
/// job, the stored cart must still be exactly `before` (the version is checked against
/// the stored one); the new bytes are encoded here, on the caller's thread.
pub(crate) fn write_cart(
    store: &Store,
    before: Vec<u8>,
    after: &CartRecord,
    expected_version: Option<u64>,
    activity: Option<crate::model::Event>,
) -> Result<()> {
    let id = after.id.raw();
    let bytes = encode(after);
    store.write(
        move |tx| {
            let carts = tx.carts()?;
            let unchanged = carts.get(id)?.map(|stored| {
                if stored.value() == before.as_slice() {
                    return Ok(());
                }
                let stored: CartRecord = decode_from("carts", stored.value())?;
                check_version(&stored, expected_version)?;
                check_open(&stored)?;
                Err(Error::Cart(CartError::Changed))
            });
            unchanged.unwrap_or(Err(Error::Cart(CartError::NotFound {
                id: CartId::from_raw(id).to_string(),
            })))?;
            carts.insert(id, bytes.as_slice())?;
            if let Some(event) = activity {
                tx.emit(event)?;
            }
            Ok(())
        },
        |_| {},
    )
}
