//! The carts and vouchers part of the engine's public API.
//!
//! Every cart mutation follows one shape: take the cart's key lock, read it from a
//! snapshot, check `expected_version` (412) and that it is open (409), validate the
//! input, compute the new record and its totals on this thread, move the hold if it
//! grows, write durably (the job re-checks the stored cart), then shrink or release
//! holds. `caller` is the signed-in user, if any: another user's cart is 404.

use super::voucher::{self, validate_code};
use super::{
    CART_LINES_MAX, Cart, CartError, CartLine, CartRecord, CartStatus, NewVoucher, QUANTITY_MAX,
    Voucher, VoucherUsage, check_open, check_version, load, totals, write_cart,
};
use crate::inventory::{Hold, InventoryError};
use crate::model::{
    CartId, Currency, ProductStatus, Timestamp, UserId, ValidationError, validate_sku,
};
use crate::store::Counter;
use crate::store::codec::encode;
use crate::{Engine, Error, Result};

/// A change to one line's hold that goes with a cart write.
enum HoldChange {
    /// Set the hold to `quantity` before the write; restore `previous` if it fails.
    Grow {
        product: u64,
        quantity: u64,
        previous: Option<Hold>,
    },
    /// Set the hold to `quantity` (0 releases) after the write.
    Shrink { product: u64, quantity: u64 },
    /// Nothing to hold.
    None,
}

impl Engine {
    /// Creates an empty cart, owned by `user_id` when given.
    pub fn create_cart(&self, user_id: Option<UserId>) -> Result<Cart> {
        let record = self.inner.store.write(
            move |tx| {
                let record = CartRecord {
                    id: CartId::from_raw(tx.next_id(Counter::Cart)),
                    user_id,
                    version: 1,
                    status: CartStatus::Open,
                    lines: Vec::new(),
                    voucher: None,
                    currency: None,
                    created_at: tx.now,
                    updated_at: tx.now,
                    order_id: None,
                };
                tx.carts()?
                    .insert(record.id.raw(), encode(&record).as_slice())?;
                Ok(record)
            },
            |_| {},
        )?;
        Ok(self.cart_view(&record))
    }

    /// Cart `id` with its live holds and totals.
    pub fn cart(&self, id: CartId, caller: Option<UserId>) -> Result<Cart> {
        let (_, record) = load(&self.inner.store, id, caller)?;
        Ok(self.cart_view(&record))
    }

    /// Adds `quantity` units of `sku` (a SKU already in the cart adds to its line) and
    /// holds them for the cart.
    pub fn add_cart_item(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
        sku: &str,
        quantity: u64,
    ) -> Result<Cart> {
        self.change_line(id, caller, expected_version, sku, quantity, true)
    }

    /// Sets the quantity of `sku`'s line (1 or more; remove the line to drop it).
    pub fn set_cart_item_quantity(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
        sku: &str,
        quantity: u64,
    ) -> Result<Cart> {
        self.change_line(id, caller, expected_version, sku, quantity, false)
    }

    /// Removes `sku`'s line and releases its hold.
    pub fn remove_cart_item(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
        sku: &str,
    ) -> Result<Cart> {
        let carts = &self.inner.carts;
        let _guard = carts.lock(id)?;
        let (before, record) = load(&self.inner.store, id, caller)?;
        check_version(&record, expected_version)?;
        check_open(&record)?;
        let Some(line) = record.line(sku) else {
            return Err(CartError::LineNotFound {
                sku: sku.to_string(),
            }
            .into());
        };
        let product = line.product_id.raw();
        let activity = cart_activity(&record, product, line.quantity, 0);
        let mut after = record.next(Timestamp::now());
        after.lines.retain(|line| line.sku != sku);
        if after.lines.is_empty() {
            after.currency = None;
        }
        self.commit_cart(
            before,
            &after,
            expected_version,
            HoldChange::Shrink {
                product,
                quantity: 0,
            },
            activity,
        )
    }

    /// Applies voucher `code` (any case) to the cart: it must exist, be valid now, and
    /// the cart's subtotal must reach its minimum. Its use limits are checked at
    /// checkout, where the use is counted.
    pub fn apply_voucher(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
        code: &str,
    ) -> Result<Cart> {
        let _guard = self.inner.carts.lock(id)?;
        let (before, record) = load(&self.inner.store, id, caller)?;
        check_version(&record, expected_version)?;
        check_open(&record)?;
        validate_code("code", code)?;
        let voucher =
            self.inner
                .carts
                .vouchers
                .get(code)
                .ok_or_else(|| super::VoucherError::NotFound {
                    code: code.to_string(),
                })?;
        let now = Timestamp::now();
        let currency = record.currency.unwrap_or(Currency::USD);
        let lines = record
            .lines
            .iter()
            .map(|line| (line.unit_price, line.quantity));
        let plain = totals(lines, currency, None, self.inner.carts.pricing)?;
        voucher.check_applies(now, plain.subtotal.amount)?;
        let mut after = record.next(now);
        after.voucher = Some(voucher.code.clone());
        self.commit_cart(before, &after, expected_version, HoldChange::None, None)
    }

    /// Takes the voucher off the cart (nothing changes when there is none).
    pub fn remove_voucher(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
    ) -> Result<Cart> {
        let _guard = self.inner.carts.lock(id)?;
        let (before, record) = load(&self.inner.store, id, caller)?;
        check_version(&record, expected_version)?;
        check_open(&record)?;
        if record.voucher.is_none() {
            return Ok(self.cart_view(&record));
        }
        let mut after = record.next(Timestamp::now());
        after.voucher = None;
        self.commit_cart(before, &after, expected_version, HoldChange::None, None)
    }

    /// Creates a voucher (admin); a code taken in any case is
    /// [`super::VoucherError::DuplicateCode`].
    pub fn create_voucher(&self, new: NewVoucher) -> Result<Voucher> {
        voucher::create(&self.inner.store, &self.inner.carts.vouchers, new)
    }

    /// Every voucher with its committed uses, newest first (at most
    /// [`super::VOUCHERS_MAX`]).
    pub fn vouchers(&self) -> Result<Vec<VoucherUsage>> {
        let txn = self.inner.store.read()?;
        self.inner
            .carts
            .vouchers
            .all()
            .into_iter()
            .map(|voucher| {
                let uses = super::voucher_uses_in(&txn, voucher.id, 0)?;
                Ok(VoucherUsage {
                    voucher: (*voucher).clone(),
                    uses,
                })
            })
            .collect()
    }

    fn cart_view(&self, record: &CartRecord) -> Cart {
        self.inner
            .carts
            .view(&self.inner.inventory, record, Timestamp::now())
    }

    /// Adds to (`add`) or sets a line's quantity, moving its hold.
    fn change_line(
        &self,
        id: CartId,
        caller: Option<UserId>,
        expected_version: Option<u64>,
        sku: &str,
        quantity: u64,
        add: bool,
    ) -> Result<Cart> {
        let _guard = self.inner.carts.lock(id)?;
        let (before, record) = load(&self.inner.store, id, caller)?;
        check_version(&record, expected_version)?;
        check_open(&record)?;
        validate_sku(sku)?;
        if !(1..=QUANTITY_MAX).contains(&quantity) {
            let rule =
                format!("`quantity` must be from 1 to {QUANTITY_MAX} (remove the line to drop it)");
            return Err(ValidationError::new("quantity", "out_of_range", rule).into());
        }
        let existing = record.line(sku).map(|line| line.quantity);
        if !add && existing.is_none() {
            return Err(CartError::LineNotFound {
                sku: sku.to_string(),
            }
            .into());
        }
        let new_quantity = match (add, existing) {
            (true, Some(held)) => held
                .checked_add(quantity)
                .filter(|&q| q <= QUANTITY_MAX)
                .ok_or_else(|| {
                    let rule = format!("the line's quantity would exceed {QUANTITY_MAX}");
                    Error::from(ValidationError::new("quantity", "out_of_range", rule))
                })?,
            _ => quantity,
        };
        let after = self.with_line(&record, sku, new_quantity)?;
        let product = after.line(sku).map_or(0, |line| line.product_id.raw());
        let activity = cart_activity(&after, product, existing.unwrap_or(0), new_quantity);
        let change = if new_quantity >= existing.unwrap_or(0) {
            let previous = self.inner.inventory.hold(id.raw(), product);
            HoldChange::Grow {
                product,
                quantity: new_quantity,
                previous,
            }
        } else {
            HoldChange::Shrink {
                product,
                quantity: new_quantity,
            }
        };
        self.commit_cart(before, &after, expected_version, change, activity)
    }

    /// `record` with `sku`'s line at `quantity`, at the product's current price and
    /// name; checks the product, the currency, the line count and the totals.
    fn with_line(&self, record: &CartRecord, sku: &str, quantity: u64) -> Result<CartRecord> {
        let not_found = || {
            Error::Cart(CartError::SkuNotFound {
                sku: sku.to_string(),
            })
        };
        let product = self
            .product_by_sku(sku)?
            .filter(|p| p.status == ProductStatus::Active)
            .ok_or_else(not_found)?;
        let currency = product.price.currency;
        if let Some(cart_currency) = record.currency.filter(|&c| c != currency) {
            return Err(CartError::CurrencyMismatch {
                sku: sku.to_string(),
                currency,
                cart_currency,
            }
            .into());
        }
        let mut after = record.next(Timestamp::now());
        after.currency = Some(currency);
        let line = CartLine {
            product_id: product.id,
            sku: product.sku.clone(),
            name: product.name.clone(),
            quantity,
            unit_price: product.price,
        };
        let lines_before = after.lines.len();
        match after.lines.iter_mut().find(|line| line.sku == sku) {
            Some(slot) => *slot = line,
            None if lines_before >= CART_LINES_MAX => {
                return Err(CartError::TooManyLines {
                    max: CART_LINES_MAX,
                }
                .into());
            }
            None => after.lines.push(line),
        }
        let lines = after
            .lines
            .iter()
            .map(|line| (line.unit_price, line.quantity));
        totals(lines, currency, None, self.inner.carts.pricing)?;
        Ok(after)
    }

    /// Writes `after` with its hold change around it (see the module docs for the order).
    fn commit_cart(
        &self,
        before: Vec<u8>,
        after: &CartRecord,
        expected_version: Option<u64>,
        change: HoldChange,
        activity: Option<crate::model::Event>,
    ) -> Result<Cart> {
        let inventory = &self.inner.inventory;
        let holder = after.id.raw();
        let expires_ms = Timestamp::now()
            .plus_millis(self.inner.carts.hold_ttl_ms)
            .as_millis();
        if let HoldChange::Grow {
            product, quantity, ..
        } = change
        {
            inventory
                .reserve(holder, &[(product, quantity)], expires_ms)
                .map_err(|error| self.name_sku(error))?;
        }
        if let Err(error) = write_cart(&self.inner.store, before, after, expected_version, activity)
        {
            if let HoldChange::Grow {
                product, previous, ..
            } = change
            {
                restore_hold(inventory, holder, product, previous);
            }
            return Err(error);
        }
        if let HoldChange::Shrink { product, quantity } = change {
            // Shrinking only gives units back, so it fails only if the hold had lapsed
            // and the stock went elsewhere; the line then shows as not held.
            if let Err(error) = inventory.reserve(holder, &[(product, quantity)], expires_ms) {
                tracing::debug!(%error, cart = holder, product, "hold not renewed on shrink");
            }
        }
        Ok(self.cart_view(after))
    }

    /// Fills in the SKU of an inventory error from the catalog.
    pub(crate) fn name_sku(&self, error: InventoryError) -> Error {
        match error {
            InventoryError::Insufficient {
                product,
                requested,
                available,
                ..
            } => {
                let sku = self
                    .product(product)
                    .ok()
                    .flatten()
                    .map_or_else(|| product.to_string(), |p| p.sku.clone());
                InventoryError::Insufficient {
                    product,
                    sku,
                    requested,
                    available,
                }
                .into()
            }
            other => other.into(),
        }
    }
}

/// Puts a hold back as it was before a failed write.
fn restore_hold(
    inventory: &crate::inventory::Inventory,
    holder: u64,
    product: u64,
    previous: Option<Hold>,
) {
    let restored = match previous {
        Some(hold) => inventory.reserve(holder, &[(product, hold.quantity)], hold.expires_ms),
        None => {
            inventory.release(holder, &[product]);
            Ok(())
        }
    };
    if let Err(error) = restored {
        tracing::warn!(%error, cart = holder, product, "hold could not be restored after a failed write");
    }
}

/// The event of a line going from `before` to `after` units of `product`, if it moved.
fn cart_activity(
    cart: &CartRecord,
    product: u64,
    before: u64,
    after: u64,
) -> Option<crate::model::Event> {
    use crate::model::{CartActivity, Event, ProductId};
    let activity = |quantity| CartActivity {
        cart_id: cart.id,
        user_id: cart.user_id,
        product_id: ProductId::from_raw(product),
        quantity,
    };
    match after.cmp(&before) {
        std::cmp::Ordering::Greater => Some(Event::CartItemAdded(activity(after - before))),
        std::cmp::Ordering::Less => Some(Event::CartItemRemoved(activity(before - after))),
        std::cmp::Ordering::Equal => None,
    }
}
