//! The input of the analytics windows: one [`Record`] per thing that happened, with its
//! event time, and its mapping from the engine's domain events.

use serde::{Deserialize, Serialize};

use crate::model::{
    Event, EventRecord, Money, OrderEventKind, OrderId, PaymentStatus, PlacedLine, ProductId,
    UserId, Visitor, fold,
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

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

impl SessionKey {
    /// The key of a client-supplied session id (FNV-1a, then a 64-bit mix). The hash is
    /// fixed forever, so keys in checkpoints stay valid across releases.
    pub fn from_client(session_id: &str) -> SessionKey {
        let mut hash = FNV_OFFSET;
        for byte in session_id.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
        SessionKey(super::hll::mix64(hash))
    }

    /// [`SessionKey::from_client`] of four ids at once. FNV-1a is one long chain of
    /// dependent multiplies per id; hashing four ids in one loop runs four chains side
    /// by side, so a 36-byte UUID costs about a quarter of its latency.
    pub(crate) fn from_clients(ids: [&str; 4]) -> [SessionKey; 4] {
        let bytes = ids.map(str::as_bytes);
        let common = bytes.iter().map(|b| b.len()).min().unwrap_or(0);
        let [a, b, c, d] = bytes.map(|b| &b[..common]);
        let [mut ha, mut hb, mut hc, mut hd] = [FNV_OFFSET; 4];
        let step = |hash: u64, byte: u8| (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        for (((&xa, &xb), &xc), &xd) in a.iter().zip(b).zip(c).zip(d) {
            ha = step(ha, xa);
            hb = step(hb, xb);
            hc = step(hc, xc);
            hd = step(hd, xd);
        }
        let hashes = [ha, hb, hc, hd];
        let mut keys = [SessionKey(0); 4];
        for ((key, mut hash), tail) in keys.iter_mut().zip(hashes).zip(bytes) {
            for &byte in &tail[common..] {
                hash = step(hash, byte);
            }
            *key = SessionKey(super::hll::mix64(hash));
        }
        keys
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
        Input::from_event(record).map(|input| input.to_record())
    }
}

/// A record's content borrowed from a [`Record`] or straight from a domain event: the
/// one input of [`super::Analytics`]'s ingest, so the engine's path
/// ([`super::Analytics::ingest_events`]) maps events without building records, and
/// [`Record::from_event`] is this mapping plus copies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Input<'a> {
    pub(crate) at_ms: u64,
    pub(crate) user: Option<UserId>,
    pub(crate) session: Option<SessionRef<'a>>,
    pub(crate) kind: InputKind<'a>,
}

/// A session as the input names it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SessionRef<'a> {
    /// Already keyed.
    Key(SessionKey),
    /// A client's session id, keyed with [`SessionKey::from_client`].
    Client(&'a str),
}

/// A search query as the input holds it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum QueryText<'a> {
    /// Already normalized with [`normalize_query`].
    Normalized(&'a str),
    /// As typed.
    Raw(&'a str),
}

/// Order lines as the input holds them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lines<'a> {
    Purchases(&'a [PurchaseLine]),
    Placed(&'a [PlacedLine]),
}

impl Lines<'_> {
    /// Calls `each` on the first `max` lines, in order.
    #[inline]
    pub(crate) fn for_each(self, max: usize, mut each: impl FnMut(PurchaseLine)) {
        match self {
            Lines::Purchases(lines) => lines.iter().take(max).for_each(|line| each(*line)),
            Lines::Placed(lines) => lines
                .iter()
                .take(max)
                .for_each(|line| each(purchase_line(line))),
        }
    }
}

/// What a placed line counts as: its amount is unit price × quantity, saturated at
/// `u64::MAX` minor units.
fn purchase_line(line: &PlacedLine) -> PurchaseLine {
    PurchaseLine {
        product: line.product_id,
        quantity: line.quantity,
        amount: line.unit_price.checked_mul(line.quantity).unwrap_or(Money {
            amount: u64::MAX,
            currency: line.unit_price.currency,
        }),
    }
}

/// [`RecordKind`] with borrowed order lines and query text.
#[derive(Clone, Copy, Debug)]
pub(crate) enum InputKind<'a> {
    View(ProductId),
    AddToCart {
        product: ProductId,
        quantity: u64,
    },
    RemoveFromCart {
        product: ProductId,
        quantity: u64,
    },
    Checkout,
    Placed {
        order: OrderId,
        total: Money,
        lines: Lines<'a>,
        paid: bool,
    },
    Paid {
        order: OrderId,
        amount: Money,
    },
    Cancelled(OrderId),
    Refunded {
        order: OrderId,
        amount: Money,
    },
    PaymentFailed(Money),
    Search {
        query: QueryText<'a>,
        results: u64,
        took_us: u64,
    },
    Registered,
    LoggedIn,
    PageView,
}

impl InputKind<'_> {
    /// The most order lines ingest stages for this input, when it keeps at most `max`
    /// of an order.
    #[inline]
    pub(crate) fn lines_max(&self, max: usize) -> usize {
        match self {
            InputKind::Placed {
                lines: Lines::Purchases(lines),
                ..
            } => lines.len().min(max),
            InputKind::Placed {
                lines: Lines::Placed(lines),
                ..
            } => lines.len().min(max),
            _ => 0,
        }
    }
}

impl<'a> Input<'a> {
    /// The input a record holds.
    pub(crate) fn from_record(record: &'a Record) -> Input<'a> {
        let kind = match &record.kind {
            RecordKind::ProductView { product } => InputKind::View(*product),
            &RecordKind::AddToCart { product, quantity } => {
                InputKind::AddToCart { product, quantity }
            }
            &RecordKind::RemoveFromCart { product, quantity } => {
                InputKind::RemoveFromCart { product, quantity }
            }
            RecordKind::CheckoutStarted => InputKind::Checkout,
            RecordKind::OrderPlaced {
                order,
                total,
                lines,
                paid,
            } => InputKind::Placed {
                order: *order,
                total: *total,
                lines: Lines::Purchases(lines),
                paid: *paid,
            },
            &RecordKind::OrderPaid { order, amount } => InputKind::Paid { order, amount },
            &RecordKind::OrderCancelled { order } => InputKind::Cancelled(order),
            &RecordKind::OrderRefunded { order, amount } => InputKind::Refunded { order, amount },
            &RecordKind::PaymentFailed { amount } => InputKind::PaymentFailed(amount),
            RecordKind::Search {
                query,
                results,
                took_us,
            } => InputKind::Search {
                query: QueryText::Normalized(query),
                results: *results,
                took_us: *took_us,
            },
            RecordKind::UserRegistered => InputKind::Registered,
            RecordKind::UserLoggedIn => InputKind::LoggedIn,
            RecordKind::PageView => InputKind::PageView,
        };
        Input {
            at_ms: record.at_ms,
            user: record.user,
            session: record.session.map(SessionRef::Key),
            kind,
        }
    }

    /// The input a committed domain event stands for (see [`Record::from_event`]).
    #[inline]
    pub(crate) fn from_event(record: &'a EventRecord) -> Option<Input<'a>> {
        // Commit time, read only for the events timed by it: the client-timed ones
        // (most of them) then touch nothing past the event's first cache lines.
        let committed = || record.at.as_millis();
        let visited = |visitor: &'a Visitor| {
            (
                visitor.user_id,
                visitor.session_id.as_deref().map(SessionRef::Client),
            )
        };
        let (user, session, at_ms, kind) = match &record.event {
            Event::ProductViewed(viewed) => {
                let (user, session) = visited(&viewed.visitor);
                let kind = InputKind::View(viewed.product_id);
                (user, session, viewed.at.as_millis(), kind)
            }
            Event::Client(client) => {
                let (user, session) = visited(&client.visitor);
                (user, session, client.at.as_millis(), InputKind::PageView)
            }
            Event::SearchPerformed(search) => {
                let (user, session) = visited(&search.visitor);
                let kind = InputKind::Search {
                    query: QueryText::Raw(&search.query),
                    results: search.results,
                    took_us: search.took_us,
                };
                (user, session, committed(), kind)
            }
            Event::CartItemAdded(activity) => (
                activity.user_id,
                None,
                committed(),
                InputKind::AddToCart {
                    product: activity.product_id,
                    quantity: activity.quantity,
                },
            ),
            Event::CartItemRemoved(activity) => (
                activity.user_id,
                None,
                committed(),
                InputKind::RemoveFromCart {
                    product: activity.product_id,
                    quantity: activity.quantity,
                },
            ),
            Event::CheckoutStarted(started) => {
                (started.user_id, None, committed(), InputKind::Checkout)
            }
            event => {
                let (user, kind) = Self::from_commerce(event)?;
                (user, None, committed(), kind)
            }
        };
        Some(Input {
            at_ms,
            user,
            session,
            kind,
        })
    }

    fn from_commerce(event: &'a Event) -> Option<(Option<UserId>, InputKind<'a>)> {
        let pair = match event {
            Event::OrderPlaced(placed) => {
                let kind = InputKind::Placed {
                    order: placed.order_id,
                    total: placed.totals.total,
                    lines: Lines::Placed(&placed.lines),
                    paid: placed.payment_status == PaymentStatus::Captured,
                };
                (placed.user_id, kind)
            }
            Event::OrderChanged(changed) => {
                let entry = &changed.entry;
                let kind = match entry.kind {
                    OrderEventKind::Paid => InputKind::Paid {
                        order: entry.order_id,
                        amount: entry.data.amount?,
                    },
                    OrderEventKind::Cancelled => InputKind::Cancelled(entry.order_id),
                    OrderEventKind::Refunded | OrderEventKind::PartiallyRefunded => {
                        InputKind::Refunded {
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
            Event::PaymentFailed(failed) => {
                (failed.user_id, InputKind::PaymentFailed(failed.amount))
            }
            Event::UserRegistered { user_id } => (Some(*user_id), InputKind::Registered),
            Event::UserLoggedIn { user_id } => (Some(*user_id), InputKind::LoggedIn),
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

    /// The owned record: sessions keyed, queries normalized, lines copied.
    pub(crate) fn to_record(self) -> Record {
        let kind = match self.kind {
            InputKind::View(product) => RecordKind::ProductView { product },
            InputKind::AddToCart { product, quantity } => {
                RecordKind::AddToCart { product, quantity }
            }
            InputKind::RemoveFromCart { product, quantity } => {
                RecordKind::RemoveFromCart { product, quantity }
            }
            InputKind::Checkout => RecordKind::CheckoutStarted,
            InputKind::Placed {
                order,
                total,
                lines,
                paid,
            } => {
                let mut copied = Vec::new();
                lines.for_each(usize::MAX, |line| copied.push(line));
                RecordKind::OrderPlaced {
                    order,
                    total,
                    lines: copied,
                    paid,
                }
            }
            InputKind::Paid { order, amount } => RecordKind::OrderPaid { order, amount },
            InputKind::Cancelled(order) => RecordKind::OrderCancelled { order },
            InputKind::Refunded { order, amount } => RecordKind::OrderRefunded { order, amount },
            InputKind::PaymentFailed(amount) => RecordKind::PaymentFailed { amount },
            InputKind::Search {
                query,
                results,
                took_us,
            } => RecordKind::Search {
                query: match query {
                    QueryText::Normalized(query) => query.to_string(),
                    QueryText::Raw(query) => normalize_query(query),
                },
                results,
                took_us,
            },
            InputKind::Registered => RecordKind::UserRegistered,
            InputKind::LoggedIn => RecordKind::UserLoggedIn,
            InputKind::PageView => RecordKind::PageView,
        };
        Record {
            at_ms: self.at_ms,
            user: self.user,
            session: self.session.map(SessionRef::key),
            kind,
        }
    }
}

impl SessionRef<'_> {
    /// The session's key.
    #[inline]
    pub(crate) fn key(self) -> SessionKey {
        match self {
            SessionRef::Key(key) => key,
            SessionRef::Client(id) => SessionKey::from_client(id),
        }
    }
}

/// A search query as the windows count it: folded (lower case, no accents), runs of
/// whitespace collapsed to one space, trimmed, at most [`QUERY_CHARS_MAX`] characters.
pub fn normalize_query(query: &str) -> String {
    let mut normalized = String::new();
    normalize_query_into(query, &mut normalized);
    normalized
}

/// [`normalize_query`] into a reused buffer; ASCII queries (nearly all of them) are
/// folded and collapsed in one pass without allocating.
pub(crate) fn normalize_query_into(query: &str, normalized: &mut String) {
    normalized.clear();
    let folded;
    let text = if query.is_ascii() {
        query
    } else {
        folded = fold(query);
        &folded
    };
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            normalized.push(' ');
        }
        // Folding an ASCII word is lower-casing it (a folded word is lower case already).
        normalized.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    // A string of at most QUERY_CHARS_MAX bytes has at most that many characters.
    if normalized.len() > QUERY_CHARS_MAX {
        if let Some((cut, _)) = normalized.char_indices().nth(QUERY_CHARS_MAX) {
            normalized.truncate(cut);
            let kept = normalized.trim_end().len();
            normalized.truncate(kept);
        }
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
    fn four_at_once_is_one_at_a_time() {
        let sets = [
            ["", "a", "s-1", "0f1e2d3c-4b5a-4697-a887-766554433221"],
            ["abc", "abc", "abd", "ab"],
            ["café", "x", "a much longer session id than the others", "y"],
        ];
        for ids in sets {
            assert_eq!(
                SessionKey::from_clients(ids),
                ids.map(SessionKey::from_client),
                "{ids:?}"
            );
        }
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
