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

/// `META` key of the store format version.
pub(crate) const META_FORMAT_VERSION: &str = "format_version";
/// `META` key of the next event sequence number.
pub(crate) const META_NEXT_EVENT_SEQ: &str = "next_event_seq";
/// `META` key of the next product id.
pub(crate) const META_NEXT_PRODUCT_ID: &str = "next_product_id";
/// `META` key of the next category id.
pub(crate) const META_NEXT_CATEGORY_ID: &str = "next_category_id";
