//! Every redb table of the engine, in one place.
//!
//! Keys are fixed-width big-endian integers where order matters (ids are handed out in
//! sequence, so inserts append at the right edge of the B-tree). Every value is a
//! record encoded by [`super::codec`], behind its one-byte format version.

use redb::TableDefinition;

/// Store-wide facts: the format version, id counters.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Product id → product record.
pub(crate) const PRODUCTS: TableDefinition<u64, &[u8]> = TableDefinition::new("products");
/// SKU → product id: the uniqueness constraint and the lookup by SKU.
pub(crate) const SKUS: TableDefinition<&str, u64> = TableDefinition::new("skus");
/// Category id → category record.
pub(crate) const CATEGORIES: TableDefinition<u64, &[u8]> = TableDefinition::new("categories");
/// (parent category id or 0 at the root, name) → category id: finds a child by name,
/// and makes names unique among siblings.
pub(crate) const CATEGORY_CHILDREN: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("category_children");
/// Product id → durable stock record (on hand, sold).
pub(crate) const STOCK: TableDefinition<u64, &[u8]> = TableDefinition::new("stock");
/// Event sequence number → event record: the outbox and the domain event log.
pub(crate) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Subscriber name → the last event sequence number it has durably applied.
pub(crate) const OFFSETS: TableDefinition<&str, u64> = TableDefinition::new("offsets");
/// Subscriber name → its read model's checkpoint, written in the same transaction as
/// its `OFFSETS` entry, so state and offset always match.
pub(crate) const CHECKPOINTS: TableDefinition<&str, &[u8]> = TableDefinition::new("checkpoints");

/// `META` key of the store format version.
pub(crate) const META_FORMAT_VERSION: &str = "format_version";
/// `META` key of the next event sequence number.
pub(crate) const META_NEXT_EVENT_SEQ: &str = "next_event_seq";
/// `META` key of the next product id.
pub(crate) const META_NEXT_PRODUCT_ID: &str = "next_product_id";
/// `META` key of the next category id.
pub(crate) const META_NEXT_CATEGORY_ID: &str = "next_category_id";

// ---- users (owned by `crate::users`) ----

/// User id → user record (the public user plus its argon2id PHC password hash).
pub(crate) const USERS: TableDefinition<u64, &[u8]> = TableDefinition::new("users");
/// Normalized email → user id: the uniqueness constraint and the lookup at login.
pub(crate) const USER_EMAILS: TableDefinition<&str, u64> = TableDefinition::new("user_emails");
/// SHA-256 of a session token → session record. Tokens themselves are never stored.
pub(crate) const SESSIONS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("sessions");
/// (user id, token digest) → session expiry in ms: one account's sessions, for the
/// per-account cap and for role changes.
pub(crate) const USER_SESSIONS: TableDefinition<(u64, [u8; 32]), u64> =
    TableDefinition::new("user_sessions");
/// (user id, address id) → address record: an account's addresses in creation order.
pub(crate) const ADDRESSES: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("addresses");

// ---- commerce: carts, vouchers, orders, idempotency, stock ledger (owned by
// `crate::cart`, `crate::orders`, `crate::checkout`, `crate::inventory`) ----

/// Cart id → cart record (lines, voucher, version, status).
pub(crate) const CARTS: TableDefinition<u64, &[u8]> = TableDefinition::new("carts");
/// Voucher id → voucher record.
pub(crate) const VOUCHERS: TableDefinition<u64, &[u8]> = TableDefinition::new("vouchers");
/// Lower-cased voucher code → voucher id: case-insensitive uniqueness and lookup.
pub(crate) const VOUCHER_CODES: TableDefinition<&str, u64> = TableDefinition::new("voucher_codes");
/// (voucher id, user id or 0 for the total) → uses committed by checkouts.
pub(crate) const VOUCHER_USES: TableDefinition<(u64, u64), u64> =
    TableDefinition::new("voucher_uses");
/// Order id → order record (lines, totals, the payment and its transaction history).
pub(crate) const ORDERS: TableDefinition<u64, &[u8]> = TableDefinition::new("orders");
/// (order id, n from 1) → order-log entry: every state change, append-only.
pub(crate) const ORDER_LOG: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("order_log");
/// (user id, order id) → (): a user's orders, newest last.
pub(crate) const USER_ORDERS: TableDefinition<(u64, u64), ()> = TableDefinition::new("user_orders");
/// Scoped idempotency key → record (request hash, the response or a reference to it,
/// creation time), committed with the effect it describes.
pub(crate) const IDEMPOTENCY: TableDefinition<&str, &[u8]> = TableDefinition::new("idempotency");
/// (product id, n from 1) → stock-ledger entry of an admin adjustment.
pub(crate) const STOCK_LEDGER: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("stock_ledger");

/// Creates the commerce tables (called by `prepare` when the store opens), so that
/// readers never meet a missing table.
pub(crate) fn create_commerce_tables(txn: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(CARTS)?;
    txn.open_table(VOUCHERS)?;
    txn.open_table(VOUCHER_CODES)?;
    txn.open_table(VOUCHER_USES)?;
    txn.open_table(ORDERS)?;
    txn.open_table(ORDER_LOG)?;
    txn.open_table(USER_ORDERS)?;
    txn.open_table(IDEMPOTENCY)?;
    txn.open_table(STOCK_LEDGER)?;
    Ok(())
}

// ---- reviews (owned by `crate::reviews`); created by the first review's write, so
// readers treat a missing table as empty ----

/// Review id → review record.
pub(crate) const REVIEWS: TableDefinition<u64, &[u8]> = TableDefinition::new("reviews");
/// (product id, review id) → rating: a product's reviews in posting order (listed
/// newest first), and all that is needed to rebuild the rating aggregates on open.
pub(crate) const PRODUCT_REVIEWS: TableDefinition<(u64, u64), u8> =
    TableDefinition::new("product_reviews");
/// (product id, user id) → review id: one review per user per product.
pub(crate) const REVIEW_AUTHORS: TableDefinition<(u64, u64), u64> =
    TableDefinition::new("review_authors");

// ---- notifications (owned by `crate::notifications`, which creates its table when the
// engine opens) ----

/// Notification id → its durable delivery outcome (sent, failed or skipped, with
/// attempts, last error and time). A message with a row here is never sent again.
pub(crate) const NOTIFICATION_DELIVERIES: TableDefinition<u64, &[u8]> =
    TableDefinition::new("notification_deliveries");

/// Something done to every table in turn (a backup's copy, a restore's row count).
pub(crate) trait TableVisitor {
    /// Called once for each table definition.
    fn visit<K: redb::Key + 'static, V: redb::Value + 'static>(
        &mut self,
        table: TableDefinition<K, V>,
    ) -> Result<(), super::StoreError>;
}

/// Visits every table declared in this file. A new table goes here too: a backup
/// refuses to finish when the store holds a table this list does not name.
pub(crate) fn for_each_table(visitor: &mut impl TableVisitor) -> Result<(), super::StoreError> {
    visitor.visit(META)?;
    visitor.visit(PRODUCTS)?;
    visitor.visit(SKUS)?;
    visitor.visit(CATEGORIES)?;
    visitor.visit(CATEGORY_CHILDREN)?;
    visitor.visit(STOCK)?;
    visitor.visit(EVENTS)?;
    visitor.visit(OFFSETS)?;
    visitor.visit(CHECKPOINTS)?;
    visitor.visit(USERS)?;
    visitor.visit(USER_EMAILS)?;
    visitor.visit(SESSIONS)?;
    visitor.visit(USER_SESSIONS)?;
    visitor.visit(ADDRESSES)?;
    visitor.visit(CARTS)?;
    visitor.visit(VOUCHERS)?;
    visitor.visit(VOUCHER_CODES)?;
    visitor.visit(VOUCHER_USES)?;
    visitor.visit(ORDERS)?;
    visitor.visit(ORDER_LOG)?;
    visitor.visit(USER_ORDERS)?;
    visitor.visit(IDEMPOTENCY)?;
    visitor.visit(STOCK_LEDGER)?;
    visitor.visit(REVIEWS)?;
    visitor.visit(PRODUCT_REVIEWS)?;
    visitor.visit(REVIEW_AUTHORS)?;
    visitor.visit(NOTIFICATION_DELIVERIES)?;
    Ok(())
}
