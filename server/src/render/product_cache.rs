//! Rendered `GET /v1/products/{id}` bodies, reused while nothing in them changed.
//!
//! Serializing a product (two RFC 3339 timestamps, escaped text, attributes) was the
//! largest share of a product read's CPU under load. A body depends only on the product
//! record and its live stock, so it is kept with both and reused when the engine hands
//! back the same record (`Arc::ptr_eq`: records are immutable behind their `Arc`, and
//! holding the `Arc` keeps the pointer from being reused) and the stock is equal. Any
//! write gives the product a new record, so a stale body can never be served.
//!
//! The cache is direct-mapped: a fixed array of slots chosen by a hash of the product
//! id, each behind its own mutex (held for a pointer compare and a refcount increment),
//! so memory is bounded by `SLOTS` bodies and a collision simply replaces the entry.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use emporium::{Product, StockLevel};

use super::ProductView;

/// Slots in the cache: the hot set of a shop's product pages fits, and the memory stays
/// a few megabytes (one body is about a kilobyte).
const SLOT_BITS: u32 = 12;
const SLOTS: usize = 1 << SLOT_BITS;

struct Entry {
    product: Arc<Product>,
    stock: StockLevel,
    body: Bytes,
}

/// Product bodies by product (see the module docs).
pub struct ProductBodies {
    slots: Box<[Mutex<Option<Entry>>]>,
}

impl Default for ProductBodies {
    fn default() -> Self {
        ProductBodies {
            slots: (0..SLOTS).map(|_| Mutex::new(None)).collect(),
        }
    }
}

impl std::fmt::Debug for ProductBodies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductBodies").finish_non_exhaustive()
    }
}

impl ProductBodies {
    /// The JSON body of `product` with `stock`, as `render::json` would write it;
    /// `None` if it cannot be serialized (the caller then answers as `json` does).
    pub fn body(&self, product: &Arc<Product>, stock: StockLevel) -> Option<Bytes> {
        // Fibonacci hashing spreads sequential ids over the slots.
        let hash = product.id.raw().wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &self.slots[(hash >> (u64::BITS - SLOT_BITS)) as usize];
        // A panic while the lock was held cannot leave an entry half-written (it is
        // replaced whole), so a poisoned slot is still sound.
        if let Some(entry) = slot.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && Arc::ptr_eq(&entry.product, product)
            && entry.stock == stock
        {
            return Some(entry.body.clone());
        }
        let body = Bytes::from(serde_json::to_vec(&ProductView::new(product, stock)).ok()?);
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Entry {
            product: Arc::clone(product),
            stock,
            body: body.clone(),
        });
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emporium::{CategoryRef, Currency, Engine, Money, NewProduct, ProductPatch, ProductStatus};

    fn engine_with_product() -> (Engine, Arc<Product>) {
        let engine = Engine::open_in_memory().expect("engine");
        let product = engine
            .create_product(NewProduct {
                sku: "MUG-1".into(),
                name: "Mug \"Grande\"".into(),
                description: "Stoneware, 400 ml.".into(),
                brand: Some("Acme".into()),
                category: CategoryRef::Path("Home/Kitchen".into()),
                price: Money::new(1250, Currency::USD),
                attributes: [("color".to_string(), "blue".to_string())].into(),
                images: vec!["https://img.example/mug.jpg".into()],
                stock: 5,
                status: ProductStatus::Active,
            })
            .expect("create");
        let product = engine.product(product.id).expect("read").expect("exists");
        (engine, product)
    }

    fn fresh(product: &Product, stock: StockLevel) -> Vec<u8> {
        serde_json::to_vec(&ProductView::new(product, stock)).expect("json")
    }

    #[test]
    fn a_body_is_the_fresh_rendering_and_follows_stock_and_writes() {
        let (engine, product) = engine_with_product();
        let bodies = ProductBodies::default();
        let stock = engine.stock(product.id);
        assert_eq!(
            bodies.body(&product, stock).expect("body"),
            fresh(&product, stock)
        );
        // The same record and stock: the very same bytes, not a new rendering.
        let first = bodies.body(&product, stock).expect("body");
        let again = bodies.body(&product, stock).expect("body");
        assert_eq!(first.as_ptr(), again.as_ptr());

        let changed = StockLevel {
            on_hand: stock.on_hand - 1,
            available: stock.available - 1,
            ..stock
        };
        let body = bodies.body(&product, changed).expect("body");
        assert_eq!(body, fresh(&product, changed));
        assert_ne!(body, first);

        let patch = ProductPatch {
            name: Some("Mug Venti".into()),
            ..ProductPatch::default()
        };
        let updated = engine
            .update_product(product.id, patch, None)
            .expect("update");
        let current = engine.product(product.id).expect("read").expect("exists");
        let body = bodies.body(&current, changed).expect("body");
        assert_eq!(body, fresh(&updated, changed));
        assert!(String::from_utf8_lossy(&body).contains("Mug Venti"));
    }
}
