//! The catalog: products and categories, the hot-product cache, the SKU bloom filter,
//! and the in-memory listing index.
//!
//! The store is the truth. Every write is a committer job that validates against the
//! store inside the batch's transaction (so two creations of one SKU in one batch still
//! collide), writes the records and their events, and, once committed, updates the
//! in-memory read models in commit order. Reads never wait for the writer: cache, bloom
//! filter, tree and listing index are read under their own short locks, and a cache
//! miss reads a redb snapshot.

mod bloom;
mod cache;
mod categories;
mod list;

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::RwLock;
use redb::ReadableTable;

pub use categories::CategoryView;
pub use list::{PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, ProductQuery, ProductSort};

use crate::inventory::{Inventory, StockRecord};
use crate::model::validate_category;
use crate::model::{
    Category, CategoryId, CategoryRef, Event, NewProduct, Product, ProductId, ProductPatch,
    ValidationError, fold,
};
use crate::store::codec::encode;
use crate::store::{Counter, Store, StoreError, Tx, decode_from, tables};
use crate::{Error, Result};
use bloom::Bloom;
use cache::ProductCache;
use categories::CategoryTree;
use list::{Filter, ListIndex};

/// A catalog failure that is not a validation error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// No product has this id.
    #[error("no product `{id}`")]
    ProductNotFound {
        /// The id asked for.
        id: String,
    },
    /// No category has this id.
    #[error("no category `{id}`")]
    CategoryNotFound {
        /// The id asked for.
        id: String,
        /// The request field that named it.
        field: &'static str,
    },
    /// Another product already has this SKU.
    #[error("a product with SKU `{sku}` already exists")]
    DuplicateSku {
        /// The SKU.
        sku: String,
    },
    /// The parent already has a child category with this name.
    #[error("category `{name}` already exists here")]
    DuplicateCategory {
        /// The name.
        name: String,
        /// The existing category.
        existing: CategoryId,
    },
    /// The caller expected another version of the product.
    #[error("product is at version {current}, not {expected}")]
    VersionMismatch {
        /// The version the caller named.
        expected: u64,
        /// The version stored.
        current: u64,
    },
}

/// One page of a product listing.
#[derive(Clone, Debug)]
pub struct ProductPage {
    /// The products, in order.
    pub products: Vec<Arc<Product>>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// What a committed product write returns: the product and its event's sequence number
/// (to wait for search to include it).
pub(crate) struct Written<T> {
    pub(crate) value: T,
    pub(crate) seq: u64,
    categories: Vec<Category>,
    /// The on-hand stock of a product this write created (its stock cell is made after
    /// the commit).
    created_stock: Option<u64>,
}

struct State {
    tree: RwLock<CategoryTree>,
    list: RwLock<ListIndex>,
    cache: ProductCache,
    bloom: RwLock<Arc<Bloom>>,
    inventory: Arc<Inventory>,
}

/// The catalog's in-memory read models and its write paths.
#[derive(Clone)]
pub(crate) struct Catalog {
    state: Arc<State>,
}

impl Catalog {
    /// Loads the read models from one snapshot of the store.
    pub(crate) fn load(
        store: &Store,
        inventory: Arc<Inventory>,
        cache_capacity: usize,
    ) -> Result<Catalog> {
        let txn = store.read()?;
        let mut tree = CategoryTree::default();
        let mut categories: Vec<Category> = Vec::new();
        for entry in txn
            .open_table(tables::CATEGORIES)
            .map_err(StoreError::from)?
            .iter()
            .map_err(StoreError::from)?
        {
            let (_, value) = entry.map_err(StoreError::from)?;
            categories.push(decode_from("categories", value.value())?);
        }
        // Ids grow with creation and a parent is created before its children.
        categories.sort_by_key(|category| category.id);
        categories
            .into_iter()
            .for_each(|category| tree.insert(category));
        let mut list = ListIndex::default();
        for entry in txn
            .open_table(tables::PRODUCTS)
            .map_err(StoreError::from)?
            .iter()
            .map_err(StoreError::from)?
        {
            let (_, value) = entry.map_err(StoreError::from)?;
            list.upsert(&decode_from::<Product>("products", value.value())?);
        }
        for entry in txn
            .open_table(tables::STOCK)
            .map_err(StoreError::from)?
            .iter()
            .map_err(StoreError::from)?
        {
            let (key, value) = entry.map_err(StoreError::from)?;
            let record = StockRecord::decode(value.value())?;
            inventory.set_on_hand(key.value(), record.on_hand);
        }
        let bloom = Bloom::with_capacity(list.len() * 2);
        list.skus().for_each(|sku| bloom.insert(sku));
        Ok(Catalog {
            state: Arc::new(State {
                tree: RwLock::new(tree),
                list: RwLock::new(list),
                cache: ProductCache::new(cache_capacity),
                bloom: RwLock::new(Arc::new(bloom)),
                inventory,
            }),
        })
    }

    /// Creates a product (and any categories of its path) in the next batch.
    pub(crate) fn create_product(
        &self,
        store: &Store,
        new: NewProduct,
    ) -> Result<Written<Product>> {
        new.validate()?;
        let state = Arc::clone(&self.state);
        store.write(
            move |tx| insert_product(tx, new),
            move |written| state.apply(written),
        )
    }

    /// Queues a whole chunk of products as one job; `reply` gets one outcome per input,
    /// in order, and the last event's sequence number.
    pub(crate) fn submit_import(
        &self,
        store: &Store,
        products: Vec<NewProduct>,
        reply: impl FnOnce(Result<ImportChunk>) + Send + 'static,
    ) -> Result<()> {
        let state = Arc::clone(&self.state);
        store.submit(
            move |tx| {
                let mut chunk = ImportChunk {
                    outcomes: Vec::with_capacity(products.len()),
                    last_seq: 0,
                };
                for new in products {
                    let outcome = match new
                        .validate()
                        .map_err(Error::from)
                        .and_then(|()| insert_product(tx, new))
                    {
                        Ok(written) => {
                            chunk.last_seq = written.seq;
                            Ok(written)
                        }
                        Err(error @ Error::Store(_)) => return Err(error),
                        Err(error) => Err(error),
                    };
                    chunk.outcomes.push(outcome);
                }
                Ok(chunk)
            },
            move |chunk: &ImportChunk| {
                chunk
                    .outcomes
                    .iter()
                    .flatten()
                    .for_each(|written| state.apply(written))
            },
            reply,
        )
    }

    /// Applies `patch` to product `id`; `expected_version` guards lost updates.
    pub(crate) fn update_product(
        &self,
        store: &Store,
        id: ProductId,
        patch: ProductPatch,
        expected_version: Option<u64>,
    ) -> Result<Written<Product>> {
        patch.validate()?;
        let state = Arc::clone(&self.state);
        store.write(
            move |tx| patch_product(tx, id, patch, expected_version),
            move |written| state.apply(written),
        )
    }

    /// Creates a category under `parent` (or at the root).
    pub(crate) fn create_category(
        &self,
        store: &Store,
        name: String,
        parent: Option<CategoryId>,
    ) -> Result<Written<CategoryView>> {
        validate_category(&name, "name")?;
        let state = Arc::clone(&self.state);
        let written = store.write(
            move |tx| {
                let parent_raw = match parent {
                    Some(parent) => {
                        require_category(tx, parent, "parent_id")?;
                        parent.raw()
                    }
                    None => 0,
                };
                if let Some(existing) = tx.category_children()?.get((parent_raw, name.as_str()))? {
                    let existing = CategoryId::from_raw(existing.value());
                    return Err(CatalogError::DuplicateCategory { name, existing }.into());
                }
                let category = add_category(tx, parent, &name)?;
                let seq = tx.emit(Event::CategoryCreated(category.clone()))?;
                Ok(Written {
                    value: category.id,
                    seq,
                    categories: vec![category],
                    created_stock: None,
                })
            },
            move |written| state.apply_categories(&written.categories),
        )?;
        let view = self.state.tree.read().view(written.value).ok_or_else(|| {
            CatalogError::CategoryNotFound {
                id: written.value.to_string(),
                field: "id",
            }
        })?;
        Ok(Written {
            value: view,
            seq: written.seq,
            categories: written.categories,
            created_stock: None,
        })
    }

    /// Product `id`, from the cache or the store.
    pub(crate) fn product(&self, store: &Store, id: ProductId) -> Result<Option<Arc<Product>>> {
        if let Some(product) = self.state.cache.get(id.raw()) {
            return Ok(Some(product));
        }
        if self.state.list.read().version(id.raw()).is_none() {
            return Ok(None);
        }
        let txn = store.read()?;
        let table = txn.open_table(tables::PRODUCTS).map_err(StoreError::from)?;
        let Some(bytes) = table.get(id.raw()).map_err(StoreError::from)? else {
            return Ok(None);
        };
        let product = Arc::new(decode_from::<Product>("products", bytes.value())?);
        let list = &self.state.list;
        self.state.cache.put_if(Arc::clone(&product), |p| {
            list.read().version(p.id.raw()) == Some(p.version)
        });
        Ok(Some(product))
    }

    /// The id of the product with `sku`; the bloom filter answers most misses.
    pub(crate) fn product_id_by_sku(&self, store: &Store, sku: &str) -> Result<Option<ProductId>> {
        if !self.state.bloom.read().may_contain(sku) {
            return Ok(None);
        }
        let txn = store.read()?;
        let table = txn.open_table(tables::SKUS).map_err(StoreError::from)?;
        Ok(table
            .get(sku)
            .map_err(StoreError::from)?
            .map(|id| ProductId::from_raw(id.value())))
    }

    /// Whether the bloom filter admits `sku` (false: certainly unknown).
    pub(crate) fn sku_may_exist(&self, sku: &str) -> bool {
        self.state.bloom.read().may_contain(sku)
    }

    /// One page of active products.
    pub(crate) fn list(&self, store: &Store, query: &ProductQuery) -> Result<ProductPage> {
        let limit = check_limit(query.limit)?;
        let categories = match query.category {
            Some(category) => {
                let tree = self.state.tree.read();
                if !tree.contains(category) {
                    // A filter on a category that does not exist matches nothing.
                    return Ok(ProductPage {
                        products: Vec::new(),
                        next_cursor: None,
                    });
                }
                Some(
                    tree.descendants(category)
                        .into_iter()
                        .collect::<HashSet<_>>(),
                )
            }
            None => None,
        };
        let availability = self.state.inventory.availability();
        let in_stock = |id: u64| availability.in_stock(id);
        let filter = Filter {
            categories,
            brand_key: query.brand.as_deref().map(fold),
            min_price: query.min_price.unwrap_or(0),
            max_price: query.max_price.unwrap_or(u64::MAX),
            in_stock: query.in_stock.then_some(&in_stock as &dyn Fn(u64) -> bool),
        };
        let (ids, next_cursor) =
            self.state
                .list
                .read()
                .page(query.sort, query.cursor.as_deref(), limit, &filter)?;
        let mut products = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(product) = self.product(store, ProductId::from_raw(id))? {
                products.push(product);
            }
        }
        Ok(ProductPage {
            products,
            next_cursor,
        })
    }

    /// Every category.
    pub(crate) fn categories(&self) -> Vec<CategoryView> {
        self.state.tree.read().all()
    }

    /// One category.
    pub(crate) fn category(&self, id: CategoryId) -> Option<CategoryView> {
        self.state.tree.read().view(id)
    }

    /// Counters of the hot-product cache: (hits, misses).
    pub(crate) fn cache_counters(&self) -> (u64, u64) {
        self.state.cache.counters()
    }

    /// How many products exist, and how many are active.
    pub(crate) fn product_counts(&self) -> (usize, usize) {
        let list = self.state.list.read();
        (list.len(), list.active_len())
    }
}

/// The outcome of one import chunk.
pub(crate) struct ImportChunk {
    pub(crate) outcomes: Vec<Result<Written<Product>>>,
    pub(crate) last_seq: u64,
}

fn check_limit(limit: usize) -> Result<usize> {
    if !(1..=PAGE_LIMIT_MAX).contains(&limit) {
        let message = format!("`limit` must be between 1 and {PAGE_LIMIT_MAX}");
        return Err(ValidationError::new("limit", "out_of_range", message).into());
    }
    Ok(limit)
}

impl State {
    fn apply(&self, written: &Written<Product>) {
        self.apply_categories(&written.categories);
        let product = &written.value;
        self.list.write().upsert(product);
        self.cache.put(Arc::new(product.clone()));
        if let Some(on_hand) = written.created_stock {
            self.inventory.set_on_hand(product.id.raw(), on_hand);
        }
        let bloom = Arc::clone(&self.bloom.read());
        bloom.insert(&product.sku);
        if bloom.len() > bloom.capacity() {
            self.grow_bloom();
        }
    }

    fn apply_categories(&self, categories: &[Category]) {
        if categories.is_empty() {
            return;
        }
        let mut tree = self.tree.write();
        categories
            .iter()
            .for_each(|category| tree.insert(category.clone()));
    }

    /// Rebuilds the bloom filter at twice the size once it is full, so the false-positive
    /// rate stays within its bound as the catalog grows.
    fn grow_bloom(&self) {
        let list = self.list.read();
        let bloom = Bloom::with_capacity(list.len() * 2);
        list.skus().for_each(|sku| bloom.insert(sku));
        *self.bloom.write() = Arc::new(bloom);
    }
}

fn insert_product(tx: &mut Tx<'_>, new: NewProduct) -> Result<Written<Product>> {
    if tx.skus()?.get(new.sku.as_str())?.is_some() {
        return Err(CatalogError::DuplicateSku { sku: new.sku }.into());
    }
    let (category_id, categories) = resolve_category(tx, &new.category, "category_id")?;
    let id = ProductId::from_raw(tx.next_id(Counter::Product));
    let product = Product {
        id,
        sku: new.sku,
        name: new.name,
        description: new.description,
        brand: new.brand,
        category_id,
        price: new.price,
        attributes: new.attributes,
        images: new.images,
        status: new.status,
        created_at: tx.now,
        updated_at: tx.now,
        version: 1,
    };
    tx.products()?
        .insert(id.raw(), encode(&product).as_slice())?;
    tx.skus()?.insert(product.sku.as_str(), id.raw())?;
    let stock = StockRecord {
        on_hand: new.stock,
        sold: 0,
        low_stock_threshold: crate::inventory::LOW_STOCK_THRESHOLD_DEFAULT,
    };
    tx.stock()?.insert(id.raw(), encode(&stock).as_slice())?;
    let seq = tx.emit(Event::ProductCreated(product.clone()))?;
    Ok(Written {
        value: product,
        seq,
        categories,
        created_stock: Some(stock.on_hand),
    })
}

fn patch_product(
    tx: &mut Tx<'_>,
    id: ProductId,
    patch: ProductPatch,
    expected_version: Option<u64>,
) -> Result<Written<Product>> {
    let not_found = || CatalogError::ProductNotFound { id: id.to_string() };
    let before: Product = match tx.products()?.get(id.raw())? {
        Some(bytes) => decode_from("products", bytes.value())?,
        None => return Err(not_found().into()),
    };
    if let Some(expected) = expected_version.filter(|&expected| expected != before.version) {
        return Err(CatalogError::VersionMismatch {
            expected,
            current: before.version,
        }
        .into());
    }
    let (category_id, categories) = match &patch.category {
        Some(reference) => resolve_category(tx, reference, "category_id")?,
        None => (before.category_id, Vec::new()),
    };
    let mut after = before.clone();
    after.category_id = category_id;
    if let Some(name) = patch.name {
        after.name = name;
    }
    if let Some(description) = patch.description {
        after.description = description;
    }
    if let Some(brand) = patch.brand {
        after.brand = brand;
    }
    if let Some(price) = patch.price {
        after.price = price;
    }
    if let Some(attributes) = patch.attributes {
        after.attributes = attributes;
    }
    if let Some(images) = patch.images {
        after.images = images;
    }
    if let Some(status) = patch.status {
        after.status = status;
    }
    after.version = before.version + 1;
    after.updated_at = tx.now;
    tx.products()?.insert(id.raw(), encode(&after).as_slice())?;
    let seq = tx.emit(Event::ProductUpdated {
        before,
        after: after.clone(),
    })?;
    Ok(Written {
        value: after,
        seq,
        categories,
        created_stock: None,
    })
}

fn require_category(tx: &mut Tx<'_>, id: CategoryId, field: &'static str) -> Result<()> {
    if tx.categories()?.get(id.raw())?.is_none() {
        return Err(CatalogError::CategoryNotFound {
            id: id.to_string(),
            field,
        }
        .into());
    }
    Ok(())
}

/// Finds the category a reference names, creating the missing parts of a path. Reads
/// through the transaction, so a path created earlier in the same batch is found.
fn resolve_category(
    tx: &mut Tx<'_>,
    reference: &CategoryRef,
    field: &'static str,
) -> Result<(CategoryId, Vec<Category>)> {
    match reference {
        CategoryRef::Id(id) => {
            require_category(tx, *id, field)?;
            Ok((*id, Vec::new()))
        }
        CategoryRef::Path(path) => {
            let names = crate::model::split_category_path(path, "category")?;
            let mut parent: Option<CategoryId> = None;
            let mut created = Vec::new();
            for name in names {
                let key = (parent.map_or(0, CategoryId::raw), name);
                let existing = tx.category_children()?.get(key)?.map(|id| id.value());
                let id = match existing {
                    Some(id) => CategoryId::from_raw(id),
                    None => {
                        let category = add_category(tx, parent, name)?;
                        tx.emit(Event::CategoryCreated(category.clone()))?;
                        let id = category.id;
                        created.push(category);
                        id
                    }
                };
                parent = Some(id);
            }
            Ok((
                parent.expect("a validated path has at least one name"),
                created,
            ))
        }
    }
}

fn add_category(tx: &mut Tx<'_>, parent: Option<CategoryId>, name: &str) -> Result<Category> {
    let id = CategoryId::from_raw(tx.next_id(Counter::Category));
    let category = Category {
        id,
        name: name.to_string(),
        parent_id: parent,
        created_at: tx.now,
    };
    tx.categories()?
        .insert(id.raw(), encode(&category).as_slice())?;
    tx.category_children()?
        .insert((parent.map_or(0, CategoryId::raw), name), id.raw())?;
    Ok(category)
}

impl<T> Written<T> {
    /// The written value.
    pub(crate) fn into_value(self) -> T {
        self.value
    }
}
