//! Orders as the API shows them: lines, totals, the embedded payment with its
//! transaction history, the shipping address, the order log, and who acted.
//!
//! These are the public shapes (they serialize to the API.md objects). The orders
//! capability stores its own compact records and builds these from them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CartId, Money, OrderId, PaymentId, ProductId, Timestamp, UserId};

/// Where an order is in its life. Transitions are checked by the orders capability:
/// pending → paid → shipped → delivered; cancel before shipping; refund once paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, not paid yet (cash on delivery, bank transfer).
    Pending,
    /// Paid (captured at checkout, or marked paid by an admin).
    Paid,
    /// Handed to the carrier.
    Shipped,
    /// Arrived.
    Delivered,
    /// Cancelled before shipping; its stock went back on hand.
    Cancelled,
    /// Fully refunded.
    Refunded,
}

impl OrderStatus {
    /// Every status, in the order of [`OrderStatus::index`].
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// Parses the API word.
    pub fn parse(word: &str) -> Option<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == word)
    }

    /// Its position in [`OrderStatus::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of an order: what was bought, at the price it was bought at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The merchant's SKU.
    pub sku: String,
    /// The product.
    pub product_id: ProductId,
    /// The product's name when it was bought.
    pub name: String,
    /// Units.
    pub quantity: u64,
    /// Price of one unit.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub line_total: Money,
}

/// The money of a cart or an order. `total = subtotal − discount + shipping + tax`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of the line totals.
    pub subtotal: Money,
    /// The voucher's discount (at most the subtotal).
    pub discount: Money,
    /// Shipping charge.
    pub shipping: Money,
    /// Tax on the discounted subtotal.
    pub tax: Money,
    /// What is charged.
    pub total: Money,
}

impl Totals {
    /// All zero in the currency of `zero`.
    pub fn zero(zero: Money) -> Totals {
        Totals {
            subtotal: zero,
            discount: zero,
            shipping: zero,
            tax: zero,
            total: zero,
        }
    }
}

/// How the shopper pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// A card: authorized and captured at checkout.
    Card,
    /// A wallet: authorized and captured at checkout.
    Wallet,
    /// A bank transfer: nothing is charged at checkout; an admin marks it paid.
    BankTransfer,
    /// Cash on delivery: nothing is charged at checkout.
    Cod,
}

impl PaymentMethod {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::Wallet => "wallet",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cod => "cod",
        }
    }

    /// Parses the API word.
    pub fn parse(word: &str) -> Option<PaymentMethod> {
        [
            PaymentMethod::Card,
            PaymentMethod::Wallet,
            PaymentMethod::BankTransfer,
            PaymentMethod::Cod,
        ]
        .into_iter()
        .find(|method| method.as_str() == word)
    }

    /// Whether the money is taken (authorized and captured) before the order commits.
    pub fn captures_at_checkout(self) -> bool {
        matches!(self, PaymentMethod::Card | PaymentMethod::Wallet)
    }
}

/// Where a payment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Authorized, not captured.
    Authorized,
    /// Captured in full.
    Captured,
    /// The authorization was released.
    Voided,
    /// Everything captured was given back.
    Refunded,
    /// Part of the capture was given back.
    PartiallyRefunded,
    /// Nothing charged yet (cash on delivery, bank transfer).
    Pending,
    /// The charge failed.
    Failed,
}

impl PaymentStatus {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Captured => "captured",
            PaymentStatus::Voided => "voided",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Failed => "failed",
        }
    }
}

/// What a payment transaction did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Reserved the amount on the shopper's means of payment.
    Authorize,
    /// Took the authorized amount (or, for offline methods, recorded it as received).
    Capture,
    /// Released an authorization.
    Void,
    /// Gave money back.
    Refund,
}

/// How a payment transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionOutcome {
    /// It happened.
    Succeeded,
    /// The provider refused it (a decline).
    Declined,
    /// It could not be done (provider unavailable).
    Failed,
}

/// One entry of a payment's transaction history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTransaction {
    /// What it did.
    pub kind: TransactionKind,
    /// The amount it concerned.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// The provider's reference for it (`None` for offline methods).
    pub reference: Option<String>,
    /// How it ended.
    pub outcome: TransactionOutcome,
}

/// An order's payment, with its whole transaction history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Its id (`pay_…`).
    pub id: PaymentId,
    /// How it is paid.
    pub method: PaymentMethod,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The amount charged (the order total).
    pub amount: Money,
    /// The amount given back so far.
    pub refunded: Money,
    /// Every transaction, oldest first.
    pub transactions: Vec<PaymentTransaction>,
}

/// Where an order goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    /// Recipient.
    pub name: String,
    /// First address line.
    pub line1: String,
    /// Second address line.
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// State, province or county.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
}

/// An order as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id (`ord_…`).
    pub id: OrderId,
    /// The buyer, if the cart was owned.
    pub user_id: Option<UserId>,
    /// The cart it was checked out from.
    pub cart_id: CartId,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// What was bought.
    pub items: Vec<OrderLine>,
    /// The money.
    pub totals: Totals,
    /// `totals.total`, repeated at the top level (API.md).
    pub total: Money,
    /// The voucher code used, if any.
    pub voucher: Option<String>,
    /// The payment and its history.
    pub payment: Payment,
    /// Where it goes.
    pub shipping_address: ShippingAddress,
    /// When it was placed.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change, starting at 1.
    pub version: u64,
}

/// Who did something: a person (by account) or the engine itself. Admin and customer
/// are told apart because they may do different things; the order log records the
/// account (`usr_…`) or `system`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The engine (checkout, reconciliation, the sweeper).
    System,
    /// An administrator.
    Admin(UserId),
    /// A customer, acting on their own things.
    Customer(UserId),
}

impl Actor {
    /// The account behind it, if any.
    pub fn user_id(self) -> Option<UserId> {
        match self {
            Actor::System => None,
            Actor::Admin(id) | Actor::Customer(id) => Some(id),
        }
    }

    /// Whether it may do admin-only things (an admin or the engine itself).
    pub fn is_privileged(self) -> bool {
        !matches!(self, Actor::Customer(_))
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.user_id() {
            None => f.write_str("system"),
            Some(id) => fmt::Display::fmt(&id, f),
        }
    }
}

impl Serialize for Actor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return serializer.collect_str(self);
        }
        let (tag, raw): (u8, u64) = match *self {
            Actor::System => (0, 0),
            Actor::Admin(id) => (1, id.raw()),
            Actor::Customer(id) => (2, id.raw()),
        };
        (tag, raw).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            // The text form does not say whether the account is an admin: it reads back
            // as a customer, which grants nothing extra.
            let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
            if text == "system" {
                return Ok(Actor::System);
            }
            return UserId::parse(&text)
                .map(Actor::Customer)
                .ok_or_else(|| serde::de::Error::custom("not `system` or a usr_… id"));
        }
        let (tag, raw) = <(u8, u64)>::deserialize(deserializer)?;
        match tag {
            0 => Ok(Actor::System),
            1 => Ok(Actor::Admin(UserId::from_raw(raw))),
            2 => Ok(Actor::Customer(UserId::from_raw(raw))),
            _ => Err(serde::de::Error::custom("unknown actor tag")),
        }
    }
}

/// What an order-log entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEventKind {
    /// The order was placed.
    Created,
    /// The payment was taken (at checkout, or marked paid).
    Paid,
    /// It was shipped.
    Shipped,
    /// It was delivered.
    Delivered,
    /// It was cancelled.
    Cancelled,
    /// It was refunded in full.
    Refunded,
    /// Part of it was refunded; the status did not change.
    PartiallyRefunded,
}

/// Details of an order-log entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEventData {
    /// The money moved by this step (a payment or a refund), if any.
    pub amount: Option<Money>,
    /// The payment's status after this step, if it changed.
    pub payment_status: Option<PaymentStatus>,
}

/// One entry of an order's log (`GET /v1/orders/{id}/events`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// Its position in the order's log, from 1.
    pub seq: u64,
    /// The order.
    pub order_id: OrderId,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: OrderEventKind,
    /// The status before (`None` at creation).
    pub from_status: Option<OrderStatus>,
    /// The status after.
    pub to_status: OrderStatus,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// Details.
    pub data: OrderEventData,
}

/// A line of an [`OrderPlaced`] event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedLine {
    /// The product.
    pub product_id: ProductId,
    /// Units bought.
    pub quantity: u64,
    /// Price of one unit.
    pub unit_price: Money,
}

/// The domain event of a checkout: one event carries what subscribers (analytics,
/// notifications, recommendations) need, so a checkout writes one event, not five.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    /// The order.
    pub order_id: OrderId,
    /// The buyer, if known.
    pub user_id: Option<UserId>,
    /// The cart it came from.
    pub cart_id: CartId,
    /// Its status after checkout (`paid` or `pending`).
    pub status: OrderStatus,
    /// How it is paid; `captured` means the money was taken.
    pub payment_method: PaymentMethod,
    /// The payment's status after checkout.
    pub payment_status: PaymentStatus,
    /// The money.
    pub totals: Totals,
    /// The voucher code used, if any.
    pub voucher: Option<String>,
    /// What was bought.
    pub lines: Vec<PlacedLine>,
}

/// The domain event of any later order change (an entry of its log, plus the buyer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChanged {
    /// The buyer, if known.
    pub user_id: Option<UserId>,
    /// The log entry.
    pub entry: OrderEvent,
}

/// The domain event of a failed checkout payment (declined or provider unavailable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailed {
    /// The cart being checked out.
    pub cart_id: CartId,
    /// The shopper, if known.
    pub user_id: Option<UserId>,
    /// How they tried to pay.
    pub method: PaymentMethod,
    /// The amount.
    pub amount: Money,
    /// The machine word of the failure (`card_declined`, `insufficient_funds`,
    /// `unavailable`).
    pub code: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_is_text_in_json_and_keeps_its_role_in_postcard() {
        let admin = Actor::Admin(UserId::from_raw(3));
        let json = serde_json::to_string(&admin).expect("serialize");
        assert_eq!(json, format!("\"{}\"", UserId::from_raw(3)));
        assert_eq!(
            serde_json::to_string(&Actor::System).expect("serialize"),
            "\"system\""
        );
        let bytes = postcard::to_allocvec(&admin).expect("serialize");
        assert_eq!(
            postcard::from_bytes::<Actor>(&bytes).expect("decode"),
            admin
        );
        assert!(postcard::from_bytes::<Actor>(&[9, 0]).is_err());
    }

    #[test]
    fn words_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert_eq!(OrderStatus::ALL[status.index()], status);
        }
        assert_eq!(
            PaymentMethod::parse("bank_transfer"),
            Some(PaymentMethod::BankTransfer)
        );
        assert_eq!(PaymentMethod::parse("cash"), None);
        let json = serde_json::to_string(&PaymentStatus::PartiallyRefunded).expect("json");
        assert_eq!(json, "\"partially_refunded\"");
    }
}
