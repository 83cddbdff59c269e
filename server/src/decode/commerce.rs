//! Bodies of the commerce routes: cart lines, vouchers, checkout, refunds and stock
//! adjustments. Shapes and types are checked here, naming the field by its JSON path
//! (`payment.method`, `shipping_address.city`); the engine runs its own rules (a
//! quantity's range, a card's digits) and names the same fields.

use emporium::model::AddressId;
use emporium::{
    AddressInput, CheckoutRequest, NewVoucher, PaymentInput, PaymentMethod, Timestamp,
    ValidationError, VoucherKind,
};
use serde_json::Value;

use super::{Fields, signed_whole, string, type_error, whole};

/// The fields of a checkout's inline `shipping_address`.
pub const SHIPPING_ADDRESS_FIELDS: &[&str] = &[
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
];

/// The fields of a `POST /v1/vouchers` body.
pub const NEW_VOUCHER_FIELDS: &[&str] = &[
    "code",
    "kind",
    "value",
    "min_subtotal",
    "starts_at",
    "ends_at",
    "max_uses",
    "max_uses_per_user",
];

/// A `POST /v1/carts/{id}/items` body: `{sku, quantity}`.
pub fn cart_item(value: &Value) -> Result<(String, u64), ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["sku", "quantity"])?;
    let sku = string(fields.required("sku")?, "sku")?;
    let quantity = whole(fields.required("quantity")?, "quantity")?;
    Ok((sku, quantity))
}

/// A `PATCH /v1/carts/{id}/items/{sku}` body: `{quantity}`.
pub fn cart_quantity(value: &Value) -> Result<u64, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["quantity"])?;
    whole(fields.required("quantity")?, "quantity")
}

/// A `POST /v1/carts/{id}/voucher` body: `{code}`.
pub fn voucher_code(value: &Value) -> Result<String, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["code"])?;
    string(fields.required("code")?, "code")
}

/// A `POST /v1/carts/{id}/checkout` body; `expected_version` comes from `If-Match`.
pub fn checkout(
    value: &Value,
    expected_version: Option<u64>,
) -> Result<CheckoutRequest, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["payment", "shipping_address"])?;
    let payment = payment(fields.required("payment")?)?;
    let shipping_address = shipping_address(fields.required("shipping_address")?)?;
    Ok(CheckoutRequest {
        payment,
        shipping_address,
        expected_version,
    })
}

fn payment(value: &Value) -> Result<PaymentInput, ValidationError> {
    let fields = Fields::of(value, "payment")?;
    fields.only(&["method", "card_number"])?;
    let word = string(fields.required("method")?, "payment.method")?;
    let method = PaymentMethod::parse(&word).ok_or_else(|| {
        ValidationError::new(
            "payment.method",
            "invalid",
            "`payment.method` must be one of `card`, `wallet`, `bank_transfer`, `cod`",
        )
    })?;
    let card_number = fields
        .optional("card_number")
        .map(|value| string(value, "payment.card_number"))
        .transpose()?;
    Ok(PaymentInput {
        method,
        card_number,
    })
}

/// An inline address (checked by the engine, which names `shipping_address.<field>`)
/// or a saved one's id.
fn shipping_address(value: &Value) -> Result<AddressInput, ValidationError> {
    if let Some(text) = value.as_str() {
        return AddressId::parse(text)
            .map(AddressInput::Saved)
            .ok_or_else(|| {
                ValidationError::new(
                    "shipping_address",
                    "invalid",
                    "`shipping_address` must be an address object or a saved address id (`adr_…`)",
                )
            });
    }
    let fields = Fields::of(value, "shipping_address")?;
    fields.only(SHIPPING_ADDRESS_FIELDS)?;
    let address = super::new_address(value).map_err(|mut error| {
        if !error.field.is_empty() {
            error.field = format!("shipping_address.{}", error.field);
        }
        error
    })?;
    Ok(AddressInput::Inline(address))
}

/// A `POST /v1/vouchers` body.
pub fn new_voucher(value: &Value) -> Result<NewVoucher, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(NEW_VOUCHER_FIELDS)?;
    let kind = match fields.required("kind")?.as_str() {
        Some("percent") => VoucherKind::Percent,
        Some("fixed") => VoucherKind::Fixed,
        _ => {
            return Err(ValidationError::new(
                "kind",
                "invalid",
                "`kind` must be `percent` or `fixed`",
            ));
        }
    };
    let number = |key: &str| {
        fields
            .optional(key)
            .map(|value| whole(value, key))
            .transpose()
    };
    let time = |key: &str| {
        fields
            .optional(key)
            .map(|value| timestamp(value, key))
            .transpose()
    };
    let voucher = NewVoucher {
        code: string(fields.required("code")?, "code")?,
        kind,
        value: whole(fields.required("value")?, "value")?,
        min_subtotal: number("min_subtotal")?,
        starts_at: time("starts_at")?,
        ends_at: time("ends_at")?,
        max_uses: number("max_uses")?,
        max_uses_per_user: number("max_uses_per_user")?,
    };
    voucher.validate()?;
    Ok(voucher)
}

fn timestamp(value: &Value, field: &str) -> Result<Timestamp, ValidationError> {
    let text = value
        .as_str()
        .ok_or_else(|| type_error(field, "an RFC 3339 timestamp"))?;
    Timestamp::parse_rfc3339(text).ok_or_else(|| {
        let message =
            format!("`{field}` must be an RFC 3339 timestamp such as `2030-01-01T00:00:00Z`");
        ValidationError::new(field, "invalid", message)
    })
}

/// A `POST /v1/orders/{id}/refund` body: `{amount?}` in minor units (everything still
/// refundable when absent).
pub fn refund_amount(value: &Value) -> Result<Option<u64>, ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["amount"])?;
    let amount = fields
        .optional("amount")
        .map(|value| whole(value, "amount"))
        .transpose()?;
    if amount == Some(0) {
        return Err(ValidationError::new(
            "amount",
            "out_of_range",
            "`amount` must be at least 1 (leave it out to refund everything)",
        ));
    }
    Ok(amount)
}

/// A `POST /v1/inventory/{sku}/adjust` body: `{delta, reason}`; `delta` may be
/// negative (the engine checks its range and the reason's length) and, like every
/// integer, may be written `4.0`.
pub fn stock_adjustment(value: &Value) -> Result<(i64, String), ValidationError> {
    let fields = Fields::of(value, "")?;
    fields.only(&["delta", "reason"])?;
    let delta = signed_whole(fields.required("delta")?, "delta")?;
    let reason = string(fields.required("reason")?, "reason")?;
    Ok((delta, reason))
}
