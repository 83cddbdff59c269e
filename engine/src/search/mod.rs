//! Search: the tantivy full-text index, the autocomplete trie, and the thread that keeps
//! both up to date from the event log.
//!
//! Search owns three things and no table of the store:
//! - [`SearchIndex`] (`index.rs`): one tantivy document per **active** product, with
//!   BM25 over name, brand and description, typo tolerance, filters, exact facet counts
//!   (`collector.rs`) and highlighting (`highlight.rs`); request checking, cursors and
//!   query building live in `query.rs`.
//! - [`Autocomplete`] (`trie.rs`): a radix trie over folded product names and brands,
//!   each node caching its best completions, so a suggestion costs the length of the
//!   prefix plus the number of suggestions.
//! - [`Indexer`] (`indexer.rs`): the search subscriber of the outbox. It reads committed
//!   events in batches, applies them to the index (one tantivy commit per batch) and to
//!   the trie, then publishes how far it got so a writer can wait until its change is
//!   searchable (read-your-writes).
//!
//! Invariants:
//! - The index and the trie are read models of the event log: everything in them can be
//!   rebuilt from the store ([`SearchIndex::rebuild`]), so losing or discarding the index
//!   directory loses nothing.
//! - The index records in its tantivy commit payload the sequence number of the last
//!   event it includes; after a restart the indexer resumes from there. Events are
//!   states, not deltas (an update carries the whole product), so applying one twice is
//!   harmless, and the index ignores events at or below the sequence it has seen, so an
//!   old batch can never overwrite a newer state.
//! - Only active products are in the index and in the trie.
//! - Stock is not indexed (it changes on every sale): `in_stock` is a predicate the
//!   caller passes to each search, and totals and facets are counted after it.

mod api;
mod collector;
mod docs;
mod execute;
mod highlight;
mod index;
mod indexer;
mod query;
mod segment;
mod trie;
mod vocabulary;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::model::{CategoryId, ProductId};
use crate::store::StoreError;

pub(crate) use index::SearchIndex;
pub(crate) use indexer::Indexer;
pub(crate) use trie::{Autocomplete, TrieOp};
pub use trie::{SUGGEST_LIMIT_MAX, SUGGEST_PREFIX_CHARS_MAX};

/// Longest search query, in characters.
pub const SEARCH_QUERY_CHARS_MAX: usize = 500;
/// Most words of a query that are searched; later words are ignored, which bounds the
/// cost of one query whatever it contains.
pub const SEARCH_WORDS_MAX: usize = 16;
/// Largest page of search results.
pub const SEARCH_LIMIT_MAX: usize = 100;
/// The page size when none is given.
pub const SEARCH_LIMIT_DEFAULT: usize = 20;
/// Deepest offset a cursor may reach: deep paging costs a top-k of offset + limit.
pub const SEARCH_OFFSET_MAX: usize = 10_000;
/// Most brands in the brand facet (the largest counts).
pub const BRAND_FACETS_MAX: usize = 20;
/// Most categories in the category facet (the largest counts).
pub const CATEGORY_FACETS_MAX: usize = 100;
/// The lower edges, in minor units, of the price buckets after the first (which starts
/// at 0); the last bucket is open-ended.
pub const PRICE_BUCKET_EDGES: [u64; 6] = [1_000, 2_500, 5_000, 10_000, 25_000, 50_000];

/// A search: text, filters and the page wanted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRequest {
    /// Plain text, at most [`SEARCH_QUERY_CHARS_MAX`] characters; no operator syntax.
    /// Empty (after trimming) matches every active product; text without any word
    /// (only punctuation or symbols) matches none.
    pub q: String,
    /// Only products in this category or one of its descendants (an unknown category
    /// matches nothing).
    pub category: Option<CategoryId>,
    /// Only products of this brand (the whole brand, case and accents ignored); blank
    /// means no brand filter.
    pub brand: Option<String>,
    /// Lowest price, in minor units, inclusive.
    pub min_price: Option<u64>,
    /// Highest price, in minor units, inclusive.
    pub max_price: Option<u64>,
    /// Only products the caller's stock predicate says are in stock.
    pub in_stock: bool,
    /// Page size, 1 to [`SEARCH_LIMIT_MAX`].
    pub limit: usize,
    /// Where the page starts: a `next_cursor` from an earlier page of the same search.
    pub cursor: Option<String>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            category: None,
            brand: None,
            min_price: None,
            max_price: None,
            in_stock: false,
            limit: SEARCH_LIMIT_DEFAULT,
            cursor: None,
        }
    }
}

/// One matching product.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchHit {
    /// The product.
    pub product_id: ProductId,
    /// Its relevance (higher is better; 1.0 for every product when `q` is empty).
    pub score: f32,
    /// Field name (`name`, `brand`, `description`) → HTML snippet with every matched
    /// word wrapped in `<mark>`…`</mark>` and everything else escaped. Only fields in
    /// which some query word matched are present.
    pub highlights: BTreeMap<String, String>,
}

/// How many results carry one facet value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value: a category id (`cat_…`) or a brand as written on a product.
    pub value: String,
    /// How many results carry it.
    pub count: u64,
}

/// How many results have a price in `[min, max)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriceBucket {
    /// Lower edge, in minor units, inclusive.
    pub min: u64,
    /// Upper edge, in minor units, exclusive; `None` for the last, open-ended bucket.
    pub max: Option<u64>,
    /// How many results fall in it.
    pub count: u64,
}

/// Counts over the whole filtered result set (not just the page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Per category, counting a product under its category and every ancestor; largest
    /// counts first (ties by id), at most [`CATEGORY_FACETS_MAX`].
    pub category: Vec<FacetCount>,
    /// Per brand (brands equal up to case and accents are one), largest counts first
    /// (ties by brand), at most [`BRAND_FACETS_MAX`].
    pub brand: Vec<FacetCount>,
    /// Every bucket of [`PRICE_BUCKET_EDGES`], in price order, empty ones included so
    /// the shape never changes.
    pub price: Vec<PriceBucket>,
}

/// A page of search results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchResults {
    /// The page, best first; ties in score are ordered by product id.
    pub hits: Vec<SearchHit>,
    /// The exact number of matching products (filters and stock included).
    pub total: u64,
    /// Facet counts over all matching products.
    pub facets: Facets,
    /// The cursor of the next page; `None` on the last one.
    pub next_cursor: Option<String>,
    /// Time spent, in microseconds.
    pub took_us: u64,
}

/// What an autocomplete suggestion completes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionKind {
    /// A product name.
    Product,
    /// A brand.
    Brand,
}

/// One autocomplete suggestion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The whole name or brand, as most products write it.
    pub text: String,
    /// A product name or a brand.
    pub kind: SuggestionKind,
    /// Products carrying it plus popularity (views, purchases).
    pub score: u64,
}

/// A failure of search.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The cursor was not produced by this search (garbage, forged, or from another
    /// query).
    #[error("`cursor` is not a cursor of this search")]
    InvalidCursor,
    /// A request field is out of its range.
    #[error("invalid `{field}`: {message}")]
    InvalidRequest {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The search index failed (I/O, corruption).
    #[error("search index error: {0}")]
    Index(Arc<tantivy::TantivyError>),
    /// A file-system operation on the index directory failed.
    #[error("search index I/O error: {0}")]
    Io(Arc<std::io::Error>),
    /// Reading the store failed (while rebuilding or catching up).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(Arc::new(error))
    }
}

impl From<std::io::Error> for SearchError {
    fn from(error: std::io::Error) -> Self {
        SearchError::Io(Arc::new(error))
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(error: tantivy::directory::error::OpenDirectoryError) -> Self {
        SearchError::Index(Arc::new(error.into()))
    }
}
