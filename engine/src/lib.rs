//! Emporium: a commerce engine in one process.
//!
//! Catalog, search, inventory, carts, checkout, orders and their events live in one
//! embedded engine over one redb store. Every hot path is a function call and a lock,
//! not a network hop; durability comes from one writer thread that group-commits every
//! concurrent write into one fsync (acknowledged means on disk).
//!
//! ```
//! use emporium::{Engine, NewProduct, CategoryRef, Money, Currency, ProductQuery};
//!
//! # fn main() -> emporium::Result<()> {
//! let engine = Engine::open_in_memory()?;
//! let product = engine.create_product(NewProduct {
//!     sku: "HP-100".into(),
//!     name: "Studio Headphones Pro".into(),
//!     description: "Closed-back monitoring headphones.".into(),
//!     brand: Some("Acme Audio".into()),
//!     category: CategoryRef::Path("Electronics/Audio".into()),
//!     price: Money::new(19_900, Currency::USD),
//!     attributes: Default::default(),
//!     images: Vec::new(),
//!     stock: 25,
//!     status: Default::default(),
//! })?;
//! assert_eq!(engine.product(product.id)?.map(|p| p.sku.clone()), Some("HP-100".into()));
//! let page = engine.list_products(&ProductQuery { limit: 10, ..Default::default() })?;
//! assert_eq!(page.products.len(), 1);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod catalog;
mod engine;
mod error;
mod inventory;
pub mod model;
pub mod store;

pub use catalog::{
    CatalogError, CategoryView, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, ProductPage, ProductQuery,
    ProductSort,
};
pub use engine::{Config, Engine, ImportRejection, ImportReport};
pub use error::{Error, Result};
pub use inventory::StockLevel;
pub use model::{
    Category, CategoryId, CategoryRef, Currency, Event, EventRecord, Money, NewProduct, Product,
    ProductId, ProductPatch, ProductStatus, Timestamp, ValidationError,
};
pub use store::{StoreError, StoreLocation};
