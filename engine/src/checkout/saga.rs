//! Steps 1–4 and 6 of the saga, all on the caller's thread (see the module docs of
//! `checkout` for the whole saga and its crash windows).

use std::sync::Arc;

use super::{AddressInput, CheckoutRequest};
use crate::cart::{self, CartError, CartRecord, Voucher};
use crate::inventory::Hold;
use crate::model::{
    CartId, Event, Money, PaymentFailed, PaymentMethod, PaymentStatus, PaymentTransaction,
    ProductStatus, ShippingAddress, Timestamp, Totals, TransactionKind, TransactionOutcome, UserId,
    ValidationError,
};
use crate::orders::PaymentRecord;
use crate::payments::{Authorization, AuthorizeRequest, PaymentError, validate_card_number};
use crate::users::UserError;
use crate::{Engine, Result};

/// Holds never expire while pinned by a checkout in flight.
pub(crate) const PINNED_EXPIRY_MS: u64 = u64::MAX;

/// A cart that passed step 1, with everything the later steps need.
pub(crate) struct Validated {
    pub(crate) cart_bytes: Vec<u8>,
    pub(crate) cart: CartRecord,
    pub(crate) address: ShippingAddress,
    pub(crate) method: PaymentMethod,
    pub(crate) card_number: Option<String>,
    pub(crate) voucher: Option<Arc<Voucher>>,
}

/// The holds a checkout pinned (step 2), with what they were before.
pub(crate) struct PinnedHolds {
    holder: u64,
    previous: Vec<(u64, Option<Hold>)>,
}

impl Engine {
    /// Step 1: the cart is the caller's, at the expected version, open and not empty;
    /// the address and the payment input are valid; every product is still for sale.
    pub(crate) fn validate_checkout(
        &self,
        id: CartId,
        caller: Option<UserId>,
        request: &CheckoutRequest,
    ) -> Result<Validated> {
        let (cart_bytes, cart) = cart::load(&self.inner.store, id, caller)?;
        cart::check_version(&cart, request.expected_version)?;
        cart::check_open(&cart)?;
        if cart.lines.is_empty() {
            return Err(CartError::Empty.into());
        }
        let address = self.shipping_address(&cart, &request.shipping_address)?;
        let payment = &request.payment;
        let card_number = match payment.method {
            PaymentMethod::Card => {
                let number = payment
                    .card_number
                    .as_deref()
                    .ok_or_else(|| ValidationError::required("payment.card_number"))?;
                validate_card_number(number)?;
                Some(number.to_string())
            }
            _ => None,
        };
        for line in &cart.lines {
            let active = self
                .inner
                .catalog
                .product(&self.inner.store, line.product_id)?;
            if !active.is_some_and(|product| product.status == ProductStatus::Active) {
                return Err(CartError::ProductUnavailable {
                    sku: line.sku.clone(),
                }
                .into());
            }
        }
        let voucher = match &cart.voucher {
            Some(code) => Some(
                self.inner
                    .carts
                    .vouchers
                    .get(code)
                    .ok_or_else(|| cart::VoucherError::NotFound { code: code.clone() })?,
            ),
            None => None,
        };
        Ok(Validated {
            cart_bytes,
            cart,
            address,
            method: payment.method,
            card_number,
            voucher,
        })
    }

    fn shipping_address(&self, cart: &CartRecord, input: &AddressInput) -> Result<ShippingAddress> {
        let address = match input {
            AddressInput::Inline(new) => {
                let new = new.clone().normalized().map_err(|mut error| {
                    error.field = format!("shipping_address.{}", error.field);
                    error
                })?;
                ShippingAddress {
                    name: new.name,
                    line1: new.line1,
                    line2: new.line2,
                    city: new.city,
                    region: new.region,
                    postal_code: new.postal_code,
                    country: new.country,
                }
            }
            AddressInput::Saved(id) => {
                let owner = cart
                    .user_id
                    .ok_or_else(|| UserError::AddressNotFound { id: id.to_string() })?;
                let saved = self.address(owner, *id)?;
                ShippingAddress {
                    name: saved.name,
                    line1: saved.line1,
                    line2: saved.line2,
                    city: saved.city,
                    region: saved.region,
                    postal_code: saved.postal_code,
                    country: saved.country,
                }
            }
        };
        Ok(address)
    }

    /// Step 2: hold every line again, all or nothing (re-reserving lapsed holds), and
    /// pin them so that no sweep takes them while the checkout runs.
    ///
    /// W1 starts here: from now until the commit, the holds are pinned in memory
    /// only; a crash drops them with everything else in memory, and nothing was sold.
    pub(crate) fn pin_holds(&self, cart: &CartRecord) -> Result<PinnedHolds> {
        let holder = cart.id.raw();
        let lines = cart.hold_lines();
        let inventory = &self.inner.inventory;
        let previous = lines
            .iter()
            .map(|&(product, _)| (product, inventory.hold(holder, product)))
            .collect();
        inventory
            .reserve(holder, &lines, PINNED_EXPIRY_MS)
            .map_err(|error| self.name_sku(error))?;
        Ok(PinnedHolds { holder, previous })
    }

    /// Step 6 (holds): unpin, giving each hold its expiry from before the checkout; a
    /// hold the checkout re-reserved (it had lapsed) gets a fresh hold time.
    pub(crate) fn unpin_holds(&self, pinned: &PinnedHolds) {
        let fresh = Timestamp::now()
            .plus_millis(self.inner.carts.hold_ttl_ms)
            .as_millis();
        for &(product, previous) in &pinned.previous {
            let expires_ms = previous.map_or(fresh, |hold| hold.expires_ms);
            self.inner
                .inventory
                .set_expiry(pinned.holder, &[product], expires_ms);
        }
    }

    /// Step 3: the totals, with the voucher if it applies now (a voucher that no longer
    /// applies is an error: the shopper saw its discount).
    pub(crate) fn price(&self, validated: &Validated) -> Result<Totals> {
        let cart = &validated.cart;
        let currency = cart.currency.unwrap_or(crate::model::Currency::USD);
        let lines = || {
            cart.lines
                .iter()
                .map(|line| (line.unit_price, line.quantity))
        };
        let pricing = self.inner.carts.pricing;
        if let Some(voucher) = &validated.voucher {
            let plain = cart::totals(lines(), currency, None, pricing)?;
            voucher.check_applies(Timestamp::now(), plain.subtotal.amount)?;
        }
        Ok(cart::totals(
            lines(),
            currency,
            validated.voucher.as_deref(),
            pricing,
        )?)
    }

    /// Step 4: authorize and capture for card and wallet; nothing for offline methods.
    /// On failure the payment is left as the failure found it (an authorization that
    /// was granted is voided here, since nothing later will use it).
    pub(crate) fn pay(
        &self,
        validated: &Validated,
        total: Money,
        reference: &str,
    ) -> Result<PaymentRecord> {
        let mut payment = PaymentRecord {
            method: validated.method,
            status: PaymentStatus::Pending,
            amount: total,
            refunded: Money::zero(total.currency),
            authorization: None,
            transactions: Vec::new(),
        };
        if !validated.method.captures_at_checkout() || total.amount == 0 {
            if validated.method.captures_at_checkout() {
                // Nothing to charge (a 100% voucher): paid as it is.
                payment.status = PaymentStatus::Captured;
            }
            return Ok(payment);
        }
        let request = AuthorizeRequest {
            idempotency_key: format!("{reference}:authorize"),
            reference: reference.to_string(),
            amount: total,
            method: validated.method,
            card_number: validated.card_number.clone(),
        };
        let authorization = self.inner.payments.authorize(&request)?;
        record(
            &mut payment,
            TransactionKind::Authorize,
            total,
            Some(authorization.id.clone()),
        );
        payment.status = PaymentStatus::Authorized;
        payment.authorization = Some(authorization.clone());
        match self
            .inner
            .payments
            .capture(&authorization, &format!("{reference}:capture"))
        {
            Ok(capture) => {
                record(
                    &mut payment,
                    TransactionKind::Capture,
                    capture.amount,
                    Some(capture.id),
                );
                payment.status = PaymentStatus::Captured;
                Ok(payment)
            }
            Err(error) => {
                self.void_quietly(&authorization, reference);
                Err(error.into())
            }
        }
    }

    /// Step 6 (money): gives back what step 4 took. A refund or void that fails is
    /// left to reconciliation (the payment's reference has no order, so the next
    /// [`Engine::reconcile_payments`] refunds it).
    pub(crate) fn return_payment(&self, payment: &PaymentRecord, reference: &str) {
        let Some(authorization) = &payment.authorization else {
            return;
        };
        match payment.status {
            PaymentStatus::Captured => {
                let key = format!("{reference}:refund");
                if let Err(error) = self
                    .inner
                    .payments
                    .refund(authorization, payment.amount, &key)
                {
                    tracing::error!(%error, reference, "refund of a failed checkout failed; reconciliation will retry");
                }
            }
            PaymentStatus::Authorized => self.void_quietly(authorization, reference),
            _ => {}
        }
    }

    fn void_quietly(&self, authorization: &Authorization, reference: &str) {
        if let Err(error) = self
            .inner
            .payments
            .void(authorization, &format!("{reference}:void"))
        {
            tracing::warn!(%error, reference, "void of an unused authorization failed; reconciliation will retry");
        }
    }

    /// Step 6 (record): the failed payment as a domain event, written in the
    /// background (the shopper's error does not wait for it).
    pub(crate) fn record_payment_failure(
        &self,
        validated: &Validated,
        amount: Money,
        error: &PaymentError,
    ) {
        let failed = PaymentFailed {
            cart_id: validated.cart.id,
            user_id: validated.cart.user_id,
            method: validated.method,
            amount,
            code: error.code().to_string(),
        };
        let submitted = self.inner.store.submit(
            move |tx| Ok(tx.emit(Event::PaymentFailed(failed))?),
            |_| {},
            |outcome: Result<u64>| {
                if let Err(error) = outcome {
                    tracing::warn!(%error, "payment failure event not recorded");
                }
            },
        );
        if let Err(error) = submitted {
            tracing::warn!(%error, "payment failure event not queued");
        }
    }
}

fn record(
    payment: &mut PaymentRecord,
    kind: TransactionKind,
    amount: Money,
    reference: Option<String>,
) {
    payment.transactions.push(PaymentTransaction {
        kind,
        amount,
        at: Timestamp::now(),
        reference,
        outcome: TransactionOutcome::Succeeded,
    });
}
