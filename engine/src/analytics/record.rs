//! The input of the analytics windows: one [`Record`] per thing that happened, with its
//! event time, and its mapping from the engine's domain events.

use serde::{Deserialize, Serialize};

use crate::model::{
    Event, EventRecord, Money, OrderEventKind, OrderId, PaymentStatus, ProductId, UserId, Visitor,
    fold,
};

/// The latest event time accepted: 9999-12-31T23:59:59.999Z. Later times are refused,
/// so window arithmetic in `i64` milliseconds can never overflow.
pub const EVENT_TIME_MS_MAX: u64 = 253_402_300_799_999;

/// Longest normalized search query kept, in characters.
pub const QUERY_CHARS_MAX: usize = 200;

/// Lines of one order counted per product; the rest count towards the order only.
pub const ORDER_LINES_MAX: usize = 256;

/// A visitor session: a stable 64-bit key of the client's session id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionKey(u64);

impl SessionKey {
    /// The key of a client-supplied session id (FNV-1a, then a 64-bit mix). The hash is
    /// fixed forever, so keys in checkpoints stay valid across releases.
    pub fn from_client(session_id: &str) -> SessionKey {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in session_id.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        SessionKey(super::hll::mix64(hash))
    }

    /// A key from a number the caller already has (tests, generators).
    pub const fn from_raw(raw: u64) -> SessionKey {
        SessionKey(raw)
    }

    /// The key's number.
    pub const fn raw(self) -> u64 {
        self.0
    }
}

/// One product line of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLine {
    /// The product.
    pub product: ProductId,
    /// Units bought.
    pub quantity: u64,
    /// What the line cost (unit price × quantity).
    pub amount: Money,
}

/// What a record says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    /// A product page was viewed.
    ProductView {
        /// The product.
        product: ProductId,
    },
    /// Units of a product were added to a cart.
    AddToCart {
        /// The product.
        product: ProductId,
        /// Units added.
        quantity: u64,
    },
    /// Units of a product were taken out of a cart.
    RemoveFromCart {
        /// The product.
        product: ProductId,
        /// Units removed.
        quantity: u64,
    },
    /// A checkout was started.
    CheckoutStarted,
    /// An order was placed (the purchase step of the funnel).
    OrderPlaced {
        /// The order.
        order: OrderId,
        /// Its total.
        total: Money,
        /// What was bought.
        lines: Vec<PurchaseLine>,
        /// The payment was captured at checkout (card, wallet), so the order counts
        /// as paid too; pending orders are paid later by [`RecordKind::OrderPaid`].
        paid: bool,
    },
    /// A pending order's payment was taken.
    OrderPaid {
        /// The order.
        order: OrderId,
        /// The amount captured.
        amount: Money,
    },
    /// An order was cancelled.
    OrderCancelled {
        /// The order.
        order: OrderId,
    },
    /// Money was given back on an order.
    OrderRefunded {
        /// The order.
        order: OrderId,
        /// The amount refunded.
        amount: Money,
    },
    /// A checkout's payment failed.
    PaymentFailed {
        /// The amount that could not be charged.
        amount: Money,
    },
    /// A search was run.
    Search {
        /// The query, normalized with [`normalize_query`].
        query: String,
        /// How many products matched.
        results: u64,
        /// How long the search took, in microseconds.
        took_us: u64,
    },
    /// An account was created.
    UserRegistered,
    /// An account signed in.
    UserLoggedIn,
    /// A client event that is not a product view (a page view, a click): counted, and
    /// it keeps the session alive.
    PageView,
}

/// One input record of the analytics windows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Event time: when it happened, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// The account, if known.
    pub user: Option<UserId>,
    /// The visitor session, if known.
    pub session: Option<SessionKey>,
    /// What happened.
    pub kind: RecordKind,
}

impl Record {
    /// A record of `kind` at `at_ms` with no user or session.
    pub fn new(at_ms: u64, kind: RecordKind) -> Record {
        Record {
            at_ms,
            user: None,
            session: None,
            kind,
        }
    }

    /// The record a committed domain event stands for, if it is one the windows count.
    ///
    /// Catalog, stock and category events are not analytics input and map to `None`,
    /// as do order-log entries other than paid, cancelled and (partially) refunded.
    /// Activity events (views, searches, client events) carry the visitor's session
    /// and, for client events, the client's event time; the rest are timed by their
    /// commit and have no session.
    pub fn from_event(record: &EventRecord) -> Option<Record> {
        let at_ms = record.at.as_millis();
        let visited = |visitor: &Visitor| {
            (
                visitor.user_id,
                visitor.session_id.as_deref().map(SessionKey::from_client),
            )
        };
        let (user, session, at_ms, kind) = match &record.event {
            Event::ProductViewed(viewed) => {
                let (user, session) = visited(&viewed.visitor);
                let kind = RecordKind::ProductView {
                    product: viewed.product_id,
                };
                (user, session, viewed.at.as_millis(), kind)
            }
            Event::Client(client) => {
                let (user, session) = visited(&client.visitor);
                (user, session, client.at.as_millis(), RecordKind::PageView)
            }
            Event::SearchPerformed(search) => {
                let (user, session) = visited(&search.visitor);
                let kind = RecordKind::Search {
                    query: normalize_query(&search.query),
                    results: search.results,
                    took_us: search.took_us,
                };
                (user, session, at_ms, kind)
            }
            Event::CartItemAdded(activity) => (
                activity.user_id,
                None,
                at_ms,
                RecordKind::AddToCart {
                    product: activity.product_id,
                    quantity: activity.quantity,
                },
            ),
            Event::CartItemRemoved(activity) => (
                activity.user_id,
                None,
                at_ms,
                RecordKind::RemoveFromCart {
                    product: activity.product_id,
                    quantity: activity.quantity,
                },
            ),
            Event::CheckoutStarted(started) => {
                (started.user_id, None, at_ms, RecordKind::CheckoutStarted)
            }
            event => {
                let (user, kind) = Self::from_commerce(event)?;
                (user, None, at_ms, kind)
            }
        };
        Some(Record {
            at_ms,
            user,
            session,
            kind,
        })
    }

    fn from_commerce(event: &Event) -> Option<(Option<UserId>, RecordKind)> {
        let pair = match event {
            Event::OrderPlaced(placed) => {
                let lines = placed
                    .lines
                    .iter()
                    .map(|line| PurchaseLine {
                        product: line.product_id,
                        quantity: line.quantity,
                        amount: line.unit_price.checked_mul(line.quantity).unwrap_or(Money {
                            amount: u64::MAX,
                            currency: line.unit_price.currency,
                        }),
                    })
                    .collect();
                let kind = RecordKind::OrderPlaced {
                    order: placed.order_id,
                    total: placed.totals.total,
                    lines,
                    paid: placed.payment_status == PaymentStatus::Captured,
                };
                (placed.user_id, kind)
            }
            Event::OrderChanged(changed) => {
                let entry = &changed.entry;
                let kind = match entry.kind {
                    OrderEventKind::Paid => RecordKind::OrderPaid {
                        order: entry.order_id,
                        amount: entry.data.amount?,
                    },
                    OrderEventKind::Cancelled => RecordKind::OrderCancelled {
                        order: entry.order_id,
                    },
                    OrderEventKind::Refunded | OrderEventKind::PartiallyRefunded => {
                        RecordKind::OrderRefunded {
                            order: entry.order_id,
                            amount: entry.data.amount?,
                        }
                    }
                    OrderEventKind::Created
                    | OrderEventKind::Shipped
                    | OrderEventKind::Delivered => return None,
                };
                (changed.user_id, kind)
            }
            Event::PaymentFailed(failed) => (
                failed.user_id,
                RecordKind::PaymentFailed {
                    amount: failed.amount,
                },
            ),
            Event::UserRegistered { user_id } => (Some(*user_id), RecordKind::UserRegistered),
            Event::UserLoggedIn { user_id } => (Some(*user_id), RecordKind::UserLoggedIn),
            Event::CategoryCreated(_)
            | Event::ProductCreated(_)
            | Event::ProductUpdated { .. }
            | Event::StockAdjusted(_)
            | Event::LowStock(_)
            | Event::ReviewPosted { .. }
            | Event::HoldExpired(_) => return None,
            // Activity is mapped by `from_event`, with its session.
            Event::ProductViewed(_)
            | Event::SearchPerformed(_)
            | Event::CartItemAdded(_)
            | Event::CartItemRemoved(_)
            | Event::CheckoutStarted(_)
            | Event::Client(_) => return None,
        };
        Some(pair)
    }
}

/// A search query as the windows count it: folded (lower case, no accents), runs of
/// whitespace collapsed to one space, trimmed, at most [`QUERY_CHARS_MAX`] characters.
pub fn normalize_query(query: &str) -> String {
    let folded = fold(query);
    let mut normalized = String::with_capacity(folded.len().min(QUERY_CHARS_MAX * 4));
    for (count, word) in folded.split_whitespace().enumerate() {
        if count > 0 {
            normalized.push(' ');
        }
        normalized.push_str(word);
    }
    match normalized.char_indices().nth(QUERY_CHARS_MAX) {
        Some((cut, _)) => normalized[..cut].trim_end().to_string(),
        None => normalized,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Actor, CartId, Currency, OrderChanged, OrderEvent, OrderEventData, OrderPlaced,
        OrderStatus, PaymentMethod, PlacedLine, Timestamp, Totals,
    };

    #[test]
    fn queries_normalize() {
        assert_eq!(normalize_query("  Café   Crème "), "cafe creme");
        assert_eq!(normalize_query(""), "");
        let long = "a".repeat(500);
        assert_eq!(normalize_query(&long).chars().count(), QUERY_CHARS_MAX);
    }

    #[test]
    fn session_keys_are_stable() {
        assert_eq!(
            SessionKey::from_client("s-1"),
            SessionKey::from_client("s-1")
        );
        assert_ne!(
            SessionKey::from_client("s-1"),
            SessionKey::from_client("s-2")
        );
        // Pinned: checkpoints hold these keys, so the hash may never change.
        assert_eq!(
            SessionKey::from_client("").raw(),
            super::super::hll::mix64(0xcbf2_9ce4_8422_2325)
        );
    }

    #[test]
    fn domain_events_map() {
        let usd = |amount| Money::new(amount, Currency::USD);
        let placed = EventRecord {
            seq: 1,
            at: Timestamp::from_millis(5_000),
            event: Event::OrderPlaced(OrderPlaced {
                order_id: OrderId::from_raw(7),
                user_id: Some(UserId::from_raw(3)),
                cart_id: CartId::from_raw(1),
                status: OrderStatus::Paid,
                payment_method: PaymentMethod::Card,
                payment_status: PaymentStatus::Captured,
                totals: Totals {
                    total: usd(2_500),
                    ..Totals::zero(usd(0))
                },
                voucher: None,
                lines: vec![PlacedLine {
                    product_id: ProductId::from_raw(9),
                    quantity: 2,
                    unit_price: usd(1_250),
                }],
            }),
        };
        let record = Record::from_event(&placed).expect("an order maps");
        assert_eq!(record.at_ms, 5_000);
        assert_eq!(record.user, Some(UserId::from_raw(3)));
        assert_eq!(
            record.kind,
            RecordKind::OrderPlaced {
                order: OrderId::from_raw(7),
                total: usd(2_500),
                lines: vec![PurchaseLine {
                    product: ProductId::from_raw(9),
                    quantity: 2,
                    amount: usd(2_500),
                }],
                paid: true,
            }
        );
        let shipped = EventRecord {
            seq: 2,
            at: Timestamp::from_millis(6_000),
            event: Event::OrderChanged(OrderChanged {
                user_id: None,
                entry: OrderEvent {
                    seq: 2,
                    order_id: OrderId::from_raw(7),
                    kind: OrderEventKind::Shipped,
                    from_status: Some(OrderStatus::Paid),
                    to_status: OrderStatus::Shipped,
                    actor: Actor::System,
                    at: Timestamp::from_millis(6_000),
                    data: OrderEventData::default(),
                },
            }),
        };
        assert_eq!(Record::from_event(&shipped), None);
        let login = EventRecord {
            seq: 3,
            at: Timestamp::from_millis(7_000),
            event: Event::UserLoggedIn {
                user_id: UserId::from_raw(3),
            },
        };
        assert_eq!(
            Record::from_event(&login).map(|r| r.kind),
            Some(RecordKind::UserLoggedIn)
        );
    }
}
