//! Totals: subtotal, voucher discount, shipping and tax, all in checked integer
//! arithmetic on minor units. An overflow is the caller's input being absurd, so it is
//! a validation error (HTTP 422), never a panic or a wrapped amount.

use serde::{Deserialize, Serialize};

use super::voucher::Voucher;
use crate::model::{Currency, Money, Totals, ValidationError};

/// Basis points in one whole (100%).
pub const BASIS_POINTS_MAX: u32 = 10_000;

/// How totals beyond the lines are computed: a flat shipping charge and a tax rate.
/// Both are 0 unless configured (API.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingConfig {
    /// Flat shipping per order, in minor units of the cart's currency.
    pub shipping_amount: u64,
    /// Tax on the discounted subtotal, in basis points (1/100 of a percent), at most
    /// [`BASIS_POINTS_MAX`]; rounded down.
    pub tax_basis_points: u32,
}

fn overflow() -> ValidationError {
    ValidationError::new(
        "items",
        "amount_overflow",
        "the cart's amounts are too large to add up",
    )
}

/// `unit_price × quantity`, or a validation error on overflow.
pub(crate) fn line_total(unit_price: Money, quantity: u64) -> Result<Money, ValidationError> {
    unit_price.checked_mul(quantity).ok_or_else(overflow)
}

/// The totals of `lines` (unit price, quantity) in `currency`, with `voucher`'s
/// discount when given.
pub(crate) fn totals(
    lines: impl IntoIterator<Item = (Money, u64)>,
    currency: Currency,
    voucher: Option<&Voucher>,
    config: PricingConfig,
) -> Result<Totals, ValidationError> {
    let mut subtotal = Money::zero(currency);
    for (unit_price, quantity) in lines {
        subtotal = subtotal
            .checked_add(line_total(unit_price, quantity)?)
            .ok_or_else(overflow)?;
    }
    let discount = Money::new(voucher.map_or(0, |v| v.discount(subtotal.amount)), currency);
    let discounted = subtotal.checked_sub(discount).ok_or_else(overflow)?;
    let shipping = Money::new(config.shipping_amount, currency);
    let bp = u128::from(config.tax_basis_points.min(BASIS_POINTS_MAX));
    let tax_amount = u128::from(discounted.amount) * bp / u128::from(BASIS_POINTS_MAX);
    let tax = Money::new(u64::try_from(tax_amount).map_err(|_| overflow())?, currency);
    let total = discounted
        .checked_add(shipping)
        .and_then(|sum| sum.checked_add(tax))
        .ok_or_else(overflow)?;
    debug_assert!(
        discount.amount <= subtotal.amount,
        "a discount never exceeds the subtotal"
    );
    Ok(Totals {
        subtotal,
        discount,
        shipping,
        tax,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::voucher::VoucherKind;
    use crate::model::{Timestamp, VoucherId};

    fn usd(amount: u64) -> Money {
        Money::new(amount, Currency::USD)
    }

    fn voucher(kind: VoucherKind, value: u64) -> Voucher {
        Voucher {
            id: VoucherId::from_raw(1),
            code: "X".into(),
            kind,
            value,
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_user: None,
            created_at: Timestamp::EPOCH,
        }
    }

    #[test]
    fn percent_is_floored_and_fixed_is_capped() {
        let config = PricingConfig::default();
        let lines = [(usd(333), 1)];
        let ten = voucher(VoucherKind::Percent, 10);
        let t = totals(lines, Currency::USD, Some(&ten), config).expect("totals");
        assert_eq!(
            (t.subtotal, t.discount, t.total),
            (usd(333), usd(33), usd(300))
        );
        let big = voucher(VoucherKind::Fixed, 10_000);
        let t = totals(lines, Currency::USD, Some(&big), config).expect("totals");
        assert_eq!((t.discount, t.total), (usd(333), usd(0)));
        let all = voucher(VoucherKind::Percent, 100);
        assert_eq!(
            totals(lines, Currency::USD, Some(&all), config)
                .expect("t")
                .total,
            usd(0)
        );
    }

    #[test]
    fn shipping_and_tax_apply_after_the_discount() {
        let config = PricingConfig {
            shipping_amount: 500,
            tax_basis_points: 1_950,
        };
        let five = voucher(VoucherKind::Fixed, 100);
        let t = totals([(usd(1_000), 2)], Currency::USD, Some(&five), config).expect("totals");
        // (2000 - 100) × 19.5% = 370.5 → 370.
        assert_eq!(
            (t.tax, t.shipping, t.total),
            (usd(370), usd(500), usd(1_900 + 500 + 370))
        );
    }

    #[test]
    fn overflow_is_a_validation_error() {
        let config = PricingConfig::default();
        let error =
            totals([(usd(u64::MAX), 2)], Currency::USD, None, config).expect_err("overflow");
        assert_eq!(
            (error.field.as_str(), error.code),
            ("items", "amount_overflow")
        );
        let lines = [(usd(u64::MAX), 1), (usd(1), 1)];
        assert!(totals(lines, Currency::USD, None, config).is_err());
        let shipping = PricingConfig {
            shipping_amount: u64::MAX,
            tax_basis_points: 0,
        };
        assert!(totals([(usd(1), 1)], Currency::USD, None, shipping).is_err());
    }
}
