//! The stored order and order-log records, and their public views.
//!
//! An order is stored as `(id, body)`: postcard writes a struct as its fields one
//! after another, so the bytes of a record are the version byte, the id, then the body.
//! Checkout encodes the body on the caller's thread and the committer only prefixes the
//! id it allocates ([`encode_with_id`]). `status` and `user_id` open the body so that
//! opening a store reads just that prefix of every order ([`decode_head`]).

use serde::{Deserialize, Serialize};

use crate::model::{
    Actor, CartId, Money, Order, OrderEvent, OrderEventData, OrderEventKind, OrderId, OrderLine,
    OrderStatus, Payment, PaymentId, PaymentMethod, PaymentStatus, PaymentTransaction,
    ShippingAddress, Timestamp, Totals, UserId,
};
use crate::payments::Authorization;
use crate::store::codec::{CodecError, RECORD_FORMAT_VERSION, encode};
use crate::store::{StoreError, decode_from};

/// An order's payment as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PaymentRecord {
    pub(crate) method: PaymentMethod,
    pub(crate) status: PaymentStatus,
    pub(crate) amount: Money,
    pub(crate) refunded: Money,
    /// The provider's authorization (card and wallet), for captures and refunds; its
    /// `reference` names the checkout attempt (reconciliation matches on it).
    pub(crate) authorization: Option<Authorization>,
    pub(crate) transactions: Vec<PaymentTransaction>,
}

impl PaymentRecord {
    /// Minor units received (captured, or marked paid) and not given back.
    pub(crate) fn refundable(&self) -> u64 {
        let received = self.transactions.iter().filter(|t| {
            t.kind == crate::model::TransactionKind::Capture
                && t.outcome == crate::model::TransactionOutcome::Succeeded
        });
        let received: u64 = received.map(|t| t.amount.amount).sum();
        received.saturating_sub(self.refunded.amount)
    }
}

/// Everything of an order but its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderBody {
    pub(crate) status: OrderStatus,
    pub(crate) user_id: Option<UserId>,
    pub(crate) cart_id: CartId,
    pub(crate) lines: Vec<OrderLine>,
    pub(crate) totals: Totals,
    pub(crate) voucher: Option<String>,
    pub(crate) payment: PaymentRecord,
    pub(crate) shipping_address: ShippingAddress,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
    pub(crate) version: u64,
    /// Entries in the order's log; the next one is `log_len + 1`.
    pub(crate) log_len: u64,
}

/// An order as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderRecord {
    pub(crate) id: OrderId,
    pub(crate) body: OrderBody,
}

/// The prefix of an order read on open: enough for the status index.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) struct OrderHead {
    pub(crate) id: OrderId,
    pub(crate) status: OrderStatus,
}

/// An order-log entry as stored under `(order id, seq)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogRecord {
    pub(crate) kind: OrderEventKind,
    pub(crate) from_status: Option<OrderStatus>,
    pub(crate) to_status: OrderStatus,
    pub(crate) actor: Actor,
    pub(crate) at: Timestamp,
    pub(crate) data: OrderEventData,
}

impl LogRecord {
    pub(crate) fn view(self, order_id: OrderId, seq: u64) -> OrderEvent {
        OrderEvent {
            seq,
            order_id,
            kind: self.kind,
            from_status: self.from_status,
            to_status: self.to_status,
            actor: self.actor,
            at: self.at,
            data: self.data,
        }
    }
}

/// The stored bytes of order `id` whose body postcard-encodes to `body`: the same
/// bytes `encode(&OrderRecord { id, body })` gives, without re-encoding the body.
pub(crate) fn encode_with_id(id: OrderId, body: &[u8]) -> Vec<u8> {
    let mut bytes = encode(&id);
    bytes.extend_from_slice(body);
    bytes
}

/// The body's postcard bytes, for [`encode_with_id`].
pub(crate) fn encode_body(body: &OrderBody) -> Vec<u8> {
    // Like `codec::encode`: order records always serialize.
    postcard::to_allocvec(body).expect("order records always serialize")
}

/// Reads the [`OrderHead`] prefix of a stored order, ignoring the rest.
pub(crate) fn decode_head(bytes: &[u8]) -> Result<OrderHead, StoreError> {
    let corrupt = |error| StoreError::Corrupt {
        table: "orders",
        error,
    };
    let (&version, body) = bytes.split_first().ok_or(corrupt(CodecError::Empty))?;
    if version != RECORD_FORMAT_VERSION {
        return Err(corrupt(CodecError::UnsupportedVersion {
            found: version,
            supported: RECORD_FORMAT_VERSION,
        }));
    }
    postcard::take_from_bytes::<OrderHead>(body)
        .map(|(head, _)| head)
        .map_err(|error| corrupt(CodecError::Malformed(error.to_string())))
}

/// Decodes a stored order.
pub(crate) fn decode_order(bytes: &[u8]) -> Result<OrderRecord, StoreError> {
    decode_from("orders", bytes)
}

impl OrderRecord {
    /// The API view.
    pub(crate) fn view(self) -> Order {
        let OrderRecord { id, body } = self;
        let payment = Payment {
            // One payment per order: it shares the order's number.
            id: PaymentId::from_raw(id.raw()),
            method: body.payment.method,
            status: body.payment.status,
            amount: body.payment.amount,
            refunded: body.payment.refunded,
            transactions: body.payment.transactions,
        };
        Order {
            id,
            user_id: body.user_id,
            cart_id: body.cart_id,
            status: body.status,
            items: body.lines,
            total: body.totals.total,
            totals: body.totals,
            voucher: body.voucher,
            payment,
            shipping_address: body.shipping_address,
            created_at: body.created_at,
            updated_at: body.updated_at,
            version: body.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Currency, ProductId};
    use crate::store::codec::decode;

    pub(crate) fn sample_body() -> OrderBody {
        let usd = |amount| Money::new(amount, Currency::USD);
        OrderBody {
            status: OrderStatus::Paid,
            user_id: Some(UserId::from_raw(4)),
            cart_id: CartId::from_raw(9),
            lines: vec![OrderLine {
                sku: "A".into(),
                product_id: ProductId::from_raw(2),
                name: "Kettle".into(),
                quantity: 3,
                unit_price: usd(100),
                line_total: usd(300),
            }],
            totals: Totals::zero(usd(0)),
            voucher: None,
            payment: PaymentRecord {
                method: PaymentMethod::Cod,
                status: PaymentStatus::Pending,
                amount: usd(300),
                refunded: usd(0),
                authorization: None,
                transactions: Vec::new(),
            },
            shipping_address: ShippingAddress {
                name: "A".into(),
                line1: "1 Road".into(),
                line2: None,
                city: "Town".into(),
                region: None,
                postal_code: "1".into(),
                country: "GB".into(),
            },
            created_at: Timestamp::from_millis(5),
            updated_at: Timestamp::from_millis(5),
            version: 1,
            log_len: 1,
        }
    }

    #[test]
    fn spliced_bytes_equal_a_full_encoding() {
        let body = sample_body();
        for raw in [1, 127, 128, 300, u64::MAX] {
            let id = OrderId::from_raw(raw);
            let spliced = encode_with_id(id, &encode_body(&body));
            let full = encode(&OrderRecord {
                id,
                body: body.clone(),
            });
            assert_eq!(spliced, full);
            assert_eq!(decode::<OrderRecord>(&spliced).expect("decode").id, id);
            let head = decode_head(&spliced).expect("head");
            assert_eq!((head.id, head.status), (id, OrderStatus::Paid));
        }
        assert!(decode_head(&[]).is_err());
        assert!(decode_head(&[RECORD_FORMAT_VERSION + 1, 1, 1]).is_err());
    }
}
