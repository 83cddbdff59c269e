//! The listing index: every product's sort and filter keys in memory, with one ordered
//! set per sort, so a page is a range scan from the cursor rather than a sort.
//!
//! Cursors are keyset cursors (the last row's sort key and id), so pages never skip or
//! repeat a product while others are added or removed. Only active products are in the
//! ordered sets; every product is in `entries` (its version guards the cache).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{CategoryId, Product, ProductStatus, ValidationError, fold};

/// Most products on one page.
pub const PAGE_LIMIT_MAX: usize = 100;
/// Products on a page when the caller does not say.
pub const PAGE_LIMIT_DEFAULT: usize = 20;
/// Longest cursor accepted, in characters (a name key plus framing, hex-encoded).
const CURSOR_CHARS_MAX: usize = 2_048;

/// The order of a product listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProductSort {
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Most recently created first (the default).
    #[default]
    Newest,
    /// By name, case- and accent-insensitive.
    Name,
}

impl ProductSort {
    /// Parses the API word (`price_asc`, `price_desc`, `newest`, `name`).
    pub fn parse(word: &str) -> Option<ProductSort> {
        match word {
            "price_asc" => Some(ProductSort::PriceAsc),
            "price_desc" => Some(ProductSort::PriceDesc),
            "newest" => Some(ProductSort::Newest),
            "name" => Some(ProductSort::Name),
            _ => None,
        }
    }
}

/// A product listing request.
#[derive(Clone, Debug, Default)]
pub struct ProductQuery {
    /// Only this category and its descendants.
    pub category: Option<CategoryId>,
    /// Only this brand (case- and accent-insensitive).
    pub brand: Option<String>,
    /// Only prices at or above, in minor units.
    pub min_price: Option<u64>,
    /// Only prices at or below, in minor units.
    pub max_price: Option<u64>,
    /// Only products with stock available.
    pub in_stock: bool,
    /// The order.
    pub sort: ProductSort,
    /// Page size, 1–100.
    pub limit: usize,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

#[derive(Debug)]
struct Entry {
    version: u64,
    sku: Arc<str>,
    active: bool,
    price: u64,
    created: u64,
    category: CategoryId,
    brand_key: Option<Arc<str>>,
    name_key: Arc<str>,
}

/// The in-memory listing index.
#[derive(Debug, Default)]
pub(crate) struct ListIndex {
    entries: HashMap<u64, Entry>,
    by_price: BTreeSet<(u64, u64)>,
    by_created: BTreeSet<(u64, u64)>,
    by_name: BTreeSet<(Arc<str>, u64)>,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
enum CursorKey {
    PriceAsc(u64, u64),
    PriceDesc(u64, u64),
    Newest(u64, u64),
    Name(String, u64),
}

/// The filters of a query, resolved once per page.
pub(crate) struct Filter<'a> {
    pub(crate) categories: Option<HashSet<CategoryId>>,
    pub(crate) brand_key: Option<String>,
    pub(crate) min_price: u64,
    pub(crate) max_price: u64,
    pub(crate) in_stock: Option<&'a dyn Fn(u64) -> bool>,
}

impl ListIndex {
    /// Inserts or replaces `product`'s keys.
    pub(crate) fn upsert(&mut self, product: &Product) {
        let id = product.id.raw();
        self.remove_sorted(id);
        let entry = Entry {
            version: product.version,
            sku: product.sku.as_str().into(),
            active: product.status == ProductStatus::Active,
            price: product.price.amount,
            created: product.created_at.as_millis(),
            category: product.category_id,
            brand_key: product.brand.as_deref().map(|brand| fold(brand).into()),
            name_key: fold(&product.name).into(),
        };
        if entry.active {
            self.by_price.insert((entry.price, id));
            self.by_created.insert((entry.created, id));
            self.by_name.insert((Arc::clone(&entry.name_key), id));
        }
        self.entries.insert(id, entry);
    }

    fn remove_sorted(&mut self, id: u64) {
        if let Some(old) = self.entries.get(&id).filter(|entry| entry.active) {
            self.by_price.remove(&(old.price, id));
            self.by_created.remove(&(old.created, id));
            self.by_name.remove(&(Arc::clone(&old.name_key), id));
        }
    }

    /// The current version of product `id`, if it exists.
    pub(crate) fn version(&self, id: u64) -> Option<u64> {
        self.entries.get(&id).map(|entry| entry.version)
    }

    /// How many products exist (every status).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many products are active.
    pub(crate) fn active_len(&self) -> usize {
        self.by_price.len()
    }

    /// Every SKU (for rebuilding the bloom filter).
    pub(crate) fn skus(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(|entry| &*entry.sku)
    }

    /// One page of active product ids and the cursor of the next page.
    pub(crate) fn page(
        &self,
        sort: ProductSort,
        cursor: Option<&str>,
        limit: usize,
        filter: &Filter<'_>,
    ) -> Result<(Vec<u64>, Option<String>), ValidationError> {
        let after = cursor.map(|text| decode_cursor(text, sort)).transpose()?;
        let matches = |id: &u64| {
            self.entries
                .get(id)
                .is_some_and(|entry| filter.accepts(*id, entry))
        };
        let mut ids: Vec<u64> = match (sort, after) {
            (ProductSort::PriceAsc, after) => {
                let start = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.numeric()));
                let range = self.by_price.range((start, Bound::Unbounded));
                range
                    .map(|&(_, id)| id)
                    .filter(matches)
                    .take(limit + 1)
                    .collect()
            }
            (ProductSort::PriceDesc, after) => {
                let end = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.numeric()));
                let range = self.by_price.range((Bound::Unbounded, end)).rev();
                range
                    .map(|&(_, id)| id)
                    .filter(matches)
                    .take(limit + 1)
                    .collect()
            }
            (ProductSort::Newest, after) => {
                let end = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.numeric()));
                let range = self.by_created.range((Bound::Unbounded, end)).rev();
                range
                    .map(|&(_, id)| id)
                    .filter(matches)
                    .take(limit + 1)
                    .collect()
            }
            (ProductSort::Name, after) => {
                let start = match after {
                    Some(CursorKey::Name(name, id)) => Bound::Excluded((Arc::from(name), id)),
                    _ => Bound::Unbounded,
                };
                let range = self.by_name.range((start, Bound::Unbounded));
                range
                    .map(|(_, id)| *id)
                    .filter(matches)
                    .take(limit + 1)
                    .collect()
            }
        };
        let next = if ids.len() > limit {
            ids.truncate(limit);
            ids.last().and_then(|id| self.cursor_after(sort, *id))
        } else {
            None
        };
        Ok((ids, next))
    }

    fn cursor_after(&self, sort: ProductSort, id: u64) -> Option<String> {
        let entry = self.entries.get(&id)?;
        let key = match sort {
            ProductSort::PriceAsc => CursorKey::PriceAsc(entry.price, id),
            ProductSort::PriceDesc => CursorKey::PriceDesc(entry.price, id),
            ProductSort::Newest => CursorKey::Newest(entry.created, id),
            ProductSort::Name => CursorKey::Name(entry.name_key.to_string(), id),
        };
        Some(encode_cursor(&key))
    }
}

impl Filter<'_> {
    fn accepts(&self, id: u64, entry: &Entry) -> bool {
        entry.price >= self.min_price
            && entry.price <= self.max_price
            && self
                .categories
                .as_ref()
                .is_none_or(|set| set.contains(&entry.category))
            && self
                .brand_key
                .as_deref()
                .is_none_or(|brand| entry.brand_key.as_deref() == Some(brand))
            && self.in_stock.is_none_or(|in_stock| in_stock(id))
    }
}

impl CursorKey {
    fn numeric(&self) -> (u64, u64) {
        match self {
            CursorKey::PriceAsc(key, id)
            | CursorKey::PriceDesc(key, id)
            | CursorKey::Newest(key, id) => (*key, *id),
            CursorKey::Name(_, id) => (0, *id),
        }
    }

    fn sort(&self) -> ProductSort {
        match self {
            CursorKey::PriceAsc(..) => ProductSort::PriceAsc,
            CursorKey::PriceDesc(..) => ProductSort::PriceDesc,
            CursorKey::Newest(..) => ProductSort::Newest,
            CursorKey::Name(..) => ProductSort::Name,
        }
    }
}

/// A cursor is hex of postcard bytes plus a checksum, so a cursor that was not made
/// here (or made for another sort) is refused instead of misread.
fn encode_cursor(key: &CursorKey) -> String {
    let mut bytes = postcard::to_allocvec(key).expect("cursor keys always serialize");
    bytes.extend_from_slice(&checksum(&bytes).to_le_bytes());
    crate::model::hex_encode(&bytes)
}

fn decode_cursor(text: &str, sort: ProductSort) -> Result<CursorKey, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "invalid",
            "`cursor` is not a cursor of this listing",
        )
    };
    if text.len() > CURSOR_CHARS_MAX {
        return Err(invalid());
    }
    let bytes = crate::model::hex_decode(text).ok_or_else(invalid)?;
    let (body, sum) = bytes
        .split_at_checked(bytes.len().checked_sub(4).ok_or_else(invalid)?)
        .ok_or_else(invalid)?;
    if sum != checksum(body).to_le_bytes() {
        return Err(invalid());
    }
    let key: CursorKey = postcard::from_bytes(body).map_err(|_| invalid())?;
    if key.sort() != sort {
        return Err(invalid());
    }
    Ok(key)
}

/// FNV-1a: not a secret, only a guard against corrupted or hand-edited cursors.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}
