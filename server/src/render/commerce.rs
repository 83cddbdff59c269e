//! The API.md shapes of carts, orders, order events, vouchers and stock, spelled out
//! field by field (the engine's own structs carry more: a cart's status, an order's
//! cart and transaction history), so the contract changes only when this file does.

use emporium::{
    Cart, CartId, CartItem, Money, Order, OrderEvent, OrderId, OrderLine, Payment, PaymentId,
    PaymentMethod, PaymentStatus, ProductId, ShippingAddress, StockLevel, Timestamp, Totals,
    UserId, VoucherId, VoucherKind, VoucherUsage,
};
use serde::Serialize;

/// `totals`: `{subtotal, discount, shipping, total}`, each Money (plus `tax`, which is
/// 0 unless configured).
#[derive(Debug, Serialize)]
pub struct TotalsView {
    subtotal: Money,
    discount: Money,
    shipping: Money,
    tax: Money,
    total: Money,
}

impl TotalsView {
    fn new(totals: &Totals) -> TotalsView {
        TotalsView {
            subtotal: totals.subtotal,
            discount: totals.discount,
            shipping: totals.shipping,
            tax: totals.tax,
            total: totals.total,
        }
    }
}

/// The API.md Cart object.
#[derive(Debug, Serialize)]
pub struct CartView<'a> {
    id: CartId,
    user_id: Option<UserId>,
    version: u64,
    items: Vec<CartItemView<'a>>,
    voucher: Option<&'a str>,
    totals: TotalsView,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// A cart line.
#[derive(Debug, Serialize)]
pub struct CartItemView<'a> {
    sku: &'a str,
    product_id: ProductId,
    name: &'a str,
    quantity: u64,
    unit_price: Money,
    line_total: Money,
    held: bool,
    reserved_until: Option<Timestamp>,
}

impl<'a> CartView<'a> {
    /// The public shape of `cart`.
    pub fn new(cart: &'a Cart) -> CartView<'a> {
        CartView {
            id: cart.id,
            user_id: cart.user_id,
            version: cart.version,
            items: cart.items.iter().map(CartItemView::new).collect(),
            voucher: cart.voucher.as_deref(),
            totals: TotalsView::new(&cart.totals),
            created_at: cart.created_at,
            updated_at: cart.updated_at,
        }
    }
}

impl<'a> CartItemView<'a> {
    fn new(item: &'a CartItem) -> CartItemView<'a> {
        CartItemView {
            sku: &item.sku,
            product_id: item.product_id,
            name: &item.name,
            quantity: item.quantity,
            unit_price: item.unit_price,
            line_total: item.line_total,
            held: item.held,
            reserved_until: item.reserved_until,
        }
    }
}

/// The API.md Order object.
#[derive(Debug, Serialize)]
pub struct OrderView<'a> {
    id: OrderId,
    user_id: Option<UserId>,
    status: emporium::OrderStatus,
    items: Vec<OrderLineView<'a>>,
    totals: TotalsView,
    total: Money,
    voucher: Option<&'a str>,
    payment: PaymentView,
    shipping_address: AddressView<'a>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// An order line.
#[derive(Debug, Serialize)]
pub struct OrderLineView<'a> {
    sku: &'a str,
    product_id: ProductId,
    name: &'a str,
    quantity: u64,
    unit_price: Money,
    line_total: Money,
}

/// An order's payment: `{id, method, status, amount, refunded}`.
#[derive(Debug, Serialize)]
pub struct PaymentView {
    id: PaymentId,
    method: PaymentMethod,
    status: PaymentStatus,
    amount: Money,
    refunded: Money,
}

/// Where an order goes.
#[derive(Debug, Serialize)]
pub struct AddressView<'a> {
    name: &'a str,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    region: Option<&'a str>,
    postal_code: &'a str,
    country: &'a str,
}

impl<'a> OrderView<'a> {
    /// The public shape of `order`.
    pub fn new(order: &'a Order) -> OrderView<'a> {
        OrderView {
            id: order.id,
            user_id: order.user_id,
            status: order.status,
            items: order.items.iter().map(OrderLineView::new).collect(),
            totals: TotalsView::new(&order.totals),
            total: order.total,
            voucher: order.voucher.as_deref(),
            payment: PaymentView::new(&order.payment),
            shipping_address: AddressView::new(&order.shipping_address),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

impl<'a> OrderLineView<'a> {
    fn new(line: &'a OrderLine) -> OrderLineView<'a> {
        OrderLineView {
            sku: &line.sku,
            product_id: line.product_id,
            name: &line.name,
            quantity: line.quantity,
            unit_price: line.unit_price,
            line_total: line.line_total,
        }
    }
}

impl PaymentView {
    fn new(payment: &Payment) -> PaymentView {
        PaymentView {
            id: payment.id,
            method: payment.method,
            status: payment.status,
            amount: payment.amount,
            refunded: payment.refunded,
        }
    }
}

impl<'a> AddressView<'a> {
    fn new(address: &'a ShippingAddress) -> AddressView<'a> {
        AddressView {
            name: &address.name,
            line1: &address.line1,
            line2: address.line2.as_deref(),
            city: &address.city,
            region: address.region.as_deref(),
            postal_code: &address.postal_code,
            country: &address.country,
        }
    }
}

/// The API.md order event: `{seq, order_id, type, from_status, to_status, actor, at,
/// data}`; `actor` is `usr_…` or `system`.
#[derive(Debug, Serialize)]
pub struct OrderEventView<'a> {
    seq: u64,
    order_id: OrderId,
    #[serde(rename = "type")]
    kind: emporium::OrderEventKind,
    from_status: Option<emporium::OrderStatus>,
    to_status: emporium::OrderStatus,
    actor: String,
    at: Timestamp,
    data: &'a emporium::OrderEventData,
}

impl<'a> OrderEventView<'a> {
    /// The public shape of `event`.
    pub fn new(event: &'a OrderEvent) -> OrderEventView<'a> {
        OrderEventView {
            seq: event.seq,
            order_id: event.order_id,
            kind: event.kind,
            from_status: event.from_status,
            to_status: event.to_status,
            actor: event.actor.to_string(),
            at: event.at,
            data: &event.data,
        }
    }
}

/// A voucher with its committed uses.
#[derive(Debug, Serialize)]
pub struct VoucherView<'a> {
    id: VoucherId,
    code: &'a str,
    kind: VoucherKind,
    value: u64,
    min_subtotal: Option<u64>,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    max_uses: Option<u64>,
    max_uses_per_user: Option<u64>,
    uses: u64,
    created_at: Timestamp,
}

impl<'a> VoucherView<'a> {
    /// The public shape of `usage`.
    pub fn new(usage: &'a VoucherUsage) -> VoucherView<'a> {
        let voucher = &usage.voucher;
        VoucherView {
            id: voucher.id,
            code: &voucher.code,
            kind: voucher.kind,
            value: voucher.value,
            min_subtotal: voucher.min_subtotal,
            starts_at: voucher.starts_at,
            ends_at: voucher.ends_at,
            max_uses: voucher.max_uses,
            max_uses_per_user: voucher.max_uses_per_user,
            uses: usage.uses,
            created_at: voucher.created_at,
        }
    }
}

/// The API.md Inventory object.
#[derive(Debug, Serialize)]
pub struct InventoryView<'a> {
    sku: &'a str,
    on_hand: u64,
    reserved: u64,
    available: u64,
}

impl<'a> InventoryView<'a> {
    /// `level` of `sku`.
    pub fn new(sku: &'a str, level: StockLevel) -> InventoryView<'a> {
        InventoryView {
            sku,
            on_hand: level.on_hand,
            reserved: level.reserved,
            available: level.available,
        }
    }
}
