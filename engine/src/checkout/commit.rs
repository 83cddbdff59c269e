//! Step 5 of the saga: one committer job that re-checks what may have changed and
//! writes the whole checkout in the batch's transaction.
//!
//! Every record is encoded here, on the caller's thread. The job reads and checks
//! first (the cart still exactly as validated, the idempotency key unused, the
//! voucher's limits, the stock), then allocates the order id and inserts pre-encoded
//! bytes; where a record must contain that id, it was encoded with a placeholder id as
//! its last value and the job splices the real one in ([`splice_trailing_id`]).

use std::sync::Arc;

use redb::ReadableTable;

use super::idempotency::{IdempotencyGuard, IdempotencyRecord, StoredResponse};
use super::saga::Validated;
use crate::cart::{self, CartError, CartLine, CartRecord, CartStatus, Voucher};
use crate::inventory::durable;
use crate::model::{
    Actor, Event, OrderEventData, OrderEventKind, OrderId, OrderLine, OrderPlaced, OrderStatus,
    PaymentStatus, PlacedLine, Timestamp, Totals,
};
use crate::orders::{LogRecord, OrderBody, PaymentRecord, encode_body, encode_with_id};
use crate::store::codec::encode;
use crate::store::{Counter, EncodedEvent, Tx, decode_from};
use crate::{Engine, Error, Result};

/// A checkout ready for the committer: every byte it writes, encoded.
pub(crate) struct Prepared {
    cart: u64,
    cart_before: Vec<u8>,
    expected_version: Option<u64>,
    /// The closed cart, with a placeholder order id last.
    cart_after: Vec<u8>,
    order_body: Vec<u8>,
    logs: Vec<Vec<u8>>,
    sale: Vec<(u64, u64)>,
    voucher: Option<Arc<Voucher>>,
    user: Option<u64>,
    /// The scoped key and its record, with a placeholder order id last.
    idempotency: Option<(String, Vec<u8>)>,
    /// The `OrderPlaced` event, with a placeholder order id.
    placed: EncodedEvent,
    status: OrderStatus,
}

/// Where an `OrderPlaced` event's order id starts in its encoding: after the variant's
/// index, one byte (its first field is the id; a test checks the whole encoding).
const ORDER_PLACED_ID_AT: usize = 1;

/// `bytes` encoded with a placeholder id 0 as their last value, with `id` instead.
/// (postcard writes 0 as the single byte 0, and a struct as its fields in order.)
pub(crate) fn splice_trailing_id(bytes: &[u8], id: u64) -> Vec<u8> {
    debug_assert_eq!(bytes.last(), Some(&0), "encoded with a placeholder id last");
    let mut spliced = bytes[..bytes.len() - 1].to_vec();
    spliced.reserve(10);
    postcard::to_extend(&OrderId::from_raw(id), spliced).expect("ids always serialize")
}

impl Engine {
    /// Encodes everything step 5 writes; also returns the order's body for the reply.
    pub(crate) fn prepare_commit(
        &self,
        validated: Validated,
        expected_version: Option<u64>,
        totals: Totals,
        payment: PaymentRecord,
        key: Option<&IdempotencyGuard>,
    ) -> (Prepared, OrderBody) {
        let now = Timestamp::now();
        let Validated {
            cart_bytes,
            cart,
            address,
            voucher,
            ..
        } = validated;
        let actor = cart.user_id.map_or(Actor::System, Actor::Customer);
        let status = match payment.status {
            PaymentStatus::Captured => OrderStatus::Paid,
            _ => OrderStatus::Pending,
        };
        let logs = log_entries(actor, now, &totals, payment.status);
        let lines = order_lines(&cart.lines, &totals);
        let placed = OrderPlaced {
            order_id: OrderId::from_raw(0),
            user_id: cart.user_id,
            cart_id: cart.id,
            status,
            payment_method: payment.method,
            payment_status: payment.status,
            totals,
            voucher: cart.voucher.clone(),
            lines: lines
                .iter()
                .map(|l| PlacedLine {
                    product_id: l.product_id,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                })
                .collect(),
        };
        let body = OrderBody {
            status,
            user_id: cart.user_id,
            cart_id: cart.id,
            lines,
            totals,
            voucher: cart.voucher.clone(),
            payment,
            shipping_address: address,
            created_at: now,
            updated_at: now,
            version: 1,
            log_len: logs.len() as u64,
        };
        let closed = CartRecord {
            status: CartStatus::CheckedOut,
            order_id: Some(OrderId::from_raw(0)),
            ..cart.next(now)
        };
        let idempotency = key.map(|key| {
            let record = IdempotencyRecord {
                request_hash: key.stored_hash(),
                created_at: now,
                response: StoredResponse::Order(OrderId::from_raw(0)),
            };
            (key.store_key().to_string(), encode(&record))
        });
        let prepared = Prepared {
            cart: cart.id.raw(),
            cart_before: cart_bytes,
            expected_version,
            cart_after: encode(&closed),
            order_body: encode_body(&body),
            logs,
            sale: cart.hold_lines(),
            voucher,
            user: cart.user_id.map(|user| user.raw()),
            idempotency,
            placed: EncodedEvent::with_id_at(&Event::OrderPlaced(placed), ORDER_PLACED_ID_AT),
            status,
        };
        (prepared, body)
    }

    /// Step 5: commits the checkout; afterwards the pinned holds become the sale.
    pub(crate) fn commit_checkout(&self, prepared: Prepared) -> Result<OrderId> {
        let inventory = Arc::clone(&self.inner.inventory);
        let orders = Arc::clone(&self.inner.orders);
        let (cart, sale, status) = (prepared.cart, prepared.sale.clone(), prepared.status);
        let id = self.inner.store.write(
            move |tx| apply(tx, prepared),
            move |&id: &u64| {
                inventory.commit_sale(cart, &sale);
                orders.index.write().insert(status, id);
            },
        )?;
        Ok(OrderId::from_raw(id))
    }
}

/// The encoded log entries of a new order: `created`, then `paid` when captured.
fn log_entries(
    actor: Actor,
    now: Timestamp,
    totals: &Totals,
    payment: PaymentStatus,
) -> Vec<Vec<u8>> {
    let entry = |kind, from_status, to_status| LogRecord {
        kind,
        from_status,
        to_status,
        actor,
        at: now,
        data: OrderEventData {
            amount: Some(totals.total),
            payment_status: Some(payment),
        },
    };
    let mut logs = vec![encode(&entry(
        OrderEventKind::Created,
        None,
        OrderStatus::Pending,
    ))];
    if payment == PaymentStatus::Captured {
        logs.push(encode(&entry(
            OrderEventKind::Paid,
            Some(OrderStatus::Pending),
            OrderStatus::Paid,
        )));
    }
    logs
}

/// The order's lines, with their totals.
fn order_lines(lines: &[CartLine], totals: &Totals) -> Vec<OrderLine> {
    lines
        .iter()
        .map(|line| OrderLine {
            sku: line.sku.clone(),
            product_id: line.product_id,
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
            // Priced in step 3 with checked arithmetic, so no line overflows.
            line_total: line
                .unit_price
                .checked_mul(line.quantity)
                .unwrap_or(totals.subtotal),
        })
        .collect()
}

/// The job: reads and checks, then writes. Returns the new order's id.
fn apply(tx: &mut Tx<'_>, prepared: Prepared) -> Result<u64> {
    let Prepared {
        cart,
        cart_before,
        expected_version,
        cart_after,
        order_body,
        logs,
        sale,
        voucher,
        user,
        idempotency,
        placed,
        status: _,
    } = prepared;
    check_cart(tx, cart, &cart_before, expected_version)?;
    if let Some((key, _)) = &idempotency {
        if tx.idempotency()?.get(key.as_str())?.is_some() {
            // Only the holder of the in-flight key commits it, and it found none
            // before starting: another process must share the store. Refuse.
            return Err(super::CheckoutError::IdempotencyConflict.into());
        }
    }
    let voucher_use = match &voucher {
        Some(voucher) => Some(cart::check_voucher_use(tx, voucher, user)?),
        None => None,
    };
    let stock = durable::plan_sale(tx, &sale)?;
    // Everything is decided: write.
    let id = tx.next_id(Counter::Order);
    tx.orders()?.insert(
        id,
        encode_with_id(OrderId::from_raw(id), &order_body).as_slice(),
    )?;
    for (n, log) in logs.iter().enumerate() {
        tx.order_log()?.insert((id, n as u64 + 1), log.as_slice())?;
    }
    durable::apply(tx, &stock)?;
    if let Some(voucher_use) = voucher_use {
        voucher_use.write(tx)?;
    }
    tx.carts()?
        .insert(cart, splice_trailing_id(&cart_after, id).as_slice())?;
    if let Some((key, record)) = &idempotency {
        tx.idempotency()?
            .insert(key.as_str(), splice_trailing_id(record, id).as_slice())?;
    }
    if let Some(user) = user {
        tx.user_orders()?.insert((user, id), ())?;
    }
    tx.emit_encoded(&placed, id)?;
    Ok(id)
}

/// The cart must still be exactly as step 1 read it; if not, say why.
fn check_cart(
    tx: &mut Tx<'_>,
    cart: u64,
    before: &[u8],
    expected_version: Option<u64>,
) -> Result<()> {
    let carts = tx.carts()?;
    let stored = carts.get(cart)?;
    match stored {
        Some(stored) if stored.value() == before => Ok(()),
        Some(stored) => {
            let record: CartRecord = decode_from("carts", stored.value())?;
            cart::check_open(&record)?;
            cart::check_version(&record, expected_version)?;
            Err(Error::Cart(CartError::Changed))
        }
        None => Err(Error::Cart(CartError::NotFound {
            id: crate::model::CartId::from_raw(cart).to_string(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CartId, Currency, Money, ProductId};
    use crate::store::codec::decode;

    #[test]
    fn an_event_encoded_ahead_is_the_record_encode_writes() {
        let placed = |id: u64| OrderPlaced {
            order_id: OrderId::from_raw(id),
            user_id: Some(crate::model::UserId::from_raw(9)),
            cart_id: CartId::from_raw(5),
            status: OrderStatus::Paid,
            payment_method: crate::model::PaymentMethod::Card,
            payment_status: PaymentStatus::Captured,
            totals: Totals::zero(Money::new(0, Currency::USD)),
            voucher: Some("SPRING".into()),
            lines: vec![PlacedLine {
                product_id: ProductId::from_raw(3),
                quantity: 2,
                unit_price: Money::new(1_250, Currency::USD),
            }],
        };
        let ahead = EncodedEvent::with_id_at(&Event::OrderPlaced(placed(0)), ORDER_PLACED_ID_AT);
        let at = Timestamp::from_millis(1_767_225_600_123);
        for id in [1, 127, 128, 1 << 40, u64::MAX] {
            for seq in [1, 127, 128, 1 << 35] {
                let whole = crate::model::EventRecord {
                    seq,
                    at,
                    event: Event::OrderPlaced(placed(id)),
                };
                assert_eq!(
                    ahead.record(seq, at, id),
                    encode(&whole),
                    "id {id}, seq {seq}"
                );
            }
        }
    }

    #[test]
    fn spliced_records_decode_with_the_real_id() {
        let cart = CartRecord {
            id: CartId::from_raw(5),
            user_id: None,
            version: 3,
            status: CartStatus::CheckedOut,
            lines: vec![crate::cart::CartLine {
                product_id: ProductId::from_raw(1),
                sku: "A".into(),
                name: "A".into(),
                quantity: 2,
                unit_price: Money::new(10, Currency::USD),
            }],
            voucher: Some("X".into()),
            currency: Some(Currency::USD),
            created_at: Timestamp::from_millis(1),
            updated_at: Timestamp::from_millis(2),
            order_id: Some(OrderId::from_raw(0)),
        };
        let record = IdempotencyRecord {
            request_hash: [7; 32],
            created_at: Timestamp::from_millis(3),
            response: StoredResponse::Order(OrderId::from_raw(0)),
        };
        for id in [1, 127, 128, 1 << 40, u64::MAX] {
            let spliced: CartRecord =
                decode(&splice_trailing_id(&encode(&cart), id)).expect("cart");
            assert_eq!(
                spliced,
                CartRecord {
                    order_id: Some(OrderId::from_raw(id)),
                    ..cart.clone()
                }
            );
            let spliced: IdempotencyRecord =
                decode(&splice_trailing_id(&encode(&record), id)).expect("key");
            assert_eq!(
                spliced.response,
                StoredResponse::Order(OrderId::from_raw(id))
            );
            assert_eq!(spliced.request_hash, [7; 32]);
        }
    }
}
