//! The engine's search surface: full-text search, autocomplete, readiness, reindex.

use std::time::{Duration, Instant};

use super::{SearchRequest, SearchResults, Suggestion};
use crate::Result;
use crate::engine::SEARCHABLE_WAIT_MS_MAX;
use crate::model::ProductId;

impl crate::Engine {
    /// Full-text search over active products with filters, facets and highlights.
    /// `in_stock` is judged on live stock at the moment of the search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let availability = self.inner.inventory.availability();
        let in_stock = |product: ProductId| availability.in_stock(product.raw());
        Ok(self.inner.search.search(request, &in_stock)?)
    }

    /// Suggestions whose text starts with `prefix` (case and accents ignored), best first.
    pub fn autocomplete(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        self.inner.autocomplete.suggest(prefix, limit)
    }

    /// Raises the popularity of a product name or brand in autocomplete (views, sales).
    pub fn bump_suggestion(&self, text: &str, weight: u64) {
        self.inner.autocomplete.bump(text, weight);
    }

    /// True when search and autocomplete include every committed change.
    pub fn is_ready(&self) -> bool {
        self.inner.indexer.caught_up()
    }

    /// Waits until [`Engine::is_ready`] or `timeout`; returns readiness.
    pub fn wait_until_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let target = self.inner.store.committed_event_seq();
            let left = deadline.saturating_duration_since(Instant::now());
            let indexed = self
                .inner
                .indexer
                .wait_indexed(target, left.min(Duration::from_millis(100)));
            if indexed && self.is_ready() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    /// How many products exist (every status) and how many are active.
    pub fn product_counts(&self) -> (usize, usize) {
        self.inner.catalog.product_counts()
    }

    /// Rebuilds the search index from the store; returns the products indexed.
    pub fn reindex(&self) -> Result<u64> {
        Ok(self.inner.search.rebuild(&self.inner.store)?)
    }

    /// Waits until search includes event `seq` (read-your-writes for product writes).
    pub(crate) fn wait_searchable(&self, seq: u64) {
        if seq == 0 {
            return;
        }
        let timeout = Duration::from_millis(SEARCHABLE_WAIT_MS_MAX);
        if !self.inner.indexer.wait_indexed(seq, timeout) {
            tracing::warn!(seq, "search did not include a committed write in time");
        }
    }
}
